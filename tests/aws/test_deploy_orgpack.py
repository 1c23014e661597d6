"""``trailguard deploy --org --mode organization-pack`` against moto with the AWS behaviour
model on (its organization conformance packs: tests/support/aws_orgpack_model.py): the same
central Lambdas, permissions and member StackSets as the stack-sets mode, the member
StackSet without its pack, and one organization pack per region, waited for and judged
account by account. The calls are also checked against botocore's API model with Stubber."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_behaviours import AwsBehaviours
from aws_model import FakeClock
from botocore.stub import Stubber
from deploy_support import build_once, ready_org
from moto import mock_aws
from moto_org import MotoOrg

import trailguard.aws.clients
import trailguard.aws.deploy_orgpack
from trailguard.aws.deploy import Deployer, DeployFailed, DeployOptions
from trailguard.cli import main

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.+ConformancePack")

ROOT = Path(__file__).resolve().parents[2]
HOME, OTHER = "us-east-1", "eu-west-1"
REGIONS = [HOME, OTHER]
PACK = "trailguard-sns-data-events"
MODE = "organization-pack"


@pytest.fixture(autouse=True)
def built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    build_once(monkeypatch)


@pytest.fixture
def org() -> Iterator[MotoOrg]:
    with mock_aws():
        yield ready_org(REGIONS)


def deploy(org: MotoOrg, **options: Any) -> tuple[Deployer, list[str]]:
    clock, notes = FakeClock(), []
    deployer = Deployer(
        ROOT,
        DeployOptions(bucket="art-{region}", regions=REGIONS, org=True, mode=MODE, **options),
        lambda service, region: org.session(org.management, region).client(service),
        notify=notes.append,
        sleep=clock.sleep,
        clock=clock,
    )
    deployer.run()
    return deployer, notes


def input_parameters(region: str, central: str) -> list[dict[str, str]]:
    function = f"arn:aws:lambda:{region}:{central}:function:trailguard-sns-data-events-"
    return [
        {"ParameterName": "TrailRuleLambdaArn", "ParameterValue": function + "enabled"},
        {"ParameterName": "AccountRuleLambdaArn", "ParameterValue": function + "account-coverage"},
        {"ParameterName": "ExecutionRoleName", "ParameterValue": "TrailGuardConfigRuleRole"},
    ]


def stack_parameters(org: MotoOrg, region: str, name: str) -> dict[str, str]:
    cloudformation = org.session(org.management, region).client("cloudformation")
    found = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["Parameters"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in found}


@pytest.mark.slow  # a whole organization-pack deploy in two regions
def test_rules_from_an_organization_pack_in_each_region(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    deployer, notes = deploy(org, excluded_accounts=[org.members[2]])
    packs = aws_behaviours.config.org_packs.packs
    body = (ROOT / "organization-conformance-pack.yaml").read_text(encoding="utf-8")
    assert sorted(packs) == sorted((org.management, r, PACK) for r in REGIONS)
    for region in REGIONS:
        pack = packs[(org.management, region, PACK)]
        assert pack.request == {
            "OrganizationConformancePackName": PACK,
            "TemplateBody": body,
            "ConformancePackInputParameters": input_parameters(region, org.management),
            "ExcludedAccounts": [org.members[2]],
        }
        # every account but the excluded one, each pack created (the central Lambdas may be
        # invoked by each account's Config: the model checks the permissions)
        assert (pack.status, pack.accounts) == (
            "CREATE_SUCCESSFUL",
            {a: None for a in org.accounts if a != org.members[2]},
        )
    # the member StackSet puts the SSM document and no pack; so does the management stack,
    # which the organization pack reaches
    cloudformation = boto3.client("cloudformation", region_name=HOME)
    member = cloudformation.describe_stack_set(StackSetName="trailguard-member")["StackSet"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in member["Parameters"]} == {
        "CentralAccountId": org.management,
        "AutomaticRemediation": "false",
        "AccountConformancePack": "false",
    }
    assert [stack_parameters(org, r, "trailguard-member")["AccountConformancePack"]
            for r in REGIONS] == ["false", "false"]  # fmt: skip
    order = [(c.region, c.operation) for c in deployer.calls
             if c.operation in ("CreateStackInstances", "PutOrganizationConformancePack",
                                "CreateStack")][-7:]  # fmt: skip
    assert order == [
        (HOME, "CreateStackInstances"),
        (HOME, "CreateStackInstances"),
        (HOME, "PutOrganizationConformancePack"),
        (OTHER, "PutOrganizationConformancePack"),
        (HOME, "CreateStack"),
        (HOME, "CreateStack"),
        (OTHER, "CreateStack"),
    ]
    assert [n for n in notes if "organization conformance pack" in n] == [
        f"{r} organization conformance pack {PACK}: {line}"
        for r in REGIONS
        for line in (
            "create_in_progress (0 s)",
            "create_in_progress (2 s)",
            "create_successful, 3 accounts, 0 failed",
        )
    ]
    assert aws_behaviours.refused == []


@pytest.mark.slow
def test_the_management_account_gets_its_own_pack_where_the_organization_pack_misses_it(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    aws_behaviours.config.org_packs.reaches_management = False
    _, notes = deploy(org)
    assert [stack_parameters(org, r, "trailguard-member")["AccountConformancePack"]
            for r in REGIONS] == ["true", "true"]  # fmt: skip
    assert [n for n in notes if "did not reach" in n] == [
        f"{r}: the organization conformance pack {PACK} did not reach the management account "
        f"{org.management}; its trailguard-member stack carries its own pack there"
        for r in REGIONS
    ]


@pytest.mark.slow  # over a second: the whole suite runs it
def test_each_account_where_the_pack_failed_is_named_with_configs_reason(
    org: MotoOrg, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = org.session(org.members[1], OTHER).client("config")
    config.stop_configuration_recorder(ConfigurationRecorderName="default")
    with pytest.raises(DeployFailed) as caught:
        deploy(org)
    assert (caught.value.what, caught.value.failures) == (
        f"organization conformance pack {PACK}",
        [
            (
                org.members[1],
                OTHER,
                "CREATE_FAILED: NoAvailableConfigurationRecorderException: There are no "
                "configuration recorders available to provide the configuration.",
            )
        ],
    )

    # the CLI: the failure on stderr, one line, exit 4
    def from_profile(cls: Any, profile: str | None, region: str | None, notify: Any = None) -> Any:
        return cls(boto3.Session(region_name=region))

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", classmethod(from_profile))
    monkeypatch.setattr("time.sleep", FakeClock().sleep)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["deploy", "--org", "--mode", MODE, "--root", str(ROOT), "--bucket", "art-{region}",
         "--regions", ",".join(REGIONS)],
        stdout=out, stderr=err,
    )  # fmt: skip
    lines = [line for line in err.getvalue().splitlines()
             if "organization conformance pack" in line and "failed" in line]  # fmt: skip
    calls = re.search(r"stopped after (\d+) calls", err.getvalue())
    assert (code, out.getvalue(), calls is not None) == (4, "", True)
    assert calls is not None
    assert lines == [
        f"trailguard deploy: {HOME} organization conformance pack {PACK}: update_successful, "
        "4 accounts, 0 failed",
        f"trailguard deploy: {OTHER} organization conformance pack {PACK}: update_failed, "
        "4 accounts, 1 failed",
        f"trailguard deploy: failed: organization conformance pack {PACK}: account "
        f"{org.members[1]} region {OTHER}: UPDATE_FAILED: NoAvailableConfigurationRecorderException"
        ": There are no configuration recorders available to provide the configuration.",
        f"trailguard: failed: deploy stopped after {calls.group(1)} calls: organization "
        f"conformance pack {PACK}: 1 account-region(s) failed",
    ]


@pytest.mark.slow
def test_without_the_invoke_permissions_every_member_pack_fails(
    org: MotoOrg, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the model checks what AWS Config checks (PutConfigRule: the function must be invocable)
    monkeypatch.setattr(Deployer, "_invoke_permissions", lambda self, accounts: None)
    with pytest.raises(DeployFailed) as caught:
        deploy(org)
    function = f"arn:aws:lambda:{HOME}:{org.management}:function:trailguard-sns-data-events-enabled"
    reasons = {(a, r): why for a, r, why in caught.value.failures}
    assert reasons[(org.members[0], HOME)] == (
        f"CREATE_FAILED: InsufficientPermissionsException: The AWS Lambda function {function} "
        "(TrailRuleLambdaArn) cannot be invoked. Check the specified function ARN, and check "
        "the function's permissions."
    )
    assert sorted((a, r) for a, r, _ in caught.value.failures) == sorted(
        (m, r) for m in org.members for r in REGIONS
    )


@pytest.mark.slow
def test_a_large_template_goes_through_s3_and_a_change_in_progress_is_waited_out(
    org: MotoOrg, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trailguard.aws.deploy_orgpack, "TEMPLATE_BODY_LIMIT", 100)
    boto3.client("config", region_name=HOME).put_organization_conformance_pack(
        OrganizationConformancePackName=PACK, TemplateBody="Resources: {}\n"
    )  # still in progress when deploy comes
    _, notes = deploy(org)
    pack = aws_behaviours.config.org_packs.packs[(org.management, HOME, PACK)]
    assert (pack.kind, pack.status) == ("UPDATE", "UPDATE_SUCCESSFUL")
    assert pack.request["TemplateS3Uri"] == (
        f"s3://art-{HOME}/trailguard/organization-conformance-pack.yaml"
    )
    assert "TemplateBody" not in pack.request
    waited = f"{HOME} organization conformance pack {PACK}: another change is in progress, "
    assert notes.count(waited + "waiting for it") == 1
    assert [code for _, call, code in aws_behaviours.refused] == ["ResourceInUseException"]


def test_the_pack_calls_match_the_config_api_model() -> None:
    """Stubber checks each request and response against botocore's model of Config."""
    config = boto3.client("config", region_name=HOME)
    stubber = Stubber(config)
    options = DeployOptions(bucket="art-{region}", regions=[HOME], org=True, mode=MODE,
                            delivery_bucket="awsconfigconforms-{region}",
                            excluded_accounts=["444455556666"])  # fmt: skip
    clock = FakeClock()
    deployer = Deployer(ROOT, options, lambda s, r: config, sleep=clock.sleep, clock=clock)
    request = deployer._pack_request(HOME, "111122223333")
    assert request == {
        "OrganizationConformancePackName": PACK,
        "TemplateBody": (ROOT / "organization-conformance-pack.yaml").read_text("utf-8"),
        "DeliveryS3Bucket": "awsconfigconforms-us-east-1",
        "ConformancePackInputParameters": input_parameters(HOME, "111122223333"),
        "ExcludedAccounts": ["444455556666"],
    }
    when = datetime(2026, 1, 1, tzinfo=UTC)
    names = {"OrganizationConformancePackNames": [PACK]}
    arn = {"OrganizationConformancePackArn": "arn:aws:config:x"}
    stubber.add_response("put_organization_conformance_pack", arn, request)
    for status in ("CREATE_IN_PROGRESS", "CREATE_FAILED"):
        stubber.add_response(
            "describe_organization_conformance_pack_statuses",
            {"OrganizationConformancePackStatuses": [
                {"OrganizationConformancePackName": PACK, "Status": status,
                 "LastUpdateTime": when}]},
            names,
        )  # fmt: skip
    stubber.add_response(
        "get_organization_conformance_pack_detailed_status",
        {"OrganizationConformancePackDetailedStatuses": [
            {"AccountId": "111122223333", "ConformancePackName": "OrgConformsPack-x",
             "Status": "CREATE_SUCCESSFUL"},
            {"AccountId": "222233334444", "ConformancePackName": "OrgConformsPack-x",
             "Status": "CREATE_FAILED", "ErrorCode": "AccessDenied", "ErrorMessage": "no"}]},
        {"OrganizationConformancePackName": PACK},
    )  # fmt: skip
    with stubber:
        deployer._put_pack(HOME, request)
        covered, failures = deployer._wait_pack(HOME)
    stubber.assert_no_pending_responses()
    assert (covered, failures, clock.sleeps) == (
        {"111122223333", "222233334444"},
        [("222233334444", HOME, "CREATE_FAILED: AccessDenied: no")],
        [2.0],
    )
