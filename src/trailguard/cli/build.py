"""``trailguard build``: regenerate the generated files from the source."""

from __future__ import annotations

import argparse
from typing import TextIO

from .common import (
    BAD_INPUT,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    Failed,
    exit_codes,
)

EXIT_CODES = {
    EXIT_OK: "written (or, with --check, up to date)",
    EXIT_BAD_INPUT: BAD_INPUT,
    EXIT_FAILED: "a generated file is stale (--check) or cannot be built",
}


def register(commands: Commands) -> None:
    build_cmd = commands.add_parser(
        "build",
        help="regenerate the SSM document (and other generated files) from the source",
        description="Write the generated artifacts under ROOT (default: the current folder).",
        epilog=exit_codes(EXIT_CODES),
    )
    build_cmd.add_argument("--root", default=".", help="repository root to write into")
    build_cmd.add_argument(
        "--check", action="store_true", help="exit 4 if any generated file is stale"
    )
    build_cmd.add_argument(
        "--show-script",
        action="store_true",
        help="print the remediation code the SSM document's AddSelectors step runs "
        "(stored there compressed), and write nothing",
    )
    build_cmd.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from pathlib import Path

    from trailguard.artifacts.build import BuildError, build, stale

    root = Path(args.root)
    try:
        if args.show_script:
            from trailguard.artifacts.build import REMEDIATION_MODULES, flatten

            stdout.write(flatten(REMEDIATION_MODULES)[0])
            return EXIT_OK
        if args.check:
            outdated = stale(root)
            if outdated:
                raise Failed(f"stale generated files (run trailguard build): {', '.join(outdated)}")
            stdout.write("generated files are up to date\n")
            return EXIT_OK
        for path in build(root):
            stdout.write(f"{path}\n")
    except BuildError as exc:
        raise Failed(str(exc)) from exc
    return EXIT_OK
