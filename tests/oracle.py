"""Reference (oracle) matcher for CloudTrail advanced event selectors.

Written straight from the documented rules (CloudTrail user guide, "Filtering data
events by using advanced event selectors"; API reference AdvancedFieldSelector), see
/work/shared/domain.md section 2. Standard library only, no imports from ``trailguard``:
it is deliberately naive so that it is obviously correct and can judge the real code.

Rules:
- an event is logged iff it matches ANY selector (OR across selectors);
- it matches a selector iff it satisfies EVERY field selector in it (AND across fields);
- a field selector is satisfied iff
    (it has no SELECT operator (Equals/StartsWith/EndsWith) OR the value matches at least one
     SELECT value)
  AND
    no DESELECT value (NotEquals/NotStartsWith/NotEndsWith) matches;
- matching is case-sensitive exact / startswith / endswith, no wildcards;
- choice made here: an event that lacks a field named by a field selector does NOT satisfy
  that field selector (whatever its operators).
"""

from __future__ import annotations

from typing import Any

SELECT_OPERATORS: tuple[str, ...] = ("Equals", "StartsWith", "EndsWith")
DESELECT_OPERATORS: tuple[str, ...] = ("NotEquals", "NotStartsWith", "NotEndsWith")


def _operator_matches(operator: str, field_value: str, condition_value: str) -> bool:
    """Does one condition value match, ignoring the Not- (the caller handles negation)?"""
    if operator in ("Equals", "NotEquals"):
        return field_value == condition_value
    if operator in ("StartsWith", "NotStartsWith"):
        return field_value.startswith(condition_value)
    if operator in ("EndsWith", "NotEndsWith"):
        return field_value.endswith(condition_value)
    raise ValueError(f"unknown operator {operator!r}")


def field_selector_satisfied(field_selector: dict[str, Any], event: dict[str, str]) -> bool:
    """Is one AdvancedFieldSelector satisfied by the event?"""
    field = field_selector["Field"]
    if field not in event:
        return False
    value = event[field]

    has_select = False
    select_hit = False
    for operator in SELECT_OPERATORS:
        for condition_value in field_selector.get(operator) or []:
            has_select = True
            if _operator_matches(operator, value, condition_value):
                select_hit = True

    deselect_hit = False
    for operator in DESELECT_OPERATORS:
        for condition_value in field_selector.get(operator) or []:
            if _operator_matches(operator, value, condition_value):
                deselect_hit = True

    select_ok = (not has_select) or select_hit
    return select_ok and not deselect_hit


def selector_matches(selector: dict[str, Any], event: dict[str, str]) -> bool:
    """Does one AdvancedEventSelector match (every field selector satisfied)?"""
    for field_selector in selector["FieldSelectors"]:
        if not field_selector_satisfied(field_selector, event):
            return False
    return True


def is_logged(advanced_selectors: list[dict[str, Any]], event: dict[str, str]) -> bool:
    """Is the event logged by a trail with these advanced selectors (raw AWS API shape)?"""
    for selector in advanced_selectors:  # noqa: SIM110 - kept as a plain loop on purpose
        if selector_matches(selector, event):
            return True
    return False
