"""trailguard demo runs end to end in the suite, on its own moto server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import re
import socket
from pathlib import Path

import pytest
from asff_shape import asff_problems
from findings import assert_valid_findings
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding

from trailguard.cli import main
from trailguard.reporting.model import Report
from trailguard.reporting.render import parse_csv, parse_json


def check_machine_forms(folder: Path, when: str) -> None:
    """Every finding of the JSON fits the published schema (severity, controls, id, time
    included), the CSV holds the same findings, each OCSF event is a valid Compliance Finding
    and the ASFF is what BatchImportFindings takes."""
    name = f"trailguard-demo-{when}"
    text = (folder / f"{name}.json").read_text(encoding="utf-8")
    report = parse_json(text)
    data = json.loads(text)
    assert_valid_findings(data["findings"])
    for finding in data["findings"]:  # what has no result too (every rule's, when "*")
        assert finding["severity"] and finding["controls"], finding["id"]
    assert parse_csv((folder / f"{name}.csv").read_text(encoding="utf-8")) == list(report.entries)
    events = json.loads((folder / f"{name}.ocsf.json").read_text(encoding="utf-8"))
    assert len(events) == len(report.entries)
    for event in events:
        ComplianceFinding.model_validate(event)
    asff = json.loads((folder / f"{name}.asff.json").read_text(encoding="utf-8"))
    assert len(asff) == len(report.entries)
    assert asff_problems(asff) == []


def unrecorded(report: Report) -> dict[tuple[str, str], tuple[str, ...] | None]:
    """Each non-compliant account-region and the topics it names."""
    return {
        (e.account_id, e.region): e.unrecorded_topics
        for e in report.coverage()
        if e.compliance == "NON_COMPLIANT"
    }


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["demo", "--out", str(tmp_path)], stdout=out, stderr=err) == 0
    text = out.getvalue()
    port = int(re.search(r"moto server on http://127\.0\.0\.1:(\d+)", text).group(1))  # type: ignore[union-attr]
    with socket.socket() as probe:  # the server it started is stopped again
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        f"trailguard-demo-{when}.{fmt}"
        for when in ("after", "aggregator", "before")
        for fmt in ("asff.json", "csv", "html", "json", "md", "ocsf.json")
    ]
    for name in written:
        assert str(tmp_path / name) in text
    for when in ("after", "aggregator", "before"):
        check_machine_forms(tmp_path, when)

    before = parse_json((tmp_path / "trailguard-demo-before.json").read_text(encoding="utf-8"))
    after = parse_json((tmp_path / "trailguard-demo-after.json").read_text(encoding="utf-8"))

    def trails(report: object) -> dict[str, str]:
        return {e.resource_id: e.compliance for e in report.trails()}  # type: ignore[attr-defined]

    assert trails(before) == {
        "org-trail": "NON_COMPLIANT",
        "security-audit": "COMPLIANT",
        "payments-events": "NON_COMPLIANT",
        "payments-archive": "NON_COMPLIANT",
        "analytics-legacy": "NON_COMPLIANT",
        "analytics-tokyo": "NON_COMPLIANT",
        "analytics-sandbox": "NOT_APPLICABLE",
    }
    # Every remediable trail ends compliant; the stopped one needs StartLogging, not selectors.
    assert trails(after) == {
        "org-trail": "COMPLIANT",
        "security-audit": "COMPLIANT",
        "payments-events": "COMPLIANT",
        "payments-archive": "NON_COMPLIANT",
        "analytics-legacy": "COMPLIANT",
        "analytics-tokyo": "COMPLIANT",
        "analytics-sandbox": "NOT_APPLICABLE",
    }
    org = next(e for e in before.trails() if e.resource_id == "org-trail")
    assert org.fix is not None and "management account" in org.fix
    management = re.search(r"Sandbox organization: management (\d{12})", text).group(1)  # type: ignore[union-attr]
    # judged once, in the management account, which owns it
    assert [e.account_id for e in before.trails() if e.resource_id == "org-trail"] == [management]
    # A member whose us-east-1 only the organization trail covers: through the one reading,
    # by the management account, in the scan and in the central rule function alike.
    logged = (
        "logs it: Logged for every resource, caller and session: Publish and PublishBatch on "
        "AWS::SNS::Topic"
    )
    payments = next(
        e for e in after.coverage() if e.region == "us-east-1" and e.account_id != management
        and e.compliance == "COMPLIANT" and "org-trail" in e.annotation
    )  # fmt: skip
    assert payments.annotation == (
        f"Organization trail org-trail (us-east-1, read by account {management}) {logged}"
    )
    central = (
        f"  {payments.account_id} {payments.account_id}       COMPLIANT       Organization "
        f"trail org-trail (us-east-1, read by the central function in account {management}) "
    )
    assert any(line.startswith(central) for line in text.splitlines())
    # Each non-compliant account-region names the topics whose publishes go unrecorded.
    found = re.search(r"payments (\d{12}), analytics (\d{12})", text)
    assert found is not None
    pay, ana = found.groups()

    def arns(account: str, region: str, *names: str) -> tuple[str, ...]:
        return tuple(f"arn:aws:sns:{region}:{account}:{n}" for n in names)

    assert unrecorded(before) == {
        (pay, "ap-northeast-1"): (),  # no topic there
        (pay, "eu-west-1"): arns(pay, "eu-west-1", "orders", "payments", "refunds"),
        (pay, "us-east-1"): arns(pay, "us-east-1", "orders", "payments"),
        (ana, "ap-northeast-1"): arns(ana, "ap-northeast-1", "team-b-reports"),
        (ana, "eu-west-1"): (),
        (ana, "us-east-1"): arns(ana, "us-east-1", "ingest-done"),
    }
    assert before.topics_summary() == (7, 11)
    assert unrecorded(after) == {}
    # The aggregator leaves the analytics account out: incomplete, never clean.
    aggregated = json.loads(
        (tmp_path / "trailguard-demo-aggregator.json").read_text(encoding="utf-8")
    )
    assert aggregated["population"]["complete"] is False
    assert {(p["account"], p["state"]) for p in aggregated["population"]["places"]} == {
        (management, "evaluated"),
        (pay, "evaluated"),
        (ana, "no result"),
    }
    assert "the report is not a pass (exit 1): an incomplete population never is." in text
    stopped = next(e for e in after.trails() if e.resource_id == "payments-archive")
    assert stopped.fix is not None and stopped.fix.startswith("aws cloudtrail start-logging")
    for when in ("before", "after"):
        html = (tmp_path / f"trailguard-demo-{when}.html").read_text(encoding="utf-8")
        assert "http" not in html  # self-contained: no external reference of any kind
