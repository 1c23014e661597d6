"""Does an event match an EventBridge event pattern? What EventBridge's TestEventPattern
answers, for the sandbox, whose EventBridge does not implement it (moto answers an empty
success).

Follows the EventBridge user guide, "Creating event patterns" and "Content filtering in event
patterns": every field a pattern names must match (AND); a field whose pattern value is an
object must be an object in the event and match it; a field whose pattern value is an array
matches when the event's value (or, for an array in the event, any of its elements) equals one
of the listed values, exactly (case and type), or passes one of the listed content filters; a
field the event lacks matches nothing except ``{"exists": false}``. Content filters known
here: ``prefix``, ``suffix``, ``anything-but``, ``equals-ignore-case``, ``exists``; any other
(``numeric``, ``cidr``, ``wildcard``, ``$or``) is refused with :class:`PatternError` rather
than guessed.
"""

from __future__ import annotations

from typing import Any

_MISSING = object()
FILTERS = ("prefix", "suffix", "anything-but", "equals-ignore-case", "exists")


class PatternError(ValueError):
    """A pattern this matcher cannot judge (malformed, or a filter it does not know)."""


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether ``event`` matches ``pattern``; PatternError for a pattern it cannot judge."""
    return _object(pattern, event, "")


def _object(pattern: Any, event: Any, where: str) -> bool:
    if not isinstance(pattern, dict) or not pattern:
        raise PatternError(f"{where or 'pattern'}: must be a non-empty object")
    results = []
    for key, wanted in pattern.items():
        path = f"{where}.{key}" if where else key
        if key.startswith("$"):
            raise PatternError(f"{path}: not supported by this matcher")
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(wanted, dict):
            results.append(isinstance(value, dict) and _object(wanted, value, path))
        elif isinstance(wanted, list) and wanted:
            results.append(_field(wanted, value, path))
        else:
            raise PatternError(f"{path}: must be an object or a non-empty array")
    return all(results)


def _field(wanted: list[Any], value: Any, path: str) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(_one(each, v, path) for each in wanted for v in values) or (
        value is _MISSING and any(each == {"exists": False} for each in wanted)
    )


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _one(wanted: Any, value: Any, path: str) -> bool:
    if not isinstance(wanted, dict):
        return value is not _MISSING and _same(wanted, value)
    if len(wanted) != 1 or next(iter(wanted)) not in FILTERS:
        raise PatternError(f"{path}: content filter {wanted} is not supported by this matcher")
    (name, operand), text = next(iter(wanted.items())), isinstance(value, str)
    if name == "exists":
        return bool(operand) and value is not _MISSING
    if value is _MISSING:
        return False
    if name == "prefix":
        return text and value.startswith(operand)
    if name == "suffix":
        return text and value.endswith(operand)
    if name == "equals-ignore-case":
        return text and value.lower() == str(operand).lower()
    excluded = operand if isinstance(operand, list) else [operand]
    if any(isinstance(e, dict) for e in excluded):
        raise PatternError(f"{path}: anything-but with a filter is not supported here")
    return not any(_same(e, value) for e in excluded)
