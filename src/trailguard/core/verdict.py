"""Verdicts: does a trail log every event a requirement names, and if not, why not.

For one required event the fixed fields (category, type, name, source, ...) decide which
selectors can apply at all; each remaining selector is a box over the free fields
(``resources.ARN``, ``userIdentity.arn``, ``sessionCredentialFromConsole``, ...), and
:mod:`trailguard.core.search` decides exactly whether their union is the whole space. A gap
comes with a concrete unlogged event, made readable where that keeps it unlogged, and with the
selectors and fields that narrow it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from trailguard.core.catalog import BASIC_RESOURCE_TYPES
from trailguard.core.convert import effective_selectors
from trailguard.core.model import AdvancedSelector, FieldSelector, SelectorConfig
from trailguard.core.requirement import RequiredEvent, Requirement
from trailguard.core.search import Box, find_uncovered

COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
ANNOTATION_LIMIT = 256

_PRETTY_CALLER = "sts::111122223333:assumed-role/ExampleRole/example-session"
# Other regions and accounts to try when the example ARN itself is logged.
_OTHER_PLACES = (("us-east-1", "eu-west-1"), ("111122223333", "444455556666"))


@dataclass(frozen=True, slots=True)
class Gap:
    """A required event that is not always logged, with one event that proves it."""

    resource_type: str
    event_name: str
    cause: str
    example: dict[str, str] = field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resourceType": self.resource_type,
            "eventName": self.event_name,
            "cause": self.cause,
            "example": dict(self.example),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    compliance: str
    annotation: str
    gaps: tuple[Gap, ...]
    selector_kind: str

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
            else:  # the event has no such field: the condition can never hold
                break
        else:
            out.append(unconditional if per_field is None else tuple(map(tuple, per_field)))
    return out


def _logged(selectors: tuple[AdvancedSelector, ...], event: dict[str, str]) -> bool:
    return any(selector.matches(event) for selector in selectors)


def _readable(
    selectors: tuple[AdvancedSelector, ...],
    required: RequiredEvent,
    values: list[str],
    fills: list[str],
) -> dict[str, str]:
    """The unlogged event, with each free value replaced by a realistic one where that keeps
    the event unlogged (checked directly against the selectors)."""
    event = dict(required.fixed)
    event.update({d.field: v for d, v in zip(required.free, values, strict=True)})
    for domain, value, fill in zip(required.free, values, fills, strict=True):
        head, tail = value.split(fill, 1) if fill and fill in value else (value, "")
        candidates: list[str] = []
        if domain.field == "resources.ARN" and required.example_arn:
            arns = [required.example_arn]
            arns += [arns[0].replace(a, b, 1) for a, b in _OTHER_PLACES if a in arns[0]]
            candidates += arns + [a + tail for a in arns if tail and a.startswith(head)]
        if domain.field == "userIdentity.arn":
            candidates.append(domain.prefix + _PRETTY_CALLER)
        if domain.choices:
            candidates.append("false" if "false" in domain.choices else domain.choices[0])
        if fill and fill in value:
            candidates += [head + "example" + tail, head + "x" + tail]
        for candidate in candidates:
            if candidate == value:
                break
            trial = {**event, domain.field: candidate}
            if not _logged(selectors, trial):
                event = trial
                break
    return event


# --- explanation -----------------------------------------------------------------------------


def _values(values: tuple[str, ...], limit: int = 3, width: int = 64) -> str:
    shown = [v if len(v) <= width else v[: width - 1] + "…" for v in values[:limit]]
    more = f", +{len(values) - limit} more" if len(values) > limit else ""
    return "[" + ", ".join(shown) + more + "]"


def _why_condition_fails(fs: FieldSelector, value: str | None) -> str:
    if value is None:
        return f"filters on {fs.field}, which this event does not have"
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
    for index, selector in enumerate(selectors):
        types = selector.fields("resources.type")
        if selector.category != "Data" or not all(t.accepts(resource_type) for t in types):
            continue
        for fs in selector.field_selectors:
            if not fs.accepts(example.get(fs.field)):
                why = _why_condition_fails(fs, example.get(fs.field))
                reasons.append(f"{_selector_name(selector, index)} {why}")
                break
    if not reasons:
        return f"no advanced selector has resources.type {resource_type}; add one (trailguard plan)"
    more = f"; +{len(reasons) - 2} more selectors" if len(reasons) > 2 else ""
    return "; ".join(reasons[:2]) + more


@functools.lru_cache(maxsize=64)
def _compliant_annotation(requirement: Requirement) -> str:
    parts = [
        f"{' and '.join(requirement.event_names(t))} on {t}" for t in requirement.resource_types
    ]
    return _cut("Logged for every resource, caller and session: " + "; ".join(parts))


def _cut(text: str) -> str:
    return text if len(text) <= ANNOTATION_LIMIT else text[: ANNOTATION_LIMIT - 1] + "…"


def _annotation(gaps: list[Gap], requirement: Requirement) -> str:
    if not gaps:
        return _compliant_annotation(requirement)
    groups: dict[tuple[str, str], list[str]] = {}
    for gap in gaps:
        groups.setdefault((gap.resource_type, gap.cause), []).append(gap.event_name)
    parts = []
    for (resource_type, cause), names in groups.items():
        verb = "is" if len(names) == 1 else "are"
        parts.append(f"{' and '.join(names)} on {resource_type} {verb} not logged: {cause}")
    return _cut("; ".join(parts))


# --- entry point -----------------------------------------------------------------------------


def evaluate(config: SelectorConfig, requirement: Requirement) -> Verdict:
    """Whether ``config`` logs every event of ``requirement``, with the cause when it does not.

    ``config`` should already have passed :func:`trailguard.core.validate.check_valid`.
    """
    selectors = effective_selectors(config)
    gaps: list[Gap] = []
    for required in requirement.events:
        found = find_uncovered(required.free, _applicable(selectors, required))
        if found is None:
            continue
        values = [v or "" for v in found[0]]  # free fields of a required event are never absent
        example = _readable(selectors, required, values, found[1])
        cause = _cause(config, selectors, required.resource_type, example)
        gaps.append(Gap(required.resource_type, required.event_name, cause, example))
    compliance = NON_COMPLIANT if gaps else COMPLIANT
    return Verdict(compliance, _annotation(gaps, requirement), tuple(gaps), config.kind)
