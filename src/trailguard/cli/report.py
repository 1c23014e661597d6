"""``trailguard report``: the auditor report from AWS Config's results."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
from typing import TextIO

from .common import REPORT_EXIT_CODES, Commands, Failed, exit_codes, warn
from .guards import open_clients, positive_float, positive_int
from .report_run import add_report_options, announce, base_scope, finish, settle

# The CLI's own bounds on the options (AWS documents no rate for the aggregator's calls).
MAX_WORKERS = 64
MAX_TPS = 1000.0
DEFAULT_WORKERS = 8  # trailguard.aws.aggregate_reads.DEFAULT_WORKERS (not imported: boto3)
DEFAULT_TPS = 5.0  # trailguard.aws.aggregate_reads.DEFAULT_TPS
EXIT_CODES = REPORT_EXIT_CODES


def register(commands: Commands) -> None:
    report = commands.add_parser(
        "report",
        help="the auditor report from AWS Config's results (account or aggregator)",
        description="Build the report from the pack's results in AWS Config: the current "
        "account and region, or a configuration aggregator. Both rules must have results in "
        "every account and region (with an aggregator: the organization's active accounts "
        "times the aggregator's regions, its population); what has none is reported as "
        "NOT_EVALUATED, and an incomplete population is never a pass.",
        epilog=exit_codes(EXIT_CODES),
    )
    report.add_argument("--aggregator", metavar="NAME", help="a Config aggregator's name")
    report.add_argument(
        "--max-workers",
        type=positive_int(MAX_WORKERS),
        default=DEFAULT_WORKERS,
        help=f"with --aggregator: concurrent Config calls, 1 to {MAX_WORKERS} (default "
        f"{DEFAULT_WORKERS})",
    )
    report.add_argument(
        "--tps",
        type=positive_float(MAX_TPS, "a number of calls a second"),
        default=DEFAULT_TPS,
        metavar="N",
        help=f"with --aggregator: Config calls a second, never exceeded (default {DEFAULT_TPS}: "
        "AWS documents no rate for these calls); slower while Config throttles",
    )
    add_report_options(report)
    report.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:

    from trailguard.aws.aggregate_reads import Pacer
    from trailguard.aws.config_results import build_report, from_account, from_aggregator
    from trailguard.aws.session import AWS_ERRORS, error_text

    from .banner import report_banner

    settle(args, scan=False)
    clients, warnings = open_clients(args)
    warn(None, warnings, args.stderr)
    try:
        identity = clients.client("sts").get_caller_identity()
        partition = identity["Arn"].split(":")[1]
        line = report_banner(identity["Account"], identity["Arn"], clients.region, args.aggregator)
        announce(args, line)
        config = clients.client("config")
        population = None
        if args.aggregator:
            entries, population = from_aggregator(
                config,
                args.aggregator,
                partition,
                clients.client("organizations"),
                exemptions=args.exemptions,
                workers=args.max_workers,
                pacer=Pacer(args.tps),
            )
            source = f"AWS Config aggregator {args.aggregator}"
        else:
            entries = from_account(config, identity["Account"], clients.region, partition)
            source = f"AWS Config in account {identity['Account']}, {clients.region}"
    except AWS_ERRORS as exc:
        raise Failed(f"cannot read AWS Config results: {error_text(exc)}") from exc
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = build_report(entries, source, generated, population)
    scope = base_scope(args, report, identity["Arn"])
    if not args.aggregator:  # an aggregator's accounts and regions: those it collects from
        scope = replace(
            scope, accounts_asked=(identity["Account"],), regions_asked=(clients.region,)
        )
    return finish(report, args, stdout, scope)[1]
