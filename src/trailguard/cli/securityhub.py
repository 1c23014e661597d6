"""``scan --to-securityhub``: the option, and the import run after the report is written
(:mod:`trailguard.aws.securityhub`)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import AWS_FAILED, EXIT_FAILED
from .guards import notifier

HELP = (
    "after writing the report, import its findings into AWS Security Hub, each account's "
    "through its own session in the finding's region, and archive trailguard's findings that "
    "this scan no longer has (only where it evaluated everything); exit 4 if any finding was "
    "not imported"
)
# scan's exit 4: the report commands' one, and the import's (after the report is written).
EXIT_TEXT = (
    f"{AWS_FAILED} before any report (a report is written only with exit 0 or 1), or, with "
    "--to-securityhub, the report was written but a finding was not imported or archiving "
    "failed (each said on stderr)"
)


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to-securityhub", action="store_true", help=HELP)


def import_report(
    report: Any,
    targets: list[Any],
    regions: list[str],
    home_region: str,
    args: argparse.Namespace,
    code: int,
) -> int:
    """Import ``report``, one stderr line per account-region and per finding not imported;
    ``code`` (the report's exit) unless anything failed (4)."""
    from trailguard.aws.securityhub import import_report as run

    result = run(report, targets, regions, home_region, max_workers=args.max_workers)
    notify = notifier(args.stderr)
    for line in result.lines():
        notify(line)
    return code if result.ok else EXIT_FAILED
