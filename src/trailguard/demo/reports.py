"""What the demo writes: each report in every auditor format, with the scope and population
``trailguard scan`` gives its own (the sandbox's accounts and regions, the default
parameters, the caller of the management account)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from trailguard import __version__
from trailguard.reporting import formats
from trailguard.reporting.model import Report
from trailguard.reporting.render import render
from trailguard.reporting.scope import ReportScope
from trailguard.reporting.views import scan_population
from trailguard.rules.metadata import parameters
from trailguard.rules.registry import rules, rules_for

# The formats an auditor's tools read.
FORMATS = ("html", "md", "csv", "json", "ocsf", "asff")


def with_scope(
    report: Report, accounts: Sequence[str], regions: Sequence[str], caller: str
) -> Report:
    """``report`` with the scope of a run over ``accounts`` in ``regions`` and, unless it has
    its own (an aggregator's), the population of a scan of them."""
    strings = parameters(rules_for("trail")[0].metadata, None)
    scope = ReportScope(
        accounts_asked=tuple(accounts),
        accounts_reached=report.accounts,
        regions_asked=tuple(regions),
        regions_reached=report.regions,
        rules=tuple(r.id for r in rules()),
        parameters={k: str(v) for k, v in sorted(strings.items())},
        tool_version=__version__,
        caller=caller,
        generated_at=report.generated_at,
    )
    population = report.population or scan_population(
        report, accounts, regions, "the sandbox's accounts and regions"
    )
    return replace(report, scope=scope, population=population)


def write_all(out_dir: Path, reports: Sequence[tuple[str, Report]]) -> list[Path]:
    """Each report in every format of :data:`FORMATS`, as ``trailguard-demo-NAME.EXT`` (the
    extension ``--out-dir`` gives the format too)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, report in reports:
        for fmt in FORMATS:
            path = out_dir / f"trailguard-demo-{name}.{formats.extension(fmt)}"
            path.write_text(render(report, fmt), encoding="utf-8")
            paths.append(path)
    return paths
