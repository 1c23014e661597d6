"""The IAM roles of the deployment templates, least privilege: the remediation role (SSM
Automation), the rule Lambdas' execution role and, in an organization, the role the central
Lambdas assume in each account.

IAM names are unique per account, not per region ("naming an IAM resource can cause an
unrecoverable error if you reuse the same template in multiple Regions", CloudFormation
AWS::IAM::Role), so every role here is created once per account, by a stack deployed in one
region, and the regional stacks name it by its (fixed) name. One role serves every region:
the execution role may write the logs of its functions in any region."""

from __future__ import annotations

from typing import Any

FUNCTION_PREFIX = "trailguard-"


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _statement(sid: str, actions: list[str], resource: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


# Why the remediation role holds more than the three CloudTrail actions (a comment in every
# template that creates it, and README: Remediation with SSM Automation).
REMEDIATION_ROLE_NOTE = (
    "The remediation role may also change an organization trail, from the management account\n"
    "or a CloudTrail delegated administrator. Such a trail's ARN names the management\n"
    "account, so the CloudTrail actions name trails of any account (trails have no resource\n"
    "policy: another account's trail is reachable only as an organization trail, by those\n"
    "two). CloudTrail checks permissions in other services when an organization trail\n"
    "changes (PutEventSelectors error InsufficientDependencyServiceAccessPermissionException;\n"
    'CloudTrail user guide, "Prepare for creating a trail for your organization", minimum\n'
    "permissions). The read-only ones of that list are granted, never the ones that enable\n"
    "trusted access or create roles: organizations:DescribeOrganization,\n"
    "organizations:ListAccounts, organizations:ListAWSServiceAccessForOrganization, and\n"
    "iam:GetRole on service-linked roles (where the roles that page names live). Which of\n"
    "them an update checks is not documented. Elsewhere they reveal little: outside the\n"
    "management account and delegated administrators, Organizations answers only\n"
    "DescribeOrganization (the organization's id and management account)."
)
ORGANIZATION_TRAIL_READS = [
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListAWSServiceAccessForOrganization",
]


def remediation_role(role_name: Any) -> dict[str, Any]:
    """The role SSM Automation assumes: find the trail, read and put its selectors (an
    organization trail's too, see :data:`REMEDIATION_ROLE_NOTE`)."""
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
                                _sub("arn:${AWS::Partition}:cloudtrail:*:*:trail/*"),
                            ),
                            _statement(
                                "OrganizationTrailChecksOrganizations",
                                ORGANIZATION_TRAIL_READS,
                                "*",
                            ),
                            _statement(
                                "OrganizationTrailChecksServiceLinkedRoles",
                                ["iam:GetRole"],
                                _sub(
                                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
                                    "aws-service-role/*"
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


def role_arn(name_parameter: str, account: str = "${AWS::AccountId}") -> dict[str, str]:
    """The ARN of a role of this (or ``account``'s) account, from its name parameter."""
    return _sub(f"arn:${{AWS::Partition}}:iam::{account}:role/${{{name_parameter}}}")


def _lambda_role(
    role_name: Any, description: str, policy_name: str, statements: list[dict[str, Any]]
) -> dict[str, Any]:
    """An execution role Lambda alone may assume, with one inline policy of ``statements``."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": role_name,
            "Description": description,
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
                    "PolicyName": policy_name,
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


def function_role(role_name: Any, assume_role_name: str | None) -> dict[str, Any]:
    """The rule Lambdas' execution role, named ``role_name``, for the functions of every
    region (with ``assume_role_name``: the central one, which may assume that role in the
    organization's accounts)."""
    statements = [
        _statement(
            "Logs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            _sub(
                "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:"
                f"/aws/lambda/{FUNCTION_PREFIX}*"
            ),
        ),
        *rule_permissions(assume_role_name),
    ]
    return _lambda_role(
        role_name,
        "Execution role of the trailguard Config rule Lambdas (every region).",
        "TrailGuardConfigRule",
        statements,
    )


def rule_role(role_name: Any, central_role_arn: Any) -> dict[str, Any]:
    """The role the central rule Lambdas assume in an organization account: trusted by the
    central execution role alone (one role, serving the functions of every region); it may
    read trails and put evaluations, nothing else."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": role_name,
            "Description": "Assumed by the central trailguard Config rule Lambdas.",
            "AssumeRolePolicyDocument": _trusted_by(central_role_arn),
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


def _trusted_by(principal: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        ],
    }


# ``trailguard scan --org --role-name TrailGuardScanRole``: the member role a scan enters, when
# the template is given the principal that scans (else it is not created).
SCAN_ROLE_PARAMETERS = {
    "ScanRoleName": {
        "Type": "String",
        "Default": "TrailGuardScanRole",
        "AllowedPattern": r"^[\w+=,.@-]{1,64}$",
        "Description": "Name of the role trailguard scan enters (--role-name; one per account).",
    },
    "ScannerPrincipalArn": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": r"^(arn:[\w-]+:iam::\d{12}:(role|user|root)[\w+=,.@/-]*)?$",
        "Description": "Who runs trailguard scan --org (an IAM role ARN in the management "
        "account); empty: no scan role.",
    },
}
SCAN_ROLE_CONDITIONS = {
    "HasScanner": {"Fn::Not": [{"Fn::Equals": [_ref("ScannerPrincipalArn"), ""]}]}
}


def scan_permissions() -> list[dict[str, Any]]:
    """What ``trailguard scan`` needs in an account: read its trails (an organization trail's
    ARN names the management account), list its SNS topics and platform endpoints (these
    three List actions name no resource, Service Authorization Reference for Amazon SNS), and
    import its findings into Security Hub (``--to-securityhub``)."""
    return [
        *rule_permissions(None)[:2],
        _statement(
            "ListTopics",
            [
                "sns:ListTopics",
                "sns:ListPlatformApplications",
                "sns:ListEndpointsByPlatformApplication",
            ],
            "*",
        ),
        *securityhub_import_permissions(),
    ]


def scan_role() -> dict[str, Any]:
    """The role ``trailguard scan --org`` enters in each account (``ScanRoleName``), trusted
    by ``ScannerPrincipalArn`` alone and created only when that is given; read-only but for
    Security Hub findings of its own account."""
    return {
        "Type": "AWS::IAM::Role",
        "Condition": "HasScanner",
        "Properties": {
            "RoleName": _ref("ScanRoleName"),
            "Description": "Entered by trailguard scan --org (read trails, list topics, import "
            "findings into this account's Security Hub).",
            "AssumeRolePolicyDocument": _trusted_by(_ref("ScannerPrincipalArn")),
            "Policies": [
                {
                    "PolicyName": "TrailGuardScan",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": scan_permissions()},
                }
            ],
        },
    }


def securityhub_import_permissions() -> list[dict[str, Any]]:
    """What ``scan --to-securityhub`` needs in each account: import findings into the account's
    own default product (the resource type ``product`` of BatchImportFindings) and list them
    from its hub (``hub`` of GetFindings), in any region (Service Authorization Reference,
    "Actions, resources, and condition keys for AWS Security Hub",
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html).
    """
    return [
        _statement(
            "ImportFindingsIntoOwnProduct",
            ["securityhub:BatchImportFindings"],
            _sub(
                "arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:"
                "product/${AWS::AccountId}/default"
            ),
        ),
        _statement(
            "ListOwnFindings",
            ["securityhub:GetFindings"],
            _sub("arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:hub/default"),
        ),
    ]


DETECT_FUNCTION = FUNCTION_PREFIX + "detect"


def detect_role(role_name: Any) -> dict[str, Any]:
    """The detection function's execution role (every region): list the Config rules, start
    an evaluation of this account's rules, write its own logs; nothing else.

    Config's rule ARNs name the rule's ID (``config-rule/config-rule-<random>``, assigned when
    the pack creates it), not its name (AWS Config developer guide, "Supported resource-level
    permissions for AWS Config rules API actions"), so no template can name the pack's rules:
    StartConfigRulesEvaluation is held to this account's rules. DescribeConfigRules is listed
    with no names, and that guide does not say which ARN a call naming no rule is authorized
    against, so it is granted on "*" (it reads rule definitions only)."""
    log_group = (
        "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:/aws/lambda/" + DETECT_FUNCTION
    )
    statements = [
        _statement(
            "Logs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [_sub(log_group), _sub(log_group + ":*")],
        ),
        _statement("FindPackRules", ["config:DescribeConfigRules"], "*"),
        _statement(
            "StartEvaluations",
            ["config:StartConfigRulesEvaluation"],
            _sub("arn:${AWS::Partition}:config:*:${AWS::AccountId}:config-rule/*"),
        ),
    ]
    return _lambda_role(
        role_name,
        "Execution role of the trailguard detection function (every region): starts an "
        "evaluation of the pack's Config rules when a trail changes.",
        "TrailGuardDetect",
        statements,
    )


# Why the central Lambdas get one invoke permission per account (written into org-admin.yaml).
INVOKE_PERMISSION_NOTE = (
    "AWS Config invokes a rule's Lambda as the service principal config.amazonaws.com, on\n"
    "behalf of the account whose rule it is. The narrowest permission Lambda can express for\n"
    "a service principal names that account (SourceAccount; Lambda AddPermission). There is no\n"
    "organization-wide form for it: PrincipalOrgID (aws:PrincipalOrgID) holds only for\n"
    "principals that belong to an organization, which a service principal does not, so it\n"
    "would refuse AWS Config; and AddPermission cannot state aws:SourceOrgID. So this stack\n"
    "allows this account's Config, and `trailguard deploy --org` adds one permission per\n"
    "account of the organization (statement trailguard-config-<account>); run it again when\n"
    "accounts join."
)
