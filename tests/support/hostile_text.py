"""Hostile text for the output tests, and what each output is expected to make of it, written
out from the README's rules (not from the code under test)."""

from __future__ import annotations

import json
import re
from typing import Any

from trailguard.reporting.model import FIELDS, ReportEntry

# Characters that break things: line ends, quotes, separators, NUL, terminal escapes (C0 and
# C1), line separators, bidirectional controls, lone surrogates, formula starts, markup.
NASTY = ["\r", "\n", "\r\n", '"', ",", "'", "\x00", "\x1b", "\x9b", "\t", "\u2028",
         "\u202e", "\u2066", "\ud800", "\udfff", "=", "+", "-", "@", "<script>", "<SCRIPT ",
         "\ufeff", "\U0001f600", " ", "`", "|", "#", "&lt;"]  # fmt: skip
# What no output but CSV may hold raw: control characters (a newline is the only one written),
# bidirectional controls, line separators, lone surrogates.
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
JSON_COLUMNS = ("causes", "example", "selectors", "unrecordedTopics")
_SURROGATE = re.compile("[\ud800-\udfff]")


def visible(text: str) -> str:
    """``text`` with each lone surrogate as the six characters backslash-u-X-X-X-X."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def surrogates_visible(value: Any) -> Any:
    """``value`` (JSON-shaped) with each string's lone surrogates visible."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {surrogates_visible(k): surrogates_visible(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(surrogates_visible(v) for v in value)
    return value


def written(text: str) -> str:
    """What a CSV cell holds for ``text``: lone surrogates visible, then a ``'`` before a
    formula start."""
    text = visible(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_expected(entry: ReportEntry) -> ReportEntry:
    """The entry the CSV form reads back as: each text column as :func:`written` (an empty
    cell is None, an empty annotation ""), each JSON column with its surrogates visible."""
    data = entry.to_dict()
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = data[name]
        if name in JSON_COLUMNS:
            out[name] = surrogates_visible(value)
        elif value is None or value == "":
            out[name] = "" if name == "annotation" else None
        else:
            out[name] = written(str(value))
    return ReportEntry.from_dict(out)


def strict_json(text: str) -> Any:
    """``text`` read as a strict reader would: no raw control character in it, and every
    string it holds valid Unicode (it encodes as UTF-8)."""
    raw = RAW.search(text)
    assert raw is None, (raw.group(), text[max(raw.start() - 40, 0) : raw.end() + 20])
    value = json.loads(text)
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AssertionError(f"a lone surrogate in the JSON: {exc}") from exc
    return value
