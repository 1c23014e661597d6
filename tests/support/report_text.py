"""Where the parts of a rendered report start, for tests that pin a later part whole."""

from __future__ import annotations


def after_opening(lines: list[str]) -> list[str]:
    """The text form's lines after its opening statement (which ends at its first blank
    line)."""
    return lines[lines.index("") + 1 :]


def from_heading(lines: list[str], heading: str) -> list[str]:
    """The Markdown form's lines from the first line that starts with ``heading``."""
    return lines[next(i for i, line in enumerate(lines) if line.startswith(heading)) :]
