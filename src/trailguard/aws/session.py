"""boto3 plumbing shared by every AWS adapter: the one retry configuration, the one
``error_text`` and sessions from assumed-role credentials (the CLI's per-region clients are in
:mod:`trailguard.aws.clients`).

Adaptive retries keep calls within CloudTrail's per-region rate limits. Runs in the rule
Lambdas and both SSM steps too (standard library and boto3 only; the boto3 stubs are read by
the type checker alone), so what is here counts against the SSM document's size budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import botocore.exceptions

if TYPE_CHECKING:
    from mypy_boto3_sts.type_defs import CredentialsTypeDef

# The one retry configuration: every client trailguard creates uses it (scan adds a larger
# connection pool for its threads). total_max_attempts counts every attempt, the first one
# too (botocore's max_attempts counts retries only: 10 there would be 11 attempts).
RETRY_CONFIG = botocore.config.Config(retries={"mode": "adaptive", "total_max_attempts": 10})
# For best-effort steps that must never hold up a run (retiring stale Config results): one
# retry at most.
BEST_EFFORT_CONFIG = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 2})
Session = boto3.session.Session
SessionMaker = Callable[..., Any]  # boto3.session.Session or a test double


# What an AWS call can raise: the service's error, or botocore's own (endpoint, credentials).
AWS_ERRORS: tuple[type[Exception], ...] = (
    botocore.exceptions.ClientError,
    botocore.exceptions.BotoCoreError,
)


# Where the CLI's clients note, in an error response's ResponseMetadata, the service and the
# endpoint that answered (aws/clients.py); the Lambdas and SSM steps do without.
CALLED = "TrailguardCalled"


def error_text(exc: BaseException) -> str:
    """An AWS error as one line: ``Code: Message`` for a service error, ``Type: message``
    otherwise (botocore's own errors name their endpoint). A response that is no AWS error (an
    HTML page, an empty or plain-text body, as a wrong endpoint or a proxy gives: botocore then
    leaves Code empty or the HTTP status) becomes ``[SERVICE] OPERATION [at ENDPOINT]: HTTP
    STATUS (what the body was)``."""
    if not isinstance(exc, botocore.exceptions.ClientError):
        return " ".join(f"{type(exc).__name__}: {exc}".split())
    error: Any = exc.response.get("Error") or {}
    meta: Any = exc.response.get("ResponseMetadata") or {}
    code, message = str(error.get("Code") or ""), str(error.get("Message") or "")
    if code and not code.isdigit():
        return " ".join(f"{code}: {message}".rstrip(": ").split())
    body = " ".join((message or str(exc.response.get("body") or "")).split())
    html = "html" in str((meta.get("HTTPHeaders") or {}).get("content-type"))
    if html or "<html" in body.lower() or "<!doctype" in body.lower():
        body = "the response was an HTML page"
    elif len(body) > 100:
        body = body[:99] + "…"
    called = meta.get(CALLED) or exc.operation_name
    return f"{called}: HTTP {meta.get('HTTPStatusCode', '?')} ({body or 'an empty response'})"


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
