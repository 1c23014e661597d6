"""``trailguard rule run RULE_NAME``: run a Config rule's handler locally."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any, TextIO

from .common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_NON_COMPLIANT,
    EXIT_OK,
    Commands,
    Failed,
    OptionError,
    Parser,
    UsageError,
    add_aws_options,
    exit_codes,
    read_json,
    warn,
)
from .exits import EXIT_TABLE
from .guards import notifier, open_clients

# The evaluations are printed with exit 0, 1 and 4 alike (as check and scan: 1 for anything
# non-compliant).
EXIT_CODES = {
    EXIT_OK: "every evaluation printed is COMPLIANT or NOT_APPLICABLE",
    EXIT_NON_COMPLIANT: "an evaluation printed is NON_COMPLIANT",
    EXIT_BAD_INPUT: EXIT_TABLE[EXIT_BAD_INPUT][1],
    EXIT_FAILED: "a trail could not be read (the evaluations printed lack it)",
}


def register(commands: Commands) -> None:
    rule = commands.add_parser(
        "rule",
        help="run a Config rule locally",
        description="Run the Config rules locally.",
        epilog=exit_codes(EXIT_CODES),
    )
    rule_commands = rule.add_subparsers(
        dest="rule_command", metavar="COMMAND", required=True, parser_class=Parser
    )
    run_cmd = rule_commands.add_parser(
        "run",
        help="run a rule's handler as AWS Config would, print the evaluations (puts nothing)",
        description="Run RULE_NAME against the current credentials and endpoint and print the "
        "evaluations it would put, as JSON.",
        epilog=exit_codes(EXIT_CODES),
    )
    run_cmd.add_argument("rule", metavar="RULE_NAME", help="the Config rule's name")
    source = run_cmd.add_mutually_exclusive_group()
    source.add_argument("--event", metavar="FILE", help="a Config rule event (or invokingEvent)")
    source.add_argument(
        "--scheduled", action="store_true", help="a periodic (scheduled) run (the default)"
    )
    run_cmd.add_argument("--parameters", metavar="JSON", help="the rule parameters, as JSON")
    add_aws_options(run_cmd, "region to evaluate (default: the profile's)")
    run_cmd.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:

    from trailguard.aws.clients import AwsSetupError, new_session
    from trailguard.aws.runtime import RuleError, run_rule
    from trailguard.rules.registry import UnknownRule, rule

    try:
        rule(args.rule)
    except UnknownRule as exc:
        raise OptionError(str(exc)) from exc
    clients, warnings = open_clients(args)
    warn(None, warnings, args.stderr)
    try:
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
            return new_session(notifier(args.stderr), **kwargs)
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
    if any(item["ComplianceType"] == "NON_COMPLIANT" for item in shown):
        return EXIT_NON_COMPLIANT
    return EXIT_OK
