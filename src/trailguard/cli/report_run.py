"""What ``scan`` and ``report`` share around their report: the options (formats and where
they go, the status filter, ``--quiet``, the settings file, ``--debug``), settling them with
the settings file before any AWS call, the banner, and finishing: exemptions applied, the
scope attached, the exit code taken from the whole report, then the (filtered) report written.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any, TextIO

from trailguard.reporting import formats
from trailguard.reporting.finding import STATUSES
from trailguard.reporting.scope import ReportScope

from .banner import QuietStream, with_config
from .common import EXIT_NON_COMPLIANT, EXIT_OK, add_aws_options, comma_list, warn
from .config_file import find, load, statuses
from .outputs import (
    DEFAULT_FORMAT,
    FormatChoices,
    check_destinations,
    format_list,
    write_reports,
)


def status_list(text: str) -> tuple[str, ...]:
    """An argparse ``type``: ``--status FAIL`` or ``--status FAIL,NOT_EVALUATED``."""
    try:
        return statuses(comma_list(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        type=format_list,
        choices=FormatChoices(formats.choices("report")),
        metavar="FORMATS",
        help=f"{formats.help_text('report')}. Several, comma-separated, need --out-dir (one "
        f"file each) (default: {DEFAULT_FORMAT})",
    )
    parser.add_argument("--out", metavar="FILE", help="write the report to FILE, not stdout")
    parser.add_argument(
        "--out-dir",
        metavar="DIR",
        help="write each --output format to DIR as trailguard-COMMAND-TIME.EXT (TIME: the "
        "report's, UTC), each file whole or not at all",
    )
    parser.add_argument(
        "--status",
        action="append",
        type=status_list,
        metavar="STATUS",
        help=f"show only the findings with these statuses ({', '.join(STATUSES)}; repeat or "
        "comma-separate). What has no result is always shown; the exit code is unchanged",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="nothing on stderr but errors and warnings (no banner, progress or notes)",
    )
    settings = parser.add_mutually_exclusive_group()
    settings.add_argument(
        "--config",
        metavar="FILE",
        help="read settings from FILE (TOML; default: trailguard.toml or .trailguard.toml in "
        "the current folder); the command line wins over it",
    )
    settings.add_argument("--no-config", action="store_true", help="read no settings file")
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,  # so that trailguard --debug scan keeps it
        help="boto3/botocore debug log on stderr (credentials removed) and the traceback of "
        "an unexpected error",
    )
    add_aws_options(parser, "region for the API calls (default: the profile's)")


def settle(args: argparse.Namespace, scan: bool) -> None:
    """Lay the settings file under the command line (see :mod:`.config_file`), then check
    where the report goes. Sets ``args.exemptions`` and ``args.settings_path``."""
    path, warnings = find(args.config, args.no_config)
    settings = load(path) if path is not None else None
    warn(None, warnings, args.stderr)
    args.status = tuple(s for s in STATUSES if any(s in given for given in args.status or ()))
    args.exemptions = ()
    args.settings_path = None
    if settings is not None:
        args.settings_path = settings.path
        args.output = args.output or settings.output
        args.status = args.status or settings.status or ()
        if not args.out:
            args.out_dir = args.out_dir or settings.out_dir
        args.exemptions = settings.exemptions
        if scan:
            args.regions = args.regions or (list(settings.regions) if settings.regions else None)
            args.parameters = _parameters(settings.parameters, args.parameters)
    if args.quiet:
        args.stderr = QuietStream(args.stderr)
    check_destinations(args)


def _parameters(from_file: dict[str, Any], given: str | None) -> str | None:
    """The file's rule parameters with ``--parameters`` laid over them, key by key (JSON
    text); ``given`` as it is when it is not a JSON object (its own error names it)."""
    if not from_file:
        return given
    try:
        over = json.loads(given) if given else {}
    except ValueError:
        return given
    if not isinstance(over, dict):
        return given
    return json.dumps({**from_file, **over})


def announce(args: argparse.Namespace, line: str) -> None:
    """The banner, on stderr (dropped under --quiet)."""
    args.stderr.write(with_config(line, args.settings_path))
    args.stderr.flush()


def finish(
    report: Any, args: argparse.Namespace, stdout: TextIO, scope: ReportScope
) -> tuple[Any, int]:
    """Exemptions applied, ``scope`` attached, the population of the accounts and regions asked
    for (unless the report has its own), the exit code from the whole report, then the
    report written (filtered by ``--status``). Returns the whole report (for what is done
    with it next, e.g. an import) and the exit code."""
    from trailguard.reporting.views import exempted, filtered, scan_population

    report = replace(exempted(report, args.exemptions), scope=scope)
    if report.population is None and scope.accounts_asked and scope.regions_asked:
        # Every account asked times every region asked (an aggregator's report has its own).
        population = scan_population(
            report, scope.accounts_asked, scope.regions_asked, "the accounts and regions asked for"
        )
        report = replace(report, population=population)
    code = EXIT_OK if report.all_clear else EXIT_NON_COMPLIANT
    write_reports(filtered(report, args.status), args, stdout)
    return report, code


def base_scope(args: argparse.Namespace, report: Any, caller: str | None) -> ReportScope:
    """What every run's scope says: the rules, exemptions, version, caller and time."""
    from trailguard import __version__
    from trailguard.rules.registry import rules

    return ReportScope(
        accounts_reached=report.accounts,
        regions_reached=report.regions,
        rules=tuple(r.id for r in rules()),
        exemptions=tuple(args.exemptions),
        tool_version=__version__,
        caller=caller,
        generated_at=report.generated_at,
    )


def scan_scope(
    args: argparse.Namespace,
    report: Any,
    caller: str,
    asked: tuple[str, ...],
    reached: tuple[str, ...],
    regions: list[str],
) -> ReportScope:
    """A scan's scope: the accounts asked and entered, the regions asked, the parameters."""
    from trailguard.rules.metadata import parameters
    from trailguard.rules.registry import rules_for

    strings = parameters(rules_for("trail")[0].metadata, args.parameters)
    exclusions = strings.get("AcceptedExclusions", "-").strip()
    accepted = json.loads(exclusions) if exclusions not in ("", "-") else []
    return replace(
        base_scope(args, report, caller),
        accounts_asked=asked,
        accounts_reached=reached,
        regions_asked=tuple(regions),
        parameters={k: str(v) for k, v in sorted(strings.items())},
        accepted_exclusions=tuple(json.dumps(e, sort_keys=True) for e in accepted),
    )
