"""The settings file of ``scan`` and ``report`` (``trailguard.toml``), the banner, ``--quiet``
and ``--debug``, through ``trailguard.cli.main`` against moto (the two-trail account of
``report_runs``)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest
from report_runs import BANNER, CALLER, MIXED, REGION, bare_scan, cli, scan, triples
from report_text import after_opening
from selector_data import ACCOUNT, ACCOUNT_RULE, TRAIL_RULE

import trailguard.cli.scan
from trailguard.cli.banner import scan_banner
from trailguard.cli.config_file import from_mapping, load
from trailguard.reporting.render import parse_csv
from trailguard.reporting.scope import Exemption

# --- the settings file ----------------------------------------------------------------------------


SETTINGS = """\
output = "json"
status = ["FAIL"]
regions = ["us-east-1"]

[parameters]
ExemptTrails = "other-trail"
"""


def test_settings_file_and_the_command_line_over_it(two_trails: Path) -> None:
    (two_trails / "trailguard.toml").write_text(SETTINGS)
    code, out, err = bare_scan()
    data = json.loads(out)
    assert (code, err) == (1, BANNER.replace("\n", ", settings trailguard.toml\n"))
    assert (triples(data), data["scope"]["parameters"]["ExemptTrails"]) == (
        [MIXED[0]],
        "other-trail",
    )
    # The command line wins: --output, --status; --parameters key by key.
    code, out, _ = bare_scan("--output", "csv", "--status", "PASS",
                       "--parameters", '{"RequireLogging": "false"}')  # fmt: skip
    assert [(e.rule, e.resource_id) for e in parse_csv(out)] == [
        (ACCOUNT_RULE, ACCOUNT), (TRAIL_RULE, "good-trail")
    ]  # fmt: skip
    code, out, _ = bare_scan("--output", "json", "--parameters", '{"RequireLogging": "false"}')
    params = json.loads(out)["scope"]["parameters"]
    assert (params["ExemptTrails"], params["RequireLogging"]) == ("other-trail", "false")
    # --no-config reads nothing; --config FILE reads FILE.
    code, out, err = bare_scan("--regions", REGION, "--no-config")
    assert (code, err, after_opening(out.splitlines())[0].startswith("ACCOUNT")) == (
        1,
        BANNER,
        True,
    )
    (two_trails / "other.toml").write_text('output = ["csv"]\n')
    code, out, err = bare_scan("--regions", REGION, "--config", "other.toml")
    assert (err, len(parse_csv(out))) == (BANNER.replace("\n", ", settings other.toml\n"), 3)


def test_settings_out_dir_and_several_formats(two_trails: Path) -> None:
    (two_trails / ".trailguard.toml").write_text('output = "json,md"\nout-dir = "audit"\n')
    code, out, _ = scan()
    assert (code, sorted(p.suffix for p in (two_trails / "audit").iterdir())) == (
        1,
        [".json", ".md"],
    )
    # --out on the command line: one file, the file's out-dir left aside
    code, out, _ = scan("--output", "json", "--out", "one.json")
    assert (code, out, triples(json.loads((two_trails / "one.json").read_text()))) == (
        1, "report written to one.json\n", MIXED
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("outptu = 'json'\n", "outptu: unknown key; did you mean output?"),
        ("output = 3\n", "output: expected a list of strings (or one comma-separated string)"),
        ("output = 'json,htlm'\n", "output: 'htlm' is not a report format; did you mean html?"),
        ("status = ['FAILS']\n", "status: 'FAILS' is not a status; did you mean FAIL?"),
        ("out-dir = ''\n", "out-dir: expected a folder name (a string)"),
        ("regions = ['us-east-9x']\n",
         "regions: 'us-east-9x' is not an AWS region; did you mean us-east-2?"),
        ("[parameters]\nRequireLogging = 'maybe'\n",
         "parameters: parameter RequireLogging: 'maybe' is not one of true, false"),
        ("parameters = 'x'\n", "parameters: expected a table of rule parameter names to values"),
        ("[[accepted-exclusions]]\nField = 'nope'\n",
         "parameters: parameter AcceptedExclusions[0] (nope): field selector has no operator"),
        ("exemptions = 'x'\n", "exemptions: expected a list of tables ([[exemptions]])"),
        ("[[exemptions]]\naccount = '111122223333'\nregion = 'ap-east-1'\n",
         "exemptions[0].reason: expected a non-empty string (why the exemption was granted)"),
        ("[[exemptions]]\naccount = '111122223333'\nregion = 'ap-east-1'\nreason = ' '\n",
         "exemptions[0].reason: expected a non-empty string (why the exemption was granted)"),
        ("[[exemptions]]\naccount = '1111'\nregion = '*'\nreason = 'r'\n",
         "exemptions[0].account: expected a 12-digit account id or *, got '1111'"),
        ("[[exemptions]]\naccount = '*'\nregion = 'ap-east-1'\nreason = 'r'\nrule = 'enabled'\n",
         "exemptions[0].rule: 'enabled' is not a trailguard rule (choose from *, "
         "cloudtrail-sns-data-events-enabled, cloudtrail-sns-data-events-account-coverage)"),
        ("[[exemptions]]\naccount = '*'\nregion = 'ap-east-1'\nreason = 'r'\nwhy = 'x'\n",
         "exemptions[0].why: unknown key (choose from account, region, rule, reason)"),
        ("output = [\n", "invalid TOML: Invalid value (at end of document)"),
    ],
)  # fmt: skip
def test_settings_file_errors_are_one_line(folder: Path, text: str, error: str) -> None:
    (folder / "trailguard.toml").write_text(text)
    assert scan() == (2, "", f"trailguard: error: trailguard.toml: {error}\n")


def test_settings_file_named_but_missing(folder: Path) -> None:
    assert bare_scan("--config", "nowhere.toml") == (
        2,
        "",
        "trailguard: error: cannot read nowhere.toml: No such file or directory\n",
    )


def test_yaml_settings_are_not_read_and_a_warning_says_so(two_trails: Path) -> None:
    (two_trails / ".trailguard.yaml").write_text("output: json\n")
    code, out, err = scan()
    assert (code, after_opening(out.splitlines())[0].startswith("ACCOUNT")) == (1, True)
    assert err == (
        "warning: .trailguard.yaml is not read: trailguard reads its settings from "
        "trailguard.toml (TOML only); write them there\n" + BANNER
    )


# --- the banner, --quiet ----------------------------------------------------------------------


def test_banner_counts_regions_past_three() -> None:
    regions = ["us-east-1", "eu-west-1", "eu-west-2", "ap-south-1", "sa-east-1"]
    assert scan_banner(ACCOUNT, CALLER, regions, 12, "Audit") == (
        f"trailguard scan: account {ACCOUNT} ({CALLER}), regions us-east-1, eu-west-1, "
        "eu-west-2, ...2 more, 12 accounts via role Audit\n"
    )
    assert scan_banner(ACCOUNT, CALLER, regions[:3]) == (
        f"trailguard scan: account {ACCOUNT} ({CALLER}), regions us-east-1, eu-west-1, eu-west-2\n"
    )


def test_banner_of_an_organization_scan(two_trails: Path) -> None:
    organizations = boto3.client("organizations", region_name=REGION)
    organizations.create_organization(FeatureSet="ALL")
    organizations.create_account(Email="a@example.com", AccountName="member")
    code, out, err = bare_scan("--regions", REGION, "--org", "--role-name", "Audit")
    assert (code, after_opening(out.splitlines())[0].startswith("ACCOUNT")) == (1, True)
    assert err == (
        f"trailguard scan: account {ACCOUNT} ({CALLER}), region {REGION}, 2 accounts via role "
        "Audit\n"
    )


def test_quiet_leaves_stderr_empty_and_stdout_as_it_was(two_trails: Path) -> None:
    loud = scan()
    assert scan("--quiet") == (loud[0], loud[1], "")
    assert scan("-q", "--output", "html,json", "--out-dir", "r")[2] == ""
    assert loud[2] == BANNER


def test_quiet_keeps_errors_and_warnings(folder: Path) -> None:
    (folder / ".trailguard.yml").write_text("output: json\n")
    code, _, err = bare_scan("-q", "--regions", "us-east-1", "--output", "json,csv")
    assert (code, err.splitlines()) == (2, [
        "warning: .trailguard.yml is not read: trailguard reads its settings from "
        "trailguard.toml (TOML only); write them there",
        "trailguard: error: --output json,csv: several reports need a folder; add --out-dir DIR "
        "(each format is written there as trailguard-scan-<time>.<extension>) (see trailguard "
        "scan --help)",
    ])  # fmt: skip


# --- --debug ---------------------------------------------------------------------------------

KEY_ID = "AKIAFAKEFAKEFAKE1234"
SECRET = "FAKEsecretKEYnotREAL/0123456789abcdefghij"
TOKEN = "FAKEsessionTOKENnotREAL0123456789+/="


@pytest.mark.parametrize("where", ["global", "command"])
def test_debug_logs_botocore_but_never_a_credential(
    two_trails: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    argv = ["scan", "--tps", "1000", "--regions", REGION]
    code, out, err = cli("--debug", *argv) if where == "global" else cli(*argv, "--debug")
    assert (code, after_opening(out.splitlines())[0].startswith("ACCOUNT")) == (1, True)
    for secret in (KEY_ID, SECRET, TOKEN, SECRET[:20], TOKEN[:20]):
        assert secret not in err
    assert "botocore.endpoint [DEBUG] Making request for OperationModel(name=DescribeTrails)" in err
    assert "'Authorization': b'<redacted>'" in err
    assert "x-amz-security-token:<redacted>" in err
    assert BANNER in err
    # The log stops with the command: the next run without --debug writes the banner only.
    assert scan()[2] == BANNER


def test_debug_shows_the_traceback_of_an_unexpected_error(
    two_trails: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)

    def broken(*args: Any) -> tuple[Any, int]:
        raise RuntimeError(f"bug while writing, secret {SECRET}")

    monkeypatch.setattr(trailguard.cli.scan, "finish", broken)
    with pytest.raises(RuntimeError):  # without --debug: as before, Python's own traceback
        scan()
    code, _, err = cli("--debug", "scan", "--tps", "1000", "--regions", REGION)
    tail = err[err.index("Traceback (most recent call last):") :]
    assert code == 4
    assert SECRET not in err
    assert tail.splitlines()[-2:] == [
        "RuntimeError: bug while writing, secret <redacted>",
        "trailguard: failed: unexpected error: RuntimeError('bug while writing, secret "
        "<redacted>')",
    ]


def test_the_example_settings_file_and_readmes_are_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    example = load(root / "examples" / "trailguard.toml")
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    exemption = Exemption("111122223333", "ap-east-1", "region closed by SCP p-examplescp")
    assert (example.output, example.out_dir, example.regions, example.exemptions) == (
        ("html", "json", "csv"), "reports", ("eu-west-1", "us-east-1"), (exemption,)
    )  # fmt: skip
    assert example.status == ("FAIL", "NOT_EVALUATED")
    assert example.parameters == {
        "ExemptTrails": "legacy-trail",
        "RequireLogging": "true",
        "AcceptedExclusions": '[{"Field":"resources.ARN","StartsWith":'
        '["arn:aws:sns:us-east-1:111122223333:load-test-"]}]',
    }
    in_readme = from_mapping("README.md", tomllib.loads(block))
    assert (in_readme.output, in_readme.exemptions) == (example.output, example.exemptions)
