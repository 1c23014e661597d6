"""The conformance pack template, generated from the rules' metadata.

One source for names: each ConfigRule's name is the rule id, its parameters are the rule's
schema properties (pack parameters of the same names), its trigger and resource type come from
the metadata, and the remediation points at the document ``trailguard build`` generates.
"""

from __future__ import annotations

from typing import Any

from trailguard.artifacts.yamlout import to_yaml
from trailguard.rules.metadata import load
from trailguard.rules.registry import rule_ids

FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
LAMBDA_PARAMETER = {
    "cloudtrail-sns-data-events-enabled": "TrailRuleLambdaArn",
    "cloudtrail-sns-data-events-account-coverage": "AccountRuleLambdaArn",
}
ROLE_PARAMETER = "RemediationRoleArn"
MAX_AUTOMATIC_ATTEMPTS = 3
RETRY_ATTEMPT_SECONDS = 600


def logical_id(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def pack_template(role_arn: str | None = None) -> dict[str, Any]:
    """The pack. With ``role_arn``, the remediation role is written in as that literal string
    (AWS Config wants a literal there; deployment templates pass an ``Fn::Sub`` placeholder);
    without it, it is the pack parameter RemediationRoleArn."""
    role_value: Any = role_arn if role_arn is not None else _ref(ROLE_PARAMETER)
    parameters: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    for rule_id in rule_ids():
        meta = load(rule_id)
        lambda_parameter = LAMBDA_PARAMETER[rule_id]
        parameters[lambda_parameter] = {
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
        if meta.raw["triggers"]["configurationChange"]:
            details += [
                {"EventSource": "aws.config", "MessageType": message}
                for message in (
                    "ConfigurationItemChangeNotification",
                    "OversizedConfigurationItemChangeNotification",
                )
            ]
        if meta.raw["triggers"]["periodic"]:
            details.append(
                {
                    "EventSource": "aws.config",
                    "MessageType": "ScheduledNotification",
                    "MaximumExecutionFrequency": _ref("MaximumExecutionFrequency"),
                }
            )
        properties: dict[str, Any] = {
            "ConfigRuleName": rule_id,
            "Description": meta.raw["title"],
            "InputParameters": {name: _ref(name) for name in meta.schema["properties"]},
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": _ref(lambda_parameter),
                "SourceDetails": details,
            },
        }
        if meta.resource_type != "AWS::::Account":
            properties["Scope"] = {"ComplianceResourceTypes": [meta.resource_type]}
        resources[logical_id(rule_id)] = {
            "Type": "AWS::Config::ConfigRule",
            "Properties": properties,
        }
        remediation = meta.raw.get("remediation")
        if remediation:
            resources[logical_id(rule_id) + "Remediation"] = {
                "Type": "AWS::Config::RemediationConfiguration",
                "DependsOn": logical_id(rule_id),
                "Properties": {
                    "ConfigRuleName": rule_id,
                    "TargetType": "SSM_DOCUMENT",
                    "TargetId": remediation["document"],
                    "Parameters": {
                        remediation["resourceParameter"]: {
                            "ResourceValue": {"Value": "RESOURCE_ID"}
                        },
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
    parameters["MaximumExecutionFrequency"] = {
        "Type": "String",
        "Default": "TwentyFour_Hours",
        "AllowedValues": list(FREQUENCIES),
        "Description": "How often the periodic evaluations run.",
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


def conformance_pack_text() -> str:
    header = (
        "# Generated by `trailguard build` from the rule metadata in src/trailguard/rules;\n"
        "# deploy with `trailguard deploy` (see README).\n"
    )
    return header + to_yaml(pack_template()) + "\n"
