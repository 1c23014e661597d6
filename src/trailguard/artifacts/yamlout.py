"""A small block-style YAML writer for the templates and documents trailguard generates.

Enough for CloudFormation templates and SSM documents (mappings, lists, strings, numbers,
booleans; multi-line strings as literal blocks), and deterministic, so generated files can be
compared byte for byte. The standard library has no YAML writer, and the build must not need
more than the standard library.
"""

from __future__ import annotations

import re
from typing import Any

_RESERVED = ("true", "false", "yes", "no", "null", "on", "off", "~")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./(),' :-]*")


def scalar(value: Any) -> str:
    """A scalar that reads back as exactly ``value``.

    Text is left plain only when YAML 1.1 cannot read it as anything but that string: it
    starts with an ASCII letter (so no number, date, sexagesimal or special float can be
    meant), holds only a few safe characters, is no boolean or null word, and has no ': '
    or trailing colon or space. Everything else is double-quoted.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = (
        _PLAIN.fullmatch(text) is not None
        and ": " not in text
        and not text.endswith((":", " "))
        and text.lower() not in _RESERVED
    )
    return text if plain else double_quoted(text)


def double_quoted(text: str) -> str:
    """A YAML double-quoted scalar: backslash, quote and non-printable characters escaped."""
    out = []
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char.isprintable() and code not in (0xFEFF,):
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _block(text: str, indent: int) -> str:
    """A literal block ("|-": no final newline, "|": one, "|+": more), or a quoted scalar
    where a block cannot hold the text as it is."""
    if text[:1] in (" ", "\n") or not all(c.isprintable() or c == "\n" for c in text):
        return double_quoted(text)
    pad = " " * indent
    if not text.endswith("\n"):
        indicator, body = "|-", text
    else:
        indicator, body = ("|+" if text.endswith("\n\n") else "|"), text[:-1]
    lines = (pad + line if line else "" for line in body.split("\n"))
    return indicator + "\n" + "\n".join(lines)


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for ``value`` (a mapping or a list) at ``indent`` spaces."""
    pad = " " * indent
    lines: list[str] = []
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    for key, item in items:
        lead = f"{pad}{scalar(key)}:" if key is not None else f"{pad}-"
        if isinstance(item, dict | list) and item:
            if key is None:
                lines.append(f"{pad}- " + to_yaml(item, indent + 2).lstrip())
            else:
                lines.append(lead)
                lines.append(to_yaml(item, indent + 2))
        elif isinstance(item, str) and "\n" in item:
            lines.append(f"{lead} {_block(item, indent + 2)}")
        elif item == [] or item == {}:
            lines.append(f"{lead} {'[]' if item == [] else '{}'}")
        else:
            lines.append(f"{lead} {scalar(item)}")
    return "\n".join(lines)
