"""Accepted exclusions: events a team has decided may go unlogged (noisy topics, load tests).

They are written in CloudTrail's own field-selector syntax, as a JSON list. Each item is either
one field selector, ``{"Field": "resources.ARN", "StartsWith": ["arn:aws:sns:...:load-test-"]}``,
or, for a conjunction, an object with ``FieldSelectors`` (and an optional ``Name``) like an
advanced event selector. An event matching any item is excused. Each item is read like a
selector with the strict reading of missing fields: an exclusion on ``userIdentity.arn`` does
not excuse records without a caller ARN.

Only the fields and operators CloudTrail allows in a Data selector are accepted, so that an
exclusion means what it would mean in a selector.
"""

from __future__ import annotations

from typing import Any

from trailguard.core.errors import SelectorError
from trailguard.core.model import AdvancedSelector, FieldSelector
from trailguard.core.parse import parse_field_selector, type_name
from trailguard.core.validate import ALLOWED_FIELDS, ALLOWED_VALUES, MAX_VALUE_LENGTH

_DATA_FIELDS = ALLOWED_FIELDS["Data"]
_KEYS = ("Name", "FieldSelectors")


def _checked(fs: FieldSelector, path: str) -> FieldSelector:
    operators = _DATA_FIELDS.get(fs.field)
    if operators is None:
        raise SelectorError(
            path,
            f"field {fs.field!r} is not a field of a Data event selector "
            f"(allowed: {', '.join(_DATA_FIELDS)})",
        )
    choices = ALLOWED_VALUES.get(("Data", fs.field))
    for operator, values in fs.operators():
        if operator not in operators:
            raise SelectorError(
                f"{path}.{operator}",
                f"operator {operator} is not allowed for {fs.field}; "
                f"use {' or '.join(sorted(operators))}",
            )
        for k, value in enumerate(values):
            if not value or len(value) > MAX_VALUE_LENGTH:
                raise SelectorError(
                    f"{path}.{operator}[{k}]", f"value must be 1 to {MAX_VALUE_LENGTH} characters"
                )
            if choices is not None and value not in choices:
                raise SelectorError(
                    f"{path}.{operator}[{k}]", f"{value!r} is not one of {', '.join(choices)}"
                )
    return fs


def parse_exclusions(
    raw: object, where: str = "accepted exclusions"
) -> tuple[AdvancedSelector, ...]:
    """The accepted exclusions in ``raw`` (parsed JSON), each as a selector to match events
    against. Raises :class:`SelectorError` naming the item and the problem."""
    if not isinstance(raw, list):
        raise SelectorError(where, f"expected a list of field selectors, got {type_name(raw)}")
    out: list[AdvancedSelector] = []
    for i, item in enumerate(raw):
        path = f"{where}[{i}]"
        if isinstance(item, dict) and "FieldSelectors" in item:
            obj: dict[str, Any] = item
            unknown = [key for key in obj if key not in _KEYS]
            if unknown:
                raise SelectorError(
                    path, f"unknown key {unknown[0]!r} (expected Name, FieldSelectors)"
                )
            name = obj.get("Name")
            if name is not None and not isinstance(name, str):
                raise SelectorError(f"{path}.Name", f"expected a string, got {type_name(name)}")
            items = obj["FieldSelectors"]
            if not isinstance(items, list) or not items:
                raise SelectorError(f"{path}.FieldSelectors", "expected a non-empty list")
            fields = tuple(
                _checked(
                    parse_field_selector(f, f"{path}.FieldSelectors[{j}]"),
                    f"{path}.FieldSelectors[{j}]",
                )
                for j, f in enumerate(items)
            )
            out.append(AdvancedSelector(fields, name or f"accepted exclusion #{i + 1}"))
        else:
            fs = _checked(parse_field_selector(item, path), path)
            out.append(AdvancedSelector((fs,), f"accepted exclusion #{i + 1}"))
    return tuple(out)


def exclusions_to_api(exclusions: tuple[AdvancedSelector, ...]) -> list[dict[str, Any]]:
    """The JSON form of ``exclusions`` (field selectors, or selectors for conjunctions)."""
    out: list[dict[str, Any]] = []
    for exclusion in exclusions:
        fields = [
            {"Field": fs.field, **{op: list(v) for op, v in fs.operators()}}
            for fs in exclusion.field_selectors
        ]
        out.append(fields[0] if len(fields) == 1 else {"FieldSelectors": fields})
    return out
