"""Entry point of the SSM Automation document's AddSelectors step.

``trailguard build`` embeds this module, the remediation module, the VerifyTrail step
(:mod:`trailguard.ssm.verify`) and the core into one script, used by both steps; SSM calls
``remediate_handler`` (step AddSelectors) with the step's ``InputPayload``.

Outcomes (see :mod:`trailguard.aws.remediate`): when nothing was written and it should have
been (``refused``, ``failed``, ``deferred``) the step fails with one line saying why, so that
AWS Config retries later; otherwise it returns the outcome as outputs (``Outcome``,
``Changed``, ``Verified``, ``Restored``, ``Message``) and VerifyTrail judges the trail. No
botocore error escapes unwrapped: every failure is a ``RuntimeError`` naming the trail and the
operation.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.outcomes import (
    OUTCOME_DEFERRED,
    OUTCOME_FAILED,
    OUTCOME_REFUSED,
    RemediationError,
)
from trailguard.aws.remediate import remediate
from trailguard.aws.remediate_calls import DEFAULT_DEADLINE_SECONDS
from trailguard.ssm.verify import aws_error, step_requirement

NOTHING_WRITTEN_FAILURES = (OUTCOME_REFUSED, OUTCOME_FAILED, OUTCOME_DEFERRED)


def _session() -> Any:
    import boto3  # imported in the step only: SSM provides boto3

    return boto3.session.Session()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at each call (tests replace time.sleep)


def _clock() -> float:
    return time.monotonic()


def remediate_handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    session = _session()
    region = session.region_name
    dry_run = str(events.get("DryRun", "false")).lower() == "true"
    fill = str(events.get("FillExclusions", "false")).lower() == "true"
    try:
        deadline = float(events.get("DeadlineSeconds") or DEFAULT_DEADLINE_SECONDS)
    except ValueError as exc:
        raise RuntimeError(
            f"TrailGuard remediation refused: parameter DeadlineSeconds: {exc}"
        ) from exc
    requirement = step_requirement(events, session.get_partition_for_region(region) or "aws")
    clients: dict[str, Any] = {}

    def client_for(name: str) -> Any:
        if name not in clients:
            clients[name] = session.client("cloudtrail", region_name=name)
        return clients[name]

    try:
        account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    except (ClientError, BotoCoreError) as exc:
        raise RuntimeError(
            f"TrailGuard remediation failed: {aws_error('GetCallerIdentity', region, exc)}"
        ) from exc
    try:
        result = remediate(
            client_for,
            str(events["TrailName"]),
            region,
            requirement,
            account_id=account,
            dry_run=dry_run,
            fill_exclusions=fill,
            sleep=_sleep,
            clock=_clock,
            deadline_seconds=deadline,
            notify=print,
        )
    except RemediationError as exc:
        raise RuntimeError(f"TrailGuard remediation {exc.kind}: {exc}") from exc
    except (ClientError, BotoCoreError) as exc:  # not expected: remediate wraps its calls
        why = aws_error("CloudTrail", str(events["TrailName"]), exc)
        raise RuntimeError(f"TrailGuard remediation failed: {why}") from exc
    if result.outcome in NOTHING_WRITTEN_FAILURES:
        raise RuntimeError(f"TrailGuard remediation {result.outcome}: {result.reason}")
    summary = result.to_dict()
    return {
        "outcome": result.outcome,
        "changed": result.changed,
        "verified": result.verified,
        "restored": result.restored,
        "trailArn": result.trail.arn,
        "homeRegion": result.trail.home_region,
        "message": result.reason,
        "before": json.dumps(summary["before"], sort_keys=True),
        "after": json.dumps(summary["after"] or summary["before"], sort_keys=True),
    }
