"""boto3 plumbing shared by every AWS adapter: the one retry configuration, the one
``error_text``, sessions from assumed-role credentials, and the CLI's per-region clients.

Credentials and region are taken as the AWS CLI takes them (``--profile``, the environment,
``AWS_ENDPOINT_URL``); adaptive retries keep calls within CloudTrail's per-region rate limits.
Runs in the rule Lambdas too (standard library and boto3 only; the boto3 stubs are read by
the type checker alone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import botocore.exceptions

if TYPE_CHECKING:
    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_sts.type_defs import CredentialsTypeDef

# The one retry configuration: every client trailguard creates uses it (scan adds a larger
# connection pool for its threads).
RETRY_CONFIG = botocore.config.Config(retries={"mode": "adaptive", "max_attempts": 10})
# For best-effort steps that must never hold up a run (retiring stale Config results): one
# retry at most.
BEST_EFFORT_CONFIG = botocore.config.Config(retries={"mode": "standard", "max_attempts": 2})
Session = boto3.session.Session
SessionMaker = Callable[..., Any]  # boto3.session.Session or a test double


# What an AWS call can raise: the service's error, or botocore's own (endpoint, credentials).
AWS_ERRORS: tuple[type[Exception], ...] = (
    botocore.exceptions.ClientError,
    botocore.exceptions.BotoCoreError,
)


def new_session(**kwargs: Any) -> Any:
    """A boto3 session (the adapters' one way to make one, so callers need not import boto3)."""
    return boto3.Session(**kwargs)


class AwsSetupError(Exception):
    """Credentials, profile or region are missing or wrong: one line for the user."""


def error_text(exc: BaseException) -> str:
    """An AWS error as one line: ``Code: Message`` for a service error, ``Type: message``
    otherwise (an endpoint's multi-line body folded onto the line)."""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        text = f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def session_from_credentials(
    make_session: SessionMaker, credentials: CredentialsTypeDef | dict[str, Any], region: str | None
) -> Any:
    """A session holding STS ``Credentials`` (as AssumeRole returns them)."""
    return make_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def assume_role_session(session: Any, make_session: SessionMaker, role_arn: str, name: str) -> Any:
    """A session acting as ``role_arn``, assumed with ``session``, in the same region."""
    credentials = session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=name)
    return session_from_credentials(make_session, credentials["Credentials"], session.region_name)


def _own_account(context: Any) -> str | None:
    arn = getattr(context, "invoked_function_arn", "") or ""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else None


def session_for(
    event: dict[str, Any], context: Any, make_session: SessionMaker, role_name: str = ""
) -> Any:
    """The session a Config rule Lambda acts with: the function's own, or, when the
    invocation is for another account (a central Lambda serving an organization), a role
    assumed there: the rule parameter ExecutionRoleName when set (as rdklib does), else the
    event's executionRoleArn."""
    session = make_session()
    own = _own_account(context)
    target = event.get("accountId")
    role = event.get("executionRoleArn")
    if role_name and target:
        function_arn = str(getattr(context, "invoked_function_arn", "") or "arn:aws:")
        role = f"arn:{function_arn.split(':')[1] or 'aws'}:iam::{target}:role/{role_name}"
    if role and target and own and target != own:
        return assume_role_session(session, make_session, role, "trailguard-config-rule")
    return session


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

    def cloudtrail(self, region: str) -> CloudTrailClient:
        client: CloudTrailClient = self.client("cloudtrail", region)
        return client

    def account_id(self) -> str:
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except botocore.exceptions.NoCredentialsError as exc:
            raise AwsSetupError("no AWS credentials found (profile, environment or role)") from exc
        except botocore.exceptions.ClientError as exc:
            raise AwsSetupError(f"cannot identify the caller: {exc}") from exc
