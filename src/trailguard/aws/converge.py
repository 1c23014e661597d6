"""Remediation's convergence loop: put, read back until consistent, re-plan from other
writers' changes, restore only by compare-and-swap (policy: :mod:`trailguard.aws.remediate`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trailguard.aws.outcomes import (
    OUTCOME_COMPLIANT,
    OUTCOME_FAILED,
    OUTCOME_LEFT,
    OUTCOME_PLANNED,
    OUTCOME_REFUSED,
    OUTCOME_RESTORED,
    OUTCOME_UNCONFIRMED,
    OUTCOME_UPDATED,
    RemediationResult,
    TrailRef,
)
from trailguard.aws.remediate_calls import (
    MAX_WRITES,
    POLL_FIRST_SECONDS,
    POLL_MAX_SECONDS,
    Calls,
    RunState,
    Stop,
    gained_by,
    parse_selectors,
    put_request,
    selectors_in,
)
from trailguard.core.errors import SelectorError
from trailguard.core.inclusion import find_lost
from trailguard.core.model import SelectorConfig
from trailguard.core.parse import selectors_to_api
from trailguard.core.planner import PlanRefused, plan
from trailguard.core.requirement import Requirement
from trailguard.core.verdict import evaluate


def converge(
    run: Calls,
    ref: TrailRef,
    state: RunState,
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
            gained=gained_by(verdict_before),
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
            request, target = put_request(base, base_raw), base
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
                current = parse_selectors(current_raw)
            except Stop as stop:
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
        except Stop as stop:
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
        applied = applied_by(response, target)
        if applied != target:  # the response shows something other than what was put
            check = evaluate(applied, requirement)
            if not check.compliant or find_lost(base, applied) is not None:
                return restore_if_ours(
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
        seen = poll_reads(run, state, base, applied)
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
                return restore_if_ours(
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


def applied_by(response: dict[str, Any], target: SelectorConfig) -> SelectorConfig:
    """What PutEventSelectors says it applied: ``target`` itself when the response shows it
    (or shows nothing parsable)."""
    try:
        applied = parse_selectors(selectors_in(response))
    except SelectorError:
        return target
    return target if applied == target or applied.kind == "default" else applied


def poll_reads(
    run: Calls, state: RunState, before: SelectorConfig, expected: SelectorConfig
) -> tuple[dict[str, Any], SelectorConfig] | str:
    """Read until a read shows ``expected`` or a state nobody in this run knows (another
    writer's); a state this run knows (``before``, earlier puts) is not yet consistent.
    Returns the read, or why nothing conclusive was read by the deadline."""
    state.known.append(expected)
    delay, why = POLL_FIRST_SECONDS, "no read showed it"
    while True:
        try:
            raw = run.read()
            config = parse_selectors(raw)
        except Stop as stop:
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


def restore_if_ours(
    run: Calls,
    ref: TrailRef,
    state: RunState,
    base_raw: dict[str, Any],
    base: SelectorConfig,
    ours: SelectorConfig,
    result: Callable[..., RemediationResult],
    why: str,
) -> RemediationResult:
    """Compare-and-swap: put ``base`` back only if a fresh read shows exactly ``ours``."""
    try:
        raw = run.read()
        current = parse_selectors(raw)
    except (Stop, SelectorError) as exc:
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
        run.put(put_request(base, base_raw))
    except Stop as stop:
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
