"""Remediation's CloudTrail calls: reads and puts with the retries, waits and deadline of one
run (see :mod:`trailguard.aws.remediate` for the policy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.outcomes import (
    OUTCOME_DEFERRED,
    OUTCOME_FAILED,
    OUTCOME_REFUSED,
)
from trailguard.aws.session import error_text
from trailguard.core.convert import effective_selectors
from trailguard.core.model import SelectorConfig
from trailguard.core.parse import parse_response, selectors_to_api
from trailguard.core.validate import check_valid
from trailguard.core.verdict import Verdict

# A boto3 CloudTrail client (typed loosely so that this module needs no type stubs at run time).
CloudTrailClient = Any
ClientFor = Callable[[str], CloudTrailClient]

PUT_INTERVAL_SECONDS = 1.0  # PutEventSelectors is limited to 1 call a second per region
THROTTLE_ATTEMPTS = 6  # per call: 1, 2, 4, 8, 16 s between attempts
CONFLICT_WAIT_SECONDS = 60.0  # ConflictException asks to wait "a few minutes": 1, 2, 4 min
POLL_FIRST_SECONDS = 1.0
POLL_MAX_SECONDS = 30.0
DEFAULT_DEADLINE_SECONDS = 300.0
MAX_WRITES = 4  # puts in one run (the first, merges after other writers, one restore)
# AWS's own refusals to read or change an organization trail from the caller's account
# (PutEventSelectors errors, API reference; CloudTrailARNInvalidException: field reports of
# members' calls; AccessDenied: IAM): the outcome is "refused", naming AWS's error. Whether an
# account may change the trail is AWS's to say (a CloudTrail delegated administrator may,
# though the trail's ARN names the management account), so the call is made, never refused
# on the account id alone.
ORG_TRAIL_REFUSALS = (
    "NotOrganizationMasterAccountException",
    "InsufficientDependencyServiceAccessPermissionException",
    "NoManagementAccountSLRExistsException",
    "CloudTrailARNInvalidException",
    "AccessDenied",
    "AccessDeniedException",
)


def error_code(exc: BaseException) -> str:
    return (
        str(exc.response.get("Error", {}).get("Code", "")) if isinstance(exc, ClientError) else ""
    )


def selectors_in(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k in ("EventSelectors", "AdvancedEventSelectors")}


def parse_selectors(raw: dict[str, Any]) -> SelectorConfig:
    """The configuration ``raw`` holds, without its ARN (so that states compare by content).
    Read profile: refused only when it cannot be judged soundly."""
    config = parse_response(raw, profile="read")
    check_valid(config, profile="read")
    return replace(config, trail_arn=None)


def put_request(config: SelectorConfig, raw: dict[str, Any]) -> dict[str, Any]:
    """The PutEventSelectors arguments that give the trail ``config`` (read as ``raw``)."""
    if config.kind == "basic":
        return {"EventSelectors": raw["EventSelectors"]}
    return {"AdvancedEventSelectors": selectors_to_api(effective_selectors(config))}


class Stop(Exception):
    """Ends a run: the call named in the message failed (``deferred`` when only conflicts or
    throttling stood in the way until the deadline)."""

    def __init__(self, outcome: str, message: str) -> None:
        self.outcome = outcome
        super().__init__(message)


@dataclass
class Calls:
    client: CloudTrailClient
    arn: str
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    deadline: float
    notify: Callable[[str], None]
    last_put: float | None = None
    # for an organization trail: what AWS's refusal says of it (see ORG_TRAIL_REFUSALS)
    org_trail_note: str | None = None

    def left(self) -> float:
        return self.deadline - self.clock()

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def call(self, operation: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """``fn(**kwargs)``, retrying throttling (backoff from 1 s) and conflicts (from 1 min),
        each only while the wait ends before the deadline."""
        what = f"{operation} on {self.arn}"
        throttle_wait, conflict_wait, attempts = 1.0, CONFLICT_WAIT_SECONDS, 0
        while True:
            attempts += 1
            try:
                return fn(**kwargs)
            except ClientError as exc:
                code = error_code(exc)
                if code in ("ThrottlingException", "TooManyRequestsException"):
                    wait, throttle_wait = throttle_wait, throttle_wait * 2
                    if attempts >= THROTTLE_ATTEMPTS or wait > self.left():
                        raise Stop(
                            OUTCOME_DEFERRED,
                            f"{what} failed: {error_text(exc)} ({attempts} attempts; stopped "
                            "to stay within the deadline; a later run can retry)",
                        ) from exc
                elif code == "ConflictException":
                    wait, conflict_wait = conflict_wait, conflict_wait * 2
                    if wait > self.left():
                        raise Stop(
                            OUTCOME_DEFERRED,
                            f"{what} failed: {error_text(exc)} (waiting {wait:.0f} s more "
                            "would pass the deadline; stopped cleanly so that the next attempt, "
                            "e.g. AWS Config's retry 10 minutes later, takes over)",
                        ) from exc
                elif self.org_trail_note is not None and code in ORG_TRAIL_REFUSALS:
                    raise Stop(
                        OUTCOME_REFUSED,
                        f"{what} refused by AWS: {error_text(exc)} ({self.org_trail_note})",
                    ) from exc
                else:
                    raise Stop(OUTCOME_FAILED, f"{what} failed: {error_text(exc)}") from exc
                self.notify(f"retrying {what} in {wait:.0f} s: {error_text(exc)}")
                self.wait(wait)
            except BotoCoreError as exc:
                raise Stop(OUTCOME_FAILED, f"{what} failed: {error_text(exc)}") from exc

    def read(self) -> dict[str, Any]:
        return selectors_in(
            self.call("GetEventSelectors", self.client.get_event_selectors, TrailName=self.arn)
        )

    def put(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.last_put is not None:  # one put a second
            self.wait(PUT_INTERVAL_SECONDS - (self.clock() - self.last_put))
        try:
            return dict(
                self.call(
                    "PutEventSelectors",
                    self.client.put_event_selectors,
                    TrailName=self.arn,
                    **request,
                )
            )
        finally:
            self.last_put = self.clock()


@dataclass
class RunState:
    """What this run knows: the states it has seen or put, oldest first."""

    original_raw: dict[str, Any]
    original: SelectorConfig
    known: list[SelectorConfig] = field(default_factory=list)
    writes: int = 0
    other_writer: bool = False
    put: list[list[dict[str, Any]]] = field(default_factory=list)


def gained_by(before: Verdict) -> list[dict[str, Any]]:
    types: dict[str, list[str]] = {}
    for gap in before.gaps:
        types.setdefault(gap.resource_type, []).append(gap.event_name)
    return [{"resourceType": t, "eventNames": names} for t, names in types.items()]
