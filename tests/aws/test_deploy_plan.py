"""``trailguard deploy --dry-run``: a plan read from the accounts, with nothing deployed: new
stacks and stack sets to create, for existing stacks a change set (created, described,
deleted) of what would change, the invoke permissions to add, the organization pack."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from aws_behaviours import AwsBehaviours
from aws_model import FakeClock
from deploy_support import build_once, make_buckets, ready_org, record_config
from moto import mock_aws

import trailguard.aws.clients
from trailguard.aws.deploy import Deployer, DeployOptions
from trailguard.aws.deploy_base import DEPLOY_WRITES
from trailguard.aws.deploy_plan import render
from trailguard.cli import main

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.+ConformancePack")

ROOT = Path(__file__).resolve().parents[2]
HOME, OTHER = "us-east-1", "eu-west-1"
REGIONS = [HOME, OTHER]
HEADER = (
    "trailguard deploy plan: nothing was deployed (change-set templates were uploaded under "
    "trailguard/plan/ in art-{region}).\n"
)


@pytest.fixture(autouse=True)
def built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    build_once(monkeypatch)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def client_for(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)


def resources(region: str, stack: str) -> list[tuple[str, str]]:
    cloudformation = boto3.client("cloudformation", region_name=region)
    found = cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return sorted((r["LogicalResourceId"], r["ResourceType"]) for r in found)


def test_an_existing_stack_is_planned_from_a_change_set_that_is_then_deleted(
    aws: None, aws_behaviours: AwsBehaviours
) -> None:
    make_buckets(REGIONS)
    record_config(REGIONS)
    clock = FakeClock()
    options = DeployOptions(bucket="art-{region}", regions=REGIONS)
    Deployer(ROOT, options, client_for, sleep=clock.sleep, clock=clock).run()
    before = {r: resources(r, "trailguard") for r in REGIONS}, resources(HOME, "trailguard-global")

    planner = Deployer(ROOT, options, client_for, sleep=clock.sleep, clock=clock, plan=True)
    template = yaml.safe_load(planner.files["deploy/account-global.yaml"])  # a newer version
    template["Resources"]["Extra"] = {"Type": "AWS::SNS::Topic"}
    del template["Resources"]["RemediationRole"], template["Outputs"]["RemediationRoleArn"]
    template["Resources"]["RuleFunctionRole"]["Properties"]["Description"] = "changed"
    planner.files["deploy/account-global.yaml"] = yaml.safe_dump(template).encode()
    planner.run()

    assert render(planner.plan, options.bucket) == HEADER + (
        "\nthis account, us-east-1\n"
        "  stack trailguard-global: update, 3 change(s)\n"
        "    Add AWS::SNS::Topic Extra\n"
        "    Modify AWS::IAM::Role RuleFunctionRole\n"
        "    Remove AWS::IAM::Role RemediationRole\n"
        "  stack trailguard: no change\n"
        "\nthis account, eu-west-1\n"
        "  stack trailguard: no change\n"
    )
    # nothing deployed: the stacks as they were, no change set left, templates only under
    # trailguard/plan/; no call that changes a deployment
    assert ({r: resources(r, "trailguard") for r in REGIONS},
            resources(HOME, "trailguard-global")) == before  # fmt: skip
    cloudformation = boto3.client("cloudformation", region_name=HOME)
    assert cloudformation.list_change_sets(StackName="trailguard-global")["Summaries"] == []
    assert not {c.operation for c in planner.calls} & DEPLOY_WRITES
    assert sorted(c.params["Key"] for c in planner.calls if c.operation == "PutObject") == [
        "trailguard/plan/deploy/account-global.yaml",
        "trailguard/plan/deploy/account.yaml",
        "trailguard/plan/deploy/account.yaml",
    ]
    assert [c.operation for c in planner.calls if "ChangeSet" in c.operation] == [
        "CreateChangeSet",
        "DeleteChangeSet",
    ] * 3


def test_an_organization_plan_before_anything_exists(
    aws: None, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = ready_org(REGIONS, members=2)

    def from_profile(cls: Any, profile: str | None, region: str | None, notify: Any = None) -> Any:
        return cls(boto3.Session(region_name=region))

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", classmethod(from_profile))
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["deploy", "--org", "--mode", "organization-pack", "--dry-run", "--root", str(ROOT),
         "--bucket", "art-{region}", "--regions", ",".join(REGIONS),
         "--exclude-account", org.members[1]],
        stdout=out, stderr=err,
    )  # fmt: skip
    me, members = org.management, ", ".join(org.members)
    root = boto3.client("organizations").list_roots()["Roots"][0]["Id"]
    functions = (
        "trailguard-sns-data-events-enabled",
        "trailguard-sns-data-events-account-coverage",
    )
    permissions = "".join(
        f"  invoke permissions of {f}: add 2 for AWS Config of account(s)\n    {members}\n"
        for f in functions
    )
    reach = f"instances in every account of {root} but the management account, in"
    pack = (
        "  organization conformance pack trailguard-sns-data-events: create\n"
        f"    reaches every account of the organization but {org.members[1]}\n"
        "    rules only, no remediation\n"
    )
    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue() == HEADER + (
        f"\nthis account {me}, us-east-1\n"
        "  stack trailguard-org-admin-global: create\n    from deploy/org-admin-global.yaml\n"
        "  stack trailguard-org-admin: create\n    from deploy/org-admin.yaml\n"
        + permissions
        + "  stack trailguard-member-global: create\n    from deploy/org-member-global.yaml\n"
        "  stack trailguard-member: create\n    from deploy/org-member.yaml\n"
        f"\nthis account {me}, eu-west-1\n"
        "  stack trailguard-org-admin: create\n    from deploy/org-admin.yaml\n"
        + permissions
        + "  stack trailguard-member: create\n    from deploy/org-member.yaml\n"
        "\norganization\n"
        "  stack set trailguard-member-global: create in us-east-1\n"
        "    from deploy/org-member-global.yaml\n"
        f"    {reach} us-east-1; auto-deployment to new accounts\n"
        "  stack set trailguard-member: create in us-east-1\n"
        "    from deploy/org-member.yaml\n"
        f"    {reach} us-east-1, eu-west-1; auto-deployment to new accounts\n"
        "\norganization, us-east-1\n" + pack + "\norganization, eu-west-1\n" + pack
    )
    cloudformation = boto3.client("cloudformation", region_name=HOME)
    assert cloudformation.list_stack_sets()["Summaries"] == []
    assert cloudformation.list_stacks()["StackSummaries"] == []
    assert aws_behaviours.config.org_packs.packs == {}
