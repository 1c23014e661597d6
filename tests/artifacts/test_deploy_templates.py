"""The deployment templates: cfn-lint clean, least privilege, and consistent with the pack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import ManualArgs, lint

from trailguard.artifacts.pack import pack_template
from trailguard.artifacts.yamlout import to_yaml
from trailguard.rules.registry import rule_ids

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ("deploy/account-global.yaml", "deploy/account.yaml",
             "deploy/org-admin-global.yaml", "deploy/org-admin.yaml",
             "deploy/org-member-global.yaml", "deploy/org-member.yaml",
             "remediation/remediation-role.yaml")  # fmt: skip
# Templates deployed in every region: they must create no IAM resource (names are per account).
REGIONAL = ("deploy/account.yaml", "deploy/org-admin.yaml", "deploy/org-member.yaml")
ROLE_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${RemediationRoleName}"


def _load(relative: str) -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                found += policy["PolicyDocument"]["Statement"]
    return found


@pytest.mark.slow  # cfn-lint on each template: about 4 s in all
@pytest.mark.parametrize("relative", TEMPLATES)
def test_template_passes_cfn_lint(relative: str) -> None:
    text = (ROOT / relative).read_text(encoding="utf-8")
    assert [str(m) for m in lint(text, config=ManualArgs(regions=["us-east-1"]))] == []


@pytest.mark.parametrize("relative", [t for t in TEMPLATES if t not in REGIONAL])
def test_no_wildcard_actions(relative: str) -> None:
    statements = _statements(_load(relative))
    assert statements, relative
    for statement in statements:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            assert "*" not in action, (relative, action)


@pytest.mark.parametrize("relative", REGIONAL)
def test_regional_templates_create_no_iam_resource(relative: str) -> None:
    types = {r["Type"] for r in _load(relative)["Resources"].values()}
    assert not any(t.startswith("AWS::IAM::") for t in types), types


def test_global_templates_name_every_role() -> None:
    names = {
        relative: sorted(
            r["Properties"]["RoleName"]["Ref"]
            for r in _load(relative)["Resources"].values()
            if r["Type"] == "AWS::IAM::Role"
        )
        for relative in ("deploy/account-global.yaml", "deploy/org-admin-global.yaml",
                         "deploy/org-member-global.yaml")
    }  # fmt: skip
    assert names == {
        "deploy/account-global.yaml": [
            "DetectFunctionRoleName",
            "RemediationRoleName",
            "RuleFunctionRoleName",
        ],
        "deploy/org-admin-global.yaml": ["CentralRuleFunctionRoleName"],
        "deploy/org-member-global.yaml": [
            "DetectFunctionRoleName",
            "RemediationRoleName",
            "RuleRoleName",
            "ScanRoleName",
        ],
    }


def test_account_template_wires_lambdas_config_and_pack() -> None:
    template = _load("deploy/account.yaml")
    resources = template["Resources"]
    functions = {k: v for k, v in resources.items()
                 if v["Type"] == "AWS::Lambda::Function" and k != "DetectFunction"}  # fmt: skip
    assert len(functions) == len(rule_ids())
    for function in functions.values():
        properties = function["Properties"]
        assert (properties["Runtime"], properties["Handler"], properties["Role"]) == (
            "python3.11",
            "handler.lambda_handler",
            {"Fn::Sub": ROLE_ARN.replace("RemediationRoleName", "RuleFunctionRoleName")},
        )
    permissions = [
        v
        for k, v in resources.items()
        if v["Type"] == "AWS::Lambda::Permission" and k != "DetectPermission"
    ]
    assert [p["Properties"]["Principal"] for p in permissions] == ["config.amazonaws.com"] * 2
    assert all(p["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"} for p in permissions)
    assert (
        resources["RemediationDocument"]["Properties"]["Name"] == "TrailGuard-EnableSnsDataEvents"
    )
    pack = resources["ConformancePack"]["Properties"]
    # The pack is the generated one, with the remediation role written in as a literal
    # that Fn::Sub resolves per stack (AWS Config wants a literal there).
    expected = to_yaml(pack_template(role_arn=ROLE_ARN)) + "\n"
    assert pack["TemplateBody"] == {"Fn::Sub": expected}
    assert "RemediationRoleArn" not in expected
    body = yaml.safe_load(expected)
    remediation = body["Resources"]["CloudtrailSnsDataEventsEnabledRemediation"]["Properties"]
    assert remediation["Parameters"]["AutomationAssumeRole"] == {
        "StaticValue": {"Values": [ROLE_ARN]}
    }


def test_org_admin_assumes_only_the_member_role_within_the_organization() -> None:
    template = _load("deploy/org-admin-global.yaml")
    assume = [s for s in _statements(template) if s["Action"] == ["sts:AssumeRole"]]
    assert assume == [
        {
            "Sid": "AssumeRuleRoleInOrganizationAccounts",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${RuleRoleName}"},
            "Condition": {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}},
        }
    ]
    # each region's functions run as that one role; Config of this account may invoke them
    # (deploy adds the other accounts, one permission each: no organization-wide form exists)
    resources = _load("deploy/org-admin.yaml")["Resources"]
    roles = {r["Properties"]["Role"]["Fn::Sub"] for r in resources.values()
             if r["Type"] == "AWS::Lambda::Function"}  # fmt: skip
    assert roles == {
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CentralRuleFunctionRoleName}"
    }
    permissions = [v for v in resources.values() if v["Type"] == "AWS::Lambda::Permission"]
    assert [p["Properties"]["SourceAccount"] for p in permissions] == [
        {"Ref": "AWS::AccountId"}
    ] * 2
    text = (ROOT / "deploy/org-admin.yaml").read_text(encoding="utf-8")
    assert "# AWS Config invokes a rule's Lambda as the service principal" in text


def test_org_member_pack_uses_the_central_lambdas_through_the_member_role() -> None:
    trust = _load("deploy/org-member-global.yaml")["Resources"]["RuleRole"]["Properties"][
        "AssumeRolePolicyDocument"
    ]["Statement"]
    central = "arn:${AWS::Partition}:iam::${CentralAccountId}:role/${CentralRuleFunctionRoleName}"
    assert trust == [
        {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": central}}, "Action": "sts:AssumeRole"}
    ]
    resources = _load("deploy/org-member.yaml")["Resources"]
    values = {
        p["ParameterName"]: p["ParameterValue"]
        for p in resources["ConformancePack"]["Properties"]["ConformancePackInputParameters"]
    }
    lambda_arn = "arn:${AWS::Partition}:lambda:${AWS::Region}:${CentralAccountId}:function:"
    assert values == {
        "TrailRuleLambdaArn": {"Fn::Sub": lambda_arn + "trailguard-sns-data-events-enabled"},
        "AccountRuleLambdaArn": {
            "Fn::Sub": lambda_arn + "trailguard-sns-data-events-account-coverage"
        },
        "AutomaticRemediation": {"Ref": "AutomaticRemediation"},
        "MaximumExecutionFrequency": {"Ref": "MaximumExecutionFrequency"},
        "ExecutionRoleName": {"Ref": "RuleRoleName"},
    }
