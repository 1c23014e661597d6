"""The output formats: one module each in this package, found by name.

A format module defines ``FORMAT = Format(name=..., summary=..., rank=..., <subject>=...)``
with a renderer for each subject it can show:

- ``report``: a :class:`~trailguard.reporting.model.Report` (``scan``, ``report``);
- ``check``: the :class:`~trailguard.reporting.model.CheckResult` of every file ``check`` read;
- ``plan``: a :class:`~trailguard.reporting.model.PlanResult`;
- ``remediation``: a :class:`~trailguard.reporting.model.RemediationView` (``remediate``).

Every renderer returns text ending with a newline. The CLI takes each command's ``--output``
choices from :func:`choices` and renders with :func:`render`, so a new format is one new module
here and nothing else. ``text`` is the form for a person and every command's default but
``plan``'s; ``json`` is the machine form of every command.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

Subject = Literal["report", "check", "plan", "remediation"]
SUBJECTS: tuple[Subject, ...] = ("report", "check", "plan", "remediation")


@dataclass(frozen=True)
class Format:
    """One output format: its name, a line for ``--help``, and its renderers."""

    name: str
    summary: str
    rank: int = 100  # order in the choices: text, json, csv, html, md, then the rest by name
    report: Callable[[Any], str] | None = None
    check: Callable[[Sequence[Any]], str] | None = None
    plan: Callable[[Any], str] | None = None
    remediation: Callable[[Any], str] | None = None
    aliases: tuple[str, ...] = ()  # older names of its report form
    extension: str = ""  # of a file holding it (``--out-dir``, the demo): the name when empty

    def renderer(self, subject: Subject) -> Callable[[Any], str] | None:
        found: Callable[[Any], str] | None = getattr(self, subject)
        return found


@cache
def formats() -> tuple[Format, ...]:
    """Every format of this package, in choice order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        fmt = getattr(module, "FORMAT", None)
        if isinstance(fmt, Format):
            found.append(fmt)
    return tuple(sorted(found, key=lambda f: (f.rank, f.name)))


def names(subject: Subject) -> tuple[str, ...]:
    """The names of the formats that can show ``subject``, in choice order."""
    return tuple(f.name for f in formats() if f.renderer(subject) is not None)


def choices(subject: Subject) -> tuple[str, ...]:
    """What ``--output`` accepts for ``subject``: the names, then any older aliases."""
    shown = [f for f in formats() if f.renderer(subject) is not None]
    aliases = tuple(a for f in shown for a in f.aliases) if subject == "report" else ()
    return tuple(f.name for f in shown) + aliases


def help_text(subject: Subject) -> str:
    """``--output``'s help: each format's summary."""
    parts = []
    for fmt in formats():
        if fmt.renderer(subject) is not None:
            also = fmt.aliases if subject == "report" else ()
            alias = f" (or {', '.join(also)}, its older name)" if also else ""
            parts.append(f"{fmt.name}{alias}: {fmt.summary}")
    return "; ".join(parts)


def get(name: str, subject: Subject = "report") -> Format:
    """The format called ``name`` (or an alias of it) that can show ``subject``."""
    for fmt in formats():
        if (name == fmt.name or name in fmt.aliases) and fmt.renderer(subject) is not None:
            return fmt
    known = ", ".join(names(subject))
    raise ValueError(f"unknown {subject} format {name!r}: expected one of {known}")


def extension(name: str) -> str:
    """The file extension of the report format ``name`` (``txt``, ``ocsf.json``, ...)."""
    fmt = get(name)
    return fmt.extension or fmt.name


def render(subject: Subject, value: Any, name: str) -> str:
    """``value`` (a ``subject``) in format ``name``."""
    renderer = get(name, subject).renderer(subject)
    assert renderer is not None
    return renderer(value)
