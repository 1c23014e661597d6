"""The options ``scan`` and ``report`` share around their report, through ``trailguard.cli.main``
against moto (the two-trail account of ``report_runs``): several formats into ``--out-dir``,
``--status``, exemptions and the scope block. The settings file, the banner, ``--quiet`` and
``--debug``: ``test_settings_file``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from report_runs import (
    BANNER,
    CALLER,
    MIXED,
    REGION,
    STAMP,
    bare_scan,
    cli,
    scan,
    triples,
    untimed,
)
from report_text import after_opening
from selector_data import ACCOUNT, ACCOUNT_RULE, TRAIL_RULE

import trailguard.aws.clients
from trailguard import __version__
from trailguard.reporting import formats
from trailguard.reporting.render import parse_csv, parse_json
from trailguard.rules.registry import rules

# --- several formats, --out-dir -----------------------------------------------------------------


class WellFormed(HTMLParser):
    """Every element closed in order (but HTML's void elements), nothing left open."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing open")


def test_several_formats_into_out_dir(two_trails: Path) -> None:
    code, out, err = scan("--output", "html,json,csv", "--out-dir", "reports")
    files = sorted(os.listdir(two_trails / "reports"))
    stamp = STAMP.search(files[0])
    assert stamp is not None
    names = [f"trailguard-scan-{stamp.group()}.{ext}" for ext in ("csv", "html", "json")]
    assert (code, err, files) == (1, BANNER, names)  # no temporary file left
    assert out == "".join(
        f"report written to reports/trailguard-scan-{stamp.group()}.{ext}\n"
        for ext in ("html", "json", "csv")
    )
    text = {ext: (two_trails / "reports" / name).read_text(encoding="utf-8")
            for ext, name in zip(("csv", "html", "json"), names, strict=True)}  # fmt: skip
    report = parse_json(text["json"])
    assert parse_csv(text["csv"]) == list(report.entries)  # the same report, rendered twice
    assert triples(json.loads(text["json"])) == MIXED
    parser = WellFormed()
    parser.feed(text["html"])
    parser.close()
    assert (parser.open, parser.problems) == ([], [])
    assert stamp.group() == report.generated_at.replace("-", "").replace(":", "")


def test_one_format_in_out_dir_and_the_older_alias(two_trails: Path) -> None:
    code, out, _ = scan("--output", "table,text", "--out-dir", "out")
    (name,) = os.listdir(two_trails / "out")
    assert re.fullmatch(r"trailguard-scan-\d{8}T\d{6}Z\.txt", name)
    assert (code, out) == (1, f"report written to out/{name}\n")


def test_several_formats_need_out_dir(folder: Path) -> None:
    assert scan("--output", "html,json") == (
        2,
        "",
        "trailguard: error: --output html,json: several reports need a folder; add --out-dir "
        "DIR (each format is written there as trailguard-scan-<time>.<extension>) (see "
        "trailguard scan --help)\n",
    )
    assert scan("--output", "html,json", "--out", "x.html")[2] == (
        "trailguard: error: --output html,json: --out names one file; add --out-dir DIR (each "
        "format is written there as trailguard-scan-<time>.<extension>) (see trailguard scan "
        "--help)\n"
    )
    assert os.listdir(folder) == []


def test_unknown_format_did_you_mean() -> None:
    assert bare_scan("--output", "json,htm") == (
        2,
        "",
        "trailguard scan: error: argument --output: 'htm' is not a report format; did you mean "
        "html? (see trailguard scan --help)\n",
    )
    assert cli("report", "--output", "yaml")[2] == (
        "trailguard report: error: argument --output: 'yaml' is not a report format (choose "
        f"from {', '.join(formats.names('report'))}) (see trailguard report --help)\n"
    )


def test_a_write_that_fails_leaves_no_file(
    two_trails: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    code, out, err = scan("--output", "json,csv", "--out-dir", "reports")
    assert (code, out, os.listdir(two_trails / "reports")) == (2, "", [])
    assert re.fullmatch(
        r"trailguard: error: cannot write reports/trailguard-scan-\d{8}T\d{6}Z\.json: "
        r"No space left on device\n",
        err.removeprefix(BANNER),
    )


# --- --status -------------------------------------------------------------------------------------


def test_status_filters_the_findings_never_the_exit_code(two_trails: Path) -> None:
    code, out, _ = scan("--output", "json")
    full = json.loads(out)
    assert (code, triples(full)) == (1, MIXED)
    for given, shown in ((["FAIL"], ["FAIL"]),
                         (["pass", "--status", "NOT_APPLICABLE"], ["PASS", "NOT_APPLICABLE"]),
                         (["PASS,FAIL"], ["PASS", "FAIL"])):  # fmt: skip
        code, out, _ = scan("--output", "json", "--status", *given)
        data = json.loads(out)
        assert code == 1, given
        assert untimed(data["findings"]) == untimed(  # type: ignore[arg-type]
            [f for f in full["findings"] if f["status"] in shown]
        )
        assert data["scope"]["statusFilter"] == shown
        note = f"findings shown: {', '.join(shown)} only (what has no result is always shown)"
        assert data["source"] == f"live scan of 1 account(s), 1 region(s); {note}"


def test_status_text_output_says_the_filter(two_trails: Path) -> None:
    code, out, _ = scan("--status", "FAIL")
    lines = out.splitlines()
    # The opening speaks of every finding, the filter's hidden ones too.
    assert (code, lines[:2]) == (1, [
        "Result: FAIL: 1 finding failed (not exempted).",
        "Pass rate: 66.6% (2 PASS of 3 findings with a PASS or FAIL verdict; 0 NOT_APPLICABLE "
        "and 0",
    ])  # fmt: skip
    body = after_opening(lines)
    assert body[0].startswith("ACCOUNT ") and body[1].startswith("------------  ")
    assert body[2].startswith(f"{ACCOUNT}  {REGION}  enabled  bad-trail  NON_COMPLIANT  ")
    assert [line for line in body[3:] if not line.startswith(" ")][-2:] == [
        "1 account, 1 region, 1 trail: 0 COMPLIANT, 1 NON_COMPLIANT, 0 NOT_APPLICABLE",
        "Findings shown: FAIL only (what has no result is always shown)",
    ]


def test_status_filter_that_hides_every_finding(two_trails: Path) -> None:
    code, out, _ = scan("--status", "NOT_APPLICABLE")
    lines = out.splitlines()
    # The opening still says the whole run failed: the filter hides, it never clears.
    assert (code, lines[0]) == (1, "Result: FAIL: 1 finding failed (not exempted).")
    assert after_opening(lines) == [
        "0 accounts, 0 regions, 0 trails: 0 COMPLIANT, 0 NON_COMPLIANT, 0 NOT_APPLICABLE",
        "Findings shown: NOT_APPLICABLE only (what has no result is always shown)",
    ]


def test_unknown_status_did_you_mean() -> None:
    assert bare_scan("--status", "FAILED")[2] == (
        "trailguard scan: error: argument --status: 'FAILED' is not a status; did you mean "
        "FAIL? (see trailguard scan --help)\n"
    )


# --- what has no result: never hidden, never exempted ----------------------------------------


def html_in(region: str) -> Any:
    """DescribeTrails in ``region`` answered by an HTML page (a wrong endpoint): no result."""
    real = trailguard.aws.clients.new_session

    def page(request: Any, **_: Any) -> AWSResponse | None:
        if region not in request.url:
            return None
        return AWSResponse(request.url, 404, {"Content-Type": "text/html"}, Page())

    def watched(notify: Any = None, **kwargs: Any) -> Any:
        session = real(notify, **kwargs)
        session.events.register_first("before-send.cloudtrail.DescribeTrails", page)
        return session

    return watched


class Page:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b"<html><body>Not Found</body></html>"


NO_RESULT = (
    f"account {ACCOUNT}, region eu-west-1: DescribeTrails failed: cloudtrail DescribeTrails at "
    "https://cloudtrail.eu-west-1.amazonaws.com: HTTP 404 (the response was an HTML page)"
)


def test_not_evaluated_shown_whatever_the_filter_and_never_exempted(
    two_trails: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trailguard.aws.clients, "new_session", html_in("eu-west-1"))
    (two_trails / "trailguard.toml").write_text(
        '[[exemptions]]\naccount = "*"\nregion = "*"\nreason = "accepted by the CISO"\n'
    )
    code, out, _ = bare_scan("--regions", f"{REGION},eu-west-1", "--status", "PASS",
                       "--output", "json")  # fmt: skip
    data = json.loads(out)
    assert code == 1  # exempted verdicts, but one account-region has no result
    assert data["notEvaluated"] == [NO_RESULT]
    assert triples(data) == [
        ("*", ACCOUNT, "NOT_EVALUATED", None),
        (ACCOUNT_RULE, ACCOUNT, "PASS", "accepted by the CISO"),
        (TRAIL_RULE, "good-trail", "PASS", "accepted by the CISO"),
    ]


# --- exemptions -------------------------------------------------------------------------------


def test_exemption_of_the_only_failure_turns_exit_1_into_0(two_trails: Path) -> None:
    (two_trails / "trailguard.toml").write_text(
        f'[[exemptions]]\naccount = "{ACCOUNT}"\nregion = "{REGION}"\nrule = "{TRAIL_RULE}"\n'
        'reason = "bad-trail is being retired (CHG-42)"\n'
    )
    assert scan("--no-config")[0] == 1
    code, out, _ = scan("--output", "json")
    data = json.loads(out)
    assert code == 0
    assert triples(data) == [
        (TRAIL_RULE, "bad-trail", "FAIL", "bad-trail is being retired (CHG-42)"),
        (ACCOUNT_RULE, ACCOUNT, "PASS", None),
        (TRAIL_RULE, "good-trail", "PASS", "bad-trail is being retired (CHG-42)"),
    ]
    assert data["scope"]["exemptions"] == [{
        "account": ACCOUNT, "region": REGION, "rule": TRAIL_RULE,
        "reason": "bad-trail is being retired (CHG-42)",
    }]  # fmt: skip


# --- the scope block ----------------------------------------------------------------------------


def test_scan_fills_in_the_scope(two_trails: Path) -> None:
    accepted = [{"Field": "resources.ARN", "StartsWith": ["arn:aws:sns:us-east-1:1:x-"]}]
    params = json.dumps({"AcceptedExclusions": json.dumps(accepted)})
    code, out, _ = scan("--output", "json", "--parameters", params)
    data = json.loads(out)
    assert code == 1
    assert data["scope"] == {
        "accountsAsked": [ACCOUNT],
        "accountsReached": [ACCOUNT],
        "regionsAsked": [REGION],
        "regionsReached": [REGION],
        "rules": [r.id for r in rules()],
        "parameters": {
            "AcceptedExclusions": json.dumps(accepted),
            "ExecutionRoleName": "-",
            "ExemptTrails": "-",
            "ExemptionTagKey": "trailguard:exempt",
            "RequireLogging": "true",
            "ResourceTypes": "AWS::SNS::Topic",
        },
        "acceptedExclusions": [json.dumps(accepted[0], sort_keys=True)],
        "exemptions": [],
        "toolVersion": __version__,
        "caller": CALLER,
        "generatedAt": data["generatedAt"],
        "statusFilter": [],
    }
