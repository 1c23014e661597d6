"""``trailguard iac`` on the hand-written Terraform plan (tests/fixtures/iac/terraform): each
resource's status and findings, hand-judged and compared whole; unknown values never pass; the
SARIF validates and its fingerprints do not move with lines."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sarif_checks import problems

from trailguard.cli import main
from trailguard.core import build_requirement
from trailguard.iac.model import Location
from trailguard.iac.sarif import fingerprint
from trailguard.iac.terraform import judge_plan

ROOT = Path(__file__).resolve().parents[2]
PLAN = "tests/fixtures/iac/terraform/plan.json"
MAIN_TF = "tests/fixtures/iac/terraform/main.tf"
MODULE_TF = "tests/fixtures/iac/terraform/modules/org/trail/main.tf"
DEV = 'module.org.module.trail["dev"].aws_cloudtrail.this[0]'
PROD = 'module.org.module.trail["prod"].aws_cloudtrail.this[0]'

# Hand-judged: (address, status) in plan order; the deleted aws_cloudtrail.retired and the
# aws_sns_topic are not judged.
STATUSES = [
    ("aws_cloudtrail.publish_only", "NON_COMPLIANT"),  # eventName Equals [Publish] only
    ("aws_cloudtrail.compliant", "COMPLIANT"),
    ("aws_cloudtrail.stopped", "NON_COMPLIANT"),  # basic selectors cannot log SNS
    ("aws_cloudtrail.invalid", "INVALID"),  # readOnly StartsWith: CloudTrail refuses it
    ("aws_cloudtrail_event_data_store.lake", "NON_COMPLIANT"),  # management events only
    ("aws_cloudtrail_event_data_store.sns_lake", "COMPLIANT"),  # but suspended
    (DEV, "NON_COMPLIANT"),  # Publish only, whatever the unknown ARN prefix
    (PROD, "UNDECIDED"),  # all topics but an ARN prefix known after apply
]
# (rule, address, file, line) of every finding.
FINDINGS = [
    ("ETG1001", "aws_cloudtrail.publish_only", MAIN_TF, 6),
    ("WTG1003", "aws_cloudtrail.stopped", MAIN_TF, 43),
    ("ETG1001", "aws_cloudtrail.stopped", MAIN_TF, 43),
    ("ETG1002", "aws_cloudtrail.invalid", MAIN_TF, 58),
    ("ETG1001", "aws_cloudtrail_event_data_store.lake", MAIN_TF, 78),
    ("WTG1003", "aws_cloudtrail_event_data_store.sns_lake", MAIN_TF, 90),
    ("ETG1001", DEV, MODULE_TF, 14),
    ("ITG1004", PROD, MODULE_TF, 14),
]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_plan_verdicts_and_findings() -> None:
    code, out, err = run("iac", PLAN, "--output", "json")
    assert (code, err) == (1, "")
    [result] = json.loads(out)
    assert [(r["address"], r["status"]) for r in result["resources"]] == STATUSES
    found = [
        (f["ruleId"], f["message"].split(":")[0], f["location"]["file"], f["location"]["line"])
        for f in result["findings"]
    ]
    assert [(r, f, line) for r, _, f, line in found] == [(r, f, line) for r, _, f, line in FINDINGS]
    by_address = {r["address"]: r for r in result["resources"]}
    assert by_address[PROD]["verdict"]["compliance"] == "NON_COMPLIANT"  # the lower bound
    assert by_address["aws_cloudtrail.compliant"]["verdict"]["compliance"] == "COMPLIANT"


def test_known_arn_gives_the_trail_own_account_and_region() -> None:
    data = json.loads((ROOT / PLAN).read_text(encoding="utf-8"))
    result = judge_plan(data, PLAN, "", build_requirement())
    stopped = next(j for j in result.judgements if j.resource.address == "aws_cloudtrail.stopped")
    assert stopped.verdict is not None
    assert (
        stopped.verdict.gaps[0]
        .example["resources.ARN"]
        .startswith("arn:aws:sns:us-east-1:111122223333:")
    )
    assert stopped.resource.trail_arn == "arn:aws:cloudtrail:us-east-1:111122223333:trail/stopped"


def test_unknown_values_never_pass() -> None:
    code, out, _ = run("iac", PLAN, "--output", "json")
    [result] = json.loads(out)
    for finding in result["findings"]:
        if finding["ruleId"] == "ITG1004":
            assert "known after apply" in finding["message"]
            assert "not a pass" in finding["message"]
    assert code == 1


def _plan(tmp_path: Path, **change: Any) -> str:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": [
            {
                "address": "aws_cloudtrail.t",
                "mode": "managed",
                "type": "aws_cloudtrail",
                "name": "t",
                "change": {"actions": ["create"], "after": {}, "after_unknown": {}, **change},
            }
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return str(path)


def test_whole_selector_list_unknown_is_undecided(tmp_path: Path) -> None:
    plan = _plan(tmp_path, after_unknown={"advanced_event_selector": True})
    code, out, _ = run("iac", plan, "--output", "json")
    [result] = json.loads(out)
    assert (code, [r["status"] for r in result["resources"]]) == (1, ["UNDECIDED"])


def test_no_selectors_is_management_only(tmp_path: Path) -> None:
    code, out, _ = run("iac", _plan(tmp_path), "--output", "json")
    [result] = json.loads(out)
    assert [r["verdict"]["selectorKind"] for r in result["resources"]] == ["default"]
    assert code == 1


def test_unsupported_format_version_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "2.0", "terraform_version": "9"}', encoding="utf-8")
    code, out, err = run("iac", str(path))
    assert (code, out) == (2, "")
    assert err == (
        f"trailguard: error: {path}: format_version '2.0' is not supported (expected 1.x, as "
        "written by 'terraform show -json' since Terraform 1.0)\n"
    )


def test_neither_plan_nor_template_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"TrailARN": "x"}', encoding="utf-8")
    code, _, err = run("iac", str(path))
    assert code == 2
    assert err == (
        f"trailguard: error: {path}: neither a Terraform plan ('terraform show -json PLANFILE') "
        "nor a CloudFormation template\n"
    )


def test_plan_sarif_is_valid_and_stable() -> None:
    first = json.loads(run("iac", PLAN, "--output", "sarif")[1])
    second = json.loads(run("iac", PLAN, "--output", "sarif")[1])
    assert problems(first) == []
    assert first == second
    results = first["runs"][0]["results"]
    assert [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
    ] == [(rule, file, line) for rule, _, file, line in FINDINGS]
    prints = [r["partialFingerprints"]["trailguard/v1"] for r in results]
    assert len(set(prints)) == len(prints)


def test_fingerprints_do_not_depend_on_lines() -> None:
    data = json.loads((ROOT / PLAN).read_text(encoding="utf-8"))
    finding = judge_plan(data, PLAN, "", build_requirement()).findings[0][0]
    assert fingerprint(finding, Location(MAIN_TF, 6)) == fingerprint(finding, Location(MAIN_TF, 60))
    assert fingerprint(finding, Location(MAIN_TF, 6)) != fingerprint(finding, Location(PLAN, 6))
