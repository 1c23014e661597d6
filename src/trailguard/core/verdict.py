"""Verdicts: does a trail log every event a requirement names, and if not, why not.

For one required event the fixed fields (category, type, name, source, ...) decide which
selectors can apply at all; each remaining selector is a box over the free fields
(``resources.ARN``, ``userIdentity.arn``, ``sessionCredentialFromConsole``, ``eventType``, ...,
absent values included, as :mod:`trailguard.core.record` documents them), and
:mod:`trailguard.core.search` decides exactly whether their union, with the requirement's
accepted exclusions, is the whole space.

Coverage is decided under the strict reading of missing fields (a record that lacks a field
satisfies no condition on it), which holds whatever CloudTrail really does. A gap found there is
searched again under the lenient reading: if it persists, it is ``certain``; if not, it depends
on behaviour AWS does not document and is marked ``undocumented``, naming the missing field.
A gap comes with a concrete unlogged event (fields the record would lack are left out), made
readable (the trail's own partition, account and region first) where that keeps it unlogged,
and with the selectors and fields that narrow it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from trailguard.core.catalog import BASIC_RESOURCE_TYPES
from trailguard.core.convert import effective_selectors
from trailguard.core.model import AdvancedSelector, FieldSelector, SelectorConfig
from trailguard.core.record import (
    CERTAIN,
    RECORD_FIELDS,
    UNDOCUMENTED,
    LenientFieldSelector,
)
from trailguard.core.requirement import RequiredEvent, Requirement
from trailguard.core.search import Box, find_uncovered

COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
ANNOTATION_LIMIT = 256

# The placeholder account and region of the catalog's example ARNs, and other places to try
# when the example ARN itself is logged.
_PLACEHOLDER_REGION = "us-east-1"
_PLACEHOLDER_ACCOUNT = "111122223333"
_OTHER_PLACES = ((_PLACEHOLDER_REGION, "eu-west-1"), (_PLACEHOLDER_ACCOUNT, "444455556666"))
_CALLER = "sts::{account}:assumed-role/ExampleRole/example-session"


@dataclass(frozen=True, slots=True)
class Gap:
    """A required event that is not always logged, with one event that proves it.

    ``certainty`` is ``certain`` when the event is unlogged under every reading of how
    CloudTrail matches missing fields, ``undocumented`` when it is logged only if CloudTrail
    matches records lacking ``missing_fields`` in a way AWS does not document. ``example``
    leaves out the fields such a record lacks; ``missing_fields`` names those of them that a
    selector has a condition on.
    """

    resource_type: str
    event_name: str
    cause: str
    example: dict[str, str] = field(hash=False)
    certainty: str = CERTAIN
    missing_fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "resourceType": self.resource_type,
            "eventName": self.event_name,
            "certainty": self.certainty,
            "missingFields": list(self.missing_fields),
            "cause": self.cause,
            "example": dict(self.example),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    compliance: str
    annotation: str  # cut to AWS Config's limit; ``full``: the whole text ("" when not cut)
    gaps: tuple[Gap, ...]
    selector_kind: str
    full: str = field(default="", compare=False, repr=False)

    @property
    def compliant(self) -> bool:
        return self.compliance == COMPLIANT

    def to_dict(self) -> dict[str, Any]:
        return {
            "compliance": self.compliance,
            "annotation": self.annotation,
            "selectorKind": self.selector_kind,
            "gaps": [gap.to_dict() for gap in self.gaps],
        }


# --- the search ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _event_fields(event: RequiredEvent) -> tuple[dict[str, str], dict[str, int], Box]:
    """The event's fixed values, its free fields' positions, and the box with no condition."""
    fixed = dict(event.fixed)
    index = {free.field: i for i, free in enumerate(event.free)}
    return fixed, index, tuple(() for _ in event.free)


def _applicable(selectors: tuple[AdvancedSelector, ...], event: RequiredEvent) -> list[Box]:
    """For each selector that can log ``event``: its conditions on each free field."""
    fixed, index, unconditional = _event_fields(event)
    out: list[Box] = []
    for selector in selectors:
        per_field: list[list[FieldSelector]] | None = None
        for fs in selector.field_selectors:
            value = fixed.get(fs.field)
            if value is not None:
                if not fs.accepts(value):
                    break
            elif fs.field in index:
                if per_field is None:
                    per_field = [[] for _ in unconditional]
                per_field[index[fs.field]].append(fs)
            else:  # no record of this event has such a field: strictly, the condition fails
                break
        else:
            out.append(unconditional if per_field is None else tuple(map(tuple, per_field)))
    return out


def _lenient(
    selectors: tuple[AdvancedSelector, ...], event: RequiredEvent
) -> tuple[AdvancedSelector, ...]:
    """``selectors`` under the lenient reading: conditions on fields a record of ``event`` may
    lack accept the missing value where some reading would, and conditions on fields no such
    record has are dropped (read as satisfied)."""
    fixed, index, _ = _event_fields(event)
    optional = {d.field for d in event.free if d.may_be_absent}
    out: list[AdvancedSelector] = []
    for selector in selectors:
        kept = tuple(
            LenientFieldSelector(*fs) if fs.field in optional else fs
            for fs in selector.field_selectors
            if fs.field in fixed or fs.field in index
        )
        out.append(AdvancedSelector(kept, selector.name))
    return tuple(out)


def _logged(selectors: tuple[AdvancedSelector, ...], event: dict[str, str]) -> bool:
    return any(selector.matches(event) for selector in selectors)


def _place(trail_arn: str | None) -> tuple[str, str] | None:
    """The region and account of a trail ARN (``arn:PARTITION:cloudtrail:REGION:ACCOUNT:...``)."""
    parts = (trail_arn or "").split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[3] and parts[4].isdigit():
        return parts[3], parts[4]
    return None


def _readable(
    selectors: tuple[AdvancedSelector, ...],
    required: RequiredEvent,
    values: list[str | None],
    fills: list[str],
    place: tuple[str, str] | None,
) -> dict[str, str]:
    """The unlogged event (``selectors`` logs it not), with each free value replaced by a
    realistic one where that keeps the event unlogged (checked directly against the
    selectors). A field the record lacks is left out."""
    event = dict(required.fixed)
    event.update({d.field: v for d, v in zip(required.free, values, strict=True) if v is not None})
    account = place[1] if place else _PLACEHOLDER_ACCOUNT
    for domain, value, fill in zip(required.free, values, fills, strict=True):
        head, tail = value.split(fill, 1) if value and fill and fill in value else (value or "", "")
        candidates: list[str | None] = []
        if domain.field == "resources.ARN" and required.example_arn:
            arns = [required.example_arn]
            if place:
                region, own = place
                here = arns[0].replace(_PLACEHOLDER_REGION, region, 1)
                arns.insert(0, here.replace(_PLACEHOLDER_ACCOUNT, own, 1))
            arns += [arns[-1].replace(a, b, 1) for a, b in _OTHER_PLACES if a in arns[-1]]
            arns = list(dict.fromkeys(arns))
            candidates += arns + [a + tail for a in arns if tail and head and a.startswith(head)]
        if domain.field == "userIdentity.arn":
            candidates.append(domain.prefix + _CALLER.format(account=account))
        if domain.choices:  # in order of preference; a record without the field first
            candidates += [None] if domain.may_be_absent else []
            candidates += domain.choices
        if value and fill and fill in value:
            candidates += [head + "example" + tail, head + "x" + tail]
        for candidate in candidates:
            if candidate == value:
                break
            trial = dict(event)
            if candidate is None:
                del trial[domain.field]
            else:
                trial[domain.field] = candidate
            if not _logged(selectors, trial):
                event = trial
                break
    return event


# --- explanation -----------------------------------------------------------------------------


def _values(values: tuple[str, ...], limit: int = 3, width: int = 64) -> str:
    shown = [v if len(v) <= width else v[: width - 1] + "…" for v in values[:limit]]
    more = f", +{len(values) - limit} more" if len(values) > limit else ""
    return "[" + ", ".join(shown) + more + "]"


def condition_text(fs: FieldSelector) -> str:
    """A field selector in words, e.g. ``userIdentity.arn StartsWith [arn:aws:]``."""
    return f"{fs.field} " + " and ".join(f"{op} {_values(v)}" for op, v in fs.operators())


def _why_condition_fails(fs: FieldSelector, value: str | None) -> str:
    if value is None:
        known = RECORD_FIELDS.get(fs.field)
        if known is None:
            return f"filters on {fs.field}, a field trailguard does not know a record to have"
        return f"requires {condition_text(fs)}, which {known.lacked_by} do not have"
    if fs.unknown:  # read profile: evaluated as never holding
        return f"filters {fs.field} with {fs.unknown[0][0]}, an operator trailguard does not know"
    for operator, values in fs.operators():
        if operator.startswith("Not"):
            positive = operator[3:]
            hits = tuple(
                v
                for v in values
                if (positive == "Equals" and value == v)
                or (positive == "StartsWith" and value.startswith(v))
                or (positive == "EndsWith" and value.endswith(v))
            )
            if hits:
                return f"excludes {fs.field} {operator} {_values(hits)}"
    selects = [(op, vals) for op, vals in fs.operators() if not op.startswith("Not")]
    described = " or ".join(
        _values(vals) if op == "Equals" else f"{op} {_values(vals)}" for op, vals in selects
    )
    return f"limits {fs.field} to {described}"


def _selector_name(selector: AdvancedSelector, index: int) -> str:
    return f"selector {selector.name!r}" if selector.name else f"unnamed selector #{index + 1}"


def _candidates(
    selectors: tuple[AdvancedSelector, ...], resource_type: str
) -> list[tuple[int, AdvancedSelector]]:
    """The Data selectors that could log events of ``resource_type``, with their positions."""
    return [
        (index, selector)
        for index, selector in enumerate(selectors)
        if selector.category == "Data"
        and all(t.accepts(resource_type) for t in selector.fields("resources.type"))
    ]


def _cause(
    config: SelectorConfig,
    selectors: tuple[AdvancedSelector, ...],
    resource_type: str,
    example: dict[str, str],
) -> str:
    if config.kind == "basic" and resource_type not in BASIC_RESOURCE_TYPES:
        return (
            f"the trail uses basic event selectors, which cannot log {resource_type}; "
            f"switch to advanced selectors with resources.type {resource_type} (trailguard plan)"
        )
    reasons: list[str] = []
    for index, selector in _candidates(selectors, resource_type):
        for fs in selector.field_selectors:
            if not fs.accepts(example.get(fs.field)):
                why = _why_condition_fails(fs, example.get(fs.field))
                reasons.append(f"{_selector_name(selector, index)} {why}")
                break
    if not reasons:
        return f"no advanced selector has resources.type {resource_type}; add one (trailguard plan)"
    more = f"; +{len(reasons) - 2} more selectors" if len(reasons) > 2 else ""
    return "; ".join(reasons[:2]) + more


def _missing_fields(
    selectors: tuple[AdvancedSelector, ...], resource_type: str, example: dict[str, str]
) -> tuple[str, ...]:
    """The fields the example lacks on which a selector that could log it has a condition."""
    fields = (
        fs.field
        for _, selector in _candidates(selectors, resource_type)
        for fs in selector.field_selectors
        if fs.field not in example
    )
    return tuple(dict.fromkeys(fields))


def _requirement_text(requirement: Requirement) -> str:
    return "; ".join(
        f"{' and '.join(requirement.event_names(t))} on {t}" for t in requirement.resource_types
    )


def exclusions_text(exclusions: tuple[AdvancedSelector, ...]) -> str:
    """Accepted exclusions in words, one per ``;``-separated part."""
    return "; ".join(" and ".join(map(condition_text, e.field_selectors)) for e in exclusions)


@functools.lru_cache(maxsize=64)
def _compliant_annotation(requirement: Requirement, excused: bool) -> str:
    if excused:
        return (
            f"Compliant except accepted exclusions: {exclusions_text(requirement.exclusions)}. "
            f"Logged for every other resource, caller and session: {_requirement_text(requirement)}"
        )
    return "Logged for every resource, caller and session: " + _requirement_text(requirement)


def cut(text: str, limit: int = ANNOTATION_LIMIT) -> str:
    """``text`` cut to AWS Config's annotation limit, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _annotation(gaps: list[Gap]) -> str:
    groups: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    for gap in gaps:
        key = (gap.resource_type, gap.cause, gap.certainty, gap.missing_fields)
        groups.setdefault(key, []).append(gap.event_name)
    parts = []
    for (resource_type, cause, certainty, missing), names in groups.items():
        subject = f"{' and '.join(names)} on {resource_type}"
        if certainty == UNDOCUMENTED:
            verb = "is" if len(names) == 1 else "are"
            parts.append(
                f"{subject} {verb} logged only if CloudTrail matches records without "
                f"{' or '.join(missing)} in a way AWS does not document: {cause}"
            )
        else:
            verb = "is" if len(names) == 1 else "are"
            parts.append(f"{subject} {verb} not logged: {cause}")
    return "; ".join(parts)


# --- entry point -----------------------------------------------------------------------------


def _find_gap(
    config: SelectorConfig,
    selectors: tuple[AdvancedSelector, ...],
    exclusions: tuple[AdvancedSelector, ...],
    required: RequiredEvent,
    place: tuple[str, str] | None,
) -> Gap | None:
    excused = _applicable(exclusions, required) if exclusions else []
    found = find_uncovered(required.free, _applicable(selectors, required) + excused)
    if found is None:
        return None
    lenient = _lenient(selectors, required)
    found_anyway = find_uncovered(required.free, _applicable(lenient, required) + excused)
    certainty = CERTAIN if found_anyway is not None else UNDOCUMENTED
    judged = lenient if found_anyway is not None else selectors
    values, fills = found_anyway if found_anyway is not None else found
    example = _readable(judged + exclusions, required, values, fills, place)
    cause = _cause(config, judged, required.resource_type, example)
    missing = _missing_fields(selectors, required.resource_type, example)
    return Gap(required.resource_type, required.event_name, cause, example, certainty, missing)


def _covered_without_exclusions(
    selectors: tuple[AdvancedSelector, ...], requirement: Requirement
) -> bool:
    return all(
        find_uncovered(required.free, _applicable(selectors, required)) is None
        for required in requirement.events
    )


def evaluate(config: SelectorConfig, requirement: Requirement) -> Verdict:
    """Whether ``config`` logs every event of ``requirement``, with the cause when it does not.

    ``config`` should already have passed :func:`trailguard.core.validate.check_valid`.
    """
    selectors = effective_selectors(config)
    place = config.place or _place(config.trail_arn)
    gaps: list[Gap] = []
    for required in requirement.events:
        gap = _find_gap(config, selectors, requirement.exclusions, required, place)
        if gap is not None:
            gaps.append(gap)
    excused = not gaps and bool(requirement.exclusions)
    excused = excused and not _covered_without_exclusions(selectors, requirement)
    text = _annotation(gaps) if gaps else _compliant_annotation(requirement, excused)
    compliance = NON_COMPLIANT if gaps else COMPLIANT  # Config gets the text cut; reports whole
    return Verdict(compliance, cut(text), tuple(gaps), config.kind, text)
