"""The SSM document's VerifyTrail step: judge the trail by meaning on a fresh read.

Runs after AddSelectors, from the same bundled script (it needs the core): reads the trail's
selectors again, polling with backoff while the read does not yet pass (selector updates are
eventually consistent), and passes when the requirement is met and nothing the trail logged
before AddSelectors (its ``Before`` output) is lost, judged with ``find_lost``. Another writer's
selectors are no reason to fail; a byte-for-byte comparison would be. Every failure is one
``RuntimeError`` naming the trail and the operation.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.session import error_text
from trailguard.core.errors import SelectorError
from trailguard.core.exclusions import parse_exclusions
from trailguard.core.inclusion import find_lost
from trailguard.core.parse import parse_response
from trailguard.core.requirement import Requirement, build_requirement
from trailguard.core.verdict import evaluate

STEP_DEFAULT_TYPES = "AWS::SNS::Topic"
VERIFY_WAIT_SECONDS = 120.0  # within the step's timeoutSeconds (180)


def step_requirement(events: dict[str, Any], partition: str) -> Requirement:
    """The requirement the steps' ResourceTypes and AcceptedExclusions parameters give.
    Raises ``RuntimeError`` (the step's failure) naming a bad parameter."""
    types = [t for t in str(events.get("ResourceTypes") or STEP_DEFAULT_TYPES).split(",") if t]
    accepted = str(events.get("AcceptedExclusions") or "-").strip()
    try:
        exclusions = () if accepted == "-" else parse_exclusions(json.loads(accepted), "")
    except ValueError as exc:  # JSON or selector error (both ValueErrors)
        raise RuntimeError(
            f"TrailGuard remediation refused: parameter AcceptedExclusions: {exc}"
        ) from exc
    try:
        return build_requirement(types, None, partition, exclusions)
    except ValueError as exc:
        raise RuntimeError(
            f"TrailGuard remediation refused: parameter ResourceTypes: {exc}"
        ) from exc


def aws_error(operation: str, target: str, exc: Exception) -> str:
    """One line naming the operation, its target and the error."""
    return f"{operation} on {target} failed: {error_text(exc)}"


def verify_handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    outcome, message = str(events.get("Outcome") or ""), str(events.get("Message") or "")
    arn = str(events["TrailArn"])
    if outcome == "planned":
        return {"verified": False, "message": "dry run: nothing was written; nothing verified"}
    if outcome == "restored":
        raise RuntimeError(f"TrailGuard verification failed: AddSelectors {outcome}: {message}")
    import boto3  # imported in the step only: SSM provides boto3

    session = boto3.session.Session()
    region = str(events["HomeRegion"])
    requirement = step_requirement(events, session.get_partition_for_region(region) or "aws")
    try:
        before = parse_response(json.loads(str(events["Before"])), profile="read")
    except (ValueError, SelectorError) as exc:
        raise RuntimeError(
            f"TrailGuard verification failed: the Before output of AddSelectors for {arn} "
            f"cannot be read: {exc}"
        ) from exc
    client = session.client("cloudtrail", region_name=region)
    deadline = time.monotonic() + float(events.get("WaitSeconds") or VERIFY_WAIT_SECONDS)
    delay = 1.0
    while True:
        try:
            raw = client.get_event_selectors(TrailName=arn)
            now = parse_response(
                {k: v for k, v in raw.items() if k.endswith("EventSelectors")}, profile="read"
            )
        except (ClientError, BotoCoreError) as exc:
            why = aws_error("GetEventSelectors", arn, exc)
            code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else ""
            if code != "ThrottlingException":
                raise RuntimeError(f"TrailGuard verification failed: {why}") from exc
        except SelectorError as exc:
            why = f"GetEventSelectors on {arn} returned selectors that cannot be judged: {exc}"
        else:
            verdict = evaluate(now, requirement)
            lost = find_lost(before, now)
            if verdict.compliant and lost is None:
                return {
                    "verified": True,
                    "message": "the trail meets the requirement and logs everything it "
                    f"logged before (AddSelectors: {outcome}: {message})",
                }
            why = (
                f"{arn} does not meet the requirement: {verdict.annotation}"
                if not verdict.compliant
                else f"{arn} no longer logs an event it logged before: {lost}"
            )
        if time.monotonic() + delay > deadline:
            raise RuntimeError(
                f"TrailGuard verification failed: {why} (AddSelectors {outcome}: {message})"
            )
        print(f"VerifyTrail: not yet: {why}; reading again in {delay:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 30.0)
