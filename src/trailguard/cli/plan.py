"""``trailguard plan FILE``: the selectors that fix a trail, offline."""

from __future__ import annotations

import argparse
from typing import TextIO

from trailguard.core import PlanRefused, plan
from trailguard.reporting import formats
from trailguard.reporting.results import PlanResult

from .common import (
    BAD_INPUT,
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_REFUSED,
    Commands,
    Refused,
    add_fill_exclusions,
    add_output_option,
    add_requirement_options,
    emit,
    exit_codes,
    load_selectors,
    option_warnings,
    requirement_from_args,
    warn,
)

EXIT_CODES = {
    EXIT_OK: "a plan, or nothing to change",
    EXIT_BAD_INPUT: BAD_INPUT,
    EXIT_REFUSED: "refused: no plan fits CloudTrail's limits",
}


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "plan",
        help="print the AdvancedEventSelectors that fix a trail, keeping all it logs (offline)",
        description="Plan the selectors to put: existing ones kept (basic ones converted), "
        "the missing data events added. Prints {changed, AdvancedEventSelectors}, the input "
        "of 'aws cloudtrail put-event-selectors --advanced-event-selectors'; JSON only.",
        epilog=exit_codes(EXIT_CODES),
    )
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE|-",
        help="output of 'aws cloudtrail get-event-selectors' (default: standard input)",
    )
    add_requirement_options(parser)
    add_fill_exclusions(parser)
    add_output_option(parser, "plan", "json")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    config, warnings = load_selectors(args.file, stdin)
    requirement = requirement_from_args(args, config.trail_arn)
    warn(args.file, warnings, args.stderr)
    warn(None, option_warnings(args), args.stderr)
    try:
        proposal = plan(config, requirement, fill_exclusions=args.fill_exclusions)
    except PlanRefused as exc:
        raise Refused(str(exc)) from exc
    result = PlanResult(proposal.changed, proposal.selectors)
    emit(stdout, formats.render("plan", result, args.output), args.stderr)
    return EXIT_OK
