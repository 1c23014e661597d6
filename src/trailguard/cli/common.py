"""What every command shares: exit codes, errors, the parser class, reading input, the
requirement options and writing a report."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TextIO, TypeAlias

from trailguard.core import (
    AdvancedSelector,
    Requirement,
    SelectorConfig,
    SelectorError,
    build_requirement,
    check_valid,
    parse_response,
)
from trailguard.core.exclusions import parse_exclusions
from trailguard.reporting import formats
from trailguard.reporting.escape import one_line as one_line
from trailguard.reporting.escape import printable as printable
from trailguard.reporting.formats import Subject

from .inputs import (
    MAX_INPUT_BYTES,
    StrictJSONError,
    check_size,
    loads,
    not_selectors,
    read_bounded,
)
from .suggest import option_type_warnings, partition_warning

EXIT_OK = 0
EXIT_NON_COMPLIANT = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_FAILED = 4


class UsageError(Exception):
    """A problem with what the user gave us; printed as one line, exit 2."""


class OptionError(UsageError):
    """A usage error in the options: the line also names the command's ``--help``."""


class Refused(Exception):
    """The request is understood but must not be carried out; one line, exit 3."""


class Failed(Exception):
    """An AWS call or a verification failed; one line, exit 4."""


def comma_list(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list, got nothing")
    return items


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, keeping the line breaks of a description or epilog: each line is
    wrapped on its own, and a line indented by two spaces stays a list item."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        lines = []
        for line in text.splitlines():
            item = line.startswith("  ")
            lines.append(
                textwrap.fill(
                    line.strip(),
                    width,
                    initial_indent=indent + ("  " if item else ""),
                    subsequent_indent=indent + ("      " if item else ""),
                )
            )
        return "\n".join(lines)


class Parser(argparse.ArgumentParser):
    """argparse, writing to the streams ``main`` was given, with one-line errors that name
    the command's ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self.out: TextIO = sys.stdout
        self.err: TextIO = sys.stderr

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (self.err if file is sys.stderr else self.out).write(message)

    def error(self, message: str) -> NoReturn:
        self.err.write(f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_BAD_INPUT)


# What a command's ``register`` adds its parser to.
Commands: TypeAlias = "argparse._SubParsersAction[Parser]"


def exit_codes(codes: Mapping[int, str]) -> str:
    """The ``Exit codes:`` epilog every command's ``--help`` ends with: each code's name from
    the one table (:data:`trailguard.cli.exits.EXIT_TABLE`, README's table too) and what it
    means for this command; then ``130``, which every command has."""
    from .exits import EXIT_INTERRUPTED, exit_line  # exits imports this module

    lines = [exit_line(code, text) for code, text in codes.items()]
    return "Exit codes:\n" + "\n".join([*lines, exit_line(EXIT_INTERRUPTED, "")])


BAD_INPUT = "bad input or usage (one line on stderr)"
AWS_FAILED = "an AWS call or a verification failed"
# The exit codes of the commands that write a report (scan, report).
REPORT_EXIT_CODES = {
    EXIT_OK: "everything asked for was evaluated and is compliant",
    EXIT_NON_COMPLIANT: "anything is non-compliant or not evaluated (an account, region or rule "
    "with no result, or nothing evaluated at all: the report opens with what and why, and CSV "
    "and JSON carry it as NOT_EVALUATED rows)",
    EXIT_BAD_INPUT: "",  # the table's meaning
    EXIT_FAILED: AWS_FAILED + " before any report (a report is written only with exit 0 or 1)",
}


def add_output_option(parser: argparse.ArgumentParser, subject: Subject, default: str) -> None:
    """``--output``, its choices taken from the format registry."""
    parser.add_argument(
        "--output",
        choices=formats.choices(subject),
        default=default,
        metavar="FORMAT",
        help=f"{formats.help_text(subject)} (default: {default})",
    )


def add_aws_options(parser: argparse.ArgumentParser, region_help: str) -> None:
    parser.add_argument("--profile", help="AWS CLI profile to use (default: the environment's)")
    parser.add_argument("--region", help=region_help)


def add_requirement_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resource-types",
        type=comma_list,
        metavar="TYPES",
        help="comma-separated resource types that must be logged (default: AWS::SNS::Topic; "
        "add AWS::SNS::PlatformEndpoint for mobile push)",
    )
    parser.add_argument(
        "--event-names",
        type=comma_list,
        metavar="NAMES",
        help="comma-separated event names required for each type "
        "(default: every data event of each type)",
    )
    parser.add_argument(
        "--partition",
        help="AWS partition of the ARNs to cover (default: from TrailARN, else aws)",
    )
    parser.add_argument(
        "--accept-exclusions",
        metavar="JSON|@FILE",
        help="events that may go unlogged, as a JSON list of CloudTrail field selectors, e.g. "
        '\'[{"Field": "resources.ARN", "StartsWith": ["arn:aws:sns:us-east-1:111122223333:'
        "load-test-\"]}]' (an object with FieldSelectors for an AND of conditions)",
    )


def add_fill_exclusions(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fill-exclusions",
        action="store_true",
        help="let the added selectors log the accepted exclusions too (by default they stay "
        "unlogged where one condition can say so)",
    )


def source_name(source: str) -> str:
    return "standard input" if source == "-" else source


def is_pipe(source: str, stdin: TextIO) -> bool:
    """Whether ``source`` cannot be read a second time: standard input, a named pipe or a
    process substitution (``<(aws cloudtrail get-event-selectors ...)``)."""
    if source == "-":
        return True
    try:
        mode = os.stat(source).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def read_json(source: str, stdin: TextIO) -> object:
    """The JSON document in file ``source`` (``-`` for standard input), read strictly (see
    :mod:`.inputs`): at most MAX_INPUT_BYTES, no duplicate key, no NaN or Infinity."""
    name = source_name(source)
    try:
        if source == "-":
            # Decode the bytes ourselves: the text layer of stdin would let bad bytes through.
            buffer = getattr(stdin, "buffer", None)
            if buffer is not None:
                data = read_bounded(buffer)
            else:
                data = stdin.read(MAX_INPUT_BYTES + 1).encode("utf-8", "surrogatepass")
                check_size(len(data))
        else:
            with open(source, "rb") as handle:
                data = read_bounded(handle)
        text = data.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except ValueError as exc:  # too large
        raise UsageError(f"{name}: {exc}") from exc
    try:
        return loads(text)
    except StrictJSONError as exc:
        raise UsageError(f"{name}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{name}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except (ValueError, RecursionError) as exc:  # e.g. an integer too long, nesting too deep
        raise UsageError(f"{name}: invalid JSON: {exc}") from exc


def load_selectors(source: str, stdin: TextIO) -> tuple[SelectorConfig, list[str]]:
    """Read, parse and validate a ``get-event-selectors`` response, with the read profile:
    what CloudTrail returned is refused only when malformed or impossible to judge soundly.

    Returns the configuration and its warnings (``path: message``); see :func:`warn`.
    """
    from .suggest import input_type_warnings

    raw = read_json(source, stdin)
    wrong = not_selectors(raw)
    if wrong is not None:
        raise UsageError(f"{source_name(source)}: {wrong}")
    try:
        config = parse_response(raw, profile="read")
        warnings = [str(problem) for problem in check_valid(config, profile="read")]
    except SelectorError as exc:
        raise UsageError(f"{source_name(source)}: {exc}") from exc
    return config, warnings + input_type_warnings(config)


def warn(source: str | None, warnings: list[str], stderr: TextIO) -> None:
    """Warnings on ``stderr``, one line each (``warning: SOURCE: path: message``; no SOURCE
    for the options), written once every input was accepted, so that bad input is still one
    line."""
    where = "" if source is None else f"{source_name(source)}: "
    stderr.writelines(one_line(f"warning: {where}{warning}") + "\n" for warning in warnings)


def exclusions_from_arg(text: str | None) -> tuple[AdvancedSelector, ...]:
    """``--accept-exclusions``: JSON text, or ``@FILE`` holding it."""
    if text is None:
        return ()
    where = "--accept-exclusions"
    error: type[UsageError] = OptionError
    if text.startswith("@"):
        where, error = text[1:], UsageError
        raw = read_json(text[1:], sys.stdin)
    else:
        try:
            raw = loads(text)
        except StrictJSONError as exc:
            raise OptionError(f"--accept-exclusions: {exc}") from exc
        except (ValueError, RecursionError) as exc:  # ValueError: also an integer too long
            raise OptionError(f"--accept-exclusions: invalid JSON: {exc}") from exc
    try:
        return parse_exclusions(raw, where)
    except SelectorError as exc:
        raise error(str(exc)) from exc


def _partition_of(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else None


def requirement_from_args(args: argparse.Namespace, trail_arn: str | None) -> Requirement:
    partition = args.partition or _partition_of(trail_arn) or "aws"
    exclusions = exclusions_from_arg(args.accept_exclusions)
    try:
        return build_requirement(args.resource_types, args.event_names, partition, exclusions)
    except SelectorError as exc:
        raise OptionError(str(exc)) from exc


def option_warnings(args: argparse.Namespace) -> list[str]:
    """Did-you-mean warnings for ``--partition`` and ``--resource-types``."""
    found = [partition_warning(args.partition)]
    return [w for w in found if w] + option_type_warnings(args.resource_types)


def progress_bar(stream: TextIO) -> Callable[[str, int, int], None] | None:
    """A one-line progress bar on a terminal; nothing when output is not a terminal."""
    if not stream.isatty():
        return None

    def show(phase: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        stream.write(f"\r{phase:<16} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def emit(stdout: TextIO, text: str, stderr: TextIO) -> None:
    """Write a command's result, so that writing it can never change the exit code (which
    says the verdict): a character the output's encoding cannot hold (a terminal that is not
    UTF-8) is written as an escape; an output that is gone (a pipe whose reader left, a full
    disk) gets one line on ``stderr``."""
    try:
        try:
            stdout.write(text)  # a TextIOWrapper encodes all of it before writing any
        except UnicodeEncodeError:
            stdout.write(text.encode("ascii", "backslashreplace").decode("ascii"))
        stdout.flush()
    except OSError as exc:
        stderr.write(f"trailguard: error: cannot write the output: {exc.strerror or exc}\n")
        # What is still buffered goes nowhere, instead of failing again at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())


def rule_parameters(raw: str | None) -> Any:
    from trailguard.rules.metadata import ParameterError
    from trailguard.rules.parameters import rule_parameters as parse

    try:
        return parse(raw)
    except ParameterError as exc:
        raise OptionError(f"--parameters: {exc}") from exc
