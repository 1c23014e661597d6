"""Shared by the deploy tests: the artifacts built once per test run (each Deployer builds
them again otherwise, seconds each), and the artifact buckets."""

from __future__ import annotations

import functools
from pathlib import Path

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
