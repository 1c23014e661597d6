"""``trailguard remediate --trail T``: fix one live trail."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any, TextIO

from trailguard.core import SelectorError
from trailguard.reporting import formats

from .common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_NON_COMPLIANT,
    EXIT_OK,
    EXIT_REFUSED,
    Commands,
    Failed,
    OptionError,
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
from .exits import EXIT_DEFERRED, EXIT_LEFT, EXIT_TABLE, EXIT_UNCONFIRMED
from .guards import notifier, open_clients, positive_float, region_problems

if TYPE_CHECKING:
    from trailguard.aws.clients import Clients
    from trailguard.aws.remediate import RemediationResult

# Each outcome of trailguard.aws.remediate and its exit code (README's outcome table). A run
# whose selectors end right (compliant, updated) on a trail that is not logging exits 1, and 4
# when whether it logs could not be read (see logging_checked).
EXIT_BY_OUTCOME = {
    "compliant": EXIT_OK,
    "updated": EXIT_OK,
    "planned": EXIT_NON_COMPLIANT,  # a dry run that would change the trail
    "stopped": EXIT_NON_COMPLIANT,  # the selectors are right; the trail is not logging
    "refused": EXIT_REFUSED,
    "failed": EXIT_FAILED,
    "restored": EXIT_FAILED,
    "unconfirmed": EXIT_UNCONFIRMED,
    "left": EXIT_LEFT,
    "deferred": EXIT_DEFERRED,
}
EXIT_CODES = {
    EXIT_OK: "updated and verified, or already compliant; and the trail is logging",
    EXIT_NON_COMPLIANT: "a dry run that would change the trail (planned); or the trail is not "
    "logging (stopped, or updated but stopped): start it with the command printed",
    EXIT_BAD_INPUT: EXIT_TABLE[EXIT_BAD_INPUT][1],
    EXIT_REFUSED: "refused, nothing written: no plan fits, the selectors cannot be judged, or "
    "AWS refused to let this account read or change an organization trail",
    EXIT_FAILED: "an AWS call failed, nothing written; or restored (the put was read back, "
    "judged wrong and put back by compare-and-swap); or whether the trail logs is unknown",
    EXIT_UNCONFIRMED: "unconfirmed: the put succeeded but no read showed it by the deadline; "
    "left as put",
    EXIT_LEFT: "left: another writer changed the trail; not put back over their change",
    EXIT_DEFERRED: "deferred: ConflictException or throttling until the deadline; nothing "
    "written; retry later",
}
MAX_DEADLINE_SECONDS = 86_400.0
# arn:PARTITION:cloudtrail:REGION:ACCOUNT:trail/NAME
TRAIL_ARN = re.compile(r"arn:([^:]+):cloudtrail:([^:]*):(\d{12}):trail/(.+)")


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "remediate",
        help="fix one live trail: plan, put, read back until consistent; never undoes "
        "another writer",
        description="Add the missing selectors to a trail in its home region, keeping all it "
        "logs, and read back until a read shows them; then check that the trail is logging "
        "(see README, remediate).",
        epilog=exit_codes(EXIT_CODES),
    )
    parser.add_argument(
        "--trail",
        required=True,
        metavar="NAME|ARN",
        help="the trail to fix (required); an ARN is looked up in its own region",
    )
    add_aws_options(
        parser,
        "region to look the trail up from (default: the region of an ARN, else the profile's)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print before/after selectors, write nothing"
    )
    add_output_option(parser, "remediation", "text")
    parser.add_argument(
        "--deadline",
        type=positive_float(MAX_DEADLINE_SECONDS, "a number of seconds"),
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the put to show in reads, for ConflictException (waited out "
        f"in minutes) and throttling: more than 0, at most {MAX_DEADLINE_SECONDS:g} "
        "(default: 300)",
    )
    add_requirement_options(parser)
    add_fill_exclusions(parser)
    parser.set_defaults(handler=run)


def trail_region(args: argparse.Namespace) -> tuple[str | None, str | None, list[str]]:
    """The region to look the trail up from (an ARN's own region; a mismatch with
    ``--region`` is refused), the account an ARN names, and warnings about the region."""
    if not args.trail.startswith("arn:"):
        return None, None, []
    match = TRAIL_ARN.fullmatch(args.trail)
    if match is None:
        raise OptionError(
            f"--trail: {args.trail!r} is not a trail ARN "
            "(arn:PARTITION:cloudtrail:REGION:ACCOUNT:trail/NAME) or a trail name"
        )
    partition, region, account = match.group(1, 2, 3)
    why = f" (the partition of --trail {args.trail})"
    warnings = region_problems([region], "--trail", partition, why)[1]
    if args.region is not None and args.region != region:
        raise OptionError(
            f"--region {args.region} does not match the region of --trail {args.trail} "
            f"({region}, its home region): leave --region out or give {region}"
        )
    return region, account, warnings


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from trailguard.aws.clients import AwsSetupError
    from trailguard.aws.remediate import RemediationError, remediate

    region, arn_account, warnings = trail_region(args)
    requirement = requirement_from_args(args, args.trail)
    clients, more = open_clients(args, region)
    warn(None, [*warnings, *more, *option_warnings(args)], args.stderr)
    try:
        account = clients.account_id()
        result = remediate(
            clients.cloudtrail,
            args.trail,
            clients.region,
            requirement,
            account_id=account,
            dry_run=args.dry_run,
            fill_exclusions=args.fill_exclusions,
            deadline_seconds=args.deadline,
            notify=notifier(args.stderr),
        )
    except (AwsSetupError, SelectorError) as exc:
        raise UsageError(str(exc)) from exc
    except RemediationError as exc:  # the trail could not be identified
        why = str(exc)
        if arn_account and arn_account != account:
            why += f" (the ARN names account {arn_account}; these credentials are {account}'s)"
        raise Failed(why) from exc
    result = logging_checked(result, clients)
    code = EXIT_BY_OUTCOME[result.outcome]
    if code == EXIT_OK and result.is_logging is False:
        code = EXIT_NON_COMPLIANT
    elif code == EXIT_OK and result.is_logging is None:
        code = EXIT_FAILED
    if args.output != "text" or result.changed or result.dry_run or code == EXIT_OK:
        stdout.write(formats.render("remediation", result, args.output))
    if code != EXIT_OK:
        args.stderr.write(f"trailguard: {result.outcome}: {one_line(result.reason)}\n")
    return code


def logging_checked(result: RemediationResult, clients: Clients) -> RemediationResult:
    """``result`` with whether the trail is logging (GetTrailStatus in its home region), read
    when its selectors are or would be right (compliant, updated, planned). Selectors on a
    stopped trail record nothing, so such a trail is never "already compliant": ``compliant``
    becomes ``stopped``, and the reason gives the command that starts it; ``compliant`` whose
    status cannot be read becomes ``failed``."""
    from dataclasses import replace

    from trailguard.aws.outcomes import (
        OUTCOME_COMPLIANT,
        OUTCOME_FAILED,
        OUTCOME_PLANNED,
        OUTCOME_STOPPED,
        OUTCOME_UPDATED,
    )
    from trailguard.aws.session import AWS_ERRORS, error_text

    if result.outcome not in (OUTCOME_COMPLIANT, OUTCOME_UPDATED, OUTCOME_PLANNED):
        return result
    trail = result.trail
    try:
        status: Any = clients.cloudtrail(trail.home_region).get_trail_status(Name=trail.arn)
        logging = bool(status["IsLogging"])
    except AWS_ERRORS as exc:
        unknown = (
            f"GetTrailStatus on {trail.arn} failed: {error_text(exc)}; whether it logs is unknown"
        )
        if result.outcome == OUTCOME_COMPLIANT:
            return replace(
                result,
                outcome=OUTCOME_FAILED,
                reason=f"{trail.arn}: the selectors meet the requirement (nothing written), "
                f"but {unknown}",
            )
        return replace(result, reason=f"{result.reason}; but {unknown}")
    if logging:
        return replace(result, is_logging=True)
    start = f"aws cloudtrail start-logging --name {trail.arn} --region {trail.home_region}"
    stopped = (
        f"the trail is not logging (IsLogging false), so it records nothing: start it: {start}"
    )
    if result.outcome == OUTCOME_COMPLIANT:
        return replace(
            result,
            outcome=OUTCOME_STOPPED,
            is_logging=False,
            reason=f"{trail.arn}: the selectors meet the requirement (nothing written), "
            f"but {stopped}",
        )
    return replace(result, is_logging=False, reason=f"{result.reason}; but {stopped}")
