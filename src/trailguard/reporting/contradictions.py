"""Selectors that can never match: conditions on one field that no value satisfies together.

CloudTrail accepts ``{"Field": "eventName", "Equals": ["Publish"], "NotEquals": ["Publish"]}``;
it logs nothing. The core reports what such a selector fails to log, event by event; the text
output names the selector as self-contradicting instead. Only what is certain is claimed: a
field's conditions contradict each other when every value a selecting operator admits is
excluded by a deselecting one (or by another condition on the same field).
"""

from __future__ import annotations

from trailguard.core import AdvancedSelector, FieldSelector
from trailguard.core.verdict import condition_text


def _excluded_prefix(prefix: str, conditions: list[FieldSelector]) -> bool:
    """Every value starting with ``prefix`` is refused by one of ``conditions``."""
    return any(prefix.startswith(c.not_starts_with) or "" in c.not_ends_with for c in conditions)


def _excluded_suffix(suffix: str, conditions: list[FieldSelector]) -> bool:
    """Every value ending with ``suffix`` is refused by one of ``conditions``."""
    return any(suffix.endswith(c.not_ends_with) or "" in c.not_starts_with for c in conditions)


def _never_holds(conditions: list[FieldSelector]) -> bool:
    """No value satisfies every one of ``conditions`` (all on one field, none unknown)."""
    if any(c.unknown for c in conditions):
        return False
    for condition in conditions:
        if not (condition.equals or condition.starts_with or condition.ends_with):
            if _excluded_prefix("", [condition]):
                return True
            continue
        # A value a select admits survives if every condition accepts it; a prefix or suffix
        # survives unless a deselect refuses all its values (else it is not certain).
        alive = any(all(c.accepts(value) for c in conditions) for value in condition.equals)
        alive = alive or any(not _excluded_prefix(p, conditions) for p in condition.starts_with)
        alive = alive or any(not _excluded_suffix(s, conditions) for s in condition.ends_with)
        if not alive:
            return True
    return False


def never_matches(selector: AdvancedSelector) -> str | None:
    """Why ``selector`` can never match, e.g. ``eventName Equals [Publish] and NotEquals
    [Publish]``; None when some event could match it (or that is not certain)."""
    by_field: dict[str, list[FieldSelector]] = {}
    for condition in selector.field_selectors:
        by_field.setdefault(condition.field, []).append(condition)
    for field, conditions in by_field.items():
        if _never_holds(conditions):
            texts = [condition_text(c) for c in conditions]
            return f"{texts[0]}" + "".join(f" and {t.removeprefix(field + ' ')}" for t in texts[1:])
    return None


def selector_label(selector: AdvancedSelector, index: int) -> str:
    """How the core's causes name a selector."""
    return f"selector {selector.name!r}" if selector.name else f"unnamed selector #{index + 1}"


def contradictions(selectors: tuple[AdvancedSelector, ...]) -> dict[str, str]:
    """Label (as the core's causes write it) → "LABEL can never match: WHY", for every
    selector that can never match."""
    found = {}
    for index, selector in enumerate(selectors):
        why = never_matches(selector)
        if why is not None:
            label = selector_label(selector, index)
            found[label] = f"{label} can never match: {why}"
    return found
