"""boto3 plumbing for the CLI: sessions, per-region clients, and the caller's account.

Credentials and region are taken as the AWS CLI takes them (``--profile``, the environment,
``AWS_ENDPOINT_URL``); adaptive retries keep calls within CloudTrail's per-region rate limits.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.config
import botocore.exceptions

RETRY_CONFIG = botocore.config.Config(retries={"mode": "adaptive", "max_attempts": 10})


class AwsSetupError(Exception):
    """Credentials, profile or region are missing or wrong: one line for the user."""


class Clients:
    """Clients of one session, created on first use, one per (service, region)."""

    def __init__(self, session: boto3.Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, str], Any] = {}

    @classmethod
    def from_profile(cls, profile: str | None, region: str | None) -> Clients:
        try:
            session = boto3.Session(profile_name=profile, region_name=region)
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsSetupError(str(exc)) from exc
        if not session.region_name:
            raise AwsSetupError("no region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION")
        return cls(session)

    @property
    def region(self) -> str:
        return str(self.session.region_name)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._cache:
            self._cache[key] = self.session.client(
                service,  # type: ignore[call-overload]
                region_name=key[1],
                config=RETRY_CONFIG,
            )
        return self._cache[key]

    def cloudtrail(self, region: str) -> Any:
        return self.client("cloudtrail", region)

    def account_id(self) -> str:
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except botocore.exceptions.NoCredentialsError as exc:
            raise AwsSetupError("no AWS credentials found (profile, environment or role)") from exc
        except botocore.exceptions.ClientError as exc:
            raise AwsSetupError(f"cannot identify the caller: {exc}") from exc
