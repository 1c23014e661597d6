"""Reading a JSON document from the command line strictly: bounded in size, duplicate keys and
``NaN``/``Infinity`` refused with where they are, and a document that is some other AWS CLI
output named as such. Each problem is a :class:`ValueError` whose text is one line; the caller
adds the source's name.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

# The most bytes read from one input. The largest get-event-selectors response CloudTrail can
# return holds 500 condition values of at most 2,048 characters (1,024,000 characters) and,
# since each selector spends one value on eventCategory, at most 500 names of at most 1,000
# characters: about 1.5 million characters, 1.5 MB of ASCII plus the CLI's indentation. Four
# MiB leaves room for non-ASCII names and escapes, and is read in a few hundred milliseconds;
# anything larger is refused before a byte of it is parsed.
MAX_INPUT_BYTES = 4 * 1024 * 1024

_SELECTOR_KEYS = ("TrailARN", "EventSelectors", "AdvancedEventSelectors")
_LOWER_KEYS = frozenset(key.lower() for key in _SELECTOR_KEYS)
_PIPE = "pipe `aws cloudtrail get-event-selectors --trail-name NAME` instead"
# Other AWS CLI outputs people pipe by mistake, by a key only they have.
_OTHER_OUTPUTS = {
    "trailList": "describe-trails output",
    "Trail": "get-trail output",
    "Trails": "list-trails output",
    "IsLogging": "get-trail-status output",
    "EventDataStores": "list-event-data-stores output",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def read_bounded(handle: IO[bytes], limit: int = MAX_INPUT_BYTES) -> bytes:
    """At most ``limit`` bytes of ``handle``; ValueError when it holds more (the rest is never
    read)."""
    data = handle.read(limit + 1)
    check_size(len(data), limit)
    return data


def check_size(size: int, limit: int = MAX_INPUT_BYTES) -> None:
    if size > limit:
        raise ValueError(
            f"more than {limit:,} bytes ({limit // 1024 // 1024} MiB), the most trailguard "
            "reads: a get-event-selectors response (at most 500 values of up to 2,048 "
            "characters) is far smaller"
        )


class StrictJSONError(ValueError):
    """A duplicate key or a non-JSON constant, with its path."""


class _Duplicated(dict[str, Any]):
    """An object in which ``key`` appeared more than once (the last value is kept only until
    :func:`loads` reports it)."""

    key = ""


class _Constant:
    """Where ``NaN``, ``Infinity`` or ``-Infinity`` stood: not JSON (RFC 8259), though Python's
    reader takes them."""

    def __init__(self, name: str) -> None:
        self.name = name


def loads(text: str) -> Any:
    """``json.loads(text)``, refusing a duplicate key and ``NaN``/``Infinity`` with the JSON
    path where they are (readers disagree on which of two values for one key counts, so none
    is picked here)."""
    seen: list[object] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        keys: set[str] = set()
        for key, _ in items:
            if key in keys:
                break
            keys.add(key)
        duplicated = _Duplicated(obj)
        duplicated.key = key
        seen.append(duplicated)
        return duplicated

    def constant(name: str) -> _Constant:
        seen.append(name)
        return _Constant(name)

    value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    if seen:
        path, problem = _first_problem(value)
        raise StrictJSONError(f"{path or 'the document'}: {problem}")
    return value


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _IDENTIFIER.match(key):
        return f"{path}[{json.dumps(key)}]"
    return f"{path}.{key}" if path else key


def _first_problem(value: Any) -> tuple[str, str]:
    """The path and problem of the first duplicate key or non-JSON constant, in document
    order (iterative: the document may nest as deep as the reader allowed)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _Duplicated):
            return _join(path, item.key), "duplicate key (JSON readers disagree on which counts)"
        if isinstance(item, _Constant):
            return path, f"{item.name} is not a JSON value"
        if isinstance(item, dict):
            stack += reversed([(v, _join(path, k)) for k, v in item.items()])
        elif isinstance(item, list):
            stack += reversed([(v, _join(path, i)) for i, v in enumerate(item)])
    raise AssertionError("a problem was recorded but not found")


def not_selectors(value: object) -> str | None:
    """Why ``value`` is not a get-event-selectors response and what to pipe instead, when it
    is some other output (None: it may be one; the parser judges the rest).

    A response always has ``TrailARN`` and one of the selector lists; one of the three is
    required, so that a file saved with only ``AdvancedEventSelectors`` (or only the ARN of a
    trail that has no selectors) is still read.
    """
    if isinstance(value, dict):
        if any(key in value for key in _SELECTOR_KEYS):
            return None
        for key, name in _OTHER_OUTPUTS.items():
            if key in value:
                return f"this looks like {name}; {_PIPE}"
        if any(str(key).lower() in _LOWER_KEYS for key in value):
            return f"this looks like an AWS Config configuration item (camelCase keys); {_PIPE}"
        what = "an empty object" if not value else "an object"
        return (
            f"{what} with none of the keys TrailARN, EventSelectors, AdvancedEventSelectors "
            f"is not get-event-selectors output; {_PIPE}"
        )
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        if all("FieldSelectors" in item for item in value):
            return (
                "this looks like a list of advanced event selectors; wrap it as "
                '{"AdvancedEventSelectors": [...]}, or ' + _PIPE
            )
        if all("Field" in item for item in value):
            return f"this looks like a list of field selectors, not a trail's selectors; {_PIPE}"
        if all("ReadWriteType" in item or "DataResources" in item for item in value):
            return (
                "this looks like a list of basic event selectors; wrap it as "
                '{"EventSelectors": [...]}, or ' + _PIPE
            )
    return None
