"""Exact coverage: does a set of advanced selectors log every event a requirement names?

For one required event the fixed fields (category, type, name, source, ...) decide which
selectors can apply at all; each remaining selector is then a box over the free fields
(``resources.ARN``, ``userIdentity.arn``, ``sessionCredentialFromConsole``, ...), and the
question is whether the union of the boxes is the whole space.

A string field is decided through a finite set of witness values that meets every class of
strings the selectors can tell apart. For constants split into exact values E, prefixes P and
suffixes S, a string x of the domain (``prefix`` + at least one character) that is not one of
a finite set of special points (the values in E, and the strings whose tail overlaps the domain
prefix in a suffix constant) behaves exactly as ``prefix + p + z + s``, where p is the longest
prefix constant x starts with, s the longest suffix constant x ends with, and z a character no
constant contains. So the witnesses are the special points plus every ``prefix + p + z + s``;
the search runs field by field, keeping only the selectors that accept the witness so far,
and remembers the sets of selectors it has already settled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trailguard.core.catalog import BASIC_RESOURCE_TYPES
from trailguard.core.convert import effective_selectors
from trailguard.core.model import AdvancedSelector, FieldSelector, SelectorConfig
from trailguard.core.requirement import FreeField, RequiredEvent, Requirement

COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
ANNOTATION_LIMIT = 256

_FRESH = "~#%^|!`"
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


# --- witnesses -------------------------------------------------------------------------------


def _fresh_char(constants: Iterable[str]) -> str:
    used = set("".join(constants))
    for char in _FRESH:
        if char not in used:
            return char
    code = 0xE000
    while chr(code) in used:
        code += 1
    return chr(code)


def _witnesses(domain: FreeField, conditions: list[FieldSelector]) -> tuple[list[str], str]:
    """Values of ``domain`` that meet every class ``conditions`` can tell apart, and the
    filler character used in the generic ones."""
    if domain.choices:
        return list(domain.choices), ""
    base = domain.prefix
    exact: list[str] = []
    prefixes: list[str] = []
    suffixes: list[str] = []
    for fs in conditions:
        exact += fs.equals + fs.not_equals
        prefixes += fs.starts_with + fs.not_starts_with
        suffixes += fs.ends_with + fs.not_ends_with
    fill = _fresh_char((*exact, *prefixes, *suffixes))
    out: list[str] = []
    heads = [""] + [p[len(base) :] for p in prefixes if p.startswith(base) and len(p) > len(base)]
    tails = ["", *suffixes]
    for head in dict.fromkeys(heads):
        for tail in dict.fromkeys(tails):
            out.append(base + head + fill + tail)
    out += [c for c in exact if c.startswith(base) and len(c) > len(base)]
    for s in suffixes:
        for k in range(1, len(s)):
            if base.endswith(s[:k]):
                out.append(base + s[k:])
    return list(dict.fromkeys(out)), fill


# --- the search ------------------------------------------------------------------------------


def _applicable(
    selectors: tuple[AdvancedSelector, ...], event: RequiredEvent
) -> list[tuple[tuple[FieldSelector, ...], ...]]:
    """For each selector that can log ``event``: its conditions on each free field."""
    fixed = dict(event.fixed)
    index = {free.field: i for i, free in enumerate(event.free)}
    out: list[tuple[tuple[FieldSelector, ...], ...]] = []
    for selector in selectors:
        per_field: list[list[FieldSelector]] = [[] for _ in event.free]
        for fs in selector.field_selectors:
            if fs.field in fixed:
                if not fs.accepts(fixed[fs.field]):
                    break
            elif fs.field in index:
                per_field[index[fs.field]].append(fs)
            else:  # the event has no such field: the condition can never hold
                break
        else:
            out.append(tuple(tuple(c) for c in per_field))
    return out


def _find_unlogged(
    selectors: tuple[AdvancedSelector, ...], event: RequiredEvent
) -> tuple[list[str], list[str]] | None:
    """Values of the free fields for which no selector logs ``event``, or None when covered.

    Also returns, per free field, the filler character its generic witnesses use.
    """
    boxes = _applicable(selectors, event)
    free = event.free
    depth = len(free)
    fills = [""] * depth
    settled: set[tuple[int, tuple[int, ...]]] = set()

    def search(level: int, active: tuple[int, ...]) -> list[str] | None:
        if not active:  # nothing logs it whatever the remaining fields hold
            anything: list[str] = []
            for lv in range(level, depth):
                values, fills[lv] = _witnesses(free[lv], [])
                anything.append(values[0])
            return anything
        if level == depth or any(
            not any(boxes[b][lv] for lv in range(level, depth)) for b in active
        ):
            return None
        key = (level, active)
        if key in settled:
            return None
        conditions = [fs for b in active for fs in boxes[b][level]]
        values, fills[level] = _witnesses(free[level], conditions)
        for value in values:
            remaining = tuple(b for b in active if all(fs.accepts(value) for fs in boxes[b][level]))
            rest = search(level + 1, remaining)
            if rest is not None:
                return [value, *rest]
        settled.add(key)
        return None

    found = search(0, tuple(range(len(boxes))))
    return None if found is None else (found, fills)


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


def _annotation(gaps: list[Gap], requirement: Requirement) -> str:
    if not gaps:
        parts = [
            f"{' and '.join(requirement.event_names(t))} on {t}" for t in requirement.resource_types
        ]
        text = "Logged for every resource, caller and session: " + "; ".join(parts)
    else:
        groups: dict[tuple[str, str], list[str]] = {}
        for gap in gaps:
            groups.setdefault((gap.resource_type, gap.cause), []).append(gap.event_name)
        parts = []
        for (resource_type, cause), names in groups.items():
            verb = "is" if len(names) == 1 else "are"
            parts.append(f"{' and '.join(names)} on {resource_type} {verb} not logged: {cause}")
        text = "; ".join(parts)
    if len(text) > ANNOTATION_LIMIT:
        text = text[: ANNOTATION_LIMIT - 1] + "…"
    return text


# --- entry point -----------------------------------------------------------------------------


def evaluate(config: SelectorConfig, requirement: Requirement) -> Verdict:
    """Whether ``config`` logs every event of ``requirement``, with the cause when it does not.

    ``config`` should already have passed :func:`trailguard.core.validate.check_valid`.
    """
    selectors = effective_selectors(config)
    gaps: list[Gap] = []
    for required in requirement.events:
        found = _find_unlogged(selectors, required)
        if found is None:
            continue
        example = _readable(selectors, required, *found)
        cause = _cause(config, selectors, required.resource_type, example)
        gaps.append(Gap(required.resource_type, required.event_name, cause, example))
    compliance = NON_COMPLIANT if gaps else COMPLIANT
    return Verdict(compliance, _annotation(gaps, requirement), tuple(gaps), config.kind)
