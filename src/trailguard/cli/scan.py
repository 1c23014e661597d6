"""``trailguard scan``: evaluate live accounts and regions as the Config rules would."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TextIO

from trailguard.reporting.titles import SCAN_TITLE

from .common import (
    EXIT_FAILED,
    REPORT_EXIT_CODES,
    Commands,
    Failed,
    OptionError,
    UsageError,
    comma_list,
    exit_codes,
    progress_bar,
    rule_parameters,
    warn,
)
from .guards import notifier, open_clients, positive_float, positive_int, region_problems
from .report_run import add_report_options, announce, finish, scan_scope, settle
from .securityhub import EXIT_TEXT as SECURITYHUB_EXIT
from .securityhub import add_option as add_securityhub_option
from .securityhub import import_report as import_to_securityhub

MAX_WORKERS = 64

EXIT_CODES = {**REPORT_EXIT_CODES, EXIT_FAILED: SECURITYHUB_EXIT}
DOCUMENTED_TPS = 10  # trailguard.aws.limiter.DOCUMENTED_TPS (not imported: it loads botocore)
MAX_TPS = 1000


def register(commands: Commands) -> None:
    scan = commands.add_parser(
        "scan",
        help="evaluate live accounts and regions as the Config rules would",
        description="Per-trail and per-account-and-region findings, the same verdicts and "
        "annotations as the Config rules.",
        epilog=exit_codes(EXIT_CODES),
    )
    scan.add_argument(
        "--regions", type=comma_list, help="comma-separated (default: all enabled regions)"
    )
    scan.add_argument("--org", action="store_true", help="every active account of the org")
    scan.add_argument("--role-name", help="with --org: the role to assume in each account")
    scan.add_argument(
        "--accounts", type=comma_list, help="with --org: only these accounts (comma-separated)"
    )
    scan.add_argument("--parameters", metavar="JSON", help="rule parameters, as for the rules")
    scan.add_argument(
        "--max-workers",
        type=positive_int(MAX_WORKERS),
        default=8,
        help=f"concurrent calls, 1 to {MAX_WORKERS} (default 8)",
    )
    scan.add_argument(
        "--tps",
        type=positive_float(MAX_TPS, "a number of calls a second"),
        default=float(DOCUMENTED_TPS),
        metavar="N",
        help="CloudTrail calls a second per account and region, never exceeded (default "
        f"{DOCUMENTED_TPS}, CloudTrail's quota for its Describe/Get/List calls); the scan slows "
        "down below it while CloudTrail throttles",
    )
    scan.add_argument(
        "--no-topics",
        action="store_true",
        help="do not list SNS topics (sns:ListTopics) to name those whose publishes go unrecorded",
    )
    add_report_options(scan)
    add_securityhub_option(scan)
    scan.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:

    from trailguard.aws.clients import AwsSetupError, new_session
    from trailguard.aws.scan import Scanner
    from trailguard.aws.scan_targets import Target, enabled_regions, organization_targets
    from trailguard.aws.session import AWS_ERRORS, error_text
    from trailguard.reporting.model import scan_report

    from .banner import scan_banner

    settle(args, scan=True)
    params = rule_parameters(args.parameters)
    if args.org and not args.role_name:
        raise OptionError("--org needs --role-name (the role to assume in each account)")
    if not args.org and (args.accounts or args.role_name):
        raise OptionError("--accounts and --role-name go with --org")
    if args.regions:  # before any call; --region and the profile's region are checked too
        region_problems(args.regions, "--regions")
    clients, warnings = open_clients(args)
    if args.regions:  # all in the partition of the session's region
        partition = region_problems([clients.region], "--region")[0]
        why = f" (the partition of region {clients.region})"
        warnings += region_problems(args.regions, "--regions", partition, why)[1]
    warn(None, warnings, args.stderr)
    notify = notifier(args.stderr)
    try:
        session = clients.session
        account = clients.account_id()
        caller = str(clients.client("sts").get_caller_identity()["Arn"])
        regions = args.regions or enabled_regions(session, clients.region)
        if args.org:
            targets = organization_targets(
                session, args.role_name, args.accounts, lambda **kw: new_session(notify, **kw)
            )
        else:
            targets = [Target(account, session)]
    except AwsSetupError as exc:
        raise UsageError(str(exc)) from exc
    except AWS_ERRORS as exc:
        raise Failed(f"cannot start the scan: {error_text(exc)}") from exc
    accounts = len(targets) if args.org else None
    announce(args, scan_banner(account, caller, regions, accounts, args.role_name))
    no_accounts = "no account to scan"
    if args.org:
        no_accounts = "no active account found in the organization"
    scanner = Scanner(
        targets,
        regions,
        params,
        max_workers=args.max_workers,
        tps=args.tps,
        progress=progress_bar(args.stderr),
        no_accounts=no_accounts,
        caller=Target(account, session),
        topics=not args.no_topics,
    )
    result = scanner.scan()
    if throttled := scanner.limiter.summary():
        notify(throttled)
    report = scan_report(
        result.findings,
        result.facts,
        result.not_evaluated,
        title=SCAN_TITLE,
        source=f"live scan of {len(targets)} account(s), {len(regions)} region(s)",
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        topics=result.topics,
    )
    asked = tuple(args.accounts or (t.account_id for t in targets))
    reached = tuple(t.account_id for t in targets if t.session is not None)
    scope = scan_scope(args, report, caller, asked, reached, regions)
    report, code = finish(report, args, stdout, scope)
    if args.to_securityhub:
        code = import_to_securityhub(report, targets, regions, clients.region, args, code)
    return code
