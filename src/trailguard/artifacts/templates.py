"""CloudFormation templates for deploying the pack, generated from one set of pieces.

- ``remediation/remediation-role.yaml``: the remediation role alone (least privilege).
- ``deploy/account.yaml``: one account and region: the two rule Lambdas, their role, the invoke
  permission for AWS Config, the SSM document, the remediation role and the conformance pack.
- ``deploy/org-admin.yaml``: the management account or Config delegated administrator, in
  each region: the central rule Lambdas, invocable by AWS Config of the organization's
  accounts; they act in each account through a role assumed there.
- ``deploy/org-member.yaml``: a service-managed StackSet template for every member account
  (and every new one): the role the central Lambdas assume, the remediation role, the SSM
  document and the account's conformance pack.

Why a StackSet of per-account conformance packs rather than one organization conformance
pack: the remediation's AutomationAssumeRole must be a literal role ARN in the pack, and the
role lives in each account, so each account's pack must name its own role. A StackSet renders
that ARN per account (``Fn::Sub``) and reaches new accounts through auto-deployment.
"""

from __future__ import annotations

from typing import Any

from trailguard.artifacts.iam import (
    FUNCTION_PREFIX,
    function_role,
    remediation_role,
    rule_permissions,
)
from trailguard.artifacts.pack import lambda_parameter, pack_template
from trailguard.artifacts.yamlout import to_yaml
from trailguard.rules.registry import logical_id, rule_ids

PACK_NAME = "trailguard-sns-data-events"
RUNTIME = "python3.11"


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _functions(org: bool) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for rule_id in rule_ids():
        name = logical_id(rule_id)
        resources[f"{name}Function"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": FUNCTION_PREFIX + rule_id.removeprefix("cloudtrail-"),
                "Description": f"AWS Config rule {rule_id} (trailguard)",
                "Runtime": RUNTIME,
                "Handler": "handler.lambda_handler",
                "Role": {"Fn::GetAtt": ["RuleFunctionRole", "Arn"]},
                "Timeout": 300,
                "MemorySize": 256,
                "Code": {"S3Bucket": _ref("CodeBucket"), "S3Key": _ref(f"{name}CodeKey")},
            },
        }
        permission: dict[str, Any] = {
            "FunctionName": {"Fn::GetAtt": [f"{name}Function", "Arn"]},
            "Action": "lambda:InvokeFunction",
            "Principal": "config.amazonaws.com",
        }
        if not org:
            permission["SourceAccount"] = _ref("AWS::AccountId")
        resources[f"{name}Permission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": permission,
        }
    return resources


def _code_parameters() -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "CodeBucket": {
            "Type": "String",
            "Description": "S3 bucket in this region holding the rule Lambda bundles.",
        }
    }
    for rule_id in rule_ids():
        parameters[f"{logical_id(rule_id)}CodeKey"] = {
            "Type": "String",
            "Default": f"trailguard/lambda/{rule_id}.zip",
            "Description": f"S3 key of the {rule_id} bundle (deploy/lambda/{rule_id}.zip).",
        }
    return parameters


def _pack_parameters(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"ParameterName": k, "ParameterValue": v} for k, v in values.items()]


def _conformance_pack(role_arn_sub: str, lambda_arns: dict[str, Any]) -> dict[str, Any]:
    """The pack as a stack resource, with the remediation role written in as a literal
    (Fn::Sub resolves it per account before Config sees the template)."""
    body = to_yaml(pack_template(role_arn=role_arn_sub)) + "\n"
    values: dict[str, Any] = {lambda_parameter(r): lambda_arns[r] for r in rule_ids()}
    values["AutomaticRemediation"] = _ref("AutomaticRemediation")
    values["MaximumExecutionFrequency"] = _ref("MaximumExecutionFrequency")
    return {
        "Type": "AWS::Config::ConformancePack",
        "Properties": {
            "ConformancePackName": PACK_NAME,
            "TemplateBody": _sub(body),
            "ConformancePackInputParameters": _pack_parameters(values),
        },
    }


def _common_parameters() -> dict[str, Any]:
    return {
        "RemediationRoleName": {
            "Type": "String",
            "Default": "TrailGuardRemediationRole",
            "AllowedPattern": r"^[\w+=,.@-]{1,64}$",
            "Description": "Name of the role SSM Automation assumes to remediate.",
        },
        "AutomaticRemediation": {
            "Type": "String",
            "Default": "false",
            "AllowedValues": ["false", "true"],
            "Description": "true: remediate non-compliant trails automatically.",
        },
        "MaximumExecutionFrequency": {
            "Type": "String",
            "Default": "TwentyFour_Hours",
            "AllowedValues": [
                "One_Hour",
                "Three_Hours",
                "Six_Hours",
                "Twelve_Hours",
                "TwentyFour_Hours",
            ],
            "Description": "How often the periodic evaluations run.",
        },
    }


def _ssm_document() -> dict[str, Any]:
    from trailguard import DOCUMENT_NAME
    from trailguard.artifacts.build import document

    return {
        "Type": "AWS::SSM::Document",
        "Properties": {
            "Name": DOCUMENT_NAME,
            "DocumentType": "Automation",
            "DocumentFormat": "YAML",
            "Content": document(),
        },
    }


def _template(description: str, parameters: dict[str, Any], resources: dict[str, Any],
              outputs: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    }


def remediation_role_template() -> dict[str, Any]:
    parameters = {"RoleName": _common_parameters()["RemediationRoleName"]}
    return _template(
        "trailguard remediation role: lets SSM Automation (TrailGuard-EnableSnsDataEvents) read "
        "a trail and put its event selectors; three CloudTrail actions, no wildcard actions.",
        parameters,
        {"RemediationRole": remediation_role(_ref("RoleName"))},
        {
            "RoleArn": {
                "Description": "Pass this as AutomationAssumeRole.",
                "Value": {"Fn::GetAtt": ["RemediationRole", "Arn"]},
            }
        },
    )


def account_template() -> dict[str, Any]:
    resources = {
        "RuleFunctionRole": function_role(None),
        **_functions(org=False),
        "RemediationRole": remediation_role(_ref("RemediationRoleName")),
        "RemediationDocument": _ssm_document(),
    }
    lambda_arns = {r: {"Fn::GetAtt": [f"{logical_id(r)}Function", "Arn"]} for r in rule_ids()}
    pack = _conformance_pack("${RemediationRole.Arn}", lambda_arns)
    pack["DependsOn"] = [f"{logical_id(r)}Permission" for r in rule_ids()] + ["RemediationDocument"]
    resources["ConformancePack"] = pack
    return _template(
        "trailguard for one account and region: Config rule Lambdas, SSM document, remediation "
        "role and the conformance pack.",
        {**_code_parameters(), **_common_parameters()},
        resources,
        {
            "ConformancePackName": {"Value": PACK_NAME},
            "RemediationRoleArn": {"Value": {"Fn::GetAtt": ["RemediationRole", "Arn"]}},
        },
    )


def org_admin_template() -> dict[str, Any]:
    parameters = {
        **_code_parameters(),
        "OrganizationId": {
            "Type": "String",
            "AllowedPattern": r"^o-[a-z0-9]{10,32}$",
            "Description": "The organization's ID: only its accounts' rule roles can be assumed.",
        },
        "RuleRoleName": {
            "Type": "String",
            "Default": "TrailGuardConfigRuleRole",
            "AllowedPattern": r"^[\w+=,.@-]{1,64}$",
            "Description": "Name of the role org-member.yaml creates in every account.",
        },
    }
    resources = {"RuleFunctionRole": function_role("RuleRoleName"), **_functions(org=True)}
    outputs = {
        "RuleFunctionRoleArn": {
            "Description": "Pass to org-member.yaml as CentralRuleFunctionRoleArn.",
            "Value": {"Fn::GetAtt": ["RuleFunctionRole", "Arn"]},
        },
        **{
            lambda_parameter(r): {"Value": {"Fn::GetAtt": [f"{logical_id(r)}Function", "Arn"]}}
            for r in rule_ids()
        },
    }
    return _template(
        "trailguard central Config rule Lambdas for an organization (management account or "
        "Config delegated administrator), one stack per region.",
        parameters,
        resources,
        outputs,
    )


def org_member_template() -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "CentralRuleFunctionRoleArn": {
            "Type": "String",
            "AllowedPattern": r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
            "Description": "Execution role of the central rule Lambdas (org-admin.yaml output).",
        },
        "RuleRoleName": {
            "Type": "String",
            "Default": "TrailGuardConfigRuleRole",
            "AllowedPattern": r"^[\w+=,.@-]{1,64}$",
            "Description": "Name of the role the central rule Lambdas assume in this account.",
        },
        **{
            lambda_parameter(r): {
                "Type": "String",
                "AllowedPattern": r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+$",
                "Description": f"ARN of the central {r} Lambda (org-admin.yaml output).",
            }
            for r in rule_ids()
        },
        **_common_parameters(),
    }
    rule_role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": _ref("RuleRoleName"),
            "Description": "Assumed by the central trailguard Config rule Lambdas.",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": _ref("CentralRuleFunctionRoleArn")},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "TrailGuardConfigRule",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": rule_permissions(None),
                    },
                }
            ],
        },
    }
    lambda_arns = {r: _ref(lambda_parameter(r)) for r in rule_ids()}
    pack = _conformance_pack("${RemediationRole.Arn}", lambda_arns)
    pack["DependsOn"] = ["RuleRole", "RemediationDocument"]
    values = pack["Properties"]["ConformancePackInputParameters"]
    values.append({"ParameterName": "ExecutionRoleName", "ParameterValue": _ref("RuleRoleName")})
    return _template(
        "trailguard in every account of an organization (service-managed StackSet): the role the "
        "central rule Lambdas assume, the remediation role, the SSM document and the account's "
        "conformance pack.",
        parameters,
        {
            "RuleRole": rule_role,
            "RemediationRole": remediation_role(_ref("RemediationRoleName")),
            "RemediationDocument": _ssm_document(),
            "ConformancePack": pack,
        },
        {"RemediationRoleArn": {"Value": {"Fn::GetAtt": ["RemediationRole", "Arn"]}}},
    )


def templates() -> dict[str, str]:
    """Each deployment template as YAML text, by path."""
    made = {
        "remediation/remediation-role.yaml": remediation_role_template(),
        "deploy/account.yaml": account_template(),
        "deploy/org-admin.yaml": org_admin_template(),
        "deploy/org-member.yaml": org_member_template(),
    }
    header = "# Generated by `trailguard build`; do not edit. See README (Deploy).\n"
    return {path: header + to_yaml(body) + "\n" for path, body in made.items()}
