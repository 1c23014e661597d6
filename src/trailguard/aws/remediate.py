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
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.core.convert import effective_selectors
from trailguard.core.errors import SelectorError
from trailguard.core.inclusion import find_lost
from trailguard.core.model import SelectorConfig
from trailguard.core.parse import parse_response, selectors_to_api
from trailguard.core.planner import PlanRefused, plan
from trailguard.core.requirement import Requirement
from trailguard.core.validate import check_valid
from trailguard.core.verdict import Verdict, evaluate

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

# Outcomes, and what each says about the trail (exit codes: trailguard.cli, README).
OUTCOME_COMPLIANT = "compliant"  # already met the requirement; nothing written
OUTCOME_PLANNED = "planned"  # dry run; nothing written
OUTCOME_UPDATED = "updated"  # put, read back: requirement met and nothing logged before is lost
OUTCOME_REFUSED = (
    "refused"  # nothing written: cannot be done safely (org trail, no plan, unreadable)
)
OUTCOME_FAILED = "failed"  # nothing written: an API call failed
OUTCOME_DEFERRED = "deferred"  # nothing written: ConflictException/throttling until the deadline
OUTCOME_UNCONFIRMED = "unconfirmed"  # put accepted; no read showed it by the deadline; left as put
OUTCOME_RESTORED = "restored"  # put, judged wrong when read back, put back by compare-and-swap
OUTCOME_LEFT = "left"  # another writer changed the trail; left as they made it, reported
OUTCOMES = (
    OUTCOME_COMPLIANT,
    OUTCOME_PLANNED,
    OUTCOME_UPDATED,
    OUTCOME_REFUSED,
    OUTCOME_FAILED,
    OUTCOME_DEFERRED,
    OUTCOME_UNCONFIRMED,
    OUTCOME_RESTORED,
    OUTCOME_LEFT,
)


class RemediationError(Exception):
    """The trail could not be identified (DescribeTrails failed, or no such trail): there is
    no result to report. ``kind`` is ``failed``; nothing was written."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class TrailRef:
    name: str
    arn: str
    home_region: str
    is_organization_trail: bool
    is_multi_region: bool

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]


@dataclass(frozen=True, slots=True)
class RemediationResult:
    """How a run ended. ``changed``: a put of this run succeeded. ``verified``: a read showed
    the trail meeting the requirement with nothing it logged before lost. ``restored``: a put
    of this run was undone by a compare-and-swap restore. ``reason`` says why, naming the
    trail and any failed operation."""

    trail: TrailRef
    outcome: str
    changed: bool
    verified: bool
    restored: bool
    reason: str
    dry_run: bool = False
    before: dict[str, Any] = field(default_factory=dict)  # as first read (GetEventSelectors)
    after: list[dict[str, Any]] = field(default_factory=list)  # last put (or planned)
    final: dict[str, Any] | None = None  # the selectors the last judged read showed
    verdict_before: Verdict | None = None
    verdict_after: Verdict | None = None
    gained: list[dict[str, Any]] = field(default_factory=list)
    writes: int = 0
    other_writer: bool = False

    @property
    def message(self) -> str:
        return self.reason

    def to_dict(self) -> dict[str, Any]:
        def compliance(verdict: Verdict | None) -> str | None:
            return verdict.compliance if verdict is not None else None

        return {
            "trailARN": self.trail.arn,
            "homeRegion": self.trail.home_region,
            "outcome": self.outcome,
            "changed": self.changed,
            "verified": self.verified,
            "restored": self.restored,
            "dryRun": self.dry_run,
            "reason": self.reason,
            "gained": self.gained,
            "before": self.before,
            "after": {"AdvancedEventSelectors": self.after} if self.after else None,
            "final": self.final,
            "writes": self.writes,
            "otherWriter": self.other_writer,
            "complianceBefore": compliance(self.verdict_before),
            "complianceAfter": compliance(self.verdict_after),
        }


def error_text(exc: BaseException) -> str:
    """One line for a botocore error: ``Code: message`` for a service error."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        text = f"{error.get('Code', '')}: {error.get('Message', '')}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _code(exc: BaseException) -> str:
    return (
        str(exc.response.get("Error", {}).get("Code", "")) if isinstance(exc, ClientError) else ""
    )


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


def _gained(before: Verdict) -> list[dict[str, Any]]:
    types: dict[str, list[str]] = {}
    for gap in before.gaps:
        types.setdefault(gap.resource_type, []).append(gap.event_name)
    return [{"resourceType": t, "eventNames": names} for t, names in types.items()]


def _selectors(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k in ("EventSelectors", "AdvancedEventSelectors")}


def _parse(raw: dict[str, Any]) -> SelectorConfig:
    """The configuration ``raw`` holds, without its ARN (so that states compare by content).
    Read profile: refused only when it cannot be judged soundly."""
    config = parse_response(raw, profile="read")
    check_valid(config, profile="read")
    return replace(config, trail_arn=None)


def _request(config: SelectorConfig, raw: dict[str, Any]) -> dict[str, Any]:
    """The PutEventSelectors arguments that give the trail ``config`` (read as ``raw``)."""
    if config.kind == "basic":
        return {"EventSelectors": raw["EventSelectors"]}
    return {"AdvancedEventSelectors": selectors_to_api(effective_selectors(config))}


class _Stop(Exception):
    """Ends a run: the call named in the message failed (``deferred`` when only conflicts or
    throttling stood in the way until the deadline)."""

    def __init__(self, outcome: str, message: str) -> None:
        self.outcome = outcome
        super().__init__(message)


@dataclass
class _Run:
    client: CloudTrailClient
    arn: str
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    deadline: float
    notify: Callable[[str], None]
    last_put: float | None = None

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
                code = _code(exc)
                if code in ("ThrottlingException", "TooManyRequestsException"):
                    wait, throttle_wait = throttle_wait, throttle_wait * 2
                    if attempts >= THROTTLE_ATTEMPTS or wait > self.left():
                        raise _Stop(
                            OUTCOME_DEFERRED,
                            f"{what} failed: {error_text(exc)} ({attempts} attempts; stopped "
                            "to stay within the deadline; a later run can retry)",
                        ) from exc
                elif code == "ConflictException":
                    wait, conflict_wait = conflict_wait, conflict_wait * 2
                    if wait > self.left():
                        raise _Stop(
                            OUTCOME_DEFERRED,
                            f"{what} failed: {error_text(exc)} (waiting {wait:.0f} s more "
                            "would pass the deadline; stopped cleanly so that the next attempt, "
                            "e.g. AWS Config's retry 10 minutes later, takes over)",
                        ) from exc
                else:
                    raise _Stop(OUTCOME_FAILED, f"{what} failed: {error_text(exc)}") from exc
                self.notify(f"retrying {what} in {wait:.0f} s: {error_text(exc)}")
                self.wait(wait)
            except BotoCoreError as exc:
                raise _Stop(OUTCOME_FAILED, f"{what} failed: {error_text(exc)}") from exc

    def read(self) -> dict[str, Any]:
        return _selectors(
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
class _State:
    """What this run knows: the states it has seen or put, oldest first."""

    original_raw: dict[str, Any]
    original: SelectorConfig
    known: list[SelectorConfig] = field(default_factory=list)
    writes: int = 0
    other_writer: bool = False
    put: list[list[dict[str, Any]]] = field(default_factory=list)


def remediate(
    client_for: ClientFor,
    trail: str,
    region: str,
    requirement: Requirement,
    *,
    account_id: str | None = None,
    dry_run: bool = False,
    fill_exclusions: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
    notify: Callable[[str], None] = lambda line: None,
    max_replans: int = 3,
) -> RemediationResult:
    """Make ``trail`` log every event of ``requirement`` without losing anything it logs.

    ``client_for(region)`` returns a CloudTrail client for a region; ``region`` is where to
    look the trail up (its home region is found from there). ``account_id`` is the caller's
    account, used to refuse organization trails seen from member accounts. The requirement's
    accepted exclusions stay unlogged where the planner can say so, unless ``fill_exclusions``.
    Waiting (consistency, conflicts, throttling) ends ``deadline_seconds`` after the start.
    Raises :class:`RemediationError` only when the trail cannot be identified.
    """
    start = clock()
    ref = find_trail(client_for(region), trail)

    def result(outcome: str, reason: str, **fields: Any) -> RemediationResult:
        return RemediationResult(ref, outcome, reason=reason, **fields)

    if ref.is_organization_trail and account_id and account_id != ref.account_id:
        return result(
            OUTCOME_REFUSED,
            f"{ref.arn} is an organization trail of account {ref.account_id}; it can only be "
            "changed from the organization's management account or a CloudTrail delegated "
            "administrator",
            changed=False,
            verified=False,
            restored=False,
            dry_run=dry_run,
        )
    run = _Run(client_for(ref.home_region), ref.arn, sleep, clock, start + deadline_seconds, notify)
    try:
        raw = run.read()
    except _Stop as stop:
        return result(stop.outcome, str(stop), changed=False, verified=False, restored=False)
    try:
        config = _parse(raw)
    except SelectorError as exc:
        return result(
            OUTCOME_REFUSED,
            f"cannot judge the selectors of {ref.arn} (nothing written): {exc}",
            changed=False,
            verified=False,
            restored=False,
            before=raw,
        )
    state = _State(raw, config, known=[config])
    return _converge(run, ref, state, requirement, fill_exclusions, dry_run, max_replans)


def _converge(
    run: _Run,
    ref: TrailRef,
    state: _State,
    requirement: Requirement,
    fill: bool,
    dry_run: bool,
    max_replans: int,
) -> RemediationResult:
    verdict_before = evaluate(state.original, requirement)
    base_raw, base = state.original_raw, state.original
    base_is_ours = False  # base is a put of this run, confirmed by a read
    replans = 0
    other_note = ""

    def result(outcome: str, reason: str, **fields: Any) -> RemediationResult:
        fields.setdefault("restored", False)
        fields.setdefault("after", state.put[-1] if state.put else [])
        return RemediationResult(
            ref,
            outcome,
            changed=state.writes > 0,
            reason=reason,
            dry_run=dry_run,
            before=state.original_raw,
            verdict_before=verdict_before,
            gained=_gained(verdict_before),
            writes=state.writes,
            other_writer=state.other_writer,
            **fields,
        )

    def judged(
        raw: dict[str, Any], config: SelectorConfig, outcome: str, note: str
    ) -> RemediationResult:
        """The end of a run on a read showing ``config``: verified when it meets the
        requirement and logs everything the trail logged before this run (else ``left``:
        only another writer can have made it so)."""
        verdict = evaluate(config, requirement)
        lost = find_lost(state.original, config)
        verified = verdict.compliant and lost is None
        why = note
        if not verdict.compliant:
            why += f"; the trail does not meet the requirement: {verdict.annotation}"
        if lost is not None:
            why += f"; an event the trail logged before is no longer logged: {lost}"
        if not verified:
            outcome = OUTCOME_LEFT
        return result(outcome, why, verified=verified, final=raw, verdict_after=verdict)

    while True:
        try:
            proposal = plan(base, requirement, fill)
        except PlanRefused as exc:
            if not state.other_writer:
                return result(OUTCOME_REFUSED, f"{ref.arn}: {exc}", verified=False)
            return judged(
                base_raw,
                base,
                OUTCOME_LEFT,
                f"{ref.arn}: another writer changed the trail "
                f"and no plan fits its selectors ({exc}); left as they made it",
            )
        if not proposal.changed and base_is_ours:
            return judged(
                base_raw,
                base,
                OUTCOME_UPDATED,
                f"{ref.arn}: selectors updated and verified{other_note}",
            )
        if not proposal.changed and state.writes == 0:
            if state.other_writer:
                return judged(
                    base_raw,
                    base,
                    OUTCOME_COMPLIANT,
                    f"{ref.arn}: another writer changed "
                    "the trail while planning; it meets the requirement now; nothing "
                    "written",
                )
            return result(
                OUTCOME_COMPLIANT,
                f"{ref.arn}: already compliant; nothing written",
                verified=True,
                final=base_raw,
                verdict_after=proposal.before,
            )
        if proposal.changed:
            request: dict[str, Any] = {
                "AdvancedEventSelectors": selectors_to_api(proposal.selectors)
            }
            target = SelectorConfig("advanced", advanced=proposal.selectors)
        else:
            # another writer's selectors meet the requirement: put them back as they are, in
            # case our put overwrote them (a no-op if the trail holds them)
            request, target = _request(base, base_raw), base
        if dry_run:
            return result(
                OUTCOME_PLANNED,
                f"{ref.arn}: dry run; nothing written",
                verified=False,
                after=request["AdvancedEventSelectors"],
                verdict_after=evaluate(target, requirement),
            )
        if state.writes == 0:  # re-read just before the first write; re-plan if it changed
            try:
                current_raw = run.read()
                current = _parse(current_raw)
            except _Stop as stop:
                return result(stop.outcome, f"{stop}; nothing written", verified=False)
            except SelectorError as exc:
                return result(
                    OUTCOME_REFUSED,
                    f"cannot judge the selectors of {ref.arn} (nothing written): {exc}",
                    verified=False,
                )
            if current != base:
                replans += 1
                if replans > max_replans:
                    return result(
                        OUTCOME_FAILED,
                        f"{ref.arn}: the selectors kept changing while "
                        "planning; nothing written; try again later",
                        verified=False,
                    )
                state.other_writer = True
                state.known.append(current)
                base_raw, base = current_raw, current
                continue
        if state.writes >= MAX_WRITES - 1:
            return judged(
                base_raw,
                base,
                OUTCOME_LEFT,
                f"{ref.arn}: other writers kept changing the "
                f"trail; stopped after {state.writes} puts and left it as it is",
            )
        try:
            response = run.put(request)
        except _Stop as stop:
            if state.writes == 0:
                return result(stop.outcome, f"{stop}; nothing written", verified=False)
            return result(
                OUTCOME_LEFT if state.other_writer else OUTCOME_UNCONFIRMED,
                f"{stop}; the trail keeps what an earlier put of this run or another "
                "writer gave it",
                verified=False,
            )
        state.writes += 1
        state.put.append(request.get("AdvancedEventSelectors") or [])
        applied = _applied(response, target)
        if applied != target:  # the response shows something other than what was put
            check = evaluate(applied, requirement)
            if not check.compliant or find_lost(base, applied) is not None:
                return _restore(
                    run,
                    ref,
                    state,
                    base_raw,
                    base,
                    applied,
                    result,
                    "shown by the PutEventSelectors response as other than those "
                    "put, and judged wrong",
                )
        seen = _poll(run, state, base, applied)
        if isinstance(seen, str):  # no read showed the put by the deadline
            return result(
                OUTCOME_UNCONFIRMED,
                f"{ref.arn}: PutEventSelectors succeeded but {seen}; left as put",
                verified=False,
            )
        seen_raw, seen_config = seen
        if seen_config == applied:
            verdict = evaluate(applied, requirement)
            if not verdict.compliant or find_lost(base, applied) is not None:
                return _restore(
                    run, ref, state, base_raw, base, applied, result, "read back and judged wrong"
                )
            base_raw, base, base_is_ours = seen_raw, seen_config, True
            continue
        # another writer: plan the next write from what they left
        state.other_writer = True
        state.known.append(seen_config)
        run.notify(f"{ref.arn}: another writer changed the trail; planning from their selectors")
        other_note = "; another writer changed the trail meanwhile and their selectors are kept"
        base_raw, base, base_is_ours = seen_raw, seen_config, False


def _applied(response: dict[str, Any], target: SelectorConfig) -> SelectorConfig:
    """What PutEventSelectors says it applied: ``target`` itself when the response shows it
    (or shows nothing parsable)."""
    try:
        applied = _parse(_selectors(response))
    except SelectorError:
        return target
    return target if applied == target or applied.kind == "default" else applied


def _poll(
    run: _Run, state: _State, before: SelectorConfig, expected: SelectorConfig
) -> tuple[dict[str, Any], SelectorConfig] | str:
    """Read until a read shows ``expected`` or a state nobody in this run knows (another
    writer's); a state this run knows (``before``, earlier puts) is not yet consistent.
    Returns the read, or why nothing conclusive was read by the deadline."""
    state.known.append(expected)
    delay, why = POLL_FIRST_SECONDS, "no read showed it"
    while True:
        try:
            raw = run.read()
            config = _parse(raw)
        except _Stop as stop:
            why = f"reading it back failed: {stop}"
            if stop.outcome == OUTCOME_FAILED:
                return why
        except SelectorError as exc:
            why = f"GetEventSelectors on {run.arn} returned selectors that cannot be judged: {exc}"
        else:
            if config == expected or config not in state.known:
                return raw, config
            why = "GetEventSelectors still showed the selectors from before it"
            if config != before:
                why = "GetEventSelectors still showed selectors this run had replaced"
        if delay > run.left():
            return f"{why} by the deadline"
        run.notify(
            f"GetEventSelectors on {run.arn}: not yet consistent ({why}); reading again "
            f"in {delay:.0f} s"
        )
        run.wait(delay)
        delay = min(delay * 2, POLL_MAX_SECONDS)


def _restore(
    run: _Run,
    ref: TrailRef,
    state: _State,
    base_raw: dict[str, Any],
    base: SelectorConfig,
    ours: SelectorConfig,
    result: Callable[..., RemediationResult],
    why: str,
) -> RemediationResult:
    """Compare-and-swap: put ``base`` back only if a fresh read shows exactly ``ours``."""
    try:
        raw = run.read()
        current = _parse(raw)
    except (_Stop, SelectorError) as exc:
        return result(
            OUTCOME_LEFT,
            f"{ref.arn}: the selectors put were {why}; not restored: the "
            f"re-read before restoring failed: {exc}",
            verified=False,
        )
    if current != ours:
        return result(
            OUTCOME_LEFT,
            f"{ref.arn}: the selectors put were {why}; not restored: the trail "
            "no longer holds exactly what this run put (another writer changed it); "
            "left as it is",
            verified=False,
            final=raw,
        )
    try:
        run.put(_request(base, base_raw))
    except _Stop as stop:
        return result(
            OUTCOME_LEFT,
            f"{ref.arn}: the selectors put were {why}; restoring failed: {stop}",
            verified=False,
            final=raw,
        )
    state.writes += 1
    return result(
        OUTCOME_RESTORED,
        f"{ref.arn}: the selectors put were {why}; the selectors read before were put back",
        verified=False,
        restored=True,
    )
