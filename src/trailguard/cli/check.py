"""``trailguard check FILE...``: judge ``get-event-selectors`` output offline."""

from __future__ import annotations

import argparse
from typing import TextIO

from trailguard.core import evaluate
from trailguard.reporting import formats
from trailguard.reporting.finding import now_text
from trailguard.reporting.results import CheckResult

from .common import (
    BAD_INPUT,
    EXIT_BAD_INPUT,
    EXIT_NON_COMPLIANT,
    EXIT_OK,
    Commands,
    OptionError,
    UsageError,
    add_output_option,
    add_requirement_options,
    emit,
    exit_codes,
    is_pipe,
    load_selectors,
    one_line,
    option_warnings,
    requirement_from_args,
    warn,
)

EXIT_CODES = {
    EXIT_OK: "every input is compliant",
    EXIT_NON_COMPLIANT: "an input is non-compliant",
    EXIT_BAD_INPUT: BAD_INPUT + "; with several files, the others are still judged",
}


def register(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help="check the output of 'aws cloudtrail get-event-selectors' (offline)",
        description="Decide whether a trail's event selectors log every required data event. "
        "Give one or more files (- or none: standard input); each gets its verdict, and the "
        "exit code is the worst of them. With several files, text output heads each verdict "
        "with '== FILE' and JSON is a list of verdicts, each with its 'source'.",
        epilog=exit_codes(EXIT_CODES),
    )
    check.add_argument(
        "files",
        nargs="*",
        default=["-"],
        metavar="FILE|-",
        help="output of 'aws cloudtrail get-event-selectors' (default: standard input)",
    )
    add_requirement_options(check)
    add_output_option(check, "check", "text")
    check.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    if args.files.count("-") > 1:
        raise OptionError("standard input (-) can be read only once")
    results: list[CheckResult] = []
    code = EXIT_OK
    when = now_text()  # the run's time: every verdict of the run was reached in it
    for source in args.files:
        try:
            config, warnings = load_selectors(source, stdin)
            requirement = requirement_from_args(args, config.trail_arn)
        except OptionError:
            raise
        except UsageError as exc:
            if len(args.files) == 1:
                raise
            args.stderr.write(f"trailguard: error: {one_line(str(exc))}\n")
            code = EXIT_BAD_INPUT
            continue
        warn(source, warnings, args.stderr)
        verdict = evaluate(config, requirement)
        piped = is_pipe(source, stdin)
        results.append(
            CheckResult(source, config, requirement, verdict, tuple(warnings), piped, when)
        )
        if not verdict.compliant:
            code = max(code, EXIT_NON_COMPLIANT)
    warn(None, option_warnings(args), args.stderr)
    if results:
        emit(stdout, formats.render("check", results, args.output), args.stderr)
    return code
