"""Report renderings: JSON and CSV round-trip, HTML is self-contained and escaped, snapshots."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from findings import (
    assert_valid_findings,
    controls_line,
    expected_controls,
    expected_id,
    with_identity,
)
from report_text import after_opening, from_heading
from selector_data import RULE_RISK, RULE_SEVERITY
from snapshots import assert_text_snapshot

from trailguard.reporting.model import (
    ACCOUNT_TYPE,
    FIELDS,
    NOTHING_EVALUATED,
    TRAIL_TYPE,
    Report,
    ReportEntry,
    not_evaluated_entry,
    statement,
)
from trailguard.reporting.render import FORMATS, parse_csv, parse_json, render
from trailguard.rules.sns_data_events_account_coverage import RULE_ID as ACCOUNT_RULE
from trailguard.rules.sns_data_events_enabled import RULE_ID as TRAIL_RULE

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "report"
A, B = "111122223333", "444455556666"
BAD_ARN = f"arn:aws:cloudtrail:us-east-1:{A}:trail/sns-publish-only"
BAD_SELECTORS = {
    "TrailARN": BAD_ARN,
    "AdvancedEventSelectors": [
        {
            "Name": "Log SNS Publish | prod",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
                {"Field": "eventName", "Equals": ["Publish"]},
            ],
        }
    ],
}
EXAMPLE = {
    "eventCategory": "Data",
    "resources.type": "AWS::SNS::Topic",
    "eventName": "PublishBatch",
    "eventType": "AwsApiCall",
    "eventSource": "sns.amazonaws.com",
    "readOnly": "false",
    "resources.ARN": f"arn:aws:sns:us-east-1:{A}:example-topic",
    "userIdentity.arn": f"arn:aws:sts::{A}:assumed-role/ExampleRole/example-session",
    "sessionCredentialFromConsole": "false",
}
CAUSE = "selector 'Log SNS Publish | prod' limits eventName to [Publish]"
ALL_SNS = {
    "AdvancedEventSelectors": [
        {
            "Name": "All SNS data events",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
            ],
        }
    ]
}


def trail(
    account: str, region: str, name: str, compliance: str, annotation: str, **kw: Any
) -> ReportEntry:
    home = kw.pop("home", region)
    return ReportEntry(
        rule=TRAIL_RULE,
        account_id=account,
        region=region,
        resource_type=TRAIL_TYPE,
        resource_id=name,
        trail_arn=f"arn:aws:cloudtrail:{home}:{account}:trail/{name}",
        compliance=compliance,
        annotation=annotation,
        severity=RULE_SEVERITY[TRAIL_RULE],
        risk=RULE_RISK[TRAIL_RULE],
        **kw,
    )


def coverage(
    account: str, region: str, compliance: str, annotation: str, fix: str | None = None
) -> ReportEntry:
    return ReportEntry(
        ACCOUNT_RULE, account, region, ACCOUNT_TYPE, account, None, compliance, annotation,
        fix=fix, severity=RULE_SEVERITY[ACCOUNT_RULE], risk=RULE_RISK[ACCOUNT_RULE],
    )  # fmt: skip


ENTRIES = (
    # Account A, us-east-1: a trail narrowed to Publish, an exempted one, so not covered.
    trail(
        A, "us-east-1", "sns-publish-only", "NON_COMPLIANT",
        f"PublishBatch on AWS::SNS::Topic is not logged: {CAUSE}",
        causes=(f"PublishBatch on AWS::SNS::Topic: {CAUSE}",),
        example=EXAMPLE,
        selectors=BAD_SELECTORS,
        fix=f"trailguard remediate --trail {BAD_ARN} --region us-east-1 "
        "(or run the SSM document TrailGuard-EnableSnsDataEvents with TrailName=sns-publish-only)",
    ),
    trail(
        A, "us-east-1", "legacy-audit", "NOT_APPLICABLE",
        "Exempted by the tag trailguard:exempt=true on the trail",
    ),
    coverage(
        A, "us-east-1", "NON_COMPLIANT",
        "No logging trail that applies to us-east-1 records SNS data events. "
        f"sns-publish-only: PublishBatch on AWS::SNS::Topic is not logged: {CAUSE}",
        fix="make one multi-region trail record SNS data events: trailguard remediate "
        "--trail NAME --region us-east-1 (or the SSM document TrailGuard-EnableSnsDataEvents)",
    ),
    # Account A, eu-west-1: a compliant single-region trail.
    trail(
        A, "eu-west-1", "eu-sns", "COMPLIANT",
        "Every required event is logged", selectors=ALL_SNS,
    ),
    coverage(A, "eu-west-1", "COMPLIANT", "Trail eu-sns (eu-west-1) logs it"),
    # Account B: a multi-region trail from us-east-1 covers both regions.
    trail(
        B, "us-east-1", "org-wide", "COMPLIANT",
        "Every required event is logged", selectors=ALL_SNS,
    ),
    trail(
        B, "eu-west-1", "org-wide", "NOT_APPLICABLE",
        "Evaluated in the trail's home region us-east-1", home="us-east-1",
    ),
    coverage(B, "us-east-1", "COMPLIANT", "Trail org-wide (us-east-1) logs it"),
    coverage(B, "eu-west-1", "COMPLIANT", "Trail org-wide (us-east-1) logs it"),
)  # fmt: skip
C = "777788889999"
DENIED = (
    f"cannot assume arn:aws:iam::{C}:role/TrailGuardScanRole: AccessDenied: not authorized "
    "to perform sts:AssumeRole"
)
UNREACHABLE = not_evaluated_entry(DENIED, account=C)
REPORT = Report(
    title="trailguard scan: CloudTrail recording of Amazon SNS data events",
    generated_at="2024-05-01T12:00:00Z",
    source="live scan of 3 account(s), 2 region(s)",
    entries=(*ENTRIES, UNREACHABLE),
)
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input",
    "link", "meta", "source", "track", "wbr",
}  # fmt: skip


class BalancedChecker(HTMLParser):
    """Every non-void start tag closed, in order; records every tag and attribute seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.errors: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/> at {self.getpos()}")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag for void element </{tag}> at {self.getpos()}")
        elif not self.stack or self.stack[-1] != tag:
            top = self.stack[-1] if self.stack else None
            self.errors.append(f"</{tag}> at {self.getpos()} while <{top}> is open")
        else:
            self.stack.pop()


def check_html(text: str) -> BalancedChecker:
    checker = BalancedChecker()
    checker.feed(text)
    checker.close()
    assert checker.errors == []
    assert checker.stack == [], f"unclosed: {checker.stack}"
    return checker


def quoted(*cells: str) -> str:
    """A CSV line: every cell quoted, quotes doubled."""
    return ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)


def test_json_round_trip() -> None:
    assert parse_json(render(REPORT, "json")) == REPORT


def test_csv_round_trip() -> None:
    text = render(REPORT, "csv")
    assert parse_csv(text) == list(REPORT.entries)
    header, first, _, publish = text.splitlines()[:4]
    assert header == quoted(*FIELDS)
    # What has no result comes first.
    # (every rule: the highest severity and every control of theirs, no one rule's risk)
    assert first == quoted(
        "*", C, "*", "AWS::::Account", C, "", "NOT_EVALUATED", "HIGH", DENIED, "[]", "", "", "",
        "", expected_id("*", C, "*", "AWS::::Account", C), "NOT_EVALUATED",
        "2024-05-01T12:00:00Z", controls_line("*"), "", "", "",
    )  # fmt: skip
    # Lists and dicts are compact JSON; None is an empty cell.
    assert '[""PublishBatch on AWS::SNS::Topic: selector' in publish
    assert '{""eventCategory"":""Data"",""resources.type""' in publish
    assert parse_csv(text)[1].trail_arn is None


def test_csv_round_trip_awkward_text() -> None:
    odd = dataclasses.replace(
        ENTRIES[0],
        annotation='line one\nline "two", with, commas\r\nand ü',
        causes=(),
        example={"k": 'a,b\n"c"'},
        fix=None,
    )
    report = dataclasses.replace(REPORT, entries=(odd,))
    at_report_time = dataclasses.replace(odd, evaluated_at=REPORT.generated_at)
    assert parse_csv(render(report, "csv")) == [at_report_time]
    assert parse_json(render(report, "json")) == report


def test_parse_csv_rejects_a_foreign_header() -> None:
    with pytest.raises(ValueError, match="header"):
        parse_csv("a,b,c\n1,2,3\n")


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        render(REPORT, "xml")


def test_html_is_valid_and_self_contained() -> None:
    text = render(REPORT, "html")
    checker = check_html(text)
    assert checker.doctype.lower() == "doctype html"
    assert text.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert checker.tags[:4] == ["html", "head", "meta", "meta"]
    assert ("charset", "utf-8") in checker.attrs
    assert "title" in checker.tags and "style" in checker.tags
    lowered = text.lower()
    for banned in ("http", "<script", "src=", "url(http", "@import", "<link", "<img"):
        assert banned not in lowered, banned
    # Links only to places in the page (the index of failing findings), each place there.
    hrefs = [v for k, v in checker.attrs if k == "href"]
    ids = {v for k, v in checker.attrs if k == "id"}
    assert hrefs and all(h and h.startswith("#") and h[1:] in ids for h in hrefs), hrefs
    assert "@media print" in text and "page-break-inside: avoid" in text
    # Every non-compliant finding is there with its evidence and its fix.
    assert text.count('<article class="finding" id="finding-') == 2
    assert "PublishBatch" in text and "remediate --trail" in text
    assert "Log SNS Publish | prod" in text


def test_html_escapes_injected_markup() -> None:
    hostile = dataclasses.replace(
        ENTRIES[0],
        annotation='<b>bold</b> & <script>alert("x")</script>',
        resource_id='"><b>name',
        causes=("<b>cause</b>",),
        example={"<b>k": "<b>v"},
        selectors={"Name": "</pre><b>"},
        fix="<b>fix</b>",
    )
    report = dataclasses.replace(REPORT, title="<b>title</b>", entries=(hostile,))
    text = render(report, "html")
    checker = check_html(text)
    assert "b" not in checker.tags and "script" not in checker.tags
    assert "<b>" not in text and "<script" not in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in text
    assert "&quot;&gt;&lt;b&gt;name" in text


def test_markdown_escapes_pipes_and_markup() -> None:
    hostile = dataclasses.replace(ENTRIES[3], annotation="a | b <b>x</b> [l](y) `c`")
    text = render(dataclasses.replace(REPORT, entries=(hostile,)), "md")
    assert r"a \| b \<b\>x\</b\> \[l\](y) \`c\`" in text
    # Every unescaped pipe is a cell border: each row has as many as its table's header.
    borders: list[int] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("| "):
            borders.append(line.replace("\\|", "").count("|"))
        elif borders:
            assert borders == [borders[0]] * len(borders)
            borders = []


def test_markdown_snapshot(update_snapshots: bool) -> None:
    text = render(REPORT, "md")
    assert render(REPORT, "md") == text
    assert_text_snapshot(SNAPSHOTS / "report.md", text, update_snapshots)


def test_table_snapshot(update_snapshots: bool) -> None:
    text = render(REPORT, "table")  # COLUMNS=100 (conftest)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert_text_snapshot(SNAPSHOTS / "report.txt", text, update_snapshots)


def test_html_snapshot(update_snapshots: bool) -> None:
    assert_text_snapshot(SNAPSHOTS / "report.html", render(REPORT, "html"), update_snapshots)


# --- what has no result: first in every format, never an all-clear ---------------------------

NOTHING = not_evaluated_entry(NOTHING_EVALUATED)
PARTIAL = Report(
    "partial", "2024-05-01T12:00:00Z", "a scan",
    (coverage(B, "eu-west-1", "COMPLIANT", "Trail org-wide (us-east-1) logs it"), UNREACHABLE),
)  # fmt: skip
NOTHING_LINE = "NOT EVALUATED: nothing has a result, so this report is not a pass."
NOTHING_OPENING = [
    "Result: INCOMPLETE: 1 item with no result, so this is not a clean result.",
    "Pass rate: none (no finding has a PASS or FAIL verdict; 0 NOT_APPLICABLE and 1 NOT_EVALUATED "
    "not counted).",
    "Evaluated: 0 findings over 0 accounts, 0 regions and 0 rules.",
    "Not evaluated: 1 item (listed under Not evaluated).",
    "Population: not stated (only the findings below are known; what should have a result and has "
    "none cannot be told).",
]
ONE_LINE = "NOT EVALUATED: 1 item has no result, so the verdicts below are not the whole picture."
UNREACHABLE_TEXT = f"account {C}: {DENIED}"


def test_an_empty_report_holds_one_not_evaluated_entry() -> None:
    empty = Report("empty", "2024-05-01T12:00:00Z", "nothing", ())
    # Shown at the report's time.
    assert empty.entries == (dataclasses.replace(NOTHING, evaluated_at="2024-05-01T12:00:00Z"),)
    assert ReportEntry(
        "*", "*", "*", "AWS::::Account", "*", None, "NOT_EVALUATED",
        "nothing was evaluated: the report holds no result", severity="HIGH",
    ) == NOTHING  # fmt: skip
    assert (empty.accounts, empty.regions, empty.evaluated()) == ((), (), ())
    assert not empty.non_compliant
    assert not empty.all_clear


def test_all_clear_needs_every_result_and_no_failure() -> None:
    compliant = coverage(B, "eu-west-1", "COMPLIANT", "Trail org-wide (us-east-1) logs it")
    assert Report("r", "t", "s", (compliant,)).all_clear
    assert not PARTIAL.all_clear
    assert not REPORT.all_clear
    assert not Report("r", "t", "s", (compliant, ENTRIES[0])).all_clear


def test_statements_name_what_has_no_result() -> None:
    arn = f"arn:aws:cloudtrail:us-east-1:{A}:trail/locked"
    cases = [
        (UNREACHABLE, UNREACHABLE_TEXT),
        (NOTHING, NOTHING_EVALUATED),
        (not_evaluated_entry("no active account found in the organization"),
         "no active account found in the organization"),
        (not_evaluated_entry("DescribeTrails failed: AccessDenied: no", account=A,
                             region="eu-west-1"),
         f"account {A}, region eu-west-1: DescribeTrails failed: AccessDenied: no"),
        (not_evaluated_entry("GetEventSelectors failed: AccessDenied: no", account=A,
                             region="us-east-1", rule=TRAIL_RULE, trail="locked", trail_arn=arn),
         f"account {A}, region us-east-1, rule {TRAIL_RULE}, trail locked: GetEventSelectors "
         "failed: AccessDenied: no"),
        (not_evaluated_entry("no Config rule", account=A, region="eu-west-1", rule=ACCOUNT_RULE),
         f"account {A}, region eu-west-1, rule {ACCOUNT_RULE}: no Config rule"),
    ]  # fmt: skip
    for entry, text in cases:
        assert statement(entry) == text
    trail_entry = cases[4][0]
    assert (trail_entry.resource_type, trail_entry.resource_id, trail_entry.trail_arn) == (
        TRAIL_TYPE, "locked", arn,
    )  # fmt: skip
    rule_entry = not_evaluated_entry("none", account=A, region="eu-west-1", rule=TRAIL_RULE)
    assert (rule_entry.resource_type, rule_entry.resource_id) == (TRAIL_TYPE, "*")


def test_json_opens_with_what_has_no_result() -> None:
    text = render(PARTIAL, "json")
    assert json.loads(text) == {
        "title": "partial",
        "generatedAt": "2024-05-01T12:00:00Z",
        "source": "a scan",
        "notEvaluated": [UNREACHABLE_TEXT],
        "population": None,
        "scope": None,
        "summary": {
            "accounts": 1, "regions": 1, "trails": 0,
            "compliance": {"NOT_EVALUATED": 1, "COMPLIANT": 1},
            "topics": None,
        },
        "findings": [with_identity(f, "2024-05-01T12:00:00Z") for f in (
            {"rule": "*", "accountId": C, "region": "*", "resourceType": "AWS::::Account",
             "resourceId": C, "trailARN": None, "compliance": "NOT_EVALUATED",
             "severity": "HIGH", "annotation": DENIED, "causes": [], "example": None,
             "selectors": None, "risk": None, "fix": None},
            {"rule": ACCOUNT_RULE, "accountId": B, "region": "eu-west-1",
             "resourceType": ACCOUNT_TYPE, "resourceId": B, "trailARN": None,
             "compliance": "COMPLIANT", "severity": "HIGH",
             "annotation": "Trail org-wide (us-east-1) logs it", "causes": [], "example": None,
             "selectors": None, "risk": RULE_RISK[ACCOUNT_RULE], "fix": None},
        )],
    }  # fmt: skip
    assert_valid_findings(json.loads(text)["findings"])
    assert list(json.loads(text))[:4] == ["title", "generatedAt", "source", "notEvaluated"]
    assert parse_json(text) == PARTIAL


def test_csv_rows_of_a_partial_report() -> None:
    text = render(PARTIAL, "csv")
    assert list(csv.reader(io.StringIO(text))) == [
        list(FIELDS),
        ["*", C, "*", ACCOUNT_TYPE, C, "", "NOT_EVALUATED", "HIGH", DENIED, "[]", "", "", "", "",
         expected_id("*", C, "*", ACCOUNT_TYPE, C), "NOT_EVALUATED", "2024-05-01T12:00:00Z",
         controls_line("*"), "", "", ""],
        [ACCOUNT_RULE, B, "eu-west-1", ACCOUNT_TYPE, B, "", "COMPLIANT", "HIGH",
         "Trail org-wide (us-east-1) logs it", "[]", "", "", RULE_RISK[ACCOUNT_RULE], "",
         expected_id(ACCOUNT_RULE, B, "eu-west-1", ACCOUNT_TYPE, B), "PASS",
         "2024-05-01T12:00:00Z",
         "; ".join(f"{c['framework']} {c['control']} ({c['mapping']})"
                   for c in expected_controls(ACCOUNT_RULE)), "", "", ""],
    ]  # fmt: skip
    assert parse_csv(text) == list(PARTIAL.entries)


@pytest.mark.parametrize(
    ("fmt", "opening"),
    [
        ("table", ["Result: INCOMPLETE: 1 item with no result, so this is not a clean result.",
                   "Pass rate: none (no finding has a PASS or FAIL verdict; 0 NOT_APPLICABLE and "
                   "1 NOT_EVALUATED not",
                   "counted).",
                   NOTHING_OPENING[2], NOTHING_OPENING[3],
                   "Population: not stated (only the findings below are known; what should have "
                   "a result and has none",
                   "cannot be told).",
                   "",
                   NOTHING_LINE, f"- {NOTHING_EVALUATED}", "",
                   "0 accounts, 0 regions, 0 trails: 0 COMPLIANT, 0 NON_COMPLIANT, "
                   "0 NOT_APPLICABLE; 1 NOT_EVALUATED"]),
        ("md", ["# empty", "", "Generated 2024-05-01T12:00:00Z from nothing.", "",
                f"**{NOTHING_OPENING[0]}**", "",
                *(line for text in NOTHING_OPENING[1:] for line in (text, "")),
                "## Not evaluated (1)", "", f"**{NOTHING_LINE}**", "",
                f"- {NOTHING_EVALUATED}", "", "## Summary"]),
        ("csv", [quoted(*FIELDS),
                 quoted("*", "*", "*", "AWS::::Account", "*", "", "NOT_EVALUATED", "HIGH",
                        NOTHING_EVALUATED, "[]", "", "", "", "",
                        expected_id("*", "*", "*", "AWS::::Account", "*"), "NOT_EVALUATED",
                        "2024-05-01T12:00:00Z", controls_line("*"), "", "", "")]),
    ],
)  # fmt: skip
def test_nothing_evaluated_opening_lines(fmt: str, opening: list[str]) -> None:
    empty = Report("empty", "2024-05-01T12:00:00Z", "nothing", ())
    text = render(empty, fmt)
    assert text.splitlines()[: len(opening)] == opening
    if fmt == "table":
        assert text.splitlines() == opening


def test_nothing_evaluated_html_and_json() -> None:
    empty = Report("empty", "2024-05-01T12:00:00Z", "nothing", ())
    text = render(empty, "html")
    check_html(text)
    body = text.split("</header>\n", 1)[1].splitlines()
    assert body[:7] == [
        '<section class="statement incomplete" id="statement">',
        '<p class="result"><span class="verdict">INCOMPLETE</span></p>',
        *(f"<p>{text}</p>" for text in NOTHING_OPENING[:4]),
        "</section>",
    ]
    body = body[body.index("</section>", 8) + 1 :]  # the scope: tested on its own
    assert body[:7] == [
        '<section class="not-evaluated" id="not-evaluated">',
        "<h2>Not evaluated (1)</h2>",
        f'<p class="warning">{NOTHING_LINE}</p>',
        "<ul>",
        f"<li>{NOTHING_EVALUATED}</li>",
        "</ul>",
        "</section>",
    ]
    data = json.loads(render(empty, "json"))
    assert data["notEvaluated"] == [NOTHING_EVALUATED]
    assert data["findings"] == [
        dataclasses.replace(NOTHING, evaluated_at="2024-05-01T12:00:00Z").to_dict()
    ]
    assert_valid_findings(data["findings"])
    assert parse_json(render(empty, "json")) == empty


def test_partial_report_opening_lines() -> None:
    table = after_opening(render(PARTIAL, "table").splitlines())
    cut_at = UNREACHABLE_TEXT.rindex(" ", 0, 98)
    assert table[:4] == [
        ONE_LINE, f"- {UNREACHABLE_TEXT[:cut_at]}", f"  {UNREACHABLE_TEXT[cut_at + 1 :]}", "",
    ]  # fmt: skip
    assert table[-1] == (
        "1 account, 1 region, 0 trails: 1 COMPLIANT, 0 NON_COMPLIANT, 0 NOT_APPLICABLE; "
        "1 NOT_EVALUATED"
    )
    md = from_heading(render(PARTIAL, "md").splitlines(), "## Not evaluated")
    assert md[:7] == [
        "## Not evaluated (1)", "", f"**{ONE_LINE}**", "", f"- {UNREACHABLE_TEXT}", "",
        "## Summary",
    ]  # fmt: skip
    html_text = render(PARTIAL, "html")
    assert (
        '</section>\n<section class="not-evaluated" id="not-evaluated">\n'
        f'<h2>Not evaluated (1)</h2>\n<p class="warning">{ONE_LINE}</p>\n<ul>\n'
        f'<li>{UNREACHABLE_TEXT}</li>\n</ul>\n</section>\n<section class="summary">\n'
        "<h2>Summary</h2>"
    ) in html_text


def test_complete_report_says_everything_was_evaluated() -> None:
    complete = Report("complete", "2024-05-01T12:00:00Z", "a scan", ENTRIES)
    md = from_heading(render(complete, "md").splitlines(), "## Not evaluated")
    assert md[:5] == [
        "## Not evaluated (0)", "", "None: everything asked for has a result.", "", "## Summary",
    ]  # fmt: skip
    html_text = render(complete, "html")
    assert (
        '<section class="not-evaluated" id="not-evaluated">\n<h2>Not evaluated (0)</h2>\n'
        "<p>None: everything asked for has a result.</p>\n</section>"
    ) in html_text
    assert after_opening(render(complete, "table").splitlines())[0].startswith("ACCOUNT ")
    assert json.loads(render(complete, "json"))["notEvaluated"] == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "entries",
    [(), (UNREACHABLE,), (*ENTRIES, UNREACHABLE), (ENTRIES[3], NOTHING),
     (ENTRIES[3], not_evaluated_entry("x", account=A, region="eu-west-1", rule=TRAIL_RULE))],
)  # fmt: skip
def test_no_format_shows_a_summary_before_what_has_no_result(
    fmt: str, entries: tuple[ReportEntry, ...]
) -> None:
    report = Report("r", "2024-05-01T12:00:00Z", "s", entries)
    text = render(report, fmt)
    assert text.endswith("\n")
    missing = report.not_evaluated()
    assert missing
    if fmt == "csv":
        rows = parse_csv(text)
        assert rows == list(report.entries)
        assert [r.compliance for r in rows[: len(missing)]] == ["NOT_EVALUATED"] * len(missing)
        return
    if fmt == "json":
        data = json.loads(text)
        assert list(data).index("notEvaluated") < list(data).index("summary")
        assert data["notEvaluated"] == list(report.statements())
        assert parse_json(text) == report
        return
    if fmt in ("ocsf", "asff"):  # one item per finding, what has no result first
        items = json.loads(text)
        ids = [e.to_dict()["id"] for e in report.entries]
        if fmt == "ocsf":
            shown = [(i["finding_info"]["uid"], i["compliance"]["status"]) for i in items]
        else:
            shown = [(i["Id"], i["Compliance"]["Status"]) for i in items]
        assert [i for i, _ in shown] == ids
        unknown = "Unknown" if fmt == "ocsf" else "NOT_AVAILABLE"
        assert [s for _, s in shown[: len(missing)]] == [unknown] * len(missing)
        return
    if fmt == "html":
        check_html(text)
    # The opening statement says INCOMPLETE first, then what has no result comes.
    first = text.index("INCOMPLETE")
    assert first < text.index("NOT EVALUATED: ")
    for later in ("NON_COMPLIANT", "COMPLIANT", "Summary", "ACCOUNT ", " accounts"):
        if later in text:
            assert first < text.index(later), later
