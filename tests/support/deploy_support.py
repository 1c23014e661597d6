"""Shared by the deploy tests: the artifacts built once per test run (each Deployer builds
them again otherwise, seconds each), and the artifact buckets."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import boto3
import pytest

import trailguard.artifacts.build
import trailguard.aws.deploy


@functools.cache
def _artifacts(root: Path) -> dict[str, bytes]:
    return trailguard.artifacts.build.artifacts(root)


def build_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trailguard.aws.deploy, "artifacts", _artifacts)


def make_buckets(regions: list[str], name: str = "art-{region}") -> None:
    for region in regions:
        where = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}  # fmt: skip
        boto3.client("s3", region_name=region).create_bucket(
            Bucket=name.format(region=region), **where
        )


def record_config(regions: list[str], session: Any = None) -> None:
    """AWS Config recording in each region (deploy checks it first), in the account of
    ``session`` (default: the environment's)."""
    for region in regions:
        config = (session or boto3).client("config", region_name=region)
        config.put_configuration_recorder(
            ConfigurationRecorder={"name": "default", "roleARN": ROLE_ARN}
        )
        config.put_delivery_channel(
            DeliveryChannel={"name": "default", "s3BucketName": "config-delivery"}
        )
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def trust_services(*principals: str) -> None:
    """Trusted access in the organization of the environment's (management) account."""
    organizations = boto3.client("organizations", region_name="us-east-1")
    for principal in principals or TRUSTED:
        organizations.enable_aws_service_access(ServicePrincipal=principal)


ROLE_ARN = "arn:aws:iam::123456789012:role/config-recorder"
TRUSTED = (
    "member.org.stacksets.cloudformation.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com",
    "config.amazonaws.com",
)


def ready_org(regions: list[str], members: int = 3) -> Any:
    """Inside ``mock_aws``: an organization (moto_org.MotoOrg) with what deploy needs: the
    artifact buckets, Config recording in every account and region, trusted access."""
    from moto_org import build_org

    make_buckets(regions)
    record_config(regions)
    org = build_org(members)
    trust_services()
    for member in org.members:
        record_config(regions, org.session(member))
    return org
