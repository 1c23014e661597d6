"""The IAM roles of the deployment templates: the remediation role (SSM Automation) and the
rule Lambdas' execution role, least privilege."""

from __future__ import annotations

from typing import Any

FUNCTION_PREFIX = "trailguard-"


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _statement(sid: str, actions: list[str], resource: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


def remediation_role(role_name: Any) -> dict[str, Any]:
    """The role SSM Automation assumes: find the trail, read and put its selectors."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": role_name,
            "Description": "Assumed by SSM Automation to add SNS data event selectors to "
            "CloudTrail trails (trailguard).",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ssm.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": _ref("AWS::AccountId")}
                        },
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "TrailGuardPutEventSelectors",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            _statement("FindTrail", ["cloudtrail:DescribeTrails"], "*"),
                            _statement(
                                "ReadAndPutSelectors",
                                ["cloudtrail:GetEventSelectors", "cloudtrail:PutEventSelectors"],
                                _sub(
                                    "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*"
                                ),
                            ),
                        ],
                    },
                }
            ],
        },
    }


def rule_permissions(assume_role_name: Any | None) -> list[dict[str, Any]]:
    """What a rule needs: read trails, selectors, status and tags; put evaluations; read
    Config's history and results; write its logs; and (central Lambda) assume one role."""
    statements = [
        _statement("ListTrails", ["cloudtrail:DescribeTrails"], "*"),
        _statement(
            "ReadTrails",
            ["cloudtrail:GetEventSelectors", "cloudtrail:GetTrailStatus", "cloudtrail:ListTags"],
            _sub("arn:${AWS::Partition}:cloudtrail:*:*:trail/*"),
        ),
        _statement(
            "ConfigResults",
            [
                "config:PutEvaluations",
                "config:GetComplianceDetailsByConfigRule",
                "config:GetResourceConfigHistory",
            ],
            "*",
        ),
    ]
    if assume_role_name is not None:
        statements.append(
            {
                **_statement(
                    "AssumeRuleRoleInOrganizationAccounts",
                    ["sts:AssumeRole"],
                    _sub("arn:${AWS::Partition}:iam::*:role/${" + assume_role_name + "}"),
                ),
                "Condition": {"StringEquals": {"aws:ResourceOrgID": _ref("OrganizationId")}},
            }
        )
    return statements


def function_role(assume_role_name: str | None) -> dict[str, Any]:
    statements = [
        _statement(
            "Logs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            _sub(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                f"/aws/lambda/{FUNCTION_PREFIX}*"
            ),
        ),
        *rule_permissions(assume_role_name),
    ]
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": "Execution role of the trailguard Config rule Lambdas.",
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
                    "PolicyName": "TrailGuardConfigRule",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }
