"""The conformance pack templates, generated from the rules' metadata.

One source for names: each ConfigRule's name is the rule id, its parameters are the rule's
schema properties (pack parameters of the same names), its trigger and resource type come from
the metadata, and the remediation points at the document ``trailguard build`` generates.

- ``conformance-pack.yaml``: one account's pack, rules and remediation.
- ``organization-conformance-pack.yaml``: the same rules without remediation, for
  PutOrganizationConformancePack (``trailguard deploy --org --mode organization-pack``). A
  remediation's AutomationAssumeRole must be a literal role ARN in the pack template (no
  intrinsic functions there), and a literal ARN names one account; an organization pack is
  one template for every account, so it cannot name each account's own remediation role. AWS
  documents no per-account placeholder that Config resolves in a remediation's StaticValue
  (SSM's ``{{global:ACCOUNT_ID}}`` is resolved inside a runbook's steps, not by Config), and
  AWS's sample packs with remediation carry a literal ``<Account-Id>`` to fill in. So the
  organization pack holds the rules alone; remediation stays with ``trailguard remediate``
  and the SSM document the member StackSet puts in every account.
"""

from __future__ import annotations

from typing import Any

from trailguard.artifacts.bundle import BuildError
from trailguard.artifacts.yamlout import to_yaml
from trailguard.rules.registry import logical_id, rule, rules

FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
FREQUENCY_PARAMETER = "MaximumExecutionFrequency"
ROLE_PARAMETER = "RemediationRoleArn"
MAX_AUTOMATIC_ATTEMPTS = 3
RETRY_ATTEMPT_SECONDS = 600


def lambda_parameter(rule_id: str) -> str:
    """The pack parameter holding the ARN of the rule's Lambda function."""
    return rule(rule_id).pack_lambda_parameter


def default_frequency() -> str:
    """The pack's one frequency parameter: its default, the rules' defaultFrequency (which
    must agree: the pack has one frequency for every periodic rule)."""
    found = {r.metadata.default_frequency for r in rules() if r.metadata.triggers["periodic"]}
    if len(found) > 1 or not found <= set(FREQUENCIES):
        raise BuildError(
            f"the rules' defaultFrequency must be one of {', '.join(FREQUENCIES)} and the same "
            f"for every periodic rule (the pack has one {FREQUENCY_PARAMETER}): "
            f"{', '.join(sorted(found))}"
        )
    return found.pop() if found else FREQUENCIES[-1]


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def pack_template(role_arn: str | None = None, remediation: bool = True) -> dict[str, Any]:
    """The pack. With ``role_arn``, the remediation role is written in as that literal string
    (AWS Config wants a literal there; deployment templates pass an ``Fn::Sub`` placeholder);
    without it, it is the pack parameter RemediationRoleArn. Without ``remediation``: the
    rules alone (the organization pack; see the module's docstring)."""
    role_value: Any = role_arn if role_arn is not None else _ref(ROLE_PARAMETER)
    parameters: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    for each in rules():
        rule_id, meta = each.id, each.metadata
        arn_parameter = each.pack_lambda_parameter
        parameters[arn_parameter] = {
            "Type": "String",
            "Description": f"ARN of the Lambda function that evaluates {rule_id}.",
            "AllowedPattern": r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+$",
        }
        for name, spec in meta.schema["properties"].items():
            parameters.setdefault(
                name,
                {
                    "Type": "String",
                    "Default": spec["default"],
                    "Description": spec["description"],
                    **({"AllowedValues": spec["enum"]} if "enum" in spec else {}),
                },
            )
        details: list[dict[str, Any]] = []
        if meta.triggers["configurationChange"]:
            details += [
                {"EventSource": "aws.config", "MessageType": message}
                for message in (
                    "ConfigurationItemChangeNotification",
                    "OversizedConfigurationItemChangeNotification",
                )
            ]
        if meta.triggers["periodic"]:
            details.append(
                {
                    "EventSource": "aws.config",
                    "MessageType": "ScheduledNotification",
                    "MaximumExecutionFrequency": _ref(FREQUENCY_PARAMETER),
                }
            )
        properties: dict[str, Any] = {
            "ConfigRuleName": rule_id,
            "Description": meta.title,
            "InputParameters": {name: _ref(name) for name in meta.schema["properties"]},
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": _ref(arn_parameter),
                "SourceDetails": details,
            },
        }
        if each.scope != "account-region":  # an account rule is not scoped to resources
            properties["Scope"] = {"ComplianceResourceTypes": [meta.resource_type]}
        resources[logical_id(rule_id)] = {
            "Type": "AWS::Config::ConfigRule",
            "Properties": properties,
        }
        fix = meta.remediation if remediation else None
        if fix:
            resources[logical_id(rule_id) + "Remediation"] = {
                "Type": "AWS::Config::RemediationConfiguration",
                "DependsOn": logical_id(rule_id),
                "Properties": {
                    "ConfigRuleName": rule_id,
                    "TargetType": "SSM_DOCUMENT",
                    "TargetId": fix["document"],
                    "Parameters": {
                        fix["resourceParameter"]: {"ResourceValue": {"Value": "RESOURCE_ID"}},
                        "AutomationAssumeRole": {"StaticValue": {"Values": [role_value]}},
                        "ResourceTypes": {"StaticValue": {"Values": [_ref("ResourceTypes")]}},
                        "DryRun": {"StaticValue": {"Values": ["false"]}},
                        "AcceptedExclusions": {
                            "StaticValue": {"Values": [_ref("AcceptedExclusions")]}
                        },
                        "FillExclusions": {"StaticValue": {"Values": ["false"]}},
                    },
                    "Automatic": _ref("AutomaticRemediation"),
                    "MaximumAutomaticAttempts": MAX_AUTOMATIC_ATTEMPTS,
                    "RetryAttemptSeconds": RETRY_ATTEMPT_SECONDS,
                    "ExecutionControls": {
                        "SsmControls": {
                            "ConcurrentExecutionRatePercentage": 10,
                            "ErrorPercentage": 10,
                        }
                    },
                },
            }
    parameters[FREQUENCY_PARAMETER] = {
        "Type": "String",
        "Default": default_frequency(),
        "AllowedValues": list(FREQUENCIES),
        "Description": "How often the periodic evaluations run.",
    }
    if not remediation:
        return {
            "Description": "trailguard: CloudTrail trails record Amazon SNS data events "
            "(Publish, PublishBatch); rules only, for an organization conformance pack "
            "(remediation: trailguard remediate, or the SSM document in each account).",
            "Parameters": parameters,
            "Resources": resources,
        }
    if role_arn is None:
        parameters[ROLE_PARAMETER] = {
            "Type": "String",
            "Description": "ARN of the role SSM Automation assumes to remediate "
            "(remediation/remediation-role.yaml). The deployment templates write it into the "
            "pack as a literal string.",
            "AllowedPattern": r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
        }
    parameters["AutomaticRemediation"] = {
        "Type": "String",
        "Default": "false",
        "AllowedValues": ["false", "true"],
        "Description": "true: remediate non-compliant trails automatically.",
    }
    return {
        "Description": "trailguard: CloudTrail trails record Amazon SNS data events "
        "(Publish, PublishBatch), with remediation.",
        "Parameters": parameters,
        "Resources": resources,
    }


HEADER = (
    "# Generated by `trailguard build` from the rule metadata in src/trailguard/rules;\n"
    "# deploy with `trailguard deploy` (see README).\n"
)
ORGANIZATION_PACK = "organization-conformance-pack.yaml"
# PutOrganizationConformancePack: TemplateBody is 1 to 51,200 bytes (Config API reference;
# botocore's model); a larger template goes through TemplateS3Uri.
TEMPLATE_BODY_LIMIT = 51_200


def conformance_pack_text() -> str:
    return HEADER + to_yaml(pack_template()) + "\n"


def organization_pack_text() -> str:
    """The organization pack: the rules without remediation (see the module's docstring)."""
    note = (
        "# Rules only: an organization pack is one template for every account, and a\n"
        "# remediation must name its role by a literal ARN, which names one account. Remediate\n"
        "# with `trailguard remediate` or the SSM document in each account.\n"
    )
    return HEADER + note + to_yaml(pack_template(remediation=False)) + "\n"


def pack_artifacts() -> dict[str, str]:
    """Both packs, by path."""
    return {
        "conformance-pack.yaml": conformance_pack_text(),
        ORGANIZATION_PACK: organization_pack_text(),
    }
