"""Hostile text in what trailguard prints: the escapes, JSON that any strict reader takes, and
the CSV form, which reads back for any text but for its two documented changes (a ``'`` before
a formula start, a lone surrogate as the visible text ``\\udXXX``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

from findings import expected_id
from hostile_text import NASTY, RAW, csv_expected, strict_json, surrogates_visible
from hypothesis import given
from hypothesis import strategies as st

from trailguard.reporting.escape import json_text, one_line, printable
from trailguard.reporting.formats.text import render_table
from trailguard.reporting.model import Report, ReportEntry
from trailguard.reporting.render import parse_csv, parse_json, render
from trailguard.reporting.scope import Exemption, Place, Population, ReportScope

CHARS = st.one_of(
    st.sampled_from(NASTY),
    st.characters(codec=None, exclude_categories=()),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
)
TEXT = st.lists(CHARS, max_size=8).map("".join)
NON_EMPTY = st.lists(CHARS, min_size=1, max_size=8).map("".join)


@st.composite
def entries(draw: st.DrawFn) -> ReportEntry:
    optional = st.one_of(st.none(), NON_EMPTY)
    return ReportEntry(
        rule=draw(NON_EMPTY),
        account_id=draw(NON_EMPTY),
        region=draw(NON_EMPTY),
        resource_type=draw(NON_EMPTY),
        resource_id=draw(NON_EMPTY),
        trail_arn=draw(optional),
        compliance=draw(NON_EMPTY),
        annotation=draw(TEXT),
        causes=tuple(draw(st.lists(TEXT, max_size=3))),
        example=draw(st.one_of(st.none(), st.dictionaries(TEXT, TEXT, max_size=3))),
        selectors=draw(
            st.one_of(st.none(), st.dictionaries(TEXT, st.lists(TEXT, max_size=2), max_size=2))
        ),
        fix=draw(optional),
    )


# --- the escapes ---------------------------------------------------------------------------


def test_one_line_and_printable() -> None:
    text = "a\nb\r\x00\x1b[2J\x7f\x9b\u2028\u2029\u202e\u2066\u200f\u061c\ud800é\U0001f600"
    escaped = (
        "\\r\\x00\\x1b[2J\\x7f\\x9b\\u2028\\u2029\\u202e\\u2066\\u200f\\u061c\\ud800é\U0001f600"
    )
    assert one_line(text) == "a\\nb" + escaped
    assert printable(text) == "a\nb" + escaped


def test_json_text_is_json_dumps_for_ordinary_text() -> None:
    value = {"a": ["é", "\U0001f600", "\x1b", 1, None, True], "b\n": {"c": 0.5}}
    assert json_text(value) == json.dumps(value, indent=2)
    assert json_text(value, ensure_ascii=False) == json.dumps(value, indent=2, ensure_ascii=False)
    assert json_text(value, indent=None, compact=True) == json.dumps(value, separators=(",", ":"))


def test_json_text_escapes_what_a_terminal_acts_on_and_lone_surrogates() -> None:
    value = {"k\ud800": ["\x9b\u2028\u202e", "\ud83d\ude00", "\U0001f600"]}
    for ascii_only in (True, False):
        text = json_text(value, indent=None, ensure_ascii=ascii_only)
        assert strict_json(text) == {
            "k\\ud800": ["\x9b\u2028\u202e", "\\ud83d\\ude00", "\U0001f600"]
        }
    assert json_text(value, indent=None, ensure_ascii=False) == (
        '{"k\\\\ud800": ["\\u009b\\u2028\\u202e", "\\\\ud83d\\\\ude00", "\U0001f600"]}'
    )


@given(st.recursive(TEXT, lambda inner: st.lists(inner) | st.dictionaries(TEXT, inner)))
def test_json_text_is_strict_json_for_any_text(value: Any) -> None:
    for ascii_only in (True, False):
        assert strict_json(json_text(value, ensure_ascii=ascii_only)) == surrogates_visible(value)


# --- CSV: reads back for any text, with its two documented changes ------------------------


@given(st.lists(entries(), min_size=1, max_size=4))
def test_csv_reads_back_any_text_with_the_documented_changes(items: list[ReportEntry]) -> None:
    report = Report("t", "g", "s", tuple(items))
    text = render(report, "csv")
    expected = [csv_expected(entry) for entry in report.entries]
    rows = parse_csv(text)
    assert rows == expected
    # And any CSV reader sees the same cells, one row per entry: every cell is quoted.
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert len(records) == len(items) + 1
    quoted = ['"' + '","'.join(c.replace('"', '""') for c in row) + '"\n' for row in records]
    assert "".join(quoted) == text


def test_csv_neutralises_formulas_the_owasp_way() -> None:
    base = ReportEntry("r", "1", "us-east-1", "AWS::CloudTrail::Trail", "t", None, "X", "")
    cells = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=kept", "a=b"]
    report = Report(
        "t",
        "g",
        "s",
        tuple(
            dataclasses.replace(base, resource_id=f"t{i}", annotation=c)
            for i, c in enumerate(cells)
        ),
    )
    annotations = [row.annotation for row in parse_csv(render(report, "csv"))]
    assert annotations == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "'=kept", "a=b",
    ]  # fmt: skip


def test_csv_bare_carriage_return_stays_in_its_cell() -> None:
    entry = ReportEntry("r", "1", "us-east-1", "T", "a\rb", "x\r", "X", "c\r\nd\x00")
    text = render(Report("t", "g", "s", (entry,)), "csv")
    digest = expected_id("r", "1", "us-east-1", "T", "a\rb")
    assert text.endswith(
        f'"a\rb","x\r","X","","c\r\nd\x00","[]","","","","","{digest}","NOT_EVALUATED","g","","","",""\n'
    )
    assert parse_csv(text) == [dataclasses.replace(entry, evaluated_at="g")]


# --- the other formats: nothing raw from the input -----------------------------------------

HOSTILE = ReportEntry(
    rule="cloudtrail-sns-data-events-enabled",
    account_id="111122223333\x1b[2J",
    region="us-east-1\n## forged heading",
    resource_type="AWS::CloudTrail::Trail",
    resource_id="t<script>alert(1)</script>\u202e",
    trail_arn="arn:aws:cloudtrail:us-east-1:111122223333:trail/t\ud800",
    compliance="NON_COMPLIANT",
    annotation="=1+1 \x9b\u2028",
    causes=("<SCRIPT src=x>\r",),
    example={"eventName": "Publish\x00"},
    selectors={"AdvancedEventSelectors": [{"Name": "\ud800<script>"}]},
    fix="aws cloudtrail put-event-selectors \x1b]0;title\x07\n--trail-name t",
)


def test_summary_names_an_odd_compliance_value_escaped() -> None:
    # Found by the report fuzzer: the text table's summary line counts every compliance value
    # seen (AWS Config may hold others) and printed it raw.
    odd = dataclasses.replace(HOSTILE, compliance="INSUFFICIENT\x1b[2J\ud800")
    last = render_table(Report("t", "g", "s", (odd,)), width=160).splitlines()[-1]
    assert last == (
        "1 account, 1 region, 1 trail: 0 COMPLIANT, 0 NON_COMPLIANT, 0 NOT_APPLICABLE, "
        "1 INSUFFICIENT\\x1b[2J\\ud800"
    )


def test_no_format_writes_raw_control_characters_or_markup() -> None:
    report = Report("t\x1b", "g", "s\r", (HOSTILE,))
    for fmt in ("text", "md", "html", "json"):
        text = render(report, fmt)
        assert not RAW.search(text), (fmt, RAW.search(text))
        text.encode("utf-8")
    assert "<script" not in render(report, "html").lower()
    assert "\n## forged" not in render(report, "md")
    assert parse_json(render(report, "json")) == dataclasses.replace(
        report,
        entries=(
            dataclasses.replace(
                HOSTILE,
                trail_arn="arn:aws:cloudtrail:us-east-1:111122223333:trail/t\\ud800",
                selectors={"AdvancedEventSelectors": [{"Name": "\\ud800<script>"}]},
            ),
        ),
    )


# --- the auditor's parts: scope, population, exemptions, topics, the SVG pictures ----------

HOSTILE_SCOPE = ReportScope(
    accounts_asked=("1\x1b[2J<script>",),
    accounts_reached=("1\x1b[2J<script>",),
    regions_asked=("us-east-1\u202e</svg>",),
    regions_reached=("us-east-1\u202e</svg>",),
    rules=("r\n## forged heading",),
    parameters={"<b>k": "v\x00|"},
    accepted_exclusions=("<script>alert(1)</script>",),
    exemptions=(Exemption("<i>a", "r\r\n", "why <script>\u2028", "*"),),
    tool_version="1\x9b",
    caller="arn:aws:sts::1:assumed-role/<script>/x\ud800",
    generated_at="\r\n`",
)
HOSTILE_POPULATION = Population(
    "src <script>\x1b",
    (
        Place("1\x1b[2J<script>", "us-east-1\u202e</svg>", "no result", "why\x00<script>"),
        Place("<b>acct", "reg\ufffe", "exempted", '<svg onload="x">'),
    ),
)
HOSTILE_COVERAGE = dataclasses.replace(
    HOSTILE,
    rule="cloudtrail-sns-data-events-account-coverage",
    resource_type="AWS::::Account",
    trail_arn=None,
    unrecorded_topics=("<script>t\x1b", "o\u2066|"),
    topics_checked=3,
    exemption='<b onclick="x">ex\r',
)


def test_auditor_parts_write_nothing_raw() -> None:
    from test_fuzz_reports import HTML_TAGS

    report = Report("t", "g", "s", (HOSTILE, HOSTILE_COVERAGE), HOSTILE_SCOPE, HOSTILE_POPULATION)
    for fmt in ("text", "md", "html", "json"):
        text = render(report, fmt)
        assert not RAW.search(text), (fmt, RAW.search(text))
        text.encode("utf-8")
    html_text = render(report, "html")
    tags = _StartTags()
    tags.feed(html_text)
    assert tags.tags - HTML_TAGS == set()
    assert "<script" not in html_text.lower() and "<b " not in html_text
    assert [a for a in tags.attrs if a.startswith("on")] == []
    for svg in re.findall(r"<svg\b.*?</svg>", html_text, re.S):
        ET.fromstring(svg)  # well-formed, the non-characters XML refuses escaped
    assert "reg\\ufffe" in html_text
    assert "&lt;script&gt;t\\x1b, o\\u2066|" in html_text  # the topics, escaped
    md = render(report, "md")
    assert "\n## forged" not in md and "\\<script\\>t\\\\x1b, o\\\\u2066\\|" in md
    # JSON reads back the scope and population (a lone surrogate as its visible text).
    back = parse_json(render(report, "json"))
    assert back.scope == dataclasses.replace(
        HOSTILE_SCOPE, caller="arn:aws:sts::1:assumed-role/<script>/x\\ud800"
    )
    assert back.population == HOSTILE_POPULATION


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += [name for name, _ in attrs]
