"""The role ``trailguard scan --org`` enters in an organization's accounts: created only when the
template is told who scans, trusted by that principal alone, allowed to read trails, list
topics and import and list its own account's Security Hub findings (its own default product
and hub, any region), nothing more. The central Lambdas' role gains nothing from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OWN = "arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:"


def _template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (ROOT / "deploy/org-member-global.yaml").read_text("utf-8")
    )
    return loaded


def test_the_scan_role_reads_lists_and_imports_into_its_own_account_only() -> None:
    template = _template()
    role = template["Resources"]["ScanRole"]
    assert role["Condition"] == "HasScanner"
    assert template["Conditions"]["HasScanner"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ScannerPrincipalArn"}, ""]}]
    }
    assert template["Parameters"]["ScannerPrincipalArn"]["Default"] == ""
    assert role["Properties"]["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": {"Ref": "ScannerPrincipalArn"}},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    assert role["Properties"]["Policies"] == [
        {
            "PolicyName": "TrailGuardScan",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ListTrails",
                        "Effect": "Allow",
                        "Action": ["cloudtrail:DescribeTrails"],
                        "Resource": "*",
                    },
                    {
                        "Sid": "ReadTrails",
                        "Effect": "Allow",
                        "Action": [
                            "cloudtrail:GetEventSelectors",
                            "cloudtrail:GetTrailStatus",
                            "cloudtrail:ListTags",
                        ],
                        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:cloudtrail:*:*:trail/*"},
                    },
                    {
                        "Sid": "ListTopics",
                        "Effect": "Allow",
                        "Action": [
                            "sns:ListTopics",
                            "sns:ListPlatformApplications",
                            "sns:ListEndpointsByPlatformApplication",
                        ],
                        "Resource": "*",
                    },
                    {
                        "Sid": "ImportFindingsIntoOwnProduct",
                        "Effect": "Allow",
                        "Action": ["securityhub:BatchImportFindings"],
                        "Resource": {"Fn::Sub": OWN + "product/${AWS::AccountId}/default"},
                    },
                    {
                        "Sid": "ListOwnFindings",
                        "Effect": "Allow",
                        "Action": ["securityhub:GetFindings"],
                        "Resource": {"Fn::Sub": OWN + "hub/default"},
                    },
                ],
            },
        }
    ]


def test_the_central_lambdas_role_gains_no_scan_permission() -> None:
    policies = _template()["Resources"]["RuleRole"]["Properties"]["Policies"]
    actions = {
        action
        for policy in policies
        for statement in policy["PolicyDocument"]["Statement"]
        for action in statement["Action"]
    }
    assert [p["PolicyName"] for p in policies] == ["TrailGuardConfigRule"]
    assert not {a for a in actions if a.startswith(("sns:", "securityhub:"))}
