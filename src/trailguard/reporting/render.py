"""Render a Report in any format of :mod:`trailguard.reporting.formats` (kept for callers of
the former single module: ``render``, ``parse_json``, ``parse_csv``, ``FORMATS``).

Every rendering opens with what was not evaluated (CSV and JSON: its NOT_EVALUATED rows come
first), so that none can show a clean summary for a partial or empty result. Every rendering is
deterministic: the same report gives the same text.
"""

from __future__ import annotations

from .formats import names
from .formats import render as _render
from .formats.csv import parse_csv
from .formats.json import parse_json
from .model import Report

FORMATS = names("report")

__all__ = ["FORMATS", "parse_csv", "parse_json", "render"]


def render(report: Report, fmt: str) -> str:
    """The report in ``fmt`` (a name of FORMATS, or an alias), ending with a newline."""
    return _render("report", report, fmt)
