"""The ``trailguard`` command line.

Exit codes: 0 compliant (or nothing to do), 1 non-compliant, 2 bad input or usage, 3 refused.
Every expected failure is one line on stderr naming what is wrong and where; a traceback is
never shown to a user.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from trailguard import __version__

if TYPE_CHECKING:
    from trailguard.aws.remediate import RemediationResult
from trailguard.core import (
    AdvancedSelector,
    Gap,
    PlanRefused,
    Requirement,
    SelectorConfig,
    SelectorError,
    Verdict,
    build_requirement,
    check_valid,
    evaluate,
    parse_response,
    plan,
    selectors_to_api,
)
from trailguard.core.exclusions import exclusions_to_api, parse_exclusions
from trailguard.core.record import RECORD_FIELDS, UNDOCUMENTED

EXIT_OK = 0
EXIT_NON_COMPLIANT = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_FAILED = 4


class UsageError(Exception):
    """A problem with what the user gave us; printed as one line, exit 2."""


class Refused(Exception):
    """The request is understood but must not be carried out; one line, exit 3."""


class Failed(Exception):
    """An AWS call or a verification failed; one line, exit 4."""


# Characters a terminal would act on or cannot print, and lone surrogates (a JSON "\ud800"
# escape decodes to one; UTF-8 output refuses it): written out as escapes instead.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_UNPRINTABLE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def one_line(text: str) -> str:
    """``text`` as one printable line: newlines, other control characters and lone surrogates
    from the input are shown as escapes (``\n``, ``\x1b``, ``\ud800``)."""
    return _UNPRINTABLE.sub(_escape, text)


def printable(text: str) -> str:
    """Multi-line ``text`` that prints on any UTF-8 terminal: as :func:`one_line`, newlines
    kept."""
    return _UNPRINTABLE_BUT_NEWLINE.sub(_escape, text)


def _comma_list(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list, got nothing")
    return items


class _Parser(argparse.ArgumentParser):
    """argparse, writing to the streams ``main`` was given, with one-line errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.out: TextIO = sys.stdout
        self.err: TextIO = sys.stderr

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (self.err if file is sys.stderr else self.out).write(message)

    def error(self, message: str) -> NoReturn:
        self.err.write(f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _partition_of(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else None


def read_json(source: str, stdin: TextIO) -> object:
    """The JSON document in file ``source`` (``-`` for standard input)."""
    name = "standard input" if source == "-" else source
    try:
        if source == "-":
            # Decode the bytes ourselves: the text layer of stdin would let bad bytes through.
            buffer = getattr(stdin, "buffer", None)
            data = buffer.read() if buffer is not None else stdin.read().encode("utf-8")
        else:
            with open(source, "rb") as handle:
                data = handle.read()
        text = data.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        return json.loads(text)
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
    name = "standard input" if source == "-" else source
    try:
        config = parse_response(read_json(source, stdin), profile="read")
        warnings = [str(problem) for problem in check_valid(config, profile="read")]
    except SelectorError as exc:
        raise UsageError(f"{name}: {exc}") from exc
    return config, warnings


def warn(source: str, warnings: list[str], stderr: TextIO) -> None:
    """Read-profile warnings on ``stderr``, one line each (``warning: SOURCE: path: message``),
    written once every input was accepted, so that bad input is still one line."""
    name = "standard input" if source == "-" else source
    stderr.writelines(one_line(f"warning: {name}: {warning}") + "\n" for warning in warnings)


def exclusions_from_arg(text: str | None) -> tuple[AdvancedSelector, ...]:
    """``--accept-exclusions``: JSON text, or ``@FILE`` holding it."""
    if text is None:
        return ()
    where = "--accept-exclusions"
    if text.startswith("@"):
        where = text[1:]
        raw = read_json(text[1:], sys.stdin)
    else:
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError) as exc:  # ValueError: also an integer too long
            raise UsageError(f"--accept-exclusions: invalid JSON: {exc}") from exc
    try:
        return parse_exclusions(raw, where)
    except SelectorError as exc:
        raise UsageError(str(exc)) from exc


def requirement_from_args(args: argparse.Namespace, trail_arn: str | None) -> Requirement:
    partition = args.partition or _partition_of(trail_arn) or "aws"
    exclusions = exclusions_from_arg(args.accept_exclusions)
    try:
        return build_requirement(args.resource_types, args.event_names, partition, exclusions)
    except SelectorError as exc:
        raise UsageError(str(exc)) from exc


_EXAMPLE_KEYS = (
    "eventName",
    "resources.ARN",
    "userIdentity.arn",
    "sessionCredentialFromConsole",
    "eventType",
    "readOnly",
)


def _format_example(gap: Gap) -> str:
    example = gap.example
    shown = [f"{key}={example[key]}" for key in _EXAMPLE_KEYS if key in example]
    lacking = dict.fromkeys(("userIdentity.arn", *gap.missing_fields))
    return " ".join(shown + [f"(no {key})" for key in lacking if key not in example])


def render_verdict_text(verdict: Verdict, source: str, trail_arn: str | None) -> str:
    lines = [f"{verdict.compliance}  {trail_arn or source}  ({verdict.selector_kind} selectors)"]
    lines.append(f"  {verdict.annotation}")
    notes: dict[str, str] = {}
    for gap in verdict.gaps:
        lines.append(f"  - {gap.event_name} on {gap.resource_type} [{gap.certainty}]: {gap.cause}")
        if gap.certainty == UNDOCUMENTED:
            lines.append(f"    not shown to be logged, e.g. {_format_example(gap)}")
        else:
            lines.append(f"    not logged, e.g. {_format_example(gap)}")
        for name in gap.missing_fields:
            known = RECORD_FIELDS.get(name)
            notes.setdefault(name, known.note if known else f"no record is known to have {name}")
    for name, note in notes.items():
        lines.append(f"  about {name}: {note}.")
    if any(gap.certainty == UNDOCUMENTED for gap in verdict.gaps):
        lines.append(
            "  undocumented: AWS does not document how a selector condition treats a field the "
            "record lacks, so these events cannot be shown to be logged."
        )
    if verdict.gaps:
        lines.append(f"  fix: trailguard plan {source}   (prints the selectors to put)")
    return "\n".join(lines) + "\n"


def cmd_check(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    config, warnings = load_selectors(args.file, stdin)
    requirement = requirement_from_args(args, config.trail_arn)
    warn(args.file, warnings, args.stderr)
    verdict = evaluate(config, requirement)
    if args.output == "json":
        payload: dict[str, Any] = {"trailARN": config.trail_arn, **verdict.to_dict()}
        payload["requirement"] = [
            {"resourceType": t, "eventNames": list(requirement.event_names(t))}
            for t in requirement.resource_types
        ]
        payload["acceptedExclusions"] = exclusions_to_api(requirement.exclusions)
        payload["warnings"] = warnings
        stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        stdout.write(printable(render_verdict_text(verdict, args.file, config.trail_arn)))
    return EXIT_OK if verdict.compliant else EXIT_NON_COMPLIANT


def cmd_plan(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    config, warnings = load_selectors(args.file, stdin)
    requirement = requirement_from_args(args, config.trail_arn)
    warn(args.file, warnings, args.stderr)
    try:
        proposal = plan(config, requirement, fill_exclusions=args.fill_exclusions)
    except PlanRefused as exc:
        raise Refused(str(exc)) from exc
    payload: dict[str, Any] = {"changed": proposal.changed}
    if proposal.changed:
        payload["AdvancedEventSelectors"] = selectors_to_api(proposal.selectors)
    stdout.write(json.dumps(payload, indent=2) + "\n")
    return EXIT_OK


def _render_remediation_text(result: RemediationResult) -> str:
    lines = [f"{result.trail.arn} (home region {result.trail.home_region}): {result.message}"]
    for item in result.gained:
        names = ", ".join(item["eventNames"])
        lines.append(f"  gains: {names} on {item['resourceType']}")
    if result.changed:
        lines.append("  before:")
        lines += ["    " + line for line in json.dumps(result.before, indent=2).splitlines()]
        lines.append("  after:")
        after = {"AdvancedEventSelectors": result.after}
        lines += ["    " + line for line in json.dumps(after, indent=2).splitlines()]
    return "\n".join(lines) + "\n"


def cmd_remediate(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from trailguard.aws.remediate import RemediationError, remediate
    from trailguard.aws.session import AwsSetupError, Clients

    try:
        clients = Clients.from_profile(args.profile, args.region)
        account = clients.account_id()
        requirement = requirement_from_args(args, args.trail)
        result = remediate(
            clients.cloudtrail,
            args.trail,
            clients.region,
            requirement,
            account_id=account,
            dry_run=args.dry_run,
            fill_exclusions=args.fill_exclusions,
        )
    except (AwsSetupError, SelectorError) as exc:
        raise UsageError(str(exc)) from exc
    except RemediationError as exc:
        if exc.kind == "refused":
            raise Refused(str(exc)) from exc
        raise Failed(str(exc)) from exc
    if args.output == "json":
        stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        stdout.write(_render_remediation_text(result))
    return EXIT_OK


def cmd_build(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
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


def cmd_rule_run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    import boto3

    from trailguard.aws.runtime import RuleError, run_rule
    from trailguard.aws.session import AwsSetupError, Clients
    from trailguard.rules.registry import UnknownRule, rule

    try:
        rule(args.rule)
    except UnknownRule as exc:
        raise UsageError(str(exc)) from exc
    try:
        clients = Clients.from_profile(args.profile, args.region)
        account = clients.account_id()
    except AwsSetupError as exc:
        raise UsageError(str(exc)) from exc
    if args.event:
        loaded = read_json(args.event, stdin)
        if not isinstance(loaded, dict):
            raise UsageError(f"{args.event}: expected a JSON object (a Config rule event)")
        event: dict[str, Any] = (
            {"invokingEvent": json.dumps(loaded)} if "messageType" in loaded else dict(loaded)
        )
    else:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        invoking = {
            "messageType": "ScheduledNotification",
            "notificationCreationTime": now,
            "awsAccountId": account,
        }
        event = {"invokingEvent": json.dumps(invoking)}
    event.setdefault("accountId", account)
    event.setdefault("configRuleName", args.rule)
    event.setdefault("resultToken", "TESTMODE")
    if args.parameters is not None:
        event["ruleParameters"] = args.parameters

    def make_session(**kwargs: Any) -> Any:
        kwargs.setdefault("region_name", clients.region)
        if "aws_access_key_id" in kwargs:
            return boto3.Session(**kwargs)
        return clients.session

    try:
        evaluations, errors = run_rule(args.rule, event, None, make_session, put=False)
    except RuleError as exc:
        raise UsageError(str(exc)) from exc
    keys = ("ComplianceResourceType", "ComplianceResourceId", "ComplianceType", "Annotation")
    shown = [{key: item[key] for key in keys} for item in evaluations]
    stdout.write(json.dumps(shown, indent=2) + "\n")
    if errors:
        raise Failed("not evaluated: " + "; ".join(errors))
    return EXIT_OK


def cmd_deploy(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from pathlib import Path

    from botocore.exceptions import BotoCoreError, ClientError

    from trailguard.artifacts.build import BuildError
    from trailguard.aws.deploy import Deployer, DeployOptions
    from trailguard.aws.session import AwsSetupError, Clients

    regions = args.regions
    clients: Clients | None = None
    if not args.dry_run or not regions:
        try:
            clients = Clients.from_profile(args.profile, regions[0] if regions else args.region)
        except AwsSetupError as exc:
            raise UsageError(str(exc)) from exc
        regions = regions or [clients.region]
    options = DeployOptions(
        bucket=args.bucket,
        regions=regions,
        org=args.org,
        automatic_remediation=args.automatic_remediation,
        organization_id=args.organization_id,
        organizational_units=args.ou or [],
        delegated_admin=args.delegated_admin,
    )
    client_for = None if args.dry_run or clients is None else clients.client
    try:
        deployer = Deployer(Path(args.root), options, client_for)
        calls = deployer.run()
    except BuildError as exc:
        raise UsageError(f"cannot build the artifacts from {args.root}: {exc}") from exc
    except (ClientError, BotoCoreError) as exc:
        raise Failed(f"deploy stopped after {len(deployer.calls)} calls: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"cannot read the artifacts under {args.root}: {exc}") from exc
    if args.dry_run:
        stdout.write(json.dumps([c.to_dict() for c in calls], indent=2) + "\n")
    else:
        for c in calls:
            stdout.write(f"{c.region} {c.service}:{c.operation} done\n")
    return EXIT_OK


def _progress_bar(stream: TextIO) -> Callable[[str, int, int], None] | None:
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


def _write_report(report: Any, args: argparse.Namespace, stdout: TextIO) -> None:
    from trailguard.reporting.render import render

    text = render(report, args.output)
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
        stdout.write(f"report written to {args.out}\n")
    else:
        stdout.write(text if text.endswith("\n") else text + "\n")


def _rule_parameters(raw: str | None) -> Any:
    from trailguard.rules.logic import rule_parameters
    from trailguard.rules.metadata import ParameterError

    try:
        return rule_parameters(raw)
    except ParameterError as exc:
        raise UsageError(f"--parameters: {exc}") from exc


def cmd_scan(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from trailguard.aws.scan import Scanner, Target, enabled_regions, organization_targets
    from trailguard.aws.session import AwsSetupError, Clients
    from trailguard.reporting.model import scan_report

    params = _rule_parameters(args.parameters)
    if args.org and not args.role_name:
        raise UsageError("--org needs --role-name (the role to assume in each account)")
    if not args.org and (args.accounts or args.role_name):
        raise UsageError("--accounts and --role-name go with --org")
    try:
        clients = Clients.from_profile(args.profile, args.region)
        session = clients.session
        account = clients.account_id()
        regions = args.regions or enabled_regions(session, clients.region)
        if args.org:
            targets = organization_targets(
                session, args.role_name, args.accounts, lambda **kw: boto3.Session(**kw)
            )
        else:
            targets = [Target(account, session)]
    except AwsSetupError as exc:
        raise UsageError(str(exc)) from exc
    except (ClientError, BotoCoreError) as exc:
        raise Failed(f"cannot start the scan: {exc}") from exc
    no_accounts = "no account to scan"
    if args.org:
        no_accounts = "no active account found in the organization"
    scanner = Scanner(
        targets,
        regions,
        params,
        max_workers=args.max_workers,
        progress=_progress_bar(args.stderr),
        no_accounts=no_accounts,
    )
    result = scanner.scan()
    report = scan_report(
        result.findings,
        result.facts,
        result.not_evaluated,
        title="trailguard scan: CloudTrail recording of Amazon SNS data events",
        source=f"live scan of {len(targets)} account(s), {len(regions)} region(s)",
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    _write_report(report, args, stdout)
    return EXIT_OK if report.all_clear else EXIT_NON_COMPLIANT


def cmd_report(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from trailguard.aws.config_results import build_report, from_account, from_aggregator
    from trailguard.aws.session import AwsSetupError, Clients

    try:
        clients = Clients.from_profile(args.profile, args.region)
        identity = clients.client("sts").get_caller_identity()
        partition = identity["Arn"].split(":")[1]
        config = clients.client("config")
        if args.aggregator:
            entries = from_aggregator(config, args.aggregator, partition)
            source = f"AWS Config aggregator {args.aggregator}"
        else:
            entries = from_account(config, identity["Account"], clients.region, partition)
            source = f"AWS Config in account {identity['Account']}, {clients.region}"
    except AwsSetupError as exc:
        raise UsageError(str(exc)) from exc
    except (ClientError, BotoCoreError) as exc:
        raise Failed(f"cannot read AWS Config results: {exc}") from exc
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = build_report(entries, source, generated)
    _write_report(report, args, stdout)
    return EXIT_OK if report.all_clear else EXIT_NON_COMPLIANT


def cmd_demo(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from pathlib import Path

    try:
        from trailguard.demo import run
    except ImportError as exc:  # moto is an optional extra, needed only for the sandbox
        raise UsageError(
            f"the sandbox needs {exc.name or 'moto'}: pip install 'trailguard[sandbox]'"
        ) from exc
    return run(Path(args.out), stdout)


# The exit codes of the commands that write a report (scan, report).
REPORT_EXIT_CODES = (
    "Exit codes: 0 everything asked for was evaluated and is compliant; 1 anything is "
    "non-compliant or not evaluated (an account, region or rule with no result, or nothing "
    "evaluated at all: the report opens with what and why, and CSV/JSON carry it as "
    "NOT_EVALUATED rows); 2 bad input or set-up; 4 an AWS call failed before any report. "
    "A report is written only with exit 0 or 1."
)


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", choices=("table", "json", "csv", "html", "md"), default="table")
    parser.add_argument("--out", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--profile")
    parser.add_argument("--region", help="region for the API calls (default: the profile's)")


def _add_requirement_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resource-types",
        type=_comma_list,
        metavar="TYPES",
        help="comma-separated resource types that must be logged (default: AWS::SNS::Topic; "
        "add AWS::SNS::PlatformEndpoint for mobile push)",
    )
    parser.add_argument(
        "--event-names",
        type=_comma_list,
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


def _add_fill_exclusions(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fill-exclusions",
        action="store_true",
        help="let the added selectors log the accepted exclusions too (by default they stay "
        "unlogged where one condition can say so)",
    )


def build_parser() -> _Parser:
    parser = _Parser(
        prog="trailguard",
        description="Check and fix CloudTrail recording of Amazon SNS data events.",
    )
    parser.add_argument("--version", action="version", version=f"trailguard {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    check = commands.add_parser(
        "check",
        help="check the output of 'aws cloudtrail get-event-selectors' (offline)",
        description="Decide whether a trail's event selectors log every required data event. "
        "Exit 0 compliant, 1 non-compliant, 2 bad input.",
    )
    check.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    _add_requirement_options(check)
    check.add_argument("--output", choices=("text", "json"), default="text")
    check.set_defaults(handler=cmd_check)

    plan_cmd = commands.add_parser(
        "plan",
        help="print the AdvancedEventSelectors that fix a trail, keeping all it logs (offline)",
        description="Plan the selectors to put: existing ones kept (basic ones converted), "
        "the missing data events added. Prints {changed, AdvancedEventSelectors}. "
        "Exit 0 on a plan or no change, 2 bad input, 3 when no plan fits CloudTrail's limits.",
    )
    plan_cmd.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    _add_requirement_options(plan_cmd)
    _add_fill_exclusions(plan_cmd)
    plan_cmd.set_defaults(handler=cmd_plan)

    remediate_cmd = commands.add_parser(
        "remediate",
        help="fix one live trail: plan, put, read back and verify (restores on failure)",
        description="Add the missing selectors to a trail in its home region, keeping all it "
        "logs. Exit 0 done or nothing to do, 2 bad input or setup, 3 refused, 4 failed.",
    )
    remediate_cmd.add_argument("--trail", required=True, metavar="NAME|ARN")
    remediate_cmd.add_argument("--region", help="region to look the trail up from")
    remediate_cmd.add_argument("--profile", help="AWS CLI profile to use")
    remediate_cmd.add_argument(
        "--dry-run", action="store_true", help="print before/after selectors, write nothing"
    )
    remediate_cmd.add_argument("--output", choices=("text", "json"), default="text")
    _add_requirement_options(remediate_cmd)
    _add_fill_exclusions(remediate_cmd)
    remediate_cmd.set_defaults(handler=cmd_remediate)

    build_cmd = commands.add_parser(
        "build",
        help="regenerate the SSM document (and other generated files) from the source",
        description="Write the generated artifacts under ROOT (default: the current folder).",
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
    build_cmd.set_defaults(handler=cmd_build)

    deploy = commands.add_parser(
        "deploy",
        help="deploy the rules, remediation and conformance pack (account or organization)",
        description="Upload the Lambda bundles and templates to BUCKET and create or update the "
        "stacks (--org: central Lambdas and a service-managed StackSet for every account). "
        "Run from a checkout of the project. --dry-run lists every call and makes none.",
    )
    deploy.add_argument(
        "--bucket", required=True, help="artifact bucket in each region ({region} is replaced)"
    )
    deploy.add_argument("--regions", type=_comma_list, help="comma-separated (default: current)")
    deploy.add_argument("--region", help=argparse.SUPPRESS)
    deploy.add_argument("--profile")
    deploy.add_argument("--org", action="store_true", help="deploy across the organization")
    deploy.add_argument("--organization-id", help="skip looking it up (o-...)")
    deploy.add_argument(
        "--ou", action="append", help="organizational unit to deploy to (default: the root)"
    )
    deploy.add_argument(
        "--delegated-admin", action="store_true", help="call StackSets as a delegated admin"
    )
    deploy.add_argument("--automatic-remediation", action="store_true")
    deploy.add_argument("--dry-run", action="store_true", help="list the calls, make none")
    deploy.add_argument("--root", default=".", help="the project checkout (default: here)")
    deploy.set_defaults(handler=cmd_deploy)

    scan = commands.add_parser(
        "scan",
        help="evaluate live accounts and regions as the Config rules would",
        description="Per-trail and per-account-and-region findings, the same verdicts and "
        "annotations as the Config rules.",
        epilog=REPORT_EXIT_CODES,
    )
    scan.add_argument("--regions", type=_comma_list, help="default: all enabled regions")
    scan.add_argument("--org", action="store_true", help="every active account of the org")
    scan.add_argument("--role-name", help="with --org: the role to assume in each account")
    scan.add_argument("--accounts", type=_comma_list, help="with --org: only these accounts")
    scan.add_argument("--parameters", metavar="JSON", help="rule parameters, as for the rules")
    scan.add_argument("--max-workers", type=int, default=8, help="concurrent calls (default 8)")
    _add_report_options(scan)
    scan.set_defaults(handler=cmd_scan)

    report = commands.add_parser(
        "report",
        help="the auditor report from AWS Config's results (account or aggregator)",
        description="Build the report from the pack's results in AWS Config: the current "
        "account and region, or a configuration aggregator. Both rules must have results in "
        "every account and region (in an aggregator: each one with any Config rule); what has "
        "none is reported as NOT_EVALUATED.",
        epilog=REPORT_EXIT_CODES,
    )
    report.add_argument("--aggregator", metavar="NAME", help="a Config aggregator's name")
    _add_report_options(report)
    report.set_defaults(handler=cmd_report)

    demo = commands.add_parser(
        "demo",
        help="the whole job on an embedded sandbox (no AWS account needed)",
        description="Start a moto server on 127.0.0.1, build an organization with trails of "
        "every shape, run the Config rules, scan, remediate, evaluate again, write reports.",
    )
    demo.add_argument("--out", default="reports", help="folder for the reports (default: reports)")
    demo.set_defaults(handler=cmd_demo)

    rule = commands.add_parser(
        "rule", help="run a Config rule locally", description="Run the Config rules locally."
    )
    rule_commands = rule.add_subparsers(
        dest="rule_command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    run = rule_commands.add_parser(
        "run",
        help="run a rule's handler as AWS Config would, print the evaluations (puts nothing)",
        description="Run RULE_NAME against the current credentials and endpoint and print the "
        "evaluations it would put. Exit 0, 2 bad input, 4 when a trail could not be read.",
    )
    run.add_argument("rule", metavar="RULE_NAME")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--event", metavar="FILE", help="a Config rule event (or invokingEvent)")
    source.add_argument(
        "--scheduled", action="store_true", help="a periodic (scheduled) run (the default)"
    )
    run.add_argument("--parameters", metavar="JSON", help="the rule parameters, as JSON")
    run.add_argument("--region")
    run.add_argument("--profile")
    run.set_defaults(handler=cmd_rule_run)
    return parser


def _subparsers(parser: _Parser) -> list[_Parser]:
    found: list[_Parser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if isinstance(sub, _Parser):
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
    try:
        result: int = args.handler(args, stdin, stdout)
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
        return 130
    except Exception as exc:
        # An AWS client error no command anticipated (no endpoint, expired token, ...): one
        # line, never a traceback. Matched by module so that `check` need not import botocore.
        if not type(exc).__module__.startswith("botocore"):
            raise
        stderr.write(f"trailguard: failed: {one_line(str(exc))}\n")
        return EXIT_FAILED
    return result
