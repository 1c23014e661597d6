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
    UsageError,
    add_aws_options,
    add_fill_exclusions,
    add_output_option,
    add_requirement_options,
    exit_codes,
    one_line,
    option_warnings,
    requirement_from_args,
    warn,
)

# Each outcome of trailguard.aws.remediate and its exit code (README's outcome table).
EXIT_BY_OUTCOME = {
    "compliant": EXIT_OK,
    "planned": EXIT_OK,
    "updated": EXIT_OK,
    "refused": EXIT_REFUSED,
    "failed": EXIT_FAILED,
    "restored": EXIT_FAILED,
    "unconfirmed": 5,
    "left": 6,
    "deferred": 7,
}
EXIT_CODES = {
    EXIT_OK: "updated and verified, already compliant, or a dry run",
    EXIT_BAD_INPUT: BAD_INPUT + " or AWS set-up",
    EXIT_REFUSED: "refused, nothing written (e.g. an organization trail outside its management "
    "account)",
    EXIT_FAILED: AWS_FAILED + ", nothing written; or restored (the put was read back, judged "
    "wrong and put back by compare-and-swap)",
    5: "unconfirmed: the put succeeded but no read showed it by the deadline; left as put",
    6: "left: another writer changed the trail; not put back over their change",
    7: "deferred: ConflictException or throttling until the deadline; nothing written; retry later",
}


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "remediate",
        help="fix one live trail: plan, put, read back until consistent; never undoes "
        "another writer",
        description="Add the missing selectors to a trail in its home region, keeping all it "
        "logs, and read back until a read shows them (see README, remediate).",
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
    parser.add_argument(
        "--deadline",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the put to show in reads, for ConflictException (waited out "
        "in minutes) and throttling (default: 300)",
    )
    add_requirement_options(parser)
    add_fill_exclusions(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from trailguard.aws.remediate import RemediationError, remediate
    from trailguard.aws.session import AwsSetupError, Clients

    def notify(line: str) -> None:  # retries and waits, as they happen
        args.stderr.write(f"trailguard: {one_line(line)}\n")

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
            deadline_seconds=args.deadline,
            notify=notify,
        )
    except (AwsSetupError, SelectorError) as exc:
        raise UsageError(str(exc)) from exc
    except RemediationError as exc:  # the trail could not be identified
        raise Failed(str(exc)) from exc
    code = EXIT_BY_OUTCOME[result.outcome]
    if args.output != "text" or result.changed or code == EXIT_OK:
        stdout.write(formats.render("remediation", result, args.output))
    if code != EXIT_OK:
        args.stderr.write(f"trailguard: {result.outcome}: {one_line(result.reason)}\n")
    return code
