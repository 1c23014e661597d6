"""The report an auditor signs: the opening statement, the scope and population, the index of
failing findings, the coverage grid and verdict chart (inline SVG), print styles, the table
fitted to the terminal, and the JSON form reading back scope and population."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from audit_report import (
    AUDIT,
    BAD_ARN,
    CUT,
    DENIED,
    EXEMPT_WHY,
    FAILED,
    PASSED,
    A,
    B,
    C,
)
from snapshots import assert_text_snapshot
from test_render import check_html

from trailguard.reporting.formats.text import render_table
from trailguard.reporting.html_parts import token
from trailguard.reporting.model import Report, not_evaluated_entry
from trailguard.reporting.render import parse_json, render
from trailguard.reporting.scope import ReportScope
from trailguard.reporting.statement import opening, scope_line, scope_rows
from trailguard.reporting.svg import chart_svg, grid_svg

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "report"


# --- the opening statement ----------------------------------------------------------------


def test_opening_statements() -> None:
    assert opening(AUDIT).lines() == (
        "Result: INCOMPLETE: an incomplete population, so this is not a clean result "
        "(2 failing findings among what was evaluated).",
        "Pass rate: 50.0% (3 PASS of 6 findings with a PASS or FAIL verdict; 0 NOT_APPLICABLE "
        "and 0 NOT_EVALUATED not counted, 1 exempted FAIL counted as FAIL).",
        "Evaluated: 6 findings over 2 accounts, 2 regions and 2 rules; 3 of 6 account-region(s) "
        "of the population.",
        "Not evaluated: 2 account-region(s) of the population with no result (listed under Not "
        "evaluated).",
    )
    assert opening(FAILED).lines()[0] == "Result: FAIL: 2 findings failed (not exempted)."
    assert opening(FAILED).lines()[3] == "Not evaluated: nothing."
    assert opening(PASSED).lines() == (
        "Result: PASS: everything asked for has a result and no finding failed but 1 exempted one.",
        "Pass rate: 66.6% (2 PASS of 3 findings with a PASS or FAIL verdict; 0 NOT_APPLICABLE "
        "and 0 NOT_EVALUATED not counted, 1 exempted FAIL counted as FAIL).",
        "Evaluated: 3 findings over 1 account, 2 regions and 2 rules; 1 of 2 account-region(s) "
        "of the population.",
        "Not evaluated: nothing.",
    )
    # Something with no result and failures: INCOMPLETE first, never a clean result.
    both = dataclasses.replace(
        FAILED, entries=(*FAILED.entries, not_evaluated_entry("x", account=C))
    )
    assert opening(both).result == "INCOMPLETE"
    assert opening(both).sentence == (
        "Result: INCOMPLETE: 1 item with no result, so this is not a clean result "
        "(2 failing findings among what was evaluated)."
    )
    # What has no result but an exemption accepts is said so (never a silent pass).
    accepted = not_evaluated_entry("AccessDenied", account=B, region="eu-west-1")
    accepted = dataclasses.replace(accepted, exemption=EXEMPT_WHY)
    odd = dataclasses.replace(PASSED, entries=(*PASSED.entries, accepted))
    assert opening(odd).not_evaluated == (
        "Not evaluated: 1 item with no result that an exemption accepts (listed under Not "
        "evaluated)."
    )
    # Whether that is complete is the model's to say (Report.complete); the sentence follows.
    assert opening(odd).sentence == (
        "Result: PASS: everything asked for has a result and no finding failed but 2 exempted ones."
        if odd.complete
        else "Result: INCOMPLETE: 1 item with no result (exempted), so this is not a clean "
        "result (0 failing findings among what was evaluated)."
    )
    # An older caller's report: no scope, no population; the statement stands on the findings.
    bare = Report("t", "2024-05-01T12:00:00Z", "s", PASSED.entries)
    assert opening(bare).result == "PASS"
    assert opening(bare).evaluated == (
        "Evaluated: 3 findings over 1 account, 2 regions and 2 rules."
    )


# --- the pictures: inline SVG, well-formed, labelled in words -------------------------------


def _cells(svg: str) -> list[tuple[str | None, str | None, str | None, list[str]]]:
    root = ET.fromstring(svg)
    return [
        (g.get("data-account"), g.get("data-region"), g.get("data-label"),
         [t.text or "" for t in g.iter("text")])
        for g in root.iter("g") if g.get("class") == "cell"
    ]  # fmt: skip


def test_grid_svg_cells_and_labels() -> None:
    svg = grid_svg(AUDIT)
    root = ET.fromstring(svg)
    assert root.tag == "svg" and root.get("role") == "img"
    assert _cells(svg) == [
        (A, "eu-west-1", "PASS", ["PASS"]),
        (A, "us-east-1", "FAIL", ["FAIL"]),
        (B, "eu-west-1", "FAIL", ["FAIL", "exempted"]),
        (B, "us-east-1", "PASS", ["PASS"]),
        (C, "eu-west-1", "NO RESULT", ["NO RESULT"]),
        (C, "us-east-1", "NO RESULT", ["NO RESULT"]),
    ]
    titles = [g.find("title") for g in root.iter("g")]
    assert [t.text for t in titles if t is not None] == [
        f"{A} eu-west-1: PASS",
        f"{A} us-east-1: FAIL",
        f"{B} eu-west-1: FAIL (exempted): {EXEMPT_WHY}",
        f"{B} us-east-1: PASS",
        f"{C} eu-west-1: NO RESULT: {DENIED}",
        f"{C} us-east-1: NO RESULT: {DENIED}",
    ]
    # Row and column headings, then the legend: every label in words.
    texts = [t.text for t in root.iter("text") if t.get("class") in ("account", "region")]
    assert texts == ["eu-west-1", "us-east-1", A, B, C]
    legend = [t.text for t in root.findall("text")][-5:]
    assert legend == ["PASS", "FAIL", "N/A", "NO RESULT", "EXEMPTED"]
    # FAIL, NO RESULT and EXEMPTED are patterns as well as colours (greyscale, print).
    fills = {g.get("data-label"): g.find("rect").get("fill") for g in root.iter("g")}  # type: ignore[union-attr]
    assert fills == {
        "PASS": "#cdebd0", "FAIL": "url(#tg-grid-hatch)", "NO RESULT": "url(#tg-grid-cross)",
    }  # fmt: skip
    assert {p.get("id") for p in root.iter("pattern")} == {
        "tg-grid-hatch", "tg-grid-cross", "tg-grid-dots",
    }  # fmt: skip


def test_grid_without_population_and_exempted_place() -> None:
    # No coverage verdict where the population exempts the place: EXEMPTED, in words.
    no_entry = dataclasses.replace(
        AUDIT, entries=tuple(e for e in AUDIT.entries if e.exemption is None)
    )
    assert (B, "eu-west-1", "EXEMPTED", ["EXEMPTED"]) in _cells(grid_svg(no_entry))
    bare = Report("t", "g", "s", ())
    assert ET.fromstring(grid_svg(bare)).findtext("text") == "No account-region to show."


def test_chart_svg_bars_and_counts() -> None:
    root = ET.fromstring(chart_svg(AUDIT))
    bars = [
        (g.get("data-status"), g.get("data-count"), [t.text for t in g.iter("text")],
         int(g.find("rect").get("width") or 0))  # type: ignore[union-attr]
        for g in root.iter("g")
    ]  # fmt: skip
    assert bars == [
        ("PASS", "3", ["PASS", "3"], 300),
        ("FAIL", "3", ["FAIL", "3"], 300),
        ("NOT_APPLICABLE", "0", ["N/A", "0"], 0),
        ("NOT_EVALUATED", "0", ["NOT_EVALUATED", "0"], 0),
    ]
    assert root.findtext("title") == (
        "Findings per verdict: PASS 3, FAIL 3, N/A 0, NOT_EVALUATED 0"
    )


# --- the HTML: structure, no script, no external reference, print styles -------------------


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("section", "nav") and found.get("class"):
            self.order.append(f"{tag}.{(found['class'] or '').split()[0]}")


def test_html_layout_and_self_containment() -> None:
    text = render(AUDIT, "html")
    checker = check_html(text)
    assert "script" not in checker.tags
    assert [name for name, _ in checker.attrs if name.lower().startswith("on")] == []
    assert not re.search(r"https?:|//[a-z]|url\((?!#)|@import|@font-face", text, re.I)
    # Every link is to a failing finding in the page, in the index's order.
    hrefs = [v for k, v in checker.attrs if k == "href"]
    articles = re.findall(r'<article class="finding" id="([^"]+)">', text)
    assert hrefs == [f"#{a}" for a in articles] and len(articles) == 3
    # The sections in the order an auditor reads them.
    ids = _Ids()
    ids.feed(text)
    assert ids.order == [
        "section.statement", "section.scope", "section.not-evaluated", "section.summary",
        "nav.index",
    ]  # fmt: skip
    # Each picture is well-formed XML on its own.
    svgs = re.findall(r"<svg\b.*?</svg>", text, re.S)
    assert [ET.fromstring(s).get("class") for s in svgs] == ["chart", "grid"]


def test_print_styles() -> None:
    text = render(AUDIT, "html")
    print_css = text.split("@media print {", 1)[1].split("\n}\n", 1)[0]
    rules = [line.strip() for line in print_css.splitlines()]
    assert (
        ".finding { border-left-width: 1px; page-break-inside: auto; break-inside: auto; }" in rules
    )  # findings flow one after another: a finding never takes a page of its own
    assert (
        "table, pre, li, svg, tr, .statement { page-break-inside: avoid; break-inside: avoid; }"
        in rules
    )
    assert ".verdict, .tok, code.id { white-space: nowrap; }" in rules
    assert "pre.evidence { overflow-wrap: anywhere; }" in rules
    # anywhere only for the selectors' JSON; no finding gets a page of its own.
    assert print_css.count("overflow-wrap: anywhere") == 1
    assert "page-break-before" not in text and "break-before" not in text


def test_arns_break_only_after_colon_and_slash() -> None:
    assert token(BAD_ARN) == "<wbr>".join(
        f'<span class="tok">{p}</span>'
        for p in ["arn:", "aws:", "cloudtrail:", "us-east-1:", "111122223333:", "trail/",
                  "sns-publish-only"]
    )  # fmt: skip
    assert token('a<b>"') == '<span class="tok">a&lt;b&gt;&quot;</span>'


def test_html_names_what_the_auditor_checks() -> None:
    text = render(AUDIT, "html")
    for shown in (
        '<tr><th scope="row">Unrecorded topics</th><td>2 of 5 topics unrecorded: orders, '
        "payments</td></tr>",
        f'<tr><th scope="row">Exemption</th><td>{EXEMPT_WHY}</td></tr>',
        "<p>Topics: 2 of 8 topics have publishes that go unrecorded.</p>",
        '<p class="result"><span class="verdict">INCOMPLETE</span></p>',
        '<tr><th scope="row">Tool version</th><td>1.4.0</td></tr>',
        "(cut to 256 characters by AWS Config (it holds no more); trailguard scan gives the "
        "whole text)",
    ):
        assert shown in text, shown


# --- snapshots: the whole output ----------------------------------------------------------


def test_auditor_html_snapshot(update_snapshots: bool) -> None:
    text = render(AUDIT, "html")
    assert render(AUDIT, "html") == text
    assert_text_snapshot(SNAPSHOTS / "auditor.html", text, update_snapshots)


def test_auditor_markdown_snapshot(update_snapshots: bool) -> None:
    assert_text_snapshot(SNAPSHOTS / "auditor.md", render(AUDIT, "md"), update_snapshots)


def test_auditor_table_at_80_and_160_columns(update_snapshots: bool) -> None:
    for width in (80, 160):
        text = render_table(AUDIT, width)
        assert max(map(len, text.splitlines())) <= width
        assert_text_snapshot(SNAPSHOTS / f"auditor-{width}.txt", text, update_snapshots)
        # Wrapped, never cut: every word of each annotation and fix is there.
        words = text.split()
        for entry in AUDIT.entries:
            for part in (entry.annotation, entry.fix or ""):
                for word in part.split():
                    if len(word) < 60:
                        assert word in words or any(word in w for w in words), (width, word)


def test_table_follows_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    assert render(AUDIT, "table") == render_table(AUDIT, 160)
    monkeypatch.setenv("COLUMNS", "80")
    assert render(AUDIT, "table") == render_table(AUDIT, 80)


# --- JSON: scope and population read back ---------------------------------------------------


def test_json_round_trips_scope_and_population() -> None:
    assert parse_json(render(AUDIT, "json")) == AUDIT
    assert parse_json(render(PASSED, "json")) == PASSED
    text = render(AUDIT, "json")
    assert CUT in text  # what Config holds, as it holds it


def test_scope_line_and_rows() -> None:
    assert scope_line(AUDIT.scope or ReportScope()) == (
        "Scope: 2 of 3 account(s) asked reached, 2 of 2 region(s) asked reached; rules "
        "cloudtrail-sns-data-events-enabled, cloudtrail-sns-data-events-account-coverage; "
        "1 exemption; trailguard 1.4.0, caller arn:aws:sts::111122223333:assumed-role/Auditor/"
        "alice, at 2024-05-01T12:00:00Z."
    )
    assert scope_line(ReportScope()) == (
        "Scope: 0 account(s) reached (the caller's), 0 region(s) reached (the enabled ones); "
        "rules none named; 0 exemptions; trailguard (version not stated), caller not known, at "
        "a time not stated."
    )
    assert scope_rows(ReportScope()) == (
        ("Accounts asked", "the caller's (none named)"),
        ("Accounts reached", "0: none"),
        ("Regions asked", "the enabled regions (none named)"),
        ("Regions reached", "0: none"),
        ("Rules", "none named"),
        ("Parameters", "defaults"),
        ("Accepted exclusions", "none"),
        ("Exemptions", "none"),
        ("Tool version", "not stated"),
        ("Caller", "not known"),
        ("Time", "not stated"),
    )
