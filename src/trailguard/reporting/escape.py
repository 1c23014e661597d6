"""Text from the input, made safe to print: every output (terminal, standard error, each report
format) passes what it did not write itself through one of these.

Escaped visibly, as Python writes them (``\\n``, ``\\x1b``, ``\\u202e``, ``\\ud800``):

- control characters (C0, DEL, C1): a terminal acts on them (``\\x1b[2J`` clears it, ``\\r``
  overwrites a line, ``\\n`` forges a second error line);
- the line and paragraph separators U+2028 and U+2029;
- the bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069),
  which make a line read differently from what it holds;
- lone surrogates (U+D800 to U+DFFF): a JSON ``"\\ud800"`` escape decodes to one, and no UTF-8
  output can hold it.

JSON output keeps every other character as it is, but a lone surrogate becomes the six
characters ``\\ud800`` (a backslash, not a JSON escape): a strict JSON reader refuses a lone
surrogate escape, and what it decoded could not be written as UTF-8 again.
"""

from __future__ import annotations

import json
import re
from typing import Any

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNPRINTABLE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
_UNPRINTABLE_BUT_NEWLINE = re.compile(
    f"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]"
)
# What json.dumps(ensure_ascii=False) leaves raw but a terminal would act on (it escapes C0).
_JSON_RAW = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def one_line(text: str) -> str:
    """``text`` as one printable line: newlines, other control characters, bidirectional
    controls and lone surrogates are shown as escapes (``\\n``, ``\\x1b``, ``\\ud800``)."""
    return _UNPRINTABLE.sub(_escape, text)


def printable(text: str) -> str:
    """Multi-line ``text`` that prints on any UTF-8 terminal: as :func:`one_line`, newlines
    kept."""
    return _UNPRINTABLE_BUT_NEWLINE.sub(_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF:
        return f"\\\\u{code:04x}"  # the visible text \udXXX, not a JSON escape
    return f"\\u{code:04x}"


def _ascii_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(
    value: Any, *, indent: int | None = 2, ensure_ascii: bool = True, compact: bool = False
) -> str:
    """``json.dumps(value)``, safe to print and readable by any strict JSON parser: the
    characters a terminal acts on are ``\\u`` escapes and a lone surrogate is the visible text
    ``\\udXXX`` (see the module docstring). ``ensure_ascii``: every other non-ASCII character
    as an escape too; ``compact``: no spaces after separators."""
    separators = (",", ":") if compact else None
    text = json.dumps(value, indent=indent, ensure_ascii=False, separators=separators)
    # Outside strings, json.dumps writes ASCII only, so each match is inside a string.
    text = _JSON_RAW.sub(_json_escape, text)
    return _NON_ASCII.sub(_ascii_escape, text) if ensure_ascii else text


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate as the visible text ``\\udXXX`` (as :func:`json_text`
    writes it), everything else kept: what a UTF-8 file can hold."""
    return _SURROGATE.sub(_escape, text)
