"""``trailguard iac FILE...``: the verdict on trails and event data stores in infrastructure
code, before deploy: Terraform plans (``terraform show -json``) and CloudFormation or CDK
templates (read through cfn-lint, as the ``trailguard.cfnlint`` rules read them)."""

from __future__ import annotations

import argparse
import importlib.util
from typing import TextIO

from trailguard.iac.judge import FileResult
from trailguard.iac.model import IacInputError
from trailguard.iac.render import render_json, render_text
from trailguard.iac.sarif import render_sarif
from trailguard.iac.terraform import is_plan, judge_plan

from .common import (
    BAD_INPUT,
    EXIT_BAD_INPUT,
    EXIT_NON_COMPLIANT,
    EXIT_OK,
    Commands,
    UsageError,
    add_requirement_options,
    exit_codes,
    one_line,
    option_warnings,
    printable,
    read_json,
    requirement_from_args,
    warn,
)

OUTPUTS = ("text", "json", "sarif")
EXIT_CODES = {
    EXIT_OK: "every trail and event data store records the required data events",
    EXIT_NON_COMPLIANT: "any finding: a gap, selectors CloudTrail would reject, a trail not "
    "logging, or a verdict that depends on values unknown before deploy (never a pass)",
    EXIT_BAD_INPUT: BAD_INPUT + "; with several files, the others are still judged",
}


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "iac",
        help="check trails and event data stores in Terraform plans and CloudFormation/CDK "
        "templates, before deploy (offline)",
        description="Judge every aws_cloudtrail and aws_cloudtrail_event_data_store of a "
        "Terraform plan ('terraform show -json PLANFILE'), and every AWS::CloudTrail::Trail and "
        "AWS::CloudTrail::EventDataStore of a CloudFormation or CDK template (YAML or JSON; "
        "needs pip install 'trailguard[cfnlint]'), with the same verdict as 'trailguard check'. "
        "A value known only after apply, or an intrinsic function, never passes: when the "
        "verdict depends on it, the resource is UNDECIDED.",
        epilog=exit_codes(EXIT_CODES),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a plan (JSON) or a template")
    add_requirement_options(parser)
    parser.add_argument(
        "--output",
        choices=OUTPUTS,
        default="text",
        metavar="FORMAT",
        help="text: for a person; json: for tools; sarif: SARIF 2.1.0 for GitHub code "
        "scanning (default: text)",
    )
    parser.add_argument(
        "--tf-dir",
        metavar="DIR",
        help="the Terraform root module's directory, to point findings at .tf lines "
        "(default: the plan file's directory)",
    )
    parser.set_defaults(handler=run)


def _read(source: str, args: argparse.Namespace, stdin: TextIO) -> FileResult:
    requirement = requirement_from_args(args, None)
    if not source.lower().endswith((".yaml", ".yml", ".template")):
        data = read_json(source, stdin)
        if is_plan(data):
            with open(source, encoding="utf-8-sig") as handle:
                text = handle.read()
            try:
                return judge_plan(data, source, text, requirement, args.tf_dir)
            except IacInputError as exc:
                raise UsageError(str(exc)) from exc
        if not (
            isinstance(data, dict) and ("Resources" in data or "AWSTemplateFormatVersion" in data)
        ):
            raise UsageError(
                f"{source}: neither a Terraform plan ('terraform show -json PLANFILE') nor a "
                "CloudFormation template"
            )
    if importlib.util.find_spec("cfnlint") is None:
        raise UsageError(
            f"{source}: reading CloudFormation templates needs cfn-lint: "
            "pip install 'trailguard[cfnlint]'"
        )
    from trailguard.cfnlint.template import Options, lint_template

    try:
        return lint_template(source, Options(requirement))
    except IacInputError as exc:
        raise UsageError(str(exc)) from exc


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    if "-" in args.files:
        raise UsageError("iac reads files only (a plan or a template), not standard input")
    requirement = requirement_from_args(args, None)
    results: list[FileResult] = []
    code = EXIT_OK
    for source in args.files:
        try:
            results.append(_read(source, args, stdin))
        except UsageError as exc:
            if len(args.files) == 1:
                raise
            args.stderr.write(f"trailguard: error: {one_line(str(exc))}\n")
            code = EXIT_BAD_INPUT
    if any(result.findings for result in results):
        code = max(code, EXIT_NON_COMPLIANT)
    warn(None, option_warnings(args), args.stderr)
    if args.output == "sarif":
        stdout.write(render_sarif(results))
    elif args.output == "json":
        stdout.write(render_json(results, requirement))
    else:
        stdout.write(printable(render_text(results, requirement)))
    return code
