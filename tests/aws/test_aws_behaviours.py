"""The AWS behaviour model (tests/support/aws_behaviours.py) against moto: each behaviour is
shown to happen where its source says and nowhere else, with the whole answers compared."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from aws_behaviours import AwsBehaviours, installed
from aws_model import FakeClock
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws
from moto_org import MotoOrg, build_org
from selector_data import BUCKET, MANAGEMENT, SNS_ADDED

REGION = "us-east-1"


@pytest.fixture
def org() -> Iterator[MotoOrg]:
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        yield build_org()


def model(**switches: Any) -> Iterator[AwsBehaviours]:
    yield from installed(**switches)


@pytest.fixture
def behaviours(request: pytest.FixtureRequest) -> Iterator[AwsBehaviours]:
    yield from installed(**(getattr(request, "param", None) or {}))


def error_of(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


# --- (a) organization trails from member accounts ---------------------------------------------


def org_trail(org: MotoOrg, selectors: list[dict[str, Any]]) -> str:
    cloudtrail = org.session(org.management).client("cloudtrail")
    arn = cloudtrail.create_trail(
        Name="org-trail", S3BucketName=BUCKET, IsOrganizationTrail=True, IsMultiRegionTrail=True
    )["TrailARN"]
    cloudtrail.put_event_selectors(TrailName="org-trail", AdvancedEventSelectors=selectors)
    return str(arn)


@pytest.mark.parametrize("region", [REGION, "eu-west-1"])
def test_member_sees_the_organization_trail_in_every_region(
    org: MotoOrg, behaviours: AwsBehaviours, region: str
) -> None:
    arn = org_trail(org, [MANAGEMENT])
    member = org.session(org.members[0], region).client("cloudtrail")
    own = member.create_trail(Name="own", S3BucketName=BUCKET)["TrailARN"]
    listed = {t["TrailARN"]: t for t in member.describe_trails()["trailList"]}
    assert sorted(listed) == sorted([arn, own])
    seen = listed[arn]
    expected = {"Name": "org-trail", "HomeRegion": REGION, "IsOrganizationTrail": True}
    assert {k: seen[k] for k in expected} == expected
    assert seen["IsMultiRegionTrail"] is True
    names = {t["TrailARN"] for t in member.list_trails()["Trails"]}
    assert names == {arn, own}


@pytest.mark.aws_behaviours(enabled=False)
def test_without_the_model_moto_hides_the_organization_trail(org: MotoOrg) -> None:
    org_trail(org, [MANAGEMENT])
    member = org.session(org.members[0]).client("cloudtrail")
    assert member.describe_trails()["trailList"] == []


def test_member_reads_of_the_organization_trail_are_refused_by_default(
    org: MotoOrg, behaviours: AwsBehaviours
) -> None:
    arn = org_trail(org, [MANAGEMENT, SNS_ADDED])
    member_id = org.members[1]
    member = org.session(member_id).client("cloudtrail")
    refused = (
        "CloudTrailARNInvalidException",
        f"AccountID in ARN is wrong, you can only access resources with AccountID {member_id}.",
    )
    assert error_of(member.get_event_selectors, TrailName=arn) == refused
    assert error_of(member.get_trail_status, Name=arn) == refused
    assert error_of(member.list_tags, ResourceIdList=[arn]) == refused
    with pytest.raises(member.exceptions.CloudTrailARNInvalidException):
        member.get_event_selectors(TrailName=arn)
    # the management account reads its own trail
    own = org.session(org.management).client("cloudtrail").get_event_selectors(TrailName=arn)
    assert own["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED]
    assert [r[0] for r in behaviours.refused] == [member_id] * 4


@pytest.mark.parametrize("behaviours", [{"org_trail_readable": True}], indirect=True)
def test_member_reads_of_the_organization_trail_answered_when_readable(
    org: MotoOrg, behaviours: AwsBehaviours
) -> None:
    arn = org_trail(org, [MANAGEMENT, SNS_ADDED])
    org.session(org.management).client("cloudtrail").start_logging(Name=arn)
    member = org.session(org.members[0]).client("cloudtrail")
    read = member.get_event_selectors(TrailName=arn)
    assert (read["TrailARN"], read["AdvancedEventSelectors"]) == (arn, [MANAGEMENT, SNS_ADDED])
    assert member.get_trail_status(Name=arn)["IsLogging"] is True
    assert member.list_tags(ResourceIdList=[arn])["ResourceTagList"] == [
        {"ResourceId": arn, "TagsList": []}
    ]
    assert behaviours.refused == []


def test_delegated_administrator_reads_the_organization_trail(org: MotoOrg) -> None:
    for behaviours in model(cloudtrail_delegated_admins={org.members[2]}):
        arn = org_trail(org, [MANAGEMENT])
        org.session(org.management).client("cloudtrail").start_logging(Name=arn)
        admin = org.session(org.members[2]).client("cloudtrail")
        # answered with the trail's own data (moto alone would look in the administrator's
        # account and not find it)
        read = admin.get_event_selectors(TrailName=arn)
        assert (read["TrailARN"], read["AdvancedEventSelectors"]) == (arn, [MANAGEMENT])
        assert admin.get_trail_status(Name=arn)["IsLogging"] is True
        # another member is still refused
        other = org.session(org.members[0]).client("cloudtrail")
        assert error_of(other.get_event_selectors, TrailName=arn)[0] == (
            "CloudTrailARNInvalidException"
        )
        assert behaviours.refused == [
            (org.members[0], "GetEventSelectors", "CloudTrailARNInvalidException")
        ]


@pytest.mark.parametrize("readable", [False, True])
def test_member_puts_on_the_organization_trail_are_refused(org: MotoOrg, readable: bool) -> None:
    for behaviours in model(org_trail_readable=readable):
        arn = org_trail(org, [MANAGEMENT])
        member_id = org.members[0]
        member = org.session(member_id).client("cloudtrail")
        assert error_of(
            member.put_event_selectors, TrailName=arn, AdvancedEventSelectors=[SNS_ADDED]
        ) == (
            "NotOrganizationMasterAccountException",
            f"The request was made by account {member_id}, which is not the management "
            "account of the organization.",
        )
        owner = org.session(org.management).client("cloudtrail")
        assert owner.get_event_selectors(TrailName=arn)["AdvancedEventSelectors"] == [MANAGEMENT]
        assert behaviours.refused == [
            (member_id, "PutEventSelectors", "NotOrganizationMasterAccountException")
        ]


def test_delegated_administrator_puts_on_the_organization_trail(org: MotoOrg) -> None:
    admin_id = org.members[1]
    for behaviours in model(cloudtrail_delegated_admins={admin_id}):
        arn = org_trail(org, [MANAGEMENT])
        admin = org.session(admin_id).client("cloudtrail")
        applied = admin.put_event_selectors(
            TrailName=arn, AdvancedEventSelectors=[MANAGEMENT, SNS_ADDED]
        )
        assert (applied["TrailARN"], applied["AdvancedEventSelectors"]) == (
            arn, [MANAGEMENT, SNS_ADDED],
        )  # fmt: skip
        owner = org.session(org.management).client("cloudtrail")
        assert owner.get_event_selectors(TrailName=arn)["AdvancedEventSelectors"] == [
            MANAGEMENT, SNS_ADDED,
        ]  # fmt: skip
        # without the permissions CloudTrail checks in other services: refused, nothing put
        code = "InsufficientDependencyServiceAccessPermissionException"
        behaviours.delegated_admin_put_refusal = code
        assert (
            error_of(admin.put_event_selectors, TrailName=arn, AdvancedEventSelectors=[MANAGEMENT])[
                0
            ]
            == code
        )
        assert owner.get_event_selectors(TrailName=arn)["AdvancedEventSelectors"] == [
            MANAGEMENT, SNS_ADDED,
        ]  # fmt: skip
        assert behaviours.refused == [(admin_id, "PutEventSelectors", code)]


# --- (b) and (c) StackSets --------------------------------------------------------------------


def role_template(role_name: Any) -> str:
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": role_name,
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
        },
    }
    return json.dumps({"Resources": {"Role": role}})


ROLE_TEMPLATE = role_template("ModelRole")  # one name: a second region collides
REGIONAL_TEMPLATE = role_template({"Fn::Sub": "ModelRole-${AWS::Region}"})


def stack_set(cloudformation: Any, template: str = REGIONAL_TEMPLATE) -> None:
    cloudformation.create_stack_set(
        StackSetName="model-set",
        TemplateBody=template,
        Capabilities=["CAPABILITY_NAMED_IAM"],
        PermissionModel="SERVICE_MANAGED",
        AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
    )


def roles(org: MotoOrg, account: str) -> list[str]:
    iam = org.session(account).client("iam")
    return sorted(r["RoleName"] for r in iam.list_roles()["Roles"] if "Model" in r["RoleName"])


def poll(cloudformation: Any, operation: str, name: str = "model-set") -> list[str]:
    statuses = []
    while not statuses or statuses[-1] == "RUNNING":
        found = cloudformation.describe_stack_set_operation(
            StackSetName=name, OperationId=operation
        )
        statuses.append(found["StackSetOperation"]["Status"])
    return statuses


def test_service_managed_instances_skip_the_management_account(
    org: MotoOrg, behaviours: AwsBehaviours
) -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    stack_set(cloudformation)
    operation = cloudformation.create_stack_instances(
        StackSetName="model-set",
        DeploymentTargets={"OrganizationalUnitIds": [org.root]},
        Regions=[REGION, "eu-west-1"],
    )["OperationId"]
    instances = cloudformation.list_stack_instances(StackSetName="model-set")["Summaries"]
    assert sorted((i["Account"], i["Region"]) for i in instances) == sorted(
        (m, r) for m in org.members for r in (REGION, "eu-west-1")
    )
    assert roles(org, org.management) == []
    assert [roles(org, m) for m in org.members] == [
        ["ModelRole-eu-west-1", "ModelRole-us-east-1"]
    ] * 3
    assert poll(cloudformation, operation) == ["RUNNING", "RUNNING", "SUCCEEDED"]
    results = cloudformation.list_stack_set_operation_results(
        StackSetName="model-set", OperationId=operation
    )["Summaries"]
    assert results == [
        {"Account": m, "Region": r, "Status": "SUCCEEDED"}
        for r in (REGION, "eu-west-1")
        for m in org.members
    ]


def test_one_operation_at_a_time(org: MotoOrg) -> None:
    for behaviours in model(operation_polls=3):
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        stack_set(cloudformation)
        targets = {"OrganizationalUnitIds": [org.root]}
        first = cloudformation.create_stack_instances(
            StackSetName="model-set", DeploymentTargets=targets, Regions=[REGION]
        )["OperationId"]
        with pytest.raises(cloudformation.exceptions.OperationInProgressException) as caught:
            cloudformation.create_stack_instances(
                StackSetName="model-set", DeploymentTargets=targets, Regions=["eu-west-1"]
            )
        assert first in caught.value.response["Error"]["Message"]
        listed = cloudformation.list_stack_set_operations(StackSetName="model-set")["Summaries"]
        assert [(o["OperationId"], o["Status"]) for o in listed] == [(first, "RUNNING")]
        assert poll(cloudformation, first) == ["RUNNING"] * 3 + ["SUCCEEDED"]
        second = cloudformation.create_stack_instances(
            StackSetName="model-set", DeploymentTargets=targets, Regions=["eu-west-1"]
        )["OperationId"]
        assert poll(cloudformation, second) == ["RUNNING"] * 3 + ["SUCCEEDED"]
        assert behaviours.refused == [
            (org.management, "CreateStackInstances", "OperationInProgressException")
        ]


def test_failed_instances_are_reported_with_their_reason(org: MotoOrg) -> None:
    why = "ResourceLogicalId:Role, ResourceStatusReason:ModelRole already exists."
    for _ in model(instance_failures={(org.members[1], REGION): why}):
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        stack_set(cloudformation)
        operation = cloudformation.create_stack_instances(
            StackSetName="model-set",
            DeploymentTargets={"OrganizationalUnitIds": [org.root]},
            Regions=[REGION],
            OperationPreferences={"FailureToleranceCount": 0},
        )["OperationId"]
        assert poll(cloudformation, operation)[-1] == "FAILED"
        results = cloudformation.list_stack_set_operation_results(
            StackSetName="model-set", OperationId=operation
        )["Summaries"]
        assert results == [
            {"Account": org.members[0], "Region": REGION, "Status": "SUCCEEDED"},
            {"Account": org.members[1], "Region": REGION, "Status": "FAILED", "StatusReason": why},
            {"Account": org.members[2], "Region": REGION, "Status": "SUCCEEDED"},
        ]
        made = ["ModelRole-us-east-1"]
        assert [roles(org, m) for m in org.members] == [made, [], made]
        instance = next(
            i
            for i in cloudformation.list_stack_instances(StackSetName="model-set")["Summaries"]
            if i["Account"] == org.members[1]
        )
        assert (instance["Status"], instance["StatusReason"]) == ("OUTDATED", why)


# --- (d) IAM names are unique per account: moto enforces it already ---------------------------


def test_one_role_name_in_two_regions_fails_the_second_regions_instances(
    org: MotoOrg, behaviours: AwsBehaviours
) -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    stack_set(cloudformation, ROLE_TEMPLATE)
    operation = cloudformation.create_stack_instances(
        StackSetName="model-set",
        DeploymentTargets={"OrganizationalUnitIds": [org.root]},
        Regions=[REGION, "eu-west-1"],
    )["OperationId"]
    assert poll(cloudformation, operation)[-1] == "FAILED"
    results = cloudformation.list_stack_set_operation_results(
        StackSetName="model-set", OperationId=operation
    )["Summaries"]
    why = "EntityAlreadyExists: Role with name ModelRole already exists."
    assert results == [
        {"Account": m, "Region": REGION, "Status": "SUCCEEDED"} for m in org.members
    ] + [
        {"Account": m, "Region": "eu-west-1", "Status": "FAILED", "StatusReason": why}
        for m in org.members
    ]


def test_a_role_name_in_two_regional_stacks_of_one_account_fails_the_second(org: MotoOrg) -> None:
    """IAM user guide / CloudFormation AWS::IAM::Role: role names are unique per account, not
    per region. moto's IAM is global per account and its CloudFormation refuses the second
    stack (AWS would accept CreateStack and fail the stack): no model is needed."""
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="first", TemplateBody=ROLE_TEMPLATE
    )
    second = boto3.client("cloudformation", region_name="eu-west-1")
    code, message = error_of(second.create_stack, StackName="second", TemplateBody=ROLE_TEMPLATE)
    assert (code, message) == ("EntityAlreadyExists", "Role with name ModelRole already exists.")
    assert roles(org, org.management) == ["ModelRole"]


# --- (e), (f) event selectors -------------------------------------------------------------------


def test_stale_reads_after_a_put(org: MotoOrg) -> None:
    for _ in model(stale_reads=2):
        cloudtrail = boto3.client("cloudtrail", region_name=REGION)
        arn = cloudtrail.create_trail(Name="stale", S3BucketName=BUCKET)["TrailARN"]
        before = cloudtrail.get_event_selectors(TrailName=arn)
        cloudtrail.put_event_selectors(TrailName="stale", AdvancedEventSelectors=[MANAGEMENT])
        reads = [cloudtrail.get_event_selectors(TrailName=name) for name in (arn, "stale", arn)]
        keys = ("TrailARN", "EventSelectors", "AdvancedEventSelectors")
        assert [{k: r.get(k) for k in keys} for r in reads] == [
            {k: before.get(k) for k in keys},
            {k: before.get(k) for k in keys},
            {"TrailARN": arn, "EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT]},
        ]


def test_put_event_selectors_throttled_at_one_a_second_and_conflicts(org: MotoOrg) -> None:
    clock = FakeClock()
    for behaviours in model(throttle_puts=True, conflicts=1, clock=clock):
        cloudtrail = boto3.client("cloudtrail", region_name=REGION)
        cloudtrail.create_trail(Name="busy", S3BucketName=BUCKET)
        put = cloudtrail.put_event_selectors
        with pytest.raises(cloudtrail.exceptions.ConflictException):
            put(TrailName="busy", AdvancedEventSelectors=[MANAGEMENT])
        put(TrailName="busy", AdvancedEventSelectors=[MANAGEMENT])
        clock.sleep(0.5)
        with pytest.raises(cloudtrail.exceptions.ThrottlingException):
            put(TrailName="busy", AdvancedEventSelectors=[MANAGEMENT, SNS_ADDED])
        clock.sleep(0.5)
        put(TrailName="busy", AdvancedEventSelectors=[MANAGEMENT, SNS_ADDED])
        # another region has its own limit
        boto3.client("cloudtrail", region_name="eu-west-1").create_trail(
            Name="elsewhere", S3BucketName=BUCKET
        )
        assert [code for _, _, code in behaviours.refused] == [
            "ConflictException",
            "ThrottlingException",
        ]


# --- (g) Config ------------------------------------------------------------------------------

WHEN = datetime(2026, 11, 26, tzinfo=UTC)


def evaluation(resource_id: str, compliance: str, annotation: str = "why") -> dict[str, Any]:
    return {
        "ComplianceResourceType": "AWS::CloudTrail::Trail",
        "ComplianceResourceId": resource_id,
        "ComplianceType": compliance,
        "Annotation": annotation,
        "OrderingTimestamp": WHEN,
    }


def test_put_evaluations_then_compliance_details(org: MotoOrg, behaviours: AwsBehaviours) -> None:
    config = boto3.client("config", region_name=REGION)
    token = behaviours.config.result_token("my-rule", org.management, REGION)
    evaluations = [evaluation("a", "COMPLIANT"), evaluation("b", "NON_COMPLIANT", "no SNS")]
    assert (
        config.put_evaluations(Evaluations=evaluations, ResultToken=token)["FailedEvaluations"]
        == []
    )
    found = config.get_compliance_details_by_config_rule(
        ConfigRuleName="my-rule", ComplianceTypes=["NON_COMPLIANT"]
    )["EvaluationResults"]
    assert len(found) == 1
    result = found[0]
    assert result["EvaluationResultIdentifier"]["EvaluationResultQualifier"] == {
        "ConfigRuleName": "my-rule",
        "ResourceType": "AWS::CloudTrail::Trail",
        "ResourceId": "b",
        "EvaluationMode": "DETECTIVE",
    }
    assert (result["ComplianceType"], result["Annotation"]) == ("NON_COMPLIANT", "no SNS")
    paginator = config.get_paginator("get_compliance_details_by_config_rule")
    pages = list(paginator.paginate(ConfigRuleName="my-rule", Limit=1))
    assert [[r["ComplianceType"] for r in p["EvaluationResults"]] for p in pages] == [
        ["COMPLIANT"],
        ["NON_COMPLIANT"],
    ]


def test_put_evaluations_refusals(org: MotoOrg, behaviours: AwsBehaviours) -> None:
    config = boto3.client("config", region_name=REGION)
    token = behaviours.config.result_token("my-rule", org.management, REGION)
    put = config.put_evaluations
    assert error_of(put, Evaluations=[evaluation("a", "COMPLIANT")], ResultToken="made-up")[0] == (
        "InvalidResultTokenException"
    )
    too_many = [evaluation(str(n), "COMPLIANT") for n in range(101)]
    assert error_of(put, Evaluations=too_many, ResultToken=token)[0] == "ValidationException"
    long = [evaluation("a", "COMPLIANT", "x" * 257)]
    assert error_of(put, Evaluations=long, ResultToken=token)[0] == "ValidationException"
    insufficient = [evaluation("a", "INSUFFICIENT_DATA")]
    assert error_of(put, Evaluations=insufficient, ResultToken=token)[0] == (
        "InvalidParameterValueException"
    )
    # test mode: moto answers, nothing stored
    assert (
        put(Evaluations=[evaluation("a", "COMPLIANT")], ResultToken="x", TestMode=True)[
            "FailedEvaluations"
        ]
        == []
    )
    details = config.get_compliance_details_by_config_rule
    assert details(ConfigRuleName="my-rule")["EvaluationResults"] == []
    assert error_of(details, ConfigRuleName="no-rule")[0] == "NoSuchConfigRuleException"


def test_aggregate_compliance_across_the_organization(
    org: MotoOrg, behaviours: AwsBehaviours
) -> None:
    config = boto3.client("config", region_name=REGION)
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        OrganizationAggregationSource={
            "RoleArn": f"arn:aws:iam::{org.management}:role/aggregator",
            "AllAwsRegions": True,
        },
    )
    for account, compliance in ((org.members[0], "NON_COMPLIANT"), (org.members[1], "COMPLIANT")):
        token = behaviours.config.result_token("my-rule", account, REGION)
        org.session(account).client("config").put_evaluations(
            Evaluations=[evaluation("t", compliance)], ResultToken=token
        )
    summary = config.describe_aggregate_compliance_by_config_rules(
        ConfigurationAggregatorName="org"
    )["AggregateComplianceByConfigRules"]
    assert summary == sorted(
        [
            {"ConfigRuleName": "my-rule", "Compliance": {"ComplianceType": c},
             "AccountId": a, "AwsRegion": REGION}
            for a, c in ((org.members[0], "NON_COMPLIANT"), (org.members[1], "COMPLIANT"))
        ],
        key=lambda s: s["AccountId"],
    )  # fmt: skip
    details = config.get_aggregate_compliance_details_by_config_rule(
        ConfigurationAggregatorName="org",
        ConfigRuleName="my-rule",
        AccountId=org.members[0],
        AwsRegion=REGION,
    )["AggregateEvaluationResults"]
    assert [(d["AccountId"], d["ComplianceType"], d["Annotation"]) for d in details] == [
        (org.members[0], "NON_COMPLIANT", "why")
    ]
    missing = config.describe_aggregate_compliance_by_config_rules
    assert error_of(missing, ConfigurationAggregatorName="none")[0] == (
        "NoSuchConfigurationAggregatorException"
    )


def test_a_stubber_answers_before_the_model(org: MotoOrg, behaviours: AwsBehaviours) -> None:
    config = boto3.client("config", region_name=REGION)
    with Stubber(config) as stubber:
        stubber.add_response(
            "get_compliance_details_by_config_rule",
            {"EvaluationResults": []},
            {"ConfigRuleName": "stubbed"},
        )
        assert (
            config.get_compliance_details_by_config_rule(ConfigRuleName="stubbed")[
                "EvaluationResults"
            ]
            == []
        )
