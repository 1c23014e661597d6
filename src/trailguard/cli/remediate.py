"""``trailguard remediate --trail T``: fix one live trail."""

from __future__ import annotations

import argparse
from typing import TextIO

from trailguard.core import SelectorError
from trailguard.reporting import formats

from .common import (
    AWS_FAILED,
    BAD_INPUT,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    Commands,
    Failed,
    Refused,
    UsageError,
    add_aws_options,
    add_fill_exclusions,
    add_output_option,
    add_requirement_options,
    exit_codes,
    option_warnings,
    requirement_from_args,
    warn,
)

EXIT_CODES = {
    EXIT_OK: "done, or nothing to do (also after --dry-run)",
    EXIT_BAD_INPUT: BAD_INPUT + " or AWS set-up",
    EXIT_REFUSED: "refused (e.g. an organization trail outside its management account)",
    EXIT_FAILED: AWS_FAILED + " (the selectors read before are restored)",
}


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "remediate",
        help="fix one live trail: plan, put, read back and verify (restores on failure)",
        description="Add the missing selectors to a trail in its home region, keeping all it logs.",
        epilog=exit_codes(EXIT_CODES),
    )
    parser.add_argument(
        "--trail", required=True, metavar="NAME|ARN", help="the trail to fix (required)"
    )
    add_aws_options(parser, "region to look the trail up from (default: the profile's)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print before/after selectors, write nothing"
    )
    add_output_option(parser, "remediation", "text")
    add_requirement_options(parser)
    add_fill_exclusions(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from trailguard.aws.remediate import RemediationError, remediate
    from trailguard.aws.session import AwsSetupError, Clients

    try:
        clients = Clients.from_profile(args.profile, args.region)
        account = clients.account_id()
        requirement = requirement_from_args(args, args.trail)
        warn(None, option_warnings(args), args.stderr)
        result = remediate(
            clients.cloudtrail,
            args.trail,
            clients.region,
            requirement,
            account_id=account,
            dry_run=args.dry_run,
            fill_exclusions=args.fill_exclusions,
        )
    except (AwsSetupError, SelectorError) as exc:
        raise UsageError(str(exc)) from exc
    except RemediationError as exc:
        if exc.kind == "refused":
            raise Refused(str(exc)) from exc
        raise Failed(str(exc)) from exc
    stdout.write(formats.render("remediation", result, args.output))
    return EXIT_OK
