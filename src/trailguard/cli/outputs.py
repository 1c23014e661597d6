"""Where the report of ``scan`` and ``report`` goes: one format to standard output or
``--out FILE``, or several (``--output html,json,csv``) into ``--out-dir DIR``.

Each file in ``--out-dir`` is named ``trailguard-<command>-<time>.<extension>``, the time being
the report's (UTC, ``20261203T070500Z``): every file of one run has the same name but for the
extension, and a later run never overwrites an earlier one. The extension is the format's
(:func:`trailguard.reporting.formats.extension`). Every file is written whole or not at all:
to a temporary file in the same folder, then renamed over its name. The report is rendered
once per format, all of them before any file is written, from the same report; what is
written never changes the exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from trailguard.reporting import formats

from .common import OptionError, UsageError, emit, one_line, printable
from .suggest import choice_hint

DEFAULT_FORMAT = "text"


class FormatChoices(tuple[str, ...]):
    """``--output``'s choices, the registry's (:func:`formats.choices`): a list of formats is
    among them when each of its names is."""

    def __contains__(self, value: object) -> bool:
        if isinstance(value, tuple):
            return all(tuple.__contains__(self, name) for name in value)
        return tuple.__contains__(self, value)


def parse_formats(names: Iterable[str]) -> tuple[str, ...]:
    """Report format names (or their older aliases) as the formats' own names, in the order
    given, each once; raises ValueError naming an unknown one with a did-you-mean."""
    known = formats.choices("report")
    found: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if name not in known:
            hint = choice_hint(name, formats.names("report"))
            raise ValueError(f"{raw.strip()!r} is not a report format{hint}")
        canonical = formats.get(name, "report").name
        if canonical not in found:
            found.append(canonical)
    if not found:
        raise ValueError("expected a comma-separated list of formats, got nothing")
    return tuple(found)


def format_list(text: str) -> tuple[str, ...]:
    """An argparse ``type``: ``--output html,json,csv``."""
    try:
        return parse_formats(text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def file_name(command: str, generated_at: str, fmt: str) -> str:
    """``trailguard-scan-20261203T070500Z.html``: the report's time without separators."""
    stamp = generated_at.replace("-", "").replace(":", "")
    return f"trailguard-{command}-{stamp}.{formats.extension(fmt)}"


def write_atomically(path: Path, text: str) -> None:
    """``text`` as the file ``path``, whole or not at all (a temporary file in the same
    folder, renamed over ``path``); raises UsageError naming ``path`` when it cannot."""
    temp: str | None = None
    try:
        if path.exists() and not path.is_file():  # a device or a pipe: /dev/stdout, <(...)
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            return
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temp, path)
        temp = None
    except OSError as exc:
        raise UsageError(f"cannot write {one_line(str(path))}: {exc.strerror or exc}") from exc
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def check_destinations(args: argparse.Namespace) -> None:
    """Several formats need ``--out-dir``; ``--out`` names one file."""
    names = args.output or (DEFAULT_FORMAT,)
    if args.out and args.out_dir:
        raise OptionError("--out and --out-dir: give one (--out FILE for one report)")
    if len(names) > 1 and not args.out_dir:
        listed = ",".join(names)
        flag = "--out names one file" if args.out else "several reports need a folder"
        raise OptionError(
            f"--output {listed}: {flag}; add --out-dir DIR (each format is written there as "
            f"trailguard-{args.command}-<time>.<extension>)"
        )


def write_reports(report: Any, args: argparse.Namespace, stdout: TextIO) -> list[str]:
    """The report in each ``--output`` format: to standard output, ``--out FILE`` or
    ``--out-dir DIR`` (see the module docstring); "report written to PATH" for each file on
    standard output. Returns the paths written."""
    names = args.output or (DEFAULT_FORMAT,)
    texts = {name: formats.render("report", report, name) for name in names}
    if args.out_dir:
        try:
            Path(args.out_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            where = one_line(args.out_dir)
            raise UsageError(f"--out-dir: cannot create {where}: {exc.strerror or exc}") from exc
        paths = [
            Path(args.out_dir) / file_name(args.command, report.generated_at, n) for n in names
        ]
    elif args.out:
        paths = [Path(args.out)]
    else:
        text = texts[names[0]]
        text = printable(text) if stdout.isatty() else text
        emit(stdout, text if text.endswith("\n") else text + "\n", args.stderr)
        return []
    for path, text in zip(paths, texts.values(), strict=True):
        write_atomically(path, text)
    lines = "".join(f"report written to {one_line(str(p))}\n" for p in paths)
    emit(stdout, lines, args.stderr)
    return [str(p) for p in paths]
