"""``trailguard report``: the auditor report from AWS Config's results."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TextIO

from .common import (
    EXIT_NON_COMPLIANT,
    EXIT_OK,
    REPORT_EXIT_CODES,
    Commands,
    Failed,
    add_report_options,
    exit_codes,
    warn,
    write_report,
)
from .guards import open_clients

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

    clients, warnings = open_clients(args)
    warn(None, warnings, args.stderr)
    try:
        identity = clients.client("sts").get_caller_identity()
        partition = identity["Arn"].split(":")[1]
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
    write_report(report, args, stdout)
    return EXIT_OK if report.all_clear else EXIT_NON_COMPLIANT
