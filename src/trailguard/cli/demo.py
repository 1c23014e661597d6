"""``trailguard demo``: the whole job on an embedded sandbox."""

from __future__ import annotations

import argparse
from typing import TextIO

from .common import (
    BAD_INPUT,
    EXIT_BAD_INPUT,
    EXIT_NON_COMPLIANT,
    EXIT_OK,
    Commands,
    UsageError,
    exit_codes,
)

EXIT_CODES = {
    EXIT_OK: "the demo ran and every check it makes held",
    EXIT_NON_COMPLIANT: "a check of the demo did not hold",
    EXIT_BAD_INPUT: BAD_INPUT + " (e.g. moto is not installed)",
}


def register(commands: Commands) -> None:
    demo = commands.add_parser(
        "demo",
        help="the whole job on an embedded sandbox (no AWS account needed)",
        description="Start a moto server on 127.0.0.1, build an organization with trails of "
        "every shape, run the Config rules, scan, remediate, evaluate again, write reports.",
        epilog=exit_codes(EXIT_CODES),
    )
    demo.add_argument(
        "--out-dir",
        "--out",
        dest="out",
        default="reports",
        metavar="DIR",
        help="folder for the reports (default: reports; --out is its older name)",
    )
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from pathlib import Path

    try:
        from trailguard.demo import run
    except ImportError as exc:  # moto is an optional extra, needed only for the sandbox
        raise UsageError(
            f"the sandbox needs {exc.name or 'moto'}: pip install 'trailguard[sandbox]'"
        ) from exc
    return run(Path(args.out), stdout)
