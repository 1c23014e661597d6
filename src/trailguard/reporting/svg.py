"""The auditor's two pictures as inline SVG: the account × region coverage grid and the verdict
chart.

Made to be read on paper and in greyscale: each cell and bar carries its text label (PASS,
FAIL, N/A, NO RESULT, EXEMPTED) and a pattern as well as a colour (FAIL hatched, NO RESULT
cross-hatched, EXEMPTED dotted), dark text on light fills. No script, no external reference
(no ``xmlns`` URL either: inline SVG in HTML needs none), no font file: each picture is
well-formed XML on its own. Text from the input passes through :func:`xml_text`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from trailguard.rules.facts import NOT_APPLICABLE

from .escape import one_line
from .finding import FAIL, PASS, status_of
from .model import ANY, NOT_EVALUATED, Report
from .scope import EXEMPTED, NO_RESULT
from .statement import status_counts

NO_RESULT_LABEL = "NO RESULT"
EXEMPTED_LABEL = "EXEMPTED"
NA_LABEL = "N/A"
_LABELS = {PASS: PASS, FAIL: FAIL, NOT_APPLICABLE: NA_LABEL, NOT_EVALUATED: NO_RESULT_LABEL}
# Fill and pattern of each label: light fills under black text (contrast above 12:1).
_STYLE = {
    PASS: ("#cdebd0", None),
    FAIL: ("#f5c6c6", "hatch"),
    NA_LABEL: ("#e4e4e4", None),
    NO_RESULT_LABEL: ("#ffffff", "cross"),
    EXEMPTED_LABEL: ("#fff1b8", "dots"),
}
_NON_XML = re.compile("[\ufffe\uffff]")
_EMPTY = re.compile(r"<(\w+)([^<>]*)/>")
CELL_H = 44
HEAD_H = 28
BAR_H = 26


def _closed(svg: str) -> str:
    """Every empty element with an end tag (``<rect ...></rect>``): the same XML, and HTML
    that no parser reads differently (HTML has no self-closing tags outside SVG)."""
    return _EMPTY.sub(r"<\1\2></\1>", svg)


def xml_text(text: str) -> str:
    """Text from the input as XML character data or an attribute value: one line, control
    characters and the two non-characters XML refuses shown as escapes, markup escaped."""
    shown = _NON_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", one_line(text))
    return html.escape(shown, quote=True)


@dataclass(frozen=True, slots=True)
class Cell:
    """One account and region of the grid: the account-region rule's verdict there."""

    account: str
    region: str
    label: str  # PASS, FAIL, N/A, NO RESULT or EXEMPTED (exempted, with no verdict)
    exempted: bool = False
    why: str = ""


def grid(report: Report) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Cell, ...]]:
    """The accounts (rows), regions (columns) and every cell, row by row.

    The accounts and regions are those of any finding, of what has no result and of the
    population (``*`` left out). A cell shows the account-region rule's verdict; with none,
    the population's state there (exempted, or no result and why), else NO RESULT.
    """
    coverage = {(e.account_id, e.region): e for e in report.coverage()}
    places = (
        {(p.account, p.region): p for p in report.population.places} if report.population else {}
    )
    missing = report.not_evaluated()
    accounts = {e.account_id for e in report.entries} | {a for a, _ in places}
    regions = {e.region for e in report.entries} | {r for _, r in places}
    accounts.discard(ANY)
    regions.discard(ANY)
    cells = []
    for account in sorted(accounts):
        for region in sorted(regions):
            entry = coverage.get((account, region))
            place = places.get((account, region))
            if entry is not None:
                label = _LABELS.get(status_of(entry.compliance), NO_RESULT_LABEL)
                exempt = bool(entry.exemption) or (place is not None and place.state == EXEMPTED)
                why = entry.exemption or (place.why if place is not None and exempt else "")
                cells.append(Cell(account, region, label, exempt, why))
            elif place is not None and place.state == EXEMPTED:
                cells.append(Cell(account, region, EXEMPTED_LABEL, True, place.why))
            else:
                why = place.why if place is not None and place.state == NO_RESULT else ""
                if not why:
                    why = next(
                        (
                            e.annotation
                            for e in missing
                            if e.account_id in (ANY, account) and e.region in (ANY, region)
                        ),
                        "",
                    )
                cells.append(Cell(account, region, NO_RESULT_LABEL, False, why))
    return tuple(sorted(accounts)), tuple(sorted(regions)), tuple(cells)


def _defs(prefix: str) -> str:
    """The three patterns, ids prefixed (each SVG has its own; ids are unique in the page)."""
    return (
        "<defs>"
        f'<pattern id="{prefix}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect width="8" height="8" fill="#f5c6c6"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#8b1a1a" stroke-width="2"/></pattern>'
        f'<pattern id="{prefix}-cross" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="#ffffff"/>'
        '<path d="M0 0L8 8M8 0L0 8" stroke="#9a9a9a" stroke-width="1"/></pattern>'
        f'<pattern id="{prefix}-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#fff1b8"/>'
        '<circle cx="3" cy="3" r="1.2" fill="#6b5a00"/></pattern>'
        "</defs>"
    )


def _fill(label: str, prefix: str) -> str:
    colour, pattern = _STYLE[label]
    return f"url(#{prefix}-{pattern})" if pattern else colour


def _width(texts: list[str], floor: int, ceiling: int) -> int:
    longest = max((len(one_line(t)) for t in texts), default=0)
    return max(floor, min(ceiling, 8 * longest + 16))


def _label_box(x: int, y: int, w: int, text: str, bold: bool = True) -> str:
    """A label on a white box over any pattern, so it reads on hatching too."""
    box_w = 8 * len(text) + 8
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<rect x="{x + (w - box_w) // 2}" y="{y - 12}" width="{box_w}" height="16" '
        'fill="#ffffff" fill-opacity="0.9"/>'
        f'<text x="{x + w // 2}" y="{y}" text-anchor="middle"{weight}>{text}</text>'
    )


def grid_svg(report: Report) -> str:
    """The account × region grid of the account-region rule's verdicts, with a legend."""
    accounts, regions, cells = grid(report)
    if not accounts or not regions:
        return (
            '<svg class="grid" role="img" width="420" height="30" viewBox="0 0 420 30" '
            'aria-label="Coverage grid: no account-region to show">'
            '<text x="4" y="20">No account-region to show.</text></svg>'
        )
    head_w = _width(["Account", *accounts], 90, 240)
    col_w = _width(list(regions), 110, 220)
    width = head_w + col_w * len(regions) + 2
    legend_y = HEAD_H + CELL_H * len(accounts) + 14
    height = legend_y + 30
    prefix = "tg-grid"
    parts = [
        f'<svg class="grid" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" '
        'aria-labelledby="tg-grid-title">',
        '<title id="tg-grid-title">Account-region coverage: the account-region rule\'s '
        "verdict in each account (row) and region (column)</title>",
        _defs(prefix),
        f'<text x="4" y="{HEAD_H - 10}" font-weight="bold">Account</text>',
    ]
    for i, region in enumerate(regions):
        x = head_w + i * col_w
        parts.append(
            f'<text class="region" x="{x + col_w // 2}" y="{HEAD_H - 10}" '
            f'text-anchor="middle" font-weight="bold">{xml_text(region)}</text>'
        )
    for row, account in enumerate(accounts):
        y = HEAD_H + row * CELL_H
        parts.append(
            f'<text class="account" x="4" y="{y + CELL_H // 2 + 4}">{xml_text(account)}</text>'
        )
    for index, cell in enumerate(cells):
        row, col = divmod(index, len(regions))
        x, y = head_w + col * col_w, HEAD_H + row * CELL_H
        title = f"{cell.account} {cell.region}: {cell.label}"
        if cell.exempted and cell.label != EXEMPTED_LABEL:
            title += " (exempted)"
        if cell.why:
            title += f": {cell.why}"
        dash = ' stroke-dasharray="4 2"' if cell.label == NO_RESULT_LABEL else ""
        parts.append(
            f'<g class="cell" data-account="{xml_text(cell.account)}" '
            f'data-region="{xml_text(cell.region)}" data-label="{cell.label}">'
            f"<title>{xml_text(title)}</title>"
            f'<rect x="{x + 1}" y="{y + 1}" width="{col_w - 2}" height="{CELL_H - 2}" '
            f'fill="{_fill(cell.label, prefix)}" stroke="#333333"{dash}/>'
        )
        if cell.exempted and cell.label != EXEMPTED_LABEL:
            parts.append(_label_box(x, y + 19, col_w, cell.label))
            parts.append(_label_box(x, y + 36, col_w, EXEMPTED_LABEL.lower(), bold=False))
        else:
            parts.append(_label_box(x, y + CELL_H // 2 + 5, col_w, cell.label))
        parts.append("</g>")
    x = 4
    for label in (PASS, FAIL, NA_LABEL, NO_RESULT_LABEL, EXEMPTED_LABEL):
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="16" height="16" '
            f'fill="{_fill(label, prefix)}" stroke="#333333"/>'
            f'<text x="{x + 22}" y="{legend_y + 12}">{label}</text>'
        )
        x += 22 + 8 * len(label) + 18
    parts.append("</svg>")
    return _closed("".join(parts))


CHART_LABELS = ((PASS, PASS), (FAIL, FAIL), ("NOT_APPLICABLE", NA_LABEL),
                ("NOT_EVALUATED", NO_RESULT_LABEL))  # fmt: skip
_CHART_NAMES = {PASS: PASS, FAIL: FAIL, "NOT_APPLICABLE": "N/A", "NOT_EVALUATED": NOT_EVALUATED}


def chart_svg(report: Report) -> str:
    """A bar chart of the findings per status: PASS, FAIL, N/A, NOT_EVALUATED, each bar with
    its name and its count written beside it."""
    counts = status_counts(report)
    most = max(counts.values()) or 1
    name_w, bar_max, count_w = 130, 300, 60
    width = name_w + bar_max + count_w
    height = BAR_H * len(CHART_LABELS) + 8
    prefix = "tg-chart"
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" '
        'aria-labelledby="tg-chart-title">',
        '<title id="tg-chart-title">Findings per verdict: '
        + ", ".join(f"{_CHART_NAMES[s]} {counts[s]}" for s, _ in CHART_LABELS)
        + "</title>",
        _defs(prefix),
    ]
    for row, (status, style) in enumerate(CHART_LABELS):
        y = 4 + row * BAR_H
        n = counts[status]
        bar = max(2, bar_max * n // most) if n else 0
        parts.append(
            f'<g class="bar" data-status="{status}" data-count="{n}">'
            f'<text x="4" y="{y + 16}" font-weight="bold">{_CHART_NAMES[status]}</text>'
            f'<rect x="{name_w}" y="{y + 2}" width="{bar}" height="{BAR_H - 6}" '
            f'fill="{_fill(style, prefix)}" stroke="#333333"/>'
            f'<text x="{name_w + bar + 6}" y="{y + 16}">{n}</text></g>'
        )
    parts.append("</svg>")
    return _closed("".join(parts))
