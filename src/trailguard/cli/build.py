"""``trailguard build``: regenerate the generated files from the source."""

from __future__ import annotations

import argparse
from typing import TextIO

from .common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    Failed,
    UsageError,
    exit_codes,
)
from .guards import checkout_root

EXIT_CODES = {
    EXIT_OK: "written (or, with --check, up to date)",
    EXIT_BAD_INPUT: "bad input or usage (one line on stderr), e.g. ROOT is not a source checkout",
    EXIT_FAILED: "a generated file is stale (--check) or cannot be built",
}


def register(commands: Commands) -> None:
    build_cmd = commands.add_parser(
        "build",
        help="regenerate the SSM document (and other generated files) from the source",
        description="Write the generated artifacts under ROOT (default: the current folder), "
        "which must be a checkout of the trailguard source (it holds rules/ and the committed "
        "artifacts).",
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
        "(stored there compressed), and write nothing (works outside a checkout)",
    )
    build_cmd.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from trailguard.artifacts.build import BuildError, build, stale

    try:
        if args.show_script:
            from trailguard.artifacts.build import REMEDIATION_MODULES, flatten

            stdout.write(flatten(REMEDIATION_MODULES)[0])
            return EXIT_OK
        root = checkout_root(args.root, "build")  # before anything is built or written
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
    except OSError as exc:  # a file that cannot be read or written under ROOT
        what = f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
        raise UsageError(f"cannot build under {args.root}: {what}") from exc
    return EXIT_OK
