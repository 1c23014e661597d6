"""Hostile input to the live commands, refused before any AWS call: numeric options out of
range, region names that are no region, ``build`` and ``deploy`` outside a source checkout;
and the one exit-code table (code, README, every ``--help``).

Each case compares the whole result: exit code, stdout and stderr. Every AWS call a command
would make goes through ``botocore.endpoint.Endpoint.make_request``, which is replaced here by
a recorder that fails the call: a refusal must come before it (``calls == []``).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.endpoint
import botocore.exceptions
import pytest

from trailguard.cli import build_parser, main
from trailguard.cli.common import Parser
from trailguard.cli.exits import EXIT_TABLE

ROOT = Path(__file__).resolve().parents[2]
RULE = "cloudtrail-sns-data-events-enabled"
TRAIL_ARN = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/audit"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operations the command tried to call (each failed with a connection error)."""
    made: list[str] = []

    def make_request(self: Any, operation_model: Any, request_dict: Any) -> Any:
        made.append(operation_model.name)
        raise botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")

    monkeypatch.setattr(botocore.endpoint.Endpoint, "make_request", make_request)
    return made


def run(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def usage(command: str, message: str) -> Result:
    """What an option argparse refuses gives: exit 2, one line naming the command's --help."""
    return Result(
        2, "", f"trailguard {command}: error: {message} (see trailguard {command} --help)\n"
    )


def refused(command: str, message: str) -> Result:
    """What an option trailguard refuses gives: exit 2, one line naming the command's --help."""
    return Result(2, "", f"trailguard: error: {message} (see trailguard {command} --help)\n")


# --- numeric options -------------------------------------------------------------------------

WORKERS = "argument --max-workers: expected a whole number from 1 to 64, got {!r}"
DEADLINE = (
    "argument --deadline: expected a number of seconds greater than 0 and at most 86400, got {!r}"
)


@pytest.mark.parametrize("value", ["0", "-1", "65", "8.5", "eight", "", "9" * 5000])
def test_scan_max_workers_out_of_range(value: str, calls: list[str]) -> None:
    assert run("scan", "--max-workers", value) == usage("scan", WORKERS.format(value))
    assert calls == []


@pytest.mark.parametrize("value", ["0", "-5", "0.0", "nan", "inf", "-0.5", "86401", "1e9", "soon"])
def test_remediate_deadline_out_of_range(value: str, calls: list[str]) -> None:
    result = run("remediate", "--trail", "t", "--deadline", value)
    assert result == usage("remediate", DEADLINE.format(value))
    assert calls == []


@pytest.mark.parametrize(
    ("argv", "workers"), [(["--max-workers", "1"], 1), (["--max-workers", "64"], 64), ([], 8)]
)
def test_max_workers_in_range_is_taken(argv: list[str], workers: int) -> None:
    args = build_parser().parse_args(["scan", *argv])
    assert args.max_workers == workers


@pytest.mark.parametrize(("value", "seconds"), [("0.5", 0.5), ("86400", 86400.0), ("1e2", 100.0)])
def test_deadline_in_range_is_taken(value: str, seconds: float) -> None:
    assert (
        build_parser().parse_args(["remediate", "--trail", "t", "--deadline", value]).deadline
        == seconds
    )


# --- region names, before any call -----------------------------------------------------------

NOT_A_REGION = "{where}: {name!r} is not an AWS region; did you mean {near}?"


@pytest.mark.parametrize(
    ("argv", "command", "message"),
    [
        (["scan", "--regions", "us-east-1,us-east1"], "scan",
         NOT_A_REGION.format(where="--regions", name="us-east1", near="us-east-1")),
        (["scan", "--region", "eu-west1"], "scan",
         NOT_A_REGION.format(where="--region", name="eu-west1", near="eu-west-1")),
        (["report", "--region", "US-EAST-1"], "report",
         NOT_A_REGION.format(where="--region", name="US-EAST-1", near="us-east-1")),
        (["remediate", "--trail", "t", "--region", "ap-northeast1"], "remediate",
         NOT_A_REGION.format(where="--region", name="ap-northeast1", near="ap-northeast-1")),
        (["rule", "run", RULE, "--region", "us-west2"], "rule run",
         NOT_A_REGION.format(where="--region", name="us-west2", near="us-west-2")),
        (["deploy", "--bucket", "b", "--regions", "eu-central1", "--dry-run"], "deploy",
         NOT_A_REGION.format(where="--regions", name="eu-central1", near="eu-central-1")),
        (["scan", "--regions", "mars-1"], "scan",
         "--regions: 'mars-1' is not an AWS region (a region looks like us-east-1)"),
        (["deploy", "--bucket", "b", "--regions", "us-east-1,cn-north-1", "--dry-run"], "deploy",
         "--regions: cn-north-1 is a region of partition aws-cn, not of aws (the partition of "
         "us-east-1)"),
        (["scan", "--region", "us-gov-west-1", "--regions", "us-east-1"], "scan",
         "--regions: us-east-1 is a region of partition aws, not of aws-us-gov (the partition "
         "of region us-gov-west-1)"),
    ],
)  # fmt: skip
def test_a_name_that_is_no_region_is_refused(
    argv: list[str], command: str, message: str, calls: list[str]
) -> None:
    assert run(*argv) == refused(command, message)
    assert calls == []


def test_the_profiles_region_is_checked_too(
    calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east1")
    assert run("report") == Result(
        2,
        "",
        "trailguard: error: the region of the AWS profile or environment (AWS_REGION, "
        "AWS_DEFAULT_REGION): 'us-east1' is not an AWS region; did you mean us-east-1?\n",
    )
    assert calls == []


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_a_region_newer_than_botocore_is_used_with_a_warning(calls: list[str]) -> None:
    """us-east-9 has the form of the aws partition's regions but botocore does not list it:
    a region launched after the installed botocore is used, with a warning (a dry run makes
    no call)."""
    result = run("deploy", "--bucket", "b-{region}", "--regions", "us-east-9", "--dry-run",
                 "--output", "json")  # fmt: skip
    assert (result.code, result.err) == (
        0,
        "warning: --regions: 'us-east-9' is not a region the installed botocore lists; it has "
        "the form of partition aws's regions, so it is used as given\n",
    )
    assert '"region": "us-east-9"' in result.out
    assert calls == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--trail", TRAIL_ARN, "--region", "us-east-1"],
         f"--region us-east-1 does not match the region of --trail {TRAIL_ARN} (eu-west-1, its "
         "home region): leave --region out or give eu-west-1"),
        (["--trail", "arn:aws:cloudtrail:eu-west1:123456789012:trail/audit"],
         NOT_A_REGION.format(where="--trail", name="eu-west1", near="eu-west-1")),
        (["--trail", "arn:aws-cn:cloudtrail:us-east-1:123456789012:trail/audit"],
         "--trail: us-east-1 is a region of partition aws, not of aws-cn (the partition of "
         "--trail arn:aws-cn:cloudtrail:us-east-1:123456789012:trail/audit)"),
        (["--trail", "arn:aws:sns:us-east-1:123456789012:topic"],
         "--trail: 'arn:aws:sns:us-east-1:123456789012:topic' is not a trail ARN "
         "(arn:PARTITION:cloudtrail:REGION:ACCOUNT:trail/NAME) or a trail name"),
    ],
)  # fmt: skip
def test_remediate_trail_arn_region(argv: list[str], message: str, calls: list[str]) -> None:
    assert run("remediate", *argv) == refused("remediate", message)
    assert calls == []


# --- build and deploy outside a source checkout --------------------------------------------------


def not_a_checkout(command: str) -> str:
    return (
        "trailguard: error: the current folder is not a trailguard source checkout (no rules/ "
        f"folder): run trailguard {command} in the checkout, or pass --root CHECKOUT\n"
    )


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["build", "--check"], "build"),
        (["build"], "build"),
        (["deploy", "--bucket", "b", "--regions", "us-east-1", "--dry-run"], "deploy"),
    ],
)
def test_outside_a_checkout_one_line_exit_2(argv: list[str], command: str, tmp_path: Path) -> None:
    """Run as a user would, from a folder that is not the checkout: no traceback, nothing
    written."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "trailguard", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, "", not_a_checkout(command))
    assert list(tmp_path.iterdir()) == []


def test_build_root_that_is_not_a_checkout(tmp_path: Path) -> None:
    assert run("build", "--check", "--root", str(tmp_path / "x")) == Result(
        2,
        "",
        f"trailguard: error: {tmp_path / 'x'} is not a trailguard source checkout (no rules/ "
        "folder): run trailguard build in the checkout, or pass --root CHECKOUT\n",
    )


# --- one exit-code table ---------------------------------------------------------------------


def commands() -> dict[str, Parser]:
    """Every command that runs (``rule run``, not ``rule``), by name, in --help's order."""
    found: dict[str, Parser] = {}
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, parser in action.choices.items():
                if name == "rule":
                    found["rule run"] = rule_run(parser)
                else:
                    found[name] = parser
    return found


def rule_run(parser: Parser) -> Parser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            sub: Parser = action.choices["run"]
            return sub
    raise AssertionError("no rule run")


def codes_of(parser: Parser) -> list[int]:
    return [int(code) for code in re.findall(r"^  (\d+)  ", parser.epilog or "", re.MULTILINE)]


def readme_table() -> str:
    """README's exit-code table as the code says it must read."""
    uses: dict[int, list[str]] = {code: [] for code in EXIT_TABLE}
    found = commands()
    for name, parser in found.items():
        for code in codes_of(parser):
            uses[code].append(name)
    rows = ["| Exit | Name | Meaning | Commands |", "|---|---|---|---|"]
    for code, (name, meaning) in EXIT_TABLE.items():
        names = uses[code]
        listed = "every command" if len(names) == len(found) else ", ".join(f"`{n}`" for n in names)
        rows.append(f"| `{code}` | {name} | {meaning} | {listed} |")
    return "\n".join(rows) + "\n"


def test_readme_exit_code_table_is_the_codes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme
    assert readme.count("| Exit | Name |") == 1


def test_every_code_of_the_table_is_used_and_every_help_ends_with_interrupted() -> None:
    found = commands()
    used = sorted({code for parser in found.values() for code in codes_of(parser)})
    assert used == sorted(EXIT_TABLE)
    assert {name: codes_of(parser)[-1] for name, parser in found.items()} == dict.fromkeys(
        found, 130
    )


@pytest.mark.parametrize("command", ["scan", "report", "remediate", "rule run", "deploy", "build"])
def test_each_help_line_names_its_code_from_the_table(command: str) -> None:
    epilog = commands()[command].epilog or ""
    lines = [line for line in epilog.splitlines() if re.match(r"  \d+  ", line)]
    for line in lines:
        code, text = line.split(maxsplit=1)
        assert text.lower().startswith(EXIT_TABLE[int(code)][0]), line


def test_readme_outcome_table_has_every_outcome_and_its_exit_code() -> None:
    from trailguard.aws.outcomes import OUTCOMES
    from trailguard.cli.remediate import EXIT_BY_OUTCOME

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z]+)` \| [^|]+ \| [^|]+ \| (\d+)[^|]* \|", readme, re.MULTILINE)
    assert {outcome: int(code) for outcome, code in rows} == EXIT_BY_OUTCOME
    assert sorted(EXIT_BY_OUTCOME) == sorted(OUTCOMES)
