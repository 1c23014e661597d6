"""The format registry and the CLI as a newcomer meets it (issue 9, item 6): whole results."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from findings import without_finding

from trailguard.cli import build_parser, main
from trailguard.reporting import formats

ROOT = Path(__file__).resolve().parents[2]
TOPIC = "AWS::SNS::Topic"
PUBLISH_ONLY = str(ROOT / "examples" / "cli-example-publish-only.json")
SPLIT = str(ROOT / "examples" / "compliant-split-selectors.json")
CALLER = "arn:aws:sts::111122223333:assumed-role/ExampleRole/example-session"
EXAMPLE = (
    "resources.ARN=arn:aws:sns:us-east-1:111122223333:example-topic "
    f"userIdentity.arn={CALLER} eventType=AwsApiCall readOnly=false"
)


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def selectors(*extra: dict[str, object], type_: str = TOPIC) -> str:
    fields = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": [type_]},
        *extra,
    ]
    return json.dumps({"AdvancedEventSelectors": [{"Name": "x", "FieldSelectors": fields}]})


# --- the registry ------------------------------------------------------------------------------


def test_registry_choices_per_subject() -> None:
    assert {s: formats.choices(s) for s in formats.SUBJECTS} == {
        "report": ("text", "json", "csv", "html", "md", "ocsf", "asff", "table"),
        "check": ("text", "json"),
        "plan": ("json",),
        "remediation": ("text", "json"),
    }


def test_cli_output_choices_come_from_the_registry() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    subjects = {"check": "check", "plan": "plan", "remediate": "remediation"}
    subjects |= {"scan": "report", "report": "report"}
    for command, subject in subjects.items():
        output = next(a for a in commands[command]._actions if a.dest == "output")
        assert tuple(output.choices) == formats.choices(subject), command


def test_unknown_format_names_the_subject_and_the_choices() -> None:
    with pytest.raises(ValueError) as raised:
        formats.get("yaml", "check")
    assert str(raised.value) == "unknown check format 'yaml': expected one of text, json"


# --- help: every option explained, every command's exit codes ------------------------------


def _all_parsers() -> dict[str, object]:
    parser = build_parser()
    found: dict[str, object] = {}
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        found[name] = sub
        for action in sub._actions:
            if action.dest == "rule_command":
                found |= {f"{name} {n}": p for n, p in action.choices.items()}
    return found


def test_every_option_has_help_text() -> None:
    missing = [
        f"{name} {'/'.join(action.option_strings) or action.dest}"
        for name, parser in _all_parsers().items()
        for action in parser._actions  # type: ignore[attr-defined]
        if action.dest not in ("help", "rule_command") and not action.help
    ]
    assert missing == []


EXIT_CODES = {  # 130 (interrupted) on every command
    "check": ["0", "1", "2", "130"],
    "plan": ["0", "2", "3", "130"],
    "remediate": ["0", "1", "2", "3", "4", "5", "6", "7", "130"],
    "build": ["0", "2", "4", "130"],
    "deploy": ["0", "2", "4", "130"],
    "scan": ["0", "1", "2", "4", "130"],
    "report": ["0", "1", "2", "4", "130"],
    "demo": ["0", "1", "2", "130"],
    "rule": ["0", "1", "2", "4", "130"],
    "rule run": ["0", "1", "2", "4", "130"],
}


@pytest.mark.parametrize("command", list(EXIT_CODES))
def test_every_help_lists_its_exit_codes(command: str) -> None:
    code, out, err = run(*command.split(), "--help")
    assert (code, err) == (0, "")
    listed = out.split("Exit codes:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.startswith("  ") and line[2] != " "] == (
        EXIT_CODES[command]
    )


def test_scan_help_lists_exit_4() -> None:
    out = run("scan", "--help")[1]
    assert "\n  4  failed: an AWS call or a verification failed before any report" in out


# --- usage errors name the command's help -----------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["scan", "--org"], "trailguard: error: --org needs --role-name (the role to assume in "
         "each account) (see trailguard scan --help)\n"),
        (["check", "-", "-"], "trailguard: error: standard input (-) can be read only once "
         "(see trailguard check --help)\n"),
        (["plan", "--output", "text"], "trailguard plan: error: argument --output: invalid "
         "choice: 'text' (choose from 'json') (see trailguard plan --help)\n"),
    ],
)  # fmt: skip
def test_usage_error_names_the_command_help(argv: list[str], line: str) -> None:
    assert run(*argv, stdin="{}") == (2, "", line)


# --- check: several files, each cause once, contradictions, pipes ------------------------------


def test_check_several_files_one_verdict_each_exit_is_the_worst(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    code, out, err = run("check", PUBLISH_ONLY, SPLIT, str(missing))
    cause = "selector 'Log SNS Publish' limits eventName to [Publish]"
    assert (code, err) == (2, f"trailguard: error: cannot read {missing}: No such file or "
                              "directory\n")  # fmt: skip
    assert out == (
        f"== {PUBLISH_ONLY}\n"
        "NON_COMPLIANT  arn:aws:cloudtrail:us-east-1:111122223333:trail/"
        "sns-eventname-equals-publish-only  (advanced selectors)\n"
        f"  - PublishBatch on {TOPIC} [certain]: {cause}\n"
        f"    not logged, e.g. eventName=PublishBatch {EXAMPLE}\n"
        f"  fix: trailguard plan {PUBLISH_ONLY}   (prints the selectors to put)\n"
        f"== {SPLIT}\n"
        "COMPLIANT  arn:aws:cloudtrail:us-east-1:111122223333:trail/"
        "sns-publish-and-publishbatch-split-selectors  (advanced selectors)\n"
        "  Logged for every resource, caller and session: Publish and PublishBatch on "
        f"{TOPIC}\n"
    )
    assert run("check", SPLIT, PUBLISH_ONLY)[0] == 1
    assert run("check", SPLIT, SPLIT)[0] == 0


def test_check_several_files_json_is_a_list_with_sources() -> None:
    code, out, _ = run("check", SPLIT, PUBLISH_ONLY, "--output", "json")
    several = json.loads(out)
    assert several[0]["finding"]["evaluatedAt"] == several[1]["finding"]["evaluatedAt"]
    # Each run has its own time: the findings are checked, then left out.
    single = [
        without_finding(json.loads(run("check", f, "--output", "json")[1]))
        for f in (SPLIT, PUBLISH_ONLY)
    ]
    assert (code, without_finding(several)) == (
        1,
        [{"source": SPLIT, **single[0]}, {"source": PUBLISH_ONLY, **single[1]}],
    )


def test_self_contradicting_selector_is_named_once_and_fix_says_pipe() -> None:
    document = selectors({"Field": "eventName", "Equals": ["Publish"], "NotEquals": ["Publish"]})
    assert run("check", stdin=document) == (
        1,
        "NON_COMPLIANT  -  (advanced selectors)\n"
        f"  - Publish and PublishBatch on {TOPIC} [certain]: selector 'x' can never match: "
        "eventName Equals [Publish] and NotEquals [Publish]\n"
        f"    not logged, e.g. eventName=Publish {EXAMPLE}\n"
        "  fix: pipe the same input to trailguard plan   (prints the selectors to put)\n",
        "",
    )


def test_a_satisfiable_selector_is_not_called_contradicting() -> None:
    document = selectors({"Field": "eventName", "Equals": ["Publish"], "NotEquals": ["Other"]})
    out = run("check", stdin=document)[1]
    assert "can never match" not in out
    assert "selector 'x' limits eventName to [Publish]" in out


def test_fix_never_suggests_plan_dash_after_a_pipe() -> None:
    out = run("check", "-", stdin=selectors({"Field": "eventName", "Equals": ["Publish"]}))[1]
    assert out.splitlines()[-1] == (
        "  fix: pipe the same input to trailguard plan   (prints the selectors to put)"
    )


# --- did you mean -------------------------------------------------------------------------------


def test_misspelt_resource_type_in_the_input_and_partition_warn() -> None:
    code, _, err = run("check", "--partition", "aws-gov", stdin=selectors(type_="AWS::SNS::Topc"))
    assert (code, err) == (
        1,
        "warning: standard input: AdvancedEventSelectors[0] 'x'.FieldSelectors[1] "
        "(resources.type).Equals[0]: 'AWS::SNS::Topc' is not a resource type of CloudTrail "
        "data events; did you mean AWS::SNS::Topic?\n"
        "warning: --partition: 'aws-gov' is not an AWS partition; did you mean aws-us-gov?\n",
    )


@pytest.mark.parametrize(
    "partition", ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e",
                  "aws-iso-f", "aws-eusc"],
)  # fmt: skip
def test_every_aws_partition_is_known(partition: str) -> None:
    assert run("check", SPLIT, "--partition", partition, "--output", "json")[2] == ""


def test_a_type_far_from_every_known_one_is_not_warned_about() -> None:
    code, _, err = run("check", SPLIT, "--resource-types", "AWS::X::Y", "--event-names", "Do")
    assert (code, err) == (1, "")


# --- text is the one human form ---------------------------------------------------------------


def test_table_is_the_older_name_of_the_report_text_form() -> None:
    from trailguard.reporting.model import Report

    report = Report("t", "2024-05-01T12:00:00Z", "s", ())
    assert formats.render("report", report, "table") == formats.render("report", report, "text")
