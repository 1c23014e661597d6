"""A small block-style YAML writer for the templates and documents trailguard generates.

Enough for CloudFormation templates and SSM documents (mappings, lists, strings, numbers,
booleans; multi-line strings as literal blocks), and deterministic, so generated files can be
compared byte for byte. The standard library has no YAML writer, and the build must not need
more than the standard library.
"""

from __future__ import annotations

import json
from typing import Any

_RESERVED = ("true", "false", "yes", "no", "null", "on", "off", "~")


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = (
        text
        and text[0].isalnum()
        and all(c.isalnum() or c in "-_.:/ (),'" for c in text)
        and ": " not in text
        and not text.endswith(":")
        and text.lower() not in _RESERVED
        and not _numeric(text)
    )
    return text if plain else json.dumps(text)


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line if line.strip() else "" for line in text.split("\n"))


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for ``value`` (a mapping or a list) at ``indent`` spaces."""
    pad = " " * indent
    lines: list[str] = []
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    for key, item in items:
        lead = f"{pad}{key}:" if key is not None else f"{pad}-"
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
