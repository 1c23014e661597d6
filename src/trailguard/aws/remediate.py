"""Live remediation of one trail: the same code runs in the CLI and in the SSM Automation step.

Needs only the standard library, botocore's exceptions and CloudTrail clients passed in (never
created here), so it can be embedded in an ``aws:executeScript`` step.

CloudTrail gives no conditional write and documents selector updates as eventually consistent
(user guide, "CloudTrail data consistency"): a ``GetEventSelectors`` after a successful
``PutEventSelectors`` may still return the selectors from before it. So:

- every write is planned from a fresh read, and re-planned when a re-read differs;
- a put is verified against its response (the selectors it applied), then by polling
  ``GetEventSelectors`` with backoff until a read shows them or the deadline passes; a read that
  shows a state this run already knows to be older (the one before the put, or an earlier put
  of ours) is "not yet consistent", never a failure;
- a read that shows a state nobody in this run wrote is another writer's: the next write is
  planned from it (their selectors are kept; if it already meets the requirement it is put back
  as it is, in case our put overwrote it);
- a restore is a compare-and-swap: re-read, and put the previous selectors back only when the
  trail still holds exactly what this run put; otherwise leave it and say so;
- ``ConflictException`` ("try again in a few minutes") is waited out in minutes up to the
  deadline, then the run stops cleanly so the next attempt (AWS Config retries 10 minutes
  apart) takes over; ``ThrottlingException`` (PutEventSelectors allows 1 call a second) is
  retried with backoff, bounded by attempts and the deadline. Every retry is announced through
  ``notify``.

Every run ends in one :class:`RemediationResult` whose ``outcome`` is one of ``OUTCOMES``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.converge import converge
from trailguard.aws.outcomes import (
    OUTCOME_COMPLIANT,
    OUTCOME_DEFERRED,
    OUTCOME_FAILED,
    OUTCOME_LEFT,
    OUTCOME_PLANNED,
    OUTCOME_REFUSED,
    OUTCOME_RESTORED,
    OUTCOME_UNCONFIRMED,
    OUTCOME_UPDATED,
    OUTCOMES,
    RemediationError,
    RemediationResult,
    TrailRef,
)
from trailguard.aws.remediate_calls import (
    DEFAULT_DEADLINE_SECONDS,
    Calls,
    ClientFor,
    CloudTrailClient,
    RunState,
    Stop,
    parse_selectors,
)
from trailguard.aws.session import error_text
from trailguard.core.errors import SelectorError
from trailguard.core.requirement import Requirement


def find_trail(client: CloudTrailClient, trail: str) -> TrailRef:
    """The trail named ``trail`` (a name or an ARN), as seen from ``client``'s region.

    All visible trails are listed and matched here: DescribeTrails matches names in
    ``trailNameList`` only against trails of the current region, so a multi-region or
    organization trail homed elsewhere is found by name only this way.
    """
    region = client.meta.region_name
    try:
        found = client.describe_trails(includeShadowTrails=True)
    except (ClientError, BotoCoreError) as exc:
        raise RemediationError(
            "failed", f"DescribeTrails in {region} (looking for {trail}) failed: {error_text(exc)}"
        ) from exc
    for item in found.get("trailList", []):
        if trail in (item.get("Name"), item.get("TrailARN")):
            return TrailRef(
                name=item["Name"],
                arn=item["TrailARN"],
                home_region=item["HomeRegion"],
                is_organization_trail=bool(item.get("IsOrganizationTrail")),
                is_multi_region=bool(item.get("IsMultiRegionTrail")),
            )
    raise RemediationError("failed", f"trail {trail} not found from region {region}")


def remediate(
    client_for: ClientFor,
    trail: str,
    region: str,
    requirement: Requirement,
    *,
    account_id: str | None = None,
    dry_run: bool = False,
    fill_exclusions: bool = False,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
    notify: Callable[[str], None] = lambda line: None,
    max_replans: int = 3,
) -> RemediationResult:
    """Make ``trail`` log every event of ``requirement`` without losing anything it logs.

    ``client_for(region)`` returns a CloudTrail client for a region; ``region`` is where to
    look the trail up (its home region is found from there). ``account_id`` is the caller's
    account, named when AWS refuses a change to an organization trail (the change is tried:
    whether the caller may make it is AWS's to say, see ORG_TRAIL_REFUSALS). The requirement's
    accepted exclusions stay unlogged where the planner can say so, unless ``fill_exclusions``.
    Waiting (consistency, conflicts, throttling) ends ``deadline_seconds`` after the start.
    Raises :class:`RemediationError` only when the trail cannot be identified. ``sleep`` and
    ``clock`` default to ``time.sleep`` and ``time.monotonic``, looked up at the call.
    """
    sleep = time.sleep if sleep is None else sleep
    clock = time.monotonic if clock is None else clock
    start = clock()
    ref = find_trail(client_for(region), trail)

    def result(outcome: str, reason: str, **fields: Any) -> RemediationResult:
        return RemediationResult(ref, outcome, reason=reason, **fields)

    run = Calls(
        client_for(ref.home_region), ref.arn, sleep, clock, start + deadline_seconds, notify
    )
    if ref.is_organization_trail:
        # Tried, not refused on the account id: a CloudTrail delegated administrator may change
        # it though its ARN names the management account; AWS's own refusal is the answer.
        caller = f", called from account {account_id}" if account_id else ""
        run.org_trail_note = (
            f"an organization trail of account {ref.account_id}{caller}; only its management "
            "account or a CloudTrail delegated administrator may change it"
        )
    try:
        raw = run.read()
    except Stop as stop:
        return result(stop.outcome, str(stop), changed=False, verified=False, restored=False)
    try:
        config = parse_selectors(raw)
    except SelectorError as exc:
        return result(
            OUTCOME_REFUSED,
            f"cannot judge the selectors of {ref.arn} (nothing written): {exc}",
            changed=False,
            verified=False,
            restored=False,
            before=raw,
        )
    state = RunState(raw, config, known=[config])
    return converge(run, ref, state, requirement, fill_exclusions, dry_run, max_replans)


__all__ = [
    "OUTCOMES",
    "OUTCOME_COMPLIANT",
    "OUTCOME_DEFERRED",
    "OUTCOME_FAILED",
    "OUTCOME_LEFT",
    "OUTCOME_PLANNED",
    "OUTCOME_REFUSED",
    "OUTCOME_RESTORED",
    "OUTCOME_UNCONFIRMED",
    "OUTCOME_UPDATED",
    "RemediationError",
    "RemediationResult",
    "TrailRef",
    "find_trail",
    "remediate",
]
