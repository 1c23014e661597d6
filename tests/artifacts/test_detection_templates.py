"""The detection of trail changes in the deployment templates: the EventBridge rule, the
function and its permission in every regional template the pack's accounts get; the
function's role, least privilege, once per account in the -global templates; and every
template within CloudFormation's limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trailguard.artifacts.bundle import flatten
from trailguard.artifacts.checkov import SKIPS
from trailguard.artifacts.detection import INLINE_LIMIT, detect_code
from trailguard.aws.detect import EVENT_PATTERN
from trailguard.rules.registry import rule_ids

ROOT = Path(__file__).resolve().parents[2]
# Every account the pack reaches gets one of these in every region (the management account
# and a delegated administrator included: they get org-member.yaml as well).
REGIONAL = ("deploy/account.yaml", "deploy/org-member.yaml")
GLOBAL = ("deploy/account-global.yaml", "deploy/org-member-global.yaml")
CENTRAL = ("deploy/org-admin.yaml", "deploy/org-admin-global.yaml")
ROLE = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${DetectFunctionRoleName}"
LOG_GROUP = "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:/aws/lambda/trailguard-detect"
# CloudFormation quotas (user guide, "CloudFormation quotas"): a template given by URL, 1 MB;
# 500 resources, 200 parameters, 200 outputs; a conformance pack's TemplateBody, 51,200 bytes
# (AWS Config API reference, PutConformancePack).
TEMPLATE_URL_BYTES = 1_000_000
PACK_BODY_BYTES = 51_200


def _load(relative: str) -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _detection(resources: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if k.startswith("Detect")}


@pytest.mark.parametrize("relative", REGIONAL)
def test_regional_templates_hold_the_rule_the_function_and_its_permission(relative: str) -> None:
    template = _load(relative)
    function_arn = {"Fn::GetAtt": ["DetectFunction", "Arn"]}
    assert _detection(template["Resources"]) == {
        "DetectFunction": {
            "Type": "AWS::Lambda::Function",
            "Metadata": {  # the reasons every function carries (test_checkov_notes.py)
                "checkov": {
                    "skip": [{"id": c, "comment": w} for c, w in SKIPS["AWS::Lambda::Function"]]
                }
            },
            "Properties": {
                "FunctionName": "trailguard-detect",
                "Description": "Starts an evaluation of the trailguard Config rules when a "
                "CloudTrail trail is created, changed, stopped, started or deleted.",
                "Runtime": "python3.11",
                "Handler": "index.lambda_handler",
                "Role": {"Fn::Sub": ROLE},
                "Timeout": 60,
                "MemorySize": 128,
                "Environment": {"Variables": {"TRAILGUARD_RULE_IDS": ",".join(rule_ids())}},
                "Code": {"ZipFile": detect_code()},
            },
        },
        "DetectRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Name": "trailguard-trail-changes",
                "Description": "CloudTrail trail changes (trailguard): start an evaluation of "
                "the pack's Config rules instead of waiting for the periodic run.",
                "EventPattern": {
                    "source": ["aws.cloudtrail"],
                    "detail-type": ["AWS API Call via CloudTrail"],
                    "detail": {
                        "eventSource": ["cloudtrail.amazonaws.com"],
                        "eventName": [
                            "PutEventSelectors",
                            "StopLogging",
                            "StartLogging",
                            "UpdateTrail",
                            "CreateTrail",
                            "DeleteTrail",
                        ],
                    },
                },
                "State": "ENABLED",
                "Targets": [{"Arn": function_arn, "Id": "trailguard-detect"}],
            },
        },
        "DetectPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": function_arn,
                "Action": "lambda:InvokeFunction",
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["DetectRule", "Arn"]},
            },
        },
    }
    assert template["Parameters"]["DetectFunctionRoleName"]["Default"] == (
        "TrailGuardDetectFunctionRole"
    )


def test_the_pattern_is_the_handlers_own() -> None:
    rule = _load("deploy/account.yaml")["Resources"]["DetectRule"]["Properties"]
    assert rule["EventPattern"] == EVENT_PATTERN


@pytest.mark.parametrize("relative", GLOBAL)
def test_global_templates_hold_the_least_privilege_role(relative: str) -> None:
    resources = _load(relative)["Resources"]
    assert resources["DetectFunctionRole"] == {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": {"Ref": "DetectFunctionRoleName"},
            "Description": "Execution role of the trailguard detection function (every "
            "region): starts an evaluation of the pack's Config rules when a trail changes.",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "TrailGuardDetect",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "Logs",
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogGroup",
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                ],
                                "Resource": [
                                    {"Fn::Sub": LOG_GROUP},
                                    {"Fn::Sub": LOG_GROUP + ":*"},
                                ],
                            },
                            {
                                "Sid": "FindPackRules",
                                "Effect": "Allow",
                                "Action": ["config:DescribeConfigRules"],
                                "Resource": "*",
                            },
                            {
                                "Sid": "StartEvaluations",
                                "Effect": "Allow",
                                "Action": ["config:StartConfigRulesEvaluation"],
                                "Resource": {
                                    "Fn::Sub": "arn:${AWS::Partition}:config:*:"
                                    "${AWS::AccountId}:config-rule/*"
                                },
                            },
                        ],
                    },
                }
            ],
        },
    }


@pytest.mark.parametrize("relative", CENTRAL)
def test_central_templates_hold_no_detection(relative: str) -> None:
    """The central account detects through its own org-member stacks, like every account."""
    template = _load(relative)
    assert _detection(template["Resources"]) == {}
    assert "DetectFunctionRoleName" not in template["Parameters"]


def test_inline_code_is_the_module_and_fits() -> None:
    code = detect_code()
    assert code == flatten(("trailguard.aws.detect",))[0]
    assert len(code) <= INLINE_LIMIT == 4096
    assert "def lambda_handler(event, context):" in code
    assert "import boto3" in code and "mypy_boto3" not in code


@pytest.mark.parametrize("relative", [*REGIONAL, *GLOBAL, *CENTRAL])
def test_templates_fit_cloudformation_limits(relative: str) -> None:
    template = _load(relative)
    assert len((ROOT / relative).read_bytes()) < TEMPLATE_URL_BYTES
    counts = {key: len(template.get(key, {})) for key in ("Resources", "Parameters", "Outputs")}
    assert counts["Resources"] <= 500
    assert counts["Parameters"] <= 200
    assert counts["Outputs"] <= 200
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Config::ConformancePack":
            body = resource["Properties"]["TemplateBody"]["Fn::Sub"]
            assert len(body.encode("utf-8")) <= PACK_BODY_BYTES
