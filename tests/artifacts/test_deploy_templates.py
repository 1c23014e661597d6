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
TEMPLATES = ("deploy/account.yaml", "deploy/org-admin.yaml", "deploy/org-member.yaml",
             "remediation/remediation-role.yaml")  # fmt: skip


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


@pytest.mark.parametrize("relative", TEMPLATES)
def test_template_passes_cfn_lint(relative: str) -> None:
    text = (ROOT / relative).read_text(encoding="utf-8")
    assert [str(m) for m in lint(text, config=ManualArgs(regions=["us-east-1"]))] == []


@pytest.mark.parametrize("relative", TEMPLATES)
def test_no_wildcard_actions(relative: str) -> None:
    statements = _statements(_load(relative))
    assert statements, relative
    for statement in statements:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            assert "*" not in action, (relative, action)


def test_account_template_wires_lambdas_config_and_pack() -> None:
    template = _load("deploy/account.yaml")
    resources = template["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}
    assert len(functions) == len(rule_ids())
    for function in functions.values():
        properties = function["Properties"]
        assert (properties["Runtime"], properties["Handler"]) == (
            "python3.11",
            "handler.lambda_handler",
        )
    permissions = [v for v in resources.values() if v["Type"] == "AWS::Lambda::Permission"]
    assert [p["Properties"]["Principal"] for p in permissions] == ["config.amazonaws.com"] * 2
    assert all(p["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"} for p in permissions)
    assert (
        resources["RemediationDocument"]["Properties"]["Name"] == "TrailGuard-EnableSnsDataEvents"
    )
    pack = resources["ConformancePack"]["Properties"]
    # The pack is the generated one, with the remediation role written in as a literal
    # that Fn::Sub resolves per stack (AWS Config wants a literal there).
    expected = to_yaml(pack_template(role_arn="${RemediationRole.Arn}")) + "\n"
    assert pack["TemplateBody"] == {"Fn::Sub": expected}
    assert "RemediationRoleArn" not in expected
    body = yaml.safe_load(expected)
    remediation = body["Resources"]["CloudtrailSnsDataEventsEnabledRemediation"]["Properties"]
    assert remediation["Parameters"]["AutomationAssumeRole"] == {
        "StaticValue": {"Values": ["${RemediationRole.Arn}"]}
    }


def test_org_admin_assumes_only_the_member_role_within_the_organization() -> None:
    template = _load("deploy/org-admin.yaml")
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
    permissions = [
        v for v in template["Resources"].values() if v["Type"] == "AWS::Lambda::Permission"
    ]
    assert all("SourceAccount" not in p["Properties"] for p in permissions)


def test_org_member_pack_uses_the_central_lambdas_through_the_member_role() -> None:
    template = _load("deploy/org-member.yaml")
    resources = template["Resources"]
    trust = resources["RuleRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": {"Ref": "CentralRuleFunctionRoleArn"}},
            "Action": "sts:AssumeRole",
        }
    ]
    values = {
        p["ParameterName"]: p["ParameterValue"]
        for p in resources["ConformancePack"]["Properties"]["ConformancePackInputParameters"]
    }
    assert values == {
        "TrailRuleLambdaArn": {"Ref": "TrailRuleLambdaArn"},
        "AccountRuleLambdaArn": {"Ref": "AccountRuleLambdaArn"},
        "AutomaticRemediation": {"Ref": "AutomaticRemediation"},
        "MaximumExecutionFrequency": {"Ref": "MaximumExecutionFrequency"},
        "ExecutionRoleName": {"Ref": "RuleRoleName"},
    }
