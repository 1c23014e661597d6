"""The member role of an organization may import and list its own account's Security Hub
findings (``scan --to-securityhub``) and nothing more: its own default product and hub, any
region."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_member_role_imports_only_into_its_own_product() -> None:
    template = yaml.safe_load((ROOT / "deploy/org-member-global.yaml").read_text("utf-8"))
    policies = template["Resources"]["RuleRole"]["Properties"]["Policies"]
    found = [p for p in policies if p["PolicyName"] == "TrailGuardSecurityHubImport"]
    own = "arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:"
    assert found == [
        {
            "PolicyName": "TrailGuardSecurityHubImport",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ImportFindingsIntoOwnProduct",
                        "Effect": "Allow",
                        "Action": ["securityhub:BatchImportFindings"],
                        "Resource": {"Fn::Sub": own + "product/${AWS::AccountId}/default"},
                    },
                    {
                        "Sid": "ListOwnFindings",
                        "Effect": "Allow",
                        "Action": ["securityhub:GetFindings"],
                        "Resource": {"Fn::Sub": own + "hub/default"},
                    },
                ],
            },
        }
    ]
