"""``csv``: one row per finding (what has no result first), for a spreadsheet; a report
parses back (:func:`parse_csv`) to the same entries, but for two documented changes.

Every cell is quoted, so that any text (commas, quotes, newlines, a bare carriage return, NUL)
stays in its cell. Two changes are made to the text, and :func:`parse_csv` returns the cells as
written, with them:

- a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading ``'`` (OWASP's advice against formula injection: a spreadsheet would otherwise run
  it as a formula);
- a lone surrogate (which UTF-8 cannot hold) is written as the visible text ``\\udXXX``, as in
  every format.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..escape import json_text, without_surrogates
from ..finding import controls_text
from ..model import FIELDS, Report, ReportEntry
from . import Format

# Cells of the CSV form that hold JSON (compact); None is an empty cell in any column.
_JSON_COLUMNS = ("causes", "example", "selectors", "unrecordedTopics")
# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _compact_json(value: Any) -> str:
    return json_text(value, indent=None, ensure_ascii=False, compact=True)


def csv_cell(text: str) -> str:
    """``text`` as its cell holds it: a formula start neutralised by a leading ``'``, lone
    surrogates as visible escapes (see the module docstring)."""
    text = without_surrogates(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render_csv(report: Report) -> str:
    """One row per entry, in the report's order (NOT_EVALUATED rows first); columns FIELDS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(FIELDS)
    for entry in report.entries:
        row = entry.to_dict()
        cells = []
        for name in FIELDS:
            value = row[name]
            if value is None:
                cells.append("")
            elif name == "controls":  # derived from the rule: one line, not read back
                cells.append(csv_cell(controls_text(value)))
            elif name in _JSON_COLUMNS:
                cells.append(_compact_json(value))
            else:
                cells.append(csv_cell(str(value)))
        writer.writerow(cells)
    return buffer.getvalue()


def parse_csv(text: str) -> list[ReportEntry]:
    """The entries that ``render(report, "csv")`` printed, each cell as written (see the module
    docstring: :func:`csv_cell` of the original text).

    An empty cell is None (so an empty trail ARN or fix reads back as None) and, for
    ``causes``, no causes.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(header) != FIELDS:
        raise ValueError(f"CSV report: the header must be {','.join(FIELDS)}")
    entries = []
    for number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) != len(FIELDS):
            raise ValueError(f"CSV report, row {number}: {len(cells)} cells, not {len(FIELDS)}")
        data: dict[str, Any] = {}
        for name, cell in zip(FIELDS, cells, strict=True):
            if cell == "":
                data[name] = None
            elif name in _JSON_COLUMNS:
                try:
                    data[name] = json.loads(cell)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"CSV report, row {number}, {name}: {exc}") from exc
            else:
                data[name] = cell
        for name in ("rule", "accountId", "region", "resourceType", "resourceId", "compliance"):
            if data[name] is None:
                raise ValueError(f"CSV report, row {number}: {name} is empty")
        data["annotation"] = data["annotation"] or ""
        entries.append(ReportEntry.from_dict(data))
    return entries


FORMAT = Format(
    name="csv",
    summary="one row per finding, for a spreadsheet (parses back to the same findings)",
    rank=2,
    report=render_csv,
)
