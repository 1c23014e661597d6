"""``trailguard deploy`` checks its prerequisites before it writes anything: each missing one
is one line on stderr (``trailguard: missing: ...``), then one error line, exit 2, no
traceback, and no write made. Option contradictions are refused before any AWS call."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_model import FakeClock
from deploy_support import build_once, make_buckets, ready_org, record_config
from moto import mock_aws
from moto.organizations.models import FakeDelegatedAdministrator
from moto_org import MotoOrg

import trailguard.aws.clients
from trailguard.aws.deploy import Deployer, DeployOptions, PrerequisitesMissing
from trailguard.aws.deploy_base import DEPLOY_WRITES
from trailguard.cli import main

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.+ConformancePack")

ROOT = Path(__file__).resolve().parents[2]
HOME, OTHER = "us-east-1", "eu-west-1"
STACKSETS = "member.org.stacksets.cloudformation.amazonaws.com"
CONFIG_ORG = "config-multiaccountsetup.amazonaws.com"
NOTHING = "trailguard: error: deploy: {} prerequisite(s) missing; nothing was deployed"


@pytest.fixture(autouse=True)
def built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    build_once(monkeypatch)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def run(monkeypatch: pytest.MonkeyPatch, *argv: str, session: Any = None) -> tuple[int, str, str]:
    """The CLI, its clients from ``session`` (default: the environment's account)."""

    def from_profile(cls: Any, profile: str | None, region: str | None, notify: Any = None) -> Any:
        return cls(session or boto3.Session(region_name=region))

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", classmethod(from_profile))
    out, err = io.StringIO(), io.StringIO()
    code = main(["deploy", "--root", str(ROOT), "--bucket", "art-{region}",
                 "--regions", f"{HOME},{OTHER}", *argv], stdout=out, stderr=err)  # fmt: skip
    return code, out.getvalue(), err.getvalue()


def missing(*lines: str) -> str:
    return "".join(f"trailguard: missing: {line}\n" for line in lines) + (
        NOTHING.format(len(lines)) + "\n"
    )


def stacks() -> list[str]:
    return [
        s["StackName"]
        for r in (HOME, OTHER)
        for s in boto3.client("cloudformation", region_name=r).list_stacks()["StackSummaries"]
    ]


def test_account_without_buckets_or_recording(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    make_buckets([HOME])
    record_config([OTHER])
    code, out, err = run(monkeypatch)
    assert (code, out, err) == (
        2,
        "",
        missing(
            f"artifact bucket art-{OTHER} does not exist (region {OTHER}): create it",
            f"AWS Config is not recording in {HOME} in this account: start a configuration "
            "recorder there (the rules judge what Config records)",
        ),
    )
    assert stacks() == []


def test_organization_without_features_trusted_access_or_the_right_caller(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_buckets([HOME, OTHER])
    record_config([HOME, OTHER])
    boto3.client("organizations", region_name=HOME).create_organization(
        FeatureSet="CONSOLIDATED_BILLING"
    )
    code, out, err = run(monkeypatch, "--org", "--mode", "organization-pack", "--delegated-admin")
    enable = "aws organizations enable-aws-service-access --service-principal"
    assert (code, out, err) == (
        2,
        "",
        "trailguard deploy: note: trusted access for config.amazonaws.com is off; deploy does "
        "not need it, an organization-wide Config aggregator (report --aggregator) does\n"
        + missing(
            "the organization has consolidated billing features only: enable all features "
            "(service-managed StackSets and organization conformance packs need them)",
            "--delegated-admin: this account 123456789012 is the management account; run "
            "without --delegated-admin",
            f"trusted access for {STACKSETS} is off: turn it on from the management account "
            f"({enable} {STACKSETS})",
            f"trusted access for {CONFIG_ORG} is off: turn it on from the management account "
            f"({enable} {CONFIG_ORG})",
        ),
    )
    assert stacks() == []


@pytest.mark.parametrize("delegated", [False, True])
def test_a_member_account_must_be_a_registered_delegated_administrator(
    aws: None, monkeypatch: pytest.MonkeyPatch, delegated: bool
) -> None:
    # CloudFormation user guide, "Register a delegated administrator": StackSets' principal is
    # member.org.stacksets.cloudformation.amazonaws.com; moto 5.2 does not list it
    supported = [*FakeDelegatedAdministrator.SUPPORTED_SERVICES, STACKSETS]
    monkeypatch.setattr(FakeDelegatedAdministrator, "SUPPORTED_SERVICES", supported)
    org: MotoOrg = ready_org([HOME, OTHER], members=1)
    member = org.members[0]
    organizations = boto3.client("organizations", region_name=HOME)
    organizations.register_delegated_administrator(AccountId=member, ServicePrincipal=STACKSETS)
    session = org.session(member)
    for region in (HOME, OTHER):  # the member's own buckets and recorder
        make_buckets([region], name=f"m-{member}-{{region}}")
    record_config([HOME, OTHER], session)

    def client_for(service: str, region: str) -> Any:
        # AWS answers a delegated administrator's Organizations reads with the organization's
        # data; moto answers a member from its own empty view: so those go to the management
        # account's view here, everything else is the member's
        if service == "organizations":
            return org.session(org.management, region).client(service)
        return session.client(service, region_name=region)

    options = DeployOptions(bucket=f"m-{member}-{{region}}", regions=[HOME, OTHER], org=True,
                            mode="organization-pack", delegated_admin=delegated)  # fmt: skip
    with pytest.raises(PrerequisitesMissing) as caught:
        Deployer(ROOT, options, client_for).run()
    assert caught.value.missing == (
        [
            f"this account {member} is not a delegated administrator for {CONFIG_ORG}: "
            "register it from the management account (aws organizations "
            f"register-delegated-administrator --account-id {member} --service-principal "
            f"{CONFIG_ORG})"
        ]
        if delegated  # registered for StackSets, not for Config
        else [
            f"this account {member} is not the management account {org.management}: run from "
            "it, or from a registered delegated administrator with --delegated-admin"
        ]
    )


def test_a_bucket_in_another_region_is_named(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    make_buckets([HOME])
    boto3.client("s3", region_name=HOME).create_bucket(Bucket=f"art-{OTHER}")  # in us-east-1
    record_config([HOME, OTHER])
    code, _, err = run(monkeypatch)
    assert (code, err) == (
        2,
        missing(
            f"artifact bucket art-{OTHER} is in {HOME}, not {OTHER}: each region needs a "
            "bucket of its own (name it with {region})"
        ),
    )


@pytest.mark.slow
def test_the_checks_are_reads_and_come_first(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With everything in place, the first calls are the checks, none of them a write."""
    ready_org([HOME, OTHER])
    monkeypatch.setattr("time.sleep", FakeClock().sleep)
    code, out, _ = run(monkeypatch, "--org", "--mode", "organization-pack", "--output", "json")
    import json

    calls = [(c["region"], c["operation"]) for c in json.loads(out)][:9]
    assert (code, calls) == (
        0,
        [
            (HOME, "HeadBucket"),
            (OTHER, "HeadBucket"),
            (HOME, "DescribeConfigurationRecorderStatus"),
            (OTHER, "DescribeConfigurationRecorderStatus"),
            (HOME, "DescribeOrganization"),
            (HOME, "GetCallerIdentity"),
            (HOME, "ListAWSServiceAccessForOrganization"),
            (HOME, "PutObject"),
            (HOME, "CreateStack"),
        ],
    )
    assert not {operation for _, operation in calls[:7]} & DEPLOY_WRITES


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["--mode", "organization-pack"], "--mode organization-pack needs --org"),
        (["--org", "--mode", "organization-pack", "--ou", "ou-ab12-cdefgh"],
         "--ou: an organization conformance pack reaches every account; leave accounts out "
         "with --exclude-account"),
        (["--org", "--mode", "organization-pack", "--automatic-remediation"],
         "--automatic-remediation: an organization conformance pack carries no remediation "
         "(see README, Deploy); use --mode stack-sets for it"),
        (["--org", "--exclude-account", "111122223333"],
         "--exclude-account is for --mode organization-pack only"),
        (["--org", "--mode", "organization-pack", "--delivery-bucket", "my-bucket"],
         "--delivery-bucket 'my-bucket': AWS Config wants a name that starts with "
         "awsconfigconforms"),
    ],
)  # fmt: skip
def test_contradicting_options_are_one_line_before_any_call(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], line: str
) -> None:
    code, out, err = run(monkeypatch, *argv)  # no mock_aws: a call would fail differently
    assert (code, out, err) == (
        2,
        "",
        f"trailguard: error: {line} (see trailguard deploy --help)\n",
    )


def test_an_account_id_that_is_not_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(monkeypatch, "--org", "--mode", "organization-pack",
                       "--exclude-account", "12345")  # fmt: skip
    assert (code, err) == (
        2,
        "trailguard deploy: error: argument --exclude-account: '12345' is not an AWS account "
        "ID (12 digits) (see trailguard deploy --help)\n",
    )


def test_the_cli_offers_the_modes_deploy_knows() -> None:
    import trailguard.aws.deploy
    import trailguard.cli.deploy

    assert trailguard.cli.deploy.MODES == trailguard.aws.deploy.MODES
