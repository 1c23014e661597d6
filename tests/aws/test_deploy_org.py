"""``trailguard deploy --org`` against moto with the AWS behaviour model on: a management
account and three members, two regions. Everything is created once, in order, with no
collision (IAM names are per account; a stack set runs one operation at a time; StackSets
skip the management account): asserted on the whole set of stacks, stack instances, roles,
trust policies, functions, invoke permissions and SSM documents per account and region."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_behaviours import AwsBehaviours
from aws_model import FakeClock
from deploy_support import build_once, make_buckets, record_config, trust_services
from moto import mock_aws
from moto_org import MotoOrg, build_org

import trailguard.aws.clients
from trailguard.aws.deploy import Deployer, DeployFailed, DeployOptions
from trailguard.cli import main

# moto's CloudFormation does not know AWS::Config::ConformancePack: no pack is made there.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.+ConformancePack")

ROOT = Path(__file__).resolve().parents[2]
HOME, OTHER = "us-east-1", "eu-west-1"
REGIONS = [HOME, OTHER]
FUNCTIONS = ["trailguard-sns-data-events-enabled", "trailguard-sns-data-events-account-coverage"]
CENTRAL_ROLE = "TrailGuardCentralRuleFunctionRole"
MEMBER_ROLES = [
    "TrailGuardConfigRuleRole",
    "TrailGuardDetectFunctionRole",
    "TrailGuardRemediationRole",
]


@pytest.fixture(autouse=True)
def built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    build_once(monkeypatch)


@pytest.fixture
def org() -> Iterator[MotoOrg]:
    with mock_aws():
        make_buckets(REGIONS)
        record_config(REGIONS)
        found = build_org()
        trust_services()
        yield found


def deploy(org: MotoOrg, **options: Any) -> tuple[Deployer, list[str], FakeClock]:
    clock, notes = FakeClock(), []
    deployer = Deployer(
        ROOT,
        DeployOptions(bucket="art-{region}", regions=REGIONS, org=True, **options),
        lambda service, region: org.session(org.management, region).client(service),
        notify=notes.append,
        sleep=clock.sleep,
        clock=clock,
    )
    deployer.run()
    return deployer, notes, clock


def trailguard_roles(org: MotoOrg, account: str) -> dict[str, Any]:
    iam = org.session(account).client("iam")
    return {
        r["RoleName"]: r["AssumeRolePolicyDocument"]
        for r in iam.list_roles()["Roles"]
        if r["RoleName"].startswith("TrailGuard")
    }


def stacks(org: MotoOrg, account: str, region: str) -> list[str]:
    cloudformation = org.session(account, region).client("cloudformation")
    return sorted(
        s["StackName"]
        for s in cloudformation.list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    )


def instances(stack_set: str) -> list[tuple[str, str, str]]:
    cloudformation = boto3.client("cloudformation", region_name=HOME)
    summaries = cloudformation.list_stack_instances(StackSetName=stack_set)["Summaries"]
    return sorted((i["Account"], i["Region"], i["Status"]) for i in summaries)


def documents(org: MotoOrg, account: str, region: str) -> list[str]:
    ssm = org.session(account, region).client("ssm")
    found = ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}])
    return sorted(d["Name"] for d in found["DocumentIdentifiers"])


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_deploy_org_creates_everything_once_in_order(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    deployer, notes, clock = deploy(org)
    management, members = org.management, org.members
    central = f"arn:aws:iam::{management}:role/{CENTRAL_ROLE}"

    # stacks: the roles once (home region), the rest in each region; the member templates
    # as the management account's own stacks (StackSets never reach it)
    assert {(a, r): stacks(org, a, r) for a in org.accounts for r in REGIONS} == {
        (management, HOME): ["trailguard-member", "trailguard-member-global",
                             "trailguard-org-admin", "trailguard-org-admin-global"],
        (management, OTHER): ["trailguard-member", "trailguard-org-admin"],
        **{(m, r): [] for m in members for r in REGIONS},  # stack set instances are hidden
    }  # fmt: skip
    assert instances("trailguard-member-global") == sorted((m, HOME, "CURRENT") for m in members)
    assert instances("trailguard-member") == sorted(
        (m, r, "CURRENT") for m in members for r in REGIONS
    )

    # roles: once per account; the member role trusts the central role alone
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": central}, "Action": "sts:AssumeRole"}
        ],
    }
    roles = {a: trailguard_roles(org, a) for a in org.accounts}
    assert {a: sorted(r) for a, r in roles.items()} == {
        management: sorted([CENTRAL_ROLE, *MEMBER_ROLES]),
        **{m: MEMBER_ROLES for m in members},
    }
    assert [roles[a]["TrailGuardConfigRuleRole"] for a in org.accounts] == [trust] * 4

    # the central functions in each region, invocable by AWS Config of each account only
    for region in REGIONS:
        lambda_ = org.session(management, region).client("lambda")
        # and, from its own member stack, the detection function (the management account too)
        assert sorted(f["FunctionName"] for f in lambda_.list_functions()["Functions"]) == sorted(
            [*FUNCTIONS, "trailguard-detect"]
        )
        rules = org.session(management, region).client("events").list_rules()["Rules"]
        assert [r["Name"] for r in rules] == ["trailguard-trail-changes"]
        for function in FUNCTIONS:
            assert lambda_.get_function(FunctionName=function)["Configuration"]["Role"] == central
            policy = json.loads(lambda_.get_policy(FunctionName=function)["Policy"])
            sources = sorted(
                (s["Principal"], s["Condition"]["StringEquals"]["AWS:SourceAccount"])
                for s in policy["Statement"]
            )
            assert sources == sorted(({"Service": "config.amazonaws.com"}, a) for a in org.accounts)
    assert {(a, r): documents(org, a, r) for a in org.accounts for r in REGIONS} == {
        (a, r): ["TrailGuard-EnableSnsDataEvents"] for a in org.accounts for r in REGIONS
    }

    # in order, one operation at a time, each waited for
    order = [(c.region, c.operation, c.params.get("StackName") or c.params.get("StackSetName"))
             for c in deployer.calls if c.service == "cloudformation"]  # fmt: skip
    assert order == [
        (HOME, "CreateStack", "trailguard-org-admin-global"),
        (HOME, "CreateStack", "trailguard-org-admin"),
        (OTHER, "CreateStack", "trailguard-org-admin"),
        (HOME, "CreateStackSet", "trailguard-member-global"),
        (HOME, "CreateStackInstances", "trailguard-member-global"),
        (HOME, "CreateStackSet", "trailguard-member"),
        (HOME, "CreateStackInstances", "trailguard-member"),
        (HOME, "CreateStack", "trailguard-member-global"),
        (HOME, "CreateStack", "trailguard-member"),
        (OTHER, "CreateStack", "trailguard-member"),
    ]
    assert aws_behaviours.refused == []
    assert [(o.key[2], o.status, o.targets) for o in aws_behaviours.operations.values()] == [
        ("trailguard-member-global", "SUCCEEDED", [(m, HOME) for m in members]),
        ("trailguard-member", "SUCCEEDED", [(m, r) for r in REGIONS for m in members]),
    ]
    progress = [n for n in notes if n.startswith("stack set")]
    assert progress == [
        "stack set trailguard-member-global: operation running (0 s)",
        "stack set trailguard-member-global: operation running (2 s)",
        "stack set trailguard-member-global: operation succeeded, 3 account-regions, 0 failed",
        "stack set trailguard-member: operation running (0 s)",
        "stack set trailguard-member: operation running (2 s)",
        "stack set trailguard-member: operation succeeded, 6 account-regions, 0 failed",
    ]
    assert clock.sleeps == [2.0, 4.0, 2.0, 4.0]


@pytest.mark.slow
def test_deploy_again_updates_in_place(org: MotoOrg, aws_behaviours: AwsBehaviours) -> None:
    deploy(org)
    before = {a: trailguard_roles(org, a) for a in org.accounts}
    deployer, _, _ = deploy(org)
    assert {a: trailguard_roles(org, a) for a in org.accounts} == before
    assert aws_behaviours.refused == []
    kinds = ("CreateStackSet", "UpdateStackSet", "CreateStackInstances")
    operations = [(c.operation, c.params.get("StackSetName")) for c in deployer.calls
                  if c.operation in kinds]  # fmt: skip
    assert operations == [
        ("UpdateStackSet", "trailguard-member-global"),
        ("CreateStackInstances", "trailguard-member-global"),
        ("UpdateStackSet", "trailguard-member"),
        ("CreateStackInstances", "trailguard-member"),
    ]
    added = [c for c in deployer.calls if c.operation == "AddPermission"]
    assert added == []  # every account's permission is there already


@pytest.mark.slow
def test_deploy_waits_for_an_operation_already_running(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    deploy(org)
    cloudformation = boto3.client("cloudformation", region_name=HOME)
    running = cloudformation.update_stack_set(
        StackSetName="trailguard-member", UsePreviousTemplate=True,
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )["OperationId"]  # fmt: skip
    _, notes, _ = deploy(org)
    assert aws_behaviours.operations[running].polls_left == 0
    assert "stack set trailguard-member: another operation is running, waiting for it" in notes
    assert [code for _, _, code in aws_behaviours.refused] == ["OperationInProgressException"]


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_failed_account_regions_are_reported_with_their_reason(
    org: MotoOrg, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch
) -> None:
    why = "ResourceLogicalId:ConformancePack, ResourceStatusReason:Config is not recording."
    aws_behaviours.instance_failures = {(org.members[1], OTHER): why}
    with pytest.raises(DeployFailed) as caught:
        deploy(org)
    assert (caught.value.what.split(" operation ")[0], caught.value.failures) == (
        "stack set trailguard-member",
        [(org.members[1], OTHER, why)],
    )

    # the CLI: each failure on stderr, one line, exit 4; progress on stderr too
    def from_profile(cls: Any, profile: str | None, region: str | None, notify: Any = None) -> Any:
        return cls(boto3.Session(region_name=region))

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", classmethod(from_profile))
    monkeypatch.setattr("time.sleep", FakeClock().sleep)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["deploy", "--org", "--root", str(ROOT), "--bucket", "art-{region}", "--regions",
         ",".join(REGIONS)],
        stdout=out, stderr=err,
    )  # fmt: skip
    lines = err.getvalue().splitlines()
    failed = [re.sub(r"operation [\w-]+:", "operation <id>:", line)
              for line in lines if "failed" in line and " 0 failed" not in line]  # fmt: skip
    assert (code, out.getvalue()) == (4, "")
    calls = re.search(r"stopped after (\d+) calls", err.getvalue())
    assert calls is not None
    assert failed == [
        "trailguard deploy: stack set trailguard-member: operation failed, 6 account-regions, "
        "1 failed",
        f"trailguard deploy: failed: stack set trailguard-member operation <id>: account "
        f"{org.members[1]} region {OTHER}: {why}",
        f"trailguard: failed: deploy stopped after {calls.group(1)} calls: stack set "
        "trailguard-member operation <id>: 1 account-region(s) failed",
    ]


# --- after the deploy: the organization trail judged once, every member covered by it ----------

LOGGED = (
    "Logged for every resource, caller and session: Publish and PublishBatch on AWS::SNS::Topic"
)
SNS_EVERYTHING = [
    {"Name": "Management events", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}]},
    {"Name": "SNS data events", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]}]},
]  # fmt: skip


def as_central_function(org: MotoOrg, region: str) -> Any:
    """``make_session`` of the central Lambda in the management account: its own credentials
    when called without any, else the member role's it assumed."""

    def make_session(**kwargs: Any) -> Any:
        if "aws_access_key_id" in kwargs:
            return boto3.Session(**kwargs)
        return org.session(org.management, kwargs.get("region_name") or region)

    return make_session


@pytest.mark.slow  # end to end: a whole deploy, then the rules in every member and region
def test_deployed_org_judges_the_org_trail_once_and_covers_every_member(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    """The Done-when scenario whole: deploy --org (management account, three members, two
    regions), then the rules as AWS Config runs them through the central functions with the
    roles the deploy made. The organization trail gets its per-trail verdict in the
    management account, and every member and region its coverage through the central reading
    (members cannot read the trail themselves in this model)."""
    from rule_events import context, scheduled_event

    from trailguard.aws.runtime import run_rule

    deploy(org)
    cloudtrail = org.session(org.management, HOME).client("cloudtrail")
    cloudtrail.create_trail(
        Name="org-trail", S3BucketName="art-us-east-1", IsOrganizationTrail=True,
        IsMultiRegionTrail=True,
    )  # fmt: skip
    cloudtrail.put_event_selectors(TrailName="org-trail", AdvancedEventSelectors=SNS_EVERYTHING)
    cloudtrail.start_logging(Name="org-trail")
    trail_rule, account_rule = (
        "cloudtrail-sns-data-events-enabled",
        "cloudtrail-sns-data-events-account-coverage",
    )

    def rows(evaluations: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        keys = ("ComplianceResourceType", "ComplianceResourceId", "ComplianceType", "Annotation")
        return [tuple(e[k] for k in keys) for e in evaluations]

    # The management account's own pack (its stack, as StackSets skip it): the trail rule.
    evaluations, errors = run_rule(
        trail_rule, scheduled_event(trail_rule, org.management), context(org.management, HOME),
        as_central_function(org, HOME), put=False,
    )  # fmt: skip
    assert (errors, rows(evaluations)) == (
        [], [("AWS::CloudTrail::Trail", "org-trail", "COMPLIANT", LOGGED)]
    )  # fmt: skip
    # Every member, every region: the account rule through the role the deploy put there.
    seen = {}
    for member in org.members:
        for region in REGIONS:
            event = scheduled_event(
                account_rule, member, parameters={"ExecutionRoleName": MEMBER_ROLES[0]}
            )
            evaluations, errors = run_rule(
                account_rule, event, context(org.management, region),
                as_central_function(org, region), put=False,
            )  # fmt: skip
            seen[(member, region)] = (errors, rows(evaluations))
    read = (
        "Organization trail org-trail (us-east-1, read by the central function in account "
        f"{org.management}) logs it: {LOGGED}"
    )
    assert seen == {
        (member, region): ([], [("AWS::::Account", member, "COMPLIANT", read)])
        for member in org.members
        for region in REGIONS
    }
    assert len(org.members) == 3
