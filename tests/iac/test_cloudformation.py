"""CloudFormation templates: ``trailguard iac`` (in-process) and ``cfn-lint -a trailguard.cfnlint``
(a real cfn-lint run, slow) on tests/fixtures/iac/cloudformation, compared whole with what was
judged by hand: which resources, which rules, which lines, which condition branch."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sarif_checks import problems

from trailguard.cli import main

ROOT = Path(__file__).resolve().parents[2]
HERE = "tests/fixtures/iac/cloudformation"
FOUR = f"{HERE}/four-trails.yaml"
MORE = f"{HERE}/more.yaml"

# four-trails.yaml: (rule, line, column, scenario) of each finding, judged by hand.
FOUR_FINDINGS = [
    ("ETG1001", 19, 7, []),  # PublishOnlyTrail: AdvancedEventSelectors (PublishBatch missing)
    ("ETG1001", 46, 5, []),  # ManagementOnlyTrail: no selectors at all (its Properties)
    ("ETG1001", 54, 7, ["IsProduction=false"]),  # ConditionalTrail, the false branch
]
FOUR_STATUSES = [
    ("PublishOnlyTrail", None, "NON_COMPLIANT"),
    ("CompliantTrail", None, "COMPLIANT"),
    ("ManagementOnlyTrail", None, "NON_COMPLIANT"),
    ("ConditionalTrail", "IsProduction=true", "COMPLIANT"),
    ("ConditionalTrail", "IsProduction=false", "NON_COMPLIANT"),
]
MORE_STATUSES = [
    ("PrefixTrail", "UNDECIDED"),  # resources.ARN StartsWith !Sub ...
    ("DecidedTrail", "COMPLIANT"),  # the !Sub is in the S3 selector: SNS is decided
    ("RejectedTrail", "INVALID"),
    ("StoppedTrail", "COMPLIANT"),
    ("ManagementLake", "NON_COMPLIANT"),
    ("SnsLake", "COMPLIANT"),
    ("AcceptedTrail", "NON_COMPLIANT"),  # its ETG1001 is suppressed by its Metadata
]
MORE_FINDINGS = [
    ("ITG1004", 28, "PrefixTrail"),
    ("ETG1002", 61, "RejectedTrail"),
    ("WTG1003", 65, "StoppedTrail"),
    ("ETG1001", 76, "ManagementLake"),
    ("WTG1003", 86, "SnsLake"),
]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_iac_on_the_four_trails() -> None:
    code, out, err = run("iac", FOUR, "--output", "json")
    assert (code, err) == (1, "")
    [result] = json.loads(out)
    assert [(r["address"], r["scenario"], r["status"]) for r in result["resources"]] == (
        FOUR_STATUSES
    )
    assert [
        (f["ruleId"], f["location"]["line"], f["location"]["column"], f["scenarios"])
        for f in result["findings"]
    ] == FOUR_FINDINGS


def test_iac_on_intrinsics_rejections_and_data_stores() -> None:
    code, out, _ = run("iac", MORE, "--output", "json")
    [result] = json.loads(out)
    assert [(r["address"], r["status"]) for r in result["resources"]] == MORE_STATUSES
    assert [
        (f["ruleId"], f["location"]["line"], f["path"][1]) for f in result["findings"]
    ] == MORE_FINDINGS
    assert code == 1


def test_iac_sarif_for_templates_is_valid() -> None:
    code, out, _ = run("iac", FOUR, MORE, "--output", "sarif")
    log = json.loads(out)
    assert (code, problems(log)) == (1, [])
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in log["runs"][0]["results"]
    ] == [(rule, line) for rule, line, _, _ in FOUR_FINDINGS] + [
        (rule, line) for rule, line, _ in MORE_FINDINGS
    ]


def test_text_names_the_failing_branch() -> None:
    _, out, _ = run("iac", FOUR)
    where = f"(AWS::CloudTrail::Trail, {FOUR}:49)"
    assert f"NON_COMPLIANT  ConditionalTrail when IsProduction=false  {where}" in out
    assert f"COMPLIANT  ConditionalTrail when IsProduction=true  {where}" in out


def _cfn_lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.slow
def test_cfn_lint_reports_exactly_the_three_bad_trails() -> None:
    done = _cfn_lint(FOUR, "-a", "trailguard.cfnlint", "-f", "parseable")
    lines = [line.split(":", 5) for line in done.stdout.splitlines()]
    assert [(f[1], f[2], f[5].split(":")[0]) for f in lines] == [
        (str(line), str(col), rule) for rule, line, col, _ in FOUR_FINDINGS
    ]
    assert lines[2][5].endswith("(when IsProduction=false)")
    assert done.returncode == 2  # cfn-lint: an error was found


@pytest.mark.slow
def test_cfn_lint_sarif_validates() -> None:
    done = _cfn_lint(FOUR, MORE, "-a", "trailguard.cfnlint", "-c", "ITG", "-f", "sarif")
    log = json.loads(done.stdout)
    assert problems(log, ours=False) == []
    assert sorted(r["ruleId"] for r in log["runs"][0]["results"]) == sorted(
        [rule for rule, *_ in FOUR_FINDINGS] + [rule for rule, *_ in MORE_FINDINGS]
    )
