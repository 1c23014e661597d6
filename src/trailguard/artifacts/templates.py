"""CloudFormation templates for deploying the pack, generated from one set of pieces.

IAM names are unique per account, not per region, so the roles are in stacks of their own
("global"), deployed once per account in one region; the regional stacks name each role by
its fixed name (a parameter), never create one.

- ``remediation/remediation-role.yaml``: the remediation role alone (least privilege).
- ``deploy/account-global.yaml``: one account, once: the rule Lambdas' execution role and the
  remediation role.
- ``deploy/account.yaml``: one account, each region: the two rule Lambdas, the invoke
  permission for this account's AWS Config, the SSM document and the conformance pack.
- ``deploy/org-admin-global.yaml``: the management account or Config delegated administrator,
  once: the central Lambdas' execution role, which may assume the rule role in the
  organization's accounts and nothing else.
- ``deploy/org-admin.yaml``: the same account, each region: the central rule Lambdas, invocable
  by this account's AWS Config; ``trailguard deploy --org`` adds one permission per account
  of the organization (see :data:`INVOKE_PERMISSION_NOTE`).
- ``deploy/org-member-global.yaml``: every account (a service-managed StackSet in one region;
  the management account, which StackSets never deploy to, as a stack): the role the central
  Lambdas assume, trusted by their one execution role, the remediation role and, given
  ``ScannerPrincipalArn``, the read-only role ``trailguard scan --org`` enters.
- ``deploy/org-member.yaml``: every account, each region: the SSM document and the account's
  conformance pack, whose rules use the central Lambdas of the same region.

Per-account packs (the default) can remediate: each renders its own account's role ARN
(``Fn::Sub``); an organization pack cannot (see ``artifacts/pack.py``), so with it the member
stack puts only the SSM document and the detection.
"""

from __future__ import annotations

from typing import Any

from trailguard.artifacts import iam
from trailguard.artifacts.detection import detect_resources
from trailguard.artifacts.iam import (
    FUNCTION_PREFIX,
    INVOKE_PERMISSION_NOTE,
    REMEDIATION_ROLE_NOTE,
    detect_role,
    function_role,
    remediation_role,
    role_arn,
    rule_role,
)
from trailguard.artifacts.pack import lambda_parameter, pack_template
from trailguard.artifacts.yamlout import to_yaml
from trailguard.rules.registry import logical_id, rule_ids

from .checkov import annotate

PACK_NAME = "trailguard-sns-data-events"
RUNTIME = "python3.11"
# The role names (parameters with these defaults): one role of each per account.
ROLE_NAMES = {
    "RuleFunctionRoleName": ("TrailGuardRuleFunctionRole", "the rule Lambdas' execution role"),
    "CentralRuleFunctionRoleName": (
        "TrailGuardCentralRuleFunctionRole",
        "the central rule Lambdas' execution role (org-admin-global.yaml)",
    ),
    "RuleRoleName": ("TrailGuardConfigRuleRole", "the role the central rule Lambdas assume"),
    "RemediationRoleName": ("TrailGuardRemediationRole", "the role SSM Automation assumes"),
    "DetectFunctionRoleName": ("TrailGuardDetectFunctionRole", "the detection function's role"),
}


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def function_name(rule_id: str) -> str:
    """The rule's Lambda function name (the same in every region and account)."""
    return FUNCTION_PREFIX + rule_id.removeprefix("cloudtrail-")


def _functions(role: Any) -> dict[str, Any]:
    """The rule Lambdas, run as ``role``, each invocable by this account's AWS Config only."""
    resources: dict[str, Any] = {}
    for rule_id in rule_ids():
        name = logical_id(rule_id)
        resources[f"{name}Function"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": function_name(rule_id),
                "Description": f"AWS Config rule {rule_id} (trailguard)",
                "Runtime": RUNTIME,
                "Handler": "handler.lambda_handler",
                "Role": role,
                "Timeout": 300,
                "MemorySize": 256,
                "Code": {"S3Bucket": _ref("CodeBucket"), "S3Key": _ref(f"{name}CodeKey")},
            },
        }
        resources[f"{name}Permission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Fn::GetAtt": [f"{name}Function", "Arn"]},
                "Action": "lambda:InvokeFunction",
                "Principal": "config.amazonaws.com",
                "SourceAccount": _ref("AWS::AccountId"),
            },
        }
    return resources


def _role_names(*names: str) -> dict[str, Any]:
    return {
        name: {
            "Type": "String",
            "Default": ROLE_NAMES[name][0],
            "AllowedPattern": r"^[\w+=,.@-]{1,64}$",
            "Description": f"Name of {ROLE_NAMES[name][1]} (one per account).",
        }
        for name in names
    }


def _central_account() -> dict[str, Any]:
    return {
        "CentralAccountId": {
            "Type": "String",
            "AllowedPattern": r"^\d{12}$",
            "Description": "The account of the central rule Lambdas (management account or "
            "Config delegated administrator).",
        }
    }


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


def _pack_settings() -> dict[str, Any]:
    return {
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
        "Resources": annotate(resources),
        "Outputs": outputs,
    }


def _role_output(logical: str, description: str) -> dict[str, Any]:
    return {"Description": description, "Value": {"Fn::GetAtt": [logical, "Arn"]}}


def remediation_role_template() -> dict[str, Any]:
    parameters = {"RoleName": _role_names("RemediationRoleName")["RemediationRoleName"]}
    return _template(
        "trailguard remediation role: lets SSM Automation (TrailGuard-EnableSnsDataEvents) read "
        "a trail and put its event selectors (an organization trail's too, with the read-only "
        "Organizations and IAM actions CloudTrail checks then); no wildcard actions.",
        parameters,
        {"RemediationRole": remediation_role(_ref("RoleName"))},
        {"RoleArn": _role_output("RemediationRole", "Pass this as AutomationAssumeRole.")},
    )


def account_global_template() -> dict[str, Any]:
    return _template(
        "trailguard for one account, once (in one region): the rule Lambdas' execution role, "
        "the remediation role and the detection function's role, which account.yaml names in "
        "every region.",
        _role_names("RuleFunctionRoleName", "RemediationRoleName", "DetectFunctionRoleName"),
        {
            "RuleFunctionRole": function_role(_ref("RuleFunctionRoleName"), None),
            "RemediationRole": remediation_role(_ref("RemediationRoleName")),
            "DetectFunctionRole": detect_role(_ref("DetectFunctionRoleName")),
        },
        {
            "RuleFunctionRoleArn": _role_output("RuleFunctionRole", "The rule Lambdas' role."),
            "RemediationRoleArn": _role_output("RemediationRole", "SSM Automation's role."),
        },
    )


def _remediation_role_arn() -> str:
    return "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${RemediationRoleName}"


def account_template() -> dict[str, Any]:
    resources = {
        **_functions(role_arn("RuleFunctionRoleName")),
        "RemediationDocument": _ssm_document(),
        **detect_resources(),
    }
    lambda_arns = {r: {"Fn::GetAtt": [f"{logical_id(r)}Function", "Arn"]} for r in rule_ids()}
    pack = _conformance_pack(_remediation_role_arn(), lambda_arns)
    pack["DependsOn"] = [f"{logical_id(r)}Permission" for r in rule_ids()] + ["RemediationDocument"]
    resources["ConformancePack"] = pack
    return _template(
        "trailguard for one account, in each region: the Config rule Lambdas (run as the role of "
        "account-global.yaml), the SSM document, the conformance pack, and the detection of "
        "trail changes (EventBridge rule and function).",
        {
            **_code_parameters(),
            **_role_names("RuleFunctionRoleName", "RemediationRoleName", "DetectFunctionRoleName"),
            **_pack_settings(),
        },
        resources,
        {"ConformancePackName": {"Value": PACK_NAME}},
    )


def org_admin_global_template() -> dict[str, Any]:
    parameters = {
        "OrganizationId": {
            "Type": "String",
            "AllowedPattern": r"^o-[a-z0-9]{10,32}$",
            "Description": "The organization's ID: only its accounts' rule roles can be assumed.",
        },
        **_role_names("CentralRuleFunctionRoleName", "RuleRoleName"),
    }
    role = function_role(_ref("CentralRuleFunctionRoleName"), "RuleRoleName")
    return _template(
        "trailguard central Config rule Lambdas' execution role, once (in one region) in the "
        "management account or Config delegated administrator: it may assume the rule role of "
        "the organization's accounts, nothing else.",
        parameters,
        {"RuleFunctionRole": role},
        {"RuleFunctionRoleArn": _role_output("RuleFunctionRole", "The central Lambdas' role.")},
    )


def org_admin_template() -> dict[str, Any]:
    outputs = {
        lambda_parameter(r): {"Value": {"Fn::GetAtt": [f"{logical_id(r)}Function", "Arn"]}}
        for r in rule_ids()
    }
    return _template(
        "trailguard central Config rule Lambdas for an organization (management account or "
        "Config delegated administrator), one stack per region, run as the role of "
        "org-admin-global.yaml. Invocable by this account's AWS Config; trailguard deploy "
        "--org adds a permission for each account of the organization.",
        {**_code_parameters(), **_role_names("CentralRuleFunctionRoleName")},
        _functions(role_arn("CentralRuleFunctionRoleName")),
        outputs,
    )


def org_member_global_template() -> dict[str, Any]:
    central = role_arn("CentralRuleFunctionRoleName", "${CentralAccountId}")
    template = _template(
        "trailguard in every account of an organization, once (service-managed StackSet in one "
        "region; a stack in the management account): the role the central rule Lambdas assume, "
        "trusted by their execution role alone, the remediation role, the detection "
        "function's role and, given ScannerPrincipalArn, the role trailguard scan enters.",
        {
            **_central_account(),
            **_role_names("CentralRuleFunctionRoleName", "RuleRoleName"),
            **_role_names("RemediationRoleName", "DetectFunctionRoleName"),
            **iam.SCAN_ROLE_PARAMETERS,
        },
        {
            "RuleRole": rule_role(_ref("RuleRoleName"), central),
            "RemediationRole": remediation_role(_ref("RemediationRoleName")),
            "DetectFunctionRole": detect_role(_ref("DetectFunctionRoleName")),
            "ScanRole": iam.scan_role(),
        },
        {"RemediationRoleArn": _role_output("RemediationRole", "SSM Automation's role.")},
    )
    return {**template, "Conditions": iam.SCAN_ROLE_CONDITIONS}


def org_member_template() -> dict[str, Any]:
    lambda_arns = {
        r: _sub(
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${CentralAccountId}:function:"
            + function_name(r)
        )
        for r in rule_ids()
    }
    pack = _conformance_pack(_remediation_role_arn(), lambda_arns)
    pack["DependsOn"] = ["RemediationDocument"]
    values = pack["Properties"]["ConformancePackInputParameters"]
    values.append({"ParameterName": "ExecutionRoleName", "ParameterValue": _ref("RuleRoleName")})
    # deploy --mode organization-pack: the rules come from an organization conformance pack,
    # so this stack puts only the SSM document (see artifacts/pack.py for why no remediation)
    pack["Condition"] = "AccountPack"
    template = _template(
        "trailguard in every account of an organization, in each region (service-managed "
        "StackSet; a stack in the management account): the SSM document and the account's "
        "conformance pack, whose rules use the central Lambdas of the region through the role "
        "of org-member-global.yaml (no pack here when an organization pack has the rules), "
        "and the detection of trail changes (EventBridge rule and function).",
        {
            **_central_account(),
            **_role_names("RuleRoleName", "RemediationRoleName", "DetectFunctionRoleName"),
            **_pack_settings(),
            "AccountConformancePack": {
                "Type": "String",
                "Default": "true",
                "AllowedValues": ["false", "true"],
                "Description": "false: no conformance pack here (an organization conformance "
                "pack deploys the rules); the SSM document is still put.",
            },
        },
        {"RemediationDocument": _ssm_document(), "ConformancePack": pack, **detect_resources()},
        {"ConformancePackName": {"Value": PACK_NAME, "Condition": "AccountPack"}},
    )
    template["Conditions"] = {
        "AccountPack": {"Fn::Equals": [_ref("AccountConformancePack"), "true"]}
    }
    return template


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" for line in text.splitlines())


def templates() -> dict[str, str]:
    """Each deployment template as YAML text, by path."""
    role_note = _comment(REMEDIATION_ROLE_NOTE)
    made = {
        "remediation/remediation-role.yaml": (remediation_role_template(), role_note),
        "deploy/account-global.yaml": (account_global_template(), role_note),
        "deploy/account.yaml": (account_template(), ""),
        "deploy/org-admin-global.yaml": (org_admin_global_template(), ""),
        "deploy/org-admin.yaml": (org_admin_template(), _comment(INVOKE_PERMISSION_NOTE)),
        "deploy/org-member-global.yaml": (org_member_global_template(), role_note),
        "deploy/org-member.yaml": (org_member_template(), ""),
    }
    header = "# Generated by `trailguard build`; do not edit. See README (Deploy).\n"
    return {path: header + note + to_yaml(body) + "\n" for path, (body, note) in made.items()}
