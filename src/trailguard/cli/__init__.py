"""The ``trailguard`` command line: one module per command, each with its options next to its
handler (``register`` adds the command's parser, ``run`` carries it out).

Exit codes: one table for every command (``EXIT_TABLE`` in :mod:`.exits`, and README's):
0 ok, 1 non-compliant, 2 bad input, 3 refused, 4 failed, 5-7 remediate's unconfirmed, left and
deferred, 130 interrupted; every command's ``--help`` lists those it uses. Every expected
failure is one line on stderr naming what is wrong and where (a usage error also names the
command's ``--help``); a traceback is never shown to a user, but with ``--debug`` (which also
logs boto3's and botocore's requests, credentials removed: :mod:`.debug`).

``--output`` means the same on every command: ``text`` for a person (the default, but for
``plan``, whose output is JSON to put), ``json`` for tools; reports add ``csv``, ``html`` and
``md``. The choices come from :mod:`trailguard.reporting.formats`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from trailguard import __version__

from . import build, check, demo, deploy, iac, plan, remediate, report, rule, scan
from .common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_REFUSED,
    Failed,
    OptionError,
    Parser,
    Refused,
    UsageError,
    one_line,
    printable,
    progress_bar,
    read_json,
)
from .exits import EXIT_INTERRUPTED

__all__ = ["build_parser", "main", "one_line", "printable", "read_json"]

# The commands, in the order ``trailguard --help`` lists them.
COMMANDS = (check, plan, iac, remediate, build, deploy, scan, report, demo, rule)
_progress_bar = progress_bar  # the name tests knew


def build_parser() -> Parser:
    parser = Parser(
        prog="trailguard",
        description="Check and fix CloudTrail recording of Amazon SNS data events.",
        epilog="Run 'trailguard COMMAND --help' for a command's options and exit codes.",
    )
    parser.add_argument("--version", action="version", version=f"trailguard {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="boto3/botocore debug log on stderr (credentials removed) and the traceback of "
        "an unexpected error",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )
    for command in COMMANDS:
        command.register(commands)
    return parser


def _subparsers(parser: Parser) -> list[Parser]:
    found: list[Parser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if isinstance(sub, Parser):
                    found += [sub, *_subparsers(sub)]
    return found


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    for sub in (parser, *_subparsers(parser)):
        sub.out, sub.err = stdout, stderr
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage or help already
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    args.stderr = stderr  # for progress output, on the stream main was given
    if args.debug:
        from .debug import debug_logging

        with debug_logging(stderr):
            return _run(args, stdin, stdout, stderr)
    return _run(args, stdin, stdout, stderr)


def _run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """The command, each expected failure as one line (and ``--debug``'s traceback)."""
    try:
        result: int = args.handler(args, stdin, stdout)
    except OptionError as exc:
        command = " ".join(filter(None, ["trailguard", args.command, _sub(args)]))
        stderr.write(f"trailguard: error: {one_line(str(exc))} (see {command} --help)\n")
        return EXIT_BAD_INPUT
    except UsageError as exc:
        stderr.write(f"trailguard: error: {one_line(str(exc))}\n")
        return EXIT_BAD_INPUT
    except Refused as exc:
        stderr.write(f"trailguard: refused: {one_line(str(exc))}\n")
        return EXIT_REFUSED
    except Failed as exc:
        stderr.write(f"trailguard: failed: {one_line(str(exc))}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        stderr.write("trailguard: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:
        # An AWS client error no command anticipated (no endpoint, expired token, ...): one
        # line, never a traceback. Matched by module so that `check` need not import botocore.
        botocore = type(exc).__module__.startswith("botocore")
        if args.debug:
            from .debug import traceback_text

            stderr.write(traceback_text())
        if not botocore:
            if not args.debug:
                raise
            stderr.write(traceback_text(f"trailguard: failed: unexpected error: {exc!r}"))
            return EXIT_FAILED
        from trailguard.aws.session import error_text  # botocore is loaded already

        stderr.write(f"trailguard: failed: {one_line(error_text(exc))}\n")
        return EXIT_FAILED
    return result


def _sub(args: argparse.Namespace) -> str | None:
    sub: str | None = getattr(args, "rule_command", None)
    return sub
