"""``trailguard report``: the auditor report from AWS Config's results."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
from typing import TextIO

from .common import REPORT_EXIT_CODES, Commands, Failed, exit_codes, warn
from .guards import open_clients
from .report_run import add_report_options, announce, base_scope, finish, settle

EXIT_CODES = REPORT_EXIT_CODES


def register(commands: Commands) -> None:
    report = commands.add_parser(
        "report",
        help="the auditor report from AWS Config's results (account or aggregator)",
        description="Build the report from the pack's results in AWS Config: the current "
        "account and region, or a configuration aggregator. Both rules must have results in "
        "every account and region (in an aggregator: each one with any Config rule); what has "
        "none is reported as NOT_EVALUATED.",
        epilog=exit_codes(EXIT_CODES),
    )
    report.add_argument("--aggregator", metavar="NAME", help="a Config aggregator's name")
    add_report_options(report)
    report.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:

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
        if args.aggregator:
            entries = from_aggregator(config, args.aggregator, partition)
            source = f"AWS Config aggregator {args.aggregator}"
        else:
            entries = from_account(config, identity["Account"], clients.region, partition)
            source = f"AWS Config in account {identity['Account']}, {clients.region}"
    except AWS_ERRORS as exc:
        raise Failed(f"cannot read AWS Config results: {error_text(exc)}") from exc
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = build_report(entries, source, generated)
    scope = base_scope(args, report, identity["Arn"])
    if not args.aggregator:  # an aggregator's accounts and regions: those it collects from
        scope = replace(
            scope, accounts_asked=(identity["Account"],), regions_asked=(clients.region,)
        )
    return finish(report, args, stdout, scope)[1]
