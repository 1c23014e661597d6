"""A small organization in moto (inside ``mock_aws``): the management account (moto's default
account, whose credentials the environment holds) and member accounts, entered through the
role Organizations creates in each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

ENTRY_ROLE = "OrganizationAccountAccessRole"


@dataclass
class MotoOrg:
    management: str
    members: list[str]
    root: str
    organization_id: str
    _sessions: dict[str, Any] = field(default_factory=dict)

    @property
    def accounts(self) -> list[str]:
        return [self.management, *self.members]

    def session(self, account: str, region: str = "us-east-1") -> Any:
        """A boto3 session acting in ``account`` (the management account's own credentials)."""
        if account == self.management:
            return boto3.Session(region_name=region)
        if account not in self._sessions:
            credentials = boto3.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{ENTRY_ROLE}", RoleSessionName="moto-org"
            )["Credentials"]
            self._sessions[account] = credentials
        credentials = self._sessions[account]
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )


def build_org(members: int = 3) -> MotoOrg:
    organizations = boto3.client("organizations", region_name="us-east-1")
    organization = organizations.create_organization(FeatureSet="ALL")["Organization"]
    ids = [
        organizations.create_account(Email=f"member{n}@example.com", AccountName=f"member{n}")[
            "CreateAccountStatus"
        ]["AccountId"]
        for n in range(members)
    ]
    root = organizations.list_roots()["Roots"][0]["Id"]
    return MotoOrg(organization["MasterAccountId"], ids, root, organization["Id"])
