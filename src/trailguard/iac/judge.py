"""The verdict on one trail or event data store from infrastructure code, as findings.

The verdict is the core's: the selectors are parsed with the read profile and evaluated exactly
as ``trailguard check`` does (same :class:`~trailguard.core.verdict.Verdict`, same causes); the
write validator (for event data stores, the event-data-store profile) says what CloudTrail would
reject. Values unknown before deploy are bounded (:mod:`trailguard.iac.bounds`): the verdict is
given when the bounds agree, and otherwise is a note that it cannot be decided, never a pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from trailguard.core import (
    COMPLIANT,
    NON_COMPLIANT,
    Requirement,
    SelectorConfig,
    SelectorError,
    Verdict,
    evaluate,
    parse_response,
    read_warnings,
    validate_selectors,
)
from trailguard.core.datastore import validate_data_store
from trailguard.core.parse import selector_label
from trailguard.reporting.formats.text import render_verdict
from trailguard.reporting.results import CheckResult

from .bounds import Bounds, bound
from .model import (
    COVERAGE,
    DATA_STORE,
    INVALID,
    NOT_LOGGING,
    UNDECIDED,
    Finding,
    Location,
    Path,
    Resource,
)

UNDECIDABLE = "UNDECIDED"
INVALID_SELECTORS = "INVALID"
_KINDS = {DATA_STORE: "event data store"}


@dataclass(frozen=True)
class Judgement:
    """One resource judged: ``status`` is COMPLIANT, NON_COMPLIANT, UNDECIDED (depends on values
    unknown before deploy) or INVALID (selectors that cannot be judged); ``verdict`` is the
    core's (for UNDECIDED: the verdict if the unknown values select nothing)."""

    resource: Resource
    status: str
    findings: tuple[Finding, ...]
    verdict: Verdict | None = None
    config: SelectorConfig | None = None
    warnings: tuple[str, ...] = ()

    def check_result(self, requirement: Requirement) -> CheckResult | None:
        """The verdict as ``check`` shows it (None when there is none)."""
        if self.verdict is None or self.config is None:
            return None
        return CheckResult(
            self.resource.address, self.config, requirement, self.verdict, self.warnings
        )


def _with_arn(raw: dict[str, Any], arn: str | None) -> dict[str, Any]:
    return {**raw, "TrailARN": arn} if arn else raw


def _selectors_key(resource: Resource) -> Path:
    for key in ("AdvancedEventSelectors", "EventSelectors"):
        if key in resource.selectors:
            return (key,)
    return ()


_INDEX = re.compile(r"\[(\d+)\]")


def problem_path(text: str, config: SelectorConfig, bounds: Bounds) -> Path:
    """The API-shaped path (in the input, before unknowns were left out) of a problem or parse
    error located at ``text`` (``AdvancedEventSelectors[1] 'sns'.FieldSelectors[0]
    (readOnly).Equals[0]``); as much of it as can be read."""
    top = text.split("[", 1)[0].split(".", 1)[0]
    if top not in ("AdvancedEventSelectors", "EventSelectors"):
        return ()
    match = _INDEX.match(text, len(top))
    if match is None:
        return (top,)
    index = int(match.group(1))
    if top == "EventSelectors":
        rest = text[match.end() :]
        return (top, index, *_dotted(rest))
    label = selector_label(
        index, config.advanced[index].name if index < len(config.advanced) else None
    )
    original, fields = bounds.kept[index] if index < len(bounds.kept) else (index, [])
    rest = text[len(label) :] if text.startswith(label) else text[match.end() :]
    found = re.match(r"\.FieldSelectors\[(\d+)\]", rest)
    if found is None:
        return (top, original, *_dotted(rest))
    j = int(found.group(1))
    j_original = fields[j] if j < len(fields) else j
    rest = rest[found.end() :]
    if index < len(config.advanced) and j < len(config.advanced[index].field_selectors):
        rest = rest.removeprefix(f" ({config.advanced[index].field_selectors[j].field})")
    return (top, original, "FieldSelectors", j_original, *_dotted(rest))


def _dotted(rest: str) -> Path:
    """``.Equals[0]`` → ("Equals", 0); anything else is left out."""
    found = re.match(r"\.(\w+)(?:\[(\d+)\])?", rest)
    if found is None:
        return ()
    return (found.group(1),) if found.group(2) is None else (found.group(1), int(found.group(2)))


def coverage_text(result: CheckResult) -> str:
    """The gaps of a non-compliant verdict in one line: ``check``'s text, without its header
    and its fix (which names a file)."""
    lines = render_verdict(result).splitlines()[1:]
    kept = [
        line.strip().removeprefix("- ") for line in lines if not line.strip().startswith("fix:")
    ]
    return "; ".join(kept)


def _subject(resource: Resource) -> str:
    return _KINDS.get(resource.kind, "trail")


def _problems(resource: Resource, config: SelectorConfig, bounds: Bounds) -> list[Finding]:
    problems = (
        validate_data_store(config)
        if resource.kind == DATA_STORE
        else validate_selectors(config, profile="write")
    )
    found = []
    for problem in problems:
        path = problem_path(problem.path, config, bounds)
        if len(path) == 2 and path[1] in bounds.touched:
            continue  # e.g. "eventCategory is required" where its field was not known
        found.append(
            Finding(
                INVALID,
                resource,
                f"CloudTrail would reject the selectors of this {_subject(resource)}: {problem}",
                path,
                key=f"{problem.path}: {problem.message}",
            )
        )
    return found


def _evaluate(
    raw: dict[str, Any], resource: Resource, requirement: Requirement
) -> tuple[SelectorConfig, Verdict]:
    config = parse_response(_with_arn(raw, resource.trail_arn), profile="read")
    return config, evaluate(config, requirement)


def judge(resource: Resource, requirement: Requirement) -> Judgement:
    """The findings on ``resource`` for ``requirement``."""
    bounds = bound(resource.selectors, requirement.partition)
    findings: list[Finding] = []
    if resource.logging is False:
        findings.append(
            Finding(
                NOT_LOGGING,
                resource,
                f"The trail is not logging ({resource.logging_text}), so it records nothing "
                "whatever its selectors"
                if resource.kind != DATA_STORE
                else f"The event data store does not ingest events ({resource.logging_text}), "
                "so it records nothing whatever its selectors",
                ("logging",),
                key="logging",
            )
        )
    try:
        config = parse_response(_with_arn(bounds.known, resource.trail_arn), profile="read")
    except SelectorError as exc:
        path = problem_path(exc.path, SelectorConfig("default"), bounds) or _selectors_key(resource)
        message = f"CloudTrail would reject the selectors of this {_subject(resource)}: {exc}"
        findings.append(Finding(INVALID, resource, message, path, key=str(exc)))
        return Judgement(resource, INVALID_SELECTORS, tuple(findings))
    findings += _problems(resource, config, bounds)
    unsound = [
        p
        for p in validate_selectors(config, profile="read")
        if not (len(pp := problem_path(p.path, config, bounds)) == 2 and pp[1] in bounds.touched)
    ]
    if unsound:  # cannot be evaluated soundly; the write validator has said why
        return Judgement(resource, INVALID_SELECTORS, tuple(findings), config=config)
    warnings = tuple(str(p) for p in read_warnings(config))
    judged, verdict = config, None
    if bounds.unknowns:
        judged, verdict = _evaluate(bounds.lower, resource, requirement)
        decided = COMPLIANT
        if not verdict.compliant:
            upper, widest = _evaluate(bounds.upper, resource, requirement)
            decided = NON_COMPLIANT if not widest.compliant else UNDECIDABLE
            if decided == NON_COMPLIANT:
                judged, verdict = upper, widest
    else:
        verdict = evaluate(config, requirement)
        decided = verdict.compliance
    if decided == NON_COMPLIANT:
        text = coverage_text(CheckResult(resource.address, judged, requirement, verdict))
        findings.append(
            Finding(
                COVERAGE,
                resource,
                f"The {_subject(resource)} does not record every required data event: {text}",
                _selectors_key(resource),
                key="coverage",
                verdict=verdict,
            )
        )
    elif decided == UNDECIDABLE:
        findings += _undecided(resource, requirement, judged, verdict, bounds)
    # Selectors CloudTrail would reject: the verdict still says what they would record.
    status = INVALID_SELECTORS if any(f.rule == INVALID for f in findings) else decided
    return Judgement(resource, status, tuple(findings), verdict, judged, warnings)


def _undecided(
    resource: Resource,
    requirement: Requirement,
    config: SelectorConfig,
    lower: Verdict,
    bounds: Bounds,
) -> list[Finding]:
    gaps = coverage_text(CheckResult(resource.address, config, requirement, lower))
    found = []
    for path, unknown in bounds.unknowns:
        shown = ".".join(map(str, resource.source_path(path)[len(resource.prefix) :]))
        found.append(
            Finding(
                UNDECIDED,
                resource,
                f"{shown} is {unknown.why}: whether the {_subject(resource)} records every "
                "required data event depends on it and cannot be decided before deploy (not a "
                f"pass); if the unknown values admit nothing: {gaps}",
                path,
                key=f"unknown {shown}",
                verdict=lower,
            )
        )
    return found


def finding_text(finding: Finding) -> str:
    """The finding's message, with the condition scenarios it holds in."""
    if not finding.scenarios:
        return finding.message
    return f"{finding.message} (when {' or '.join(finding.scenarios)})"


@dataclass(frozen=True)
class FileResult:
    """One input of ``trailguard iac``: each resource judged (per condition scenario), and the
    findings, located."""

    source: str
    judgements: tuple[Judgement, ...]
    findings: tuple[tuple[Finding, Location], ...]


def merge_scenarios(judgements: list[Judgement]) -> list[Finding]:
    """The findings of one resource judged in each of its condition scenarios: a finding that
    holds in every scenario once, others once with the scenarios they hold in."""
    scenarios = [j.resource.scenario for j in judgements if j.resource.scenario]
    groups: dict[tuple[str, Path, str], list[Finding]] = {}
    for judgement in judgements:
        for finding in judgement.findings:
            groups.setdefault((finding.rule, finding.path, finding.message), []).append(finding)
    merged = []
    for found in groups.values():
        named = tuple(dict.fromkeys(f.resource.scenario for f in found if f.resource.scenario))
        every = len(named) == len(set(scenarios))
        merged.append(replace(found[0], scenarios=() if every else named))
    return merged
