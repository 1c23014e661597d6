"""``trailguard demo``: the whole job on a machine with no AWS account.

Starts a moto server on 127.0.0.1 (a free port), builds an organization in it (three
accounts, three regions, an organization trail, multi- and single-region trails, basic
selectors, narrowed SNS selectors, a stopped trail, an exempted one and a compliant one),
runs the Config rules as AWS Config invokes them when deployed org-wide (the management
account's central functions, acting in members through their role; a change notification per
trail, then a scheduled run: the organization trail is judged once, in the management
account, and the members' coverage uses that function's own reading of it), scans, runs the
remediation document's own script on the failing trails, evaluates again, and writes the
auditor report before and after; then narrows a trail and finds it through the EventBridge
path (``demo/detect.py``). Nothing leaves 127.0.0.1: the endpoint is forced for every client
and the credentials are fake.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import boto3

from trailguard.aws.runtime import RuleError, run_rule
from trailguard.aws.scan import Scanner, Target
from trailguard.aws.session import session_from_credentials
from trailguard.core.requirement import DEFAULT_RESOURCE_TYPES
from trailguard.demo.aggregator import aggregator_step
from trailguard.demo.detect import detection_step
from trailguard.demo.organization import central_function, members_see_organization_trails
from trailguard.demo.organization import reset as _reset
from trailguard.demo.reports import with_scope, write_all
from trailguard.demo.topics import create_topics
from trailguard.reporting.model import Report, scan_report
from trailguard.reporting.render import render
from trailguard.reporting.titles import DEMO_AFTER_TITLE, DEMO_BEFORE_TITLE
from trailguard.rules.parameters import rule_parameters
from trailguard.rules.registry import SCOPE_RESOURCE_TYPES, rules, rules_for

SANDBOX = Path(__file__).resolve().parent / "sandbox.json"
ROLE = "OrganizationAccountAccessRole"
BUCKET = "trailguard-demo-trails"
CAPTURE_TIME = "2026-11-26T00:00:00.000Z"


@dataclass(frozen=True, slots=True)
class DemoTrail:
    account: str  # key into the demo's accounts: management, payments, analytics
    name: str
    region: str
    story: str
    multi_region: bool = False
    organization: bool = False
    advanced: tuple[dict[str, Any], ...] = ()
    basic: tuple[dict[str, Any], ...] = ()
    logging: bool = True
    tags: tuple[tuple[str, str], ...] = ()


def load_sandbox() -> tuple[tuple[str, ...], tuple[DemoTrail, ...]]:
    """The sandbox organization, kept as data in sandbox.json."""
    data = json.loads(SANDBOX.read_text(encoding="utf-8"))
    trails = tuple(
        DemoTrail(
            account=t["account"],
            name=t["name"],
            region=t["region"],
            story=t["story"],
            multi_region=t.get("multi_region", False),
            organization=t.get("organization", False),
            advanced=tuple(t.get("advanced", ())),
            basic=tuple(t.get("basic", ())),
            logging=t.get("logging", True),
            tags=tuple(t.get("tags", {}).items()),
        )
        for t in data["trails"]
    )
    return tuple(data["regions"]), trails


REGIONS, TRAILS = load_sandbox()
HOME = REGIONS[0]


@contextmanager
def _sandbox_environment(endpoint: str) -> Iterator[None]:
    """Point every boto3 client at the sandbox, with fake credentials, and restore after."""
    saved = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",
        AWS_DEFAULT_REGION=HOME,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Sandbox:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.sessions: dict[str, Any] = {}
        self.account_ids: dict[str, str] = {}
        self.credentials: dict[str, dict[str, Any]] = {}

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    # --- the organization -------------------------------------------------------------------

    def build(self) -> None:
        management = boto3.Session(region_name=HOME)
        organizations = management.client("organizations")
        organizations.create_organization(FeatureSet="ALL")
        me = management.client("sts").get_caller_identity()["Account"]
        self.sessions["management"] = management
        self.account_ids["management"] = me
        for name in ("payments", "analytics"):
            created = organizations.create_account(Email=f"{name}@example.com", AccountName=name)[
                "CreateAccountStatus"
            ]
            account = created["AccountId"]
            creds = management.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="trailguard-demo"
            )["Credentials"]
            self.credentials[name] = dict(creds)
            self.sessions[name] = self._session(name)
            self.account_ids[name] = account
        for key, session in self.sessions.items():
            s3 = session.client("s3", region_name=HOME)
            s3.create_bucket(Bucket=f"{BUCKET}-{self.account_ids[key]}")
        for trail in TRAILS:
            self._create(trail)
        self.say(
            f"Sandbox organization: {', '.join(f'{k} {v}' for k, v in self.account_ids.items())}"
        )
        for trail in TRAILS:
            self.say(f"  {trail.account:<10} {trail.region:<15} {trail.name:<18} {trail.story}")
        create_topics(self.sessions, self.say)

    def _session(self, key: str, region: str = HOME) -> Any:
        creds = self.credentials.get(key)
        if creds is None:
            return boto3.Session(region_name=region)
        return session_from_credentials(self._member_session, creds, region)

    def _member_session(self, **kwargs: Any) -> Any:
        return members_see_organization_trails(boto3.Session(**kwargs), self.sessions["management"])

    def _create(self, trail: DemoTrail) -> None:
        account = self.account_ids[trail.account]
        cloudtrail = self.sessions[trail.account].client("cloudtrail", region_name=trail.region)
        cloudtrail.create_trail(
            Name=trail.name,
            S3BucketName=f"{BUCKET}-{account}",
            IsMultiRegionTrail=trail.multi_region,
            IsOrganizationTrail=trail.organization,
            TagsList=[{"Key": k, "Value": v} for k, v in trail.tags],
        )
        advanced = [
            json.loads(json.dumps(s).replace("000000000000", account)) for s in trail.advanced
        ]
        basic = [json.loads(json.dumps(s).replace("000000000000", account)) for s in trail.basic]
        if advanced:
            cloudtrail.put_event_selectors(TrailName=trail.name, AdvancedEventSelectors=advanced)
        elif basic:
            cloudtrail.put_event_selectors(TrailName=trail.name, EventSelectors=basic)
        if trail.logging:
            cloudtrail.start_logging(Name=trail.name)

    # --- AWS Config, as it invokes the rules ------------------------------------------------

    def _event(self, key: str, invoking: dict[str, Any], rule_id: str) -> dict[str, Any]:
        # Deployed org-wide: the central functions of the management account act in a member
        # through its role (rule parameter ExecutionRoleName, as the member stacks pass it).
        member = key != "management"
        return {
            "invokingEvent": json.dumps(invoking),
            "ruleParameters": json.dumps({"ExecutionRoleName": ROLE} if member else {}),
            "resultToken": "TESTMODE",
            "accountId": self.account_ids[key],
            "configRuleName": rule_id,
        }

    def _central(self, region: str) -> tuple[Any, Callable[..., Any]]:
        return central_function(self.account_ids["management"], region, self._member_session)

    def run_rules(self) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for key in self.sessions:
            for region in REGIONS:
                central = self._central(region)
                cloudtrail = self._session(key, region).client("cloudtrail", region_name=region)
                for trail in cloudtrail.describe_trails(includeShadowTrails=False)["trailList"]:
                    tags = cloudtrail.list_tags(ResourceIdList=[trail["TrailARN"]])
                    tag_list = tags["ResourceTagList"][0].get("TagsList", [])
                    item = {
                        "resourceType": SCOPE_RESOURCE_TYPES["trail"],
                        "resourceId": trail["Name"],
                        "ARN": trail["TrailARN"],
                        "awsRegion": region,
                        "configurationItemStatus": "OK",
                        "configurationItemCaptureTime": CAPTURE_TIME,
                        "tags": {t["Key"]: t["Value"] for t in tag_list},
                        "configuration": {
                            "name": trail["Name"],
                            "trailARN": trail["TrailARN"],
                            "homeRegion": trail["HomeRegion"],
                            "isMultiRegionTrail": trail["IsMultiRegionTrail"],
                            "isOrganizationTrail": trail["IsOrganizationTrail"],
                        },
                    }
                    invoking = {"messageType": "ConfigurationItemChangeNotification",
                                "configurationItem": item}  # fmt: skip
                    for per_trail in rules_for("trail"):
                        results += self._invoke(key, per_trail.id, invoking, central)
                scheduled = {
                    "messageType": "ScheduledNotification",
                    "notificationCreationTime": CAPTURE_TIME,
                    "awsAccountId": self.account_ids[key],
                }
                for each in rules():
                    results += self._invoke(key, each.id, scheduled, central)
        return results

    def _invoke(self, key: str, rule_id: str, invoking: dict[str, Any],
                central: tuple[Any, Callable[..., Any]]) -> list[dict[str, Any]]:  # fmt: skip
        event = self._event(key, invoking, rule_id)
        try:
            evaluations, errors = run_rule(rule_id, event, *central, put=True)
        except RuleError as exc:
            self.say(f"  rule error: {exc}")
            return []
        for error in errors:
            self.say(f"  not evaluated: {error}")
        return [
            {
                **e,
                "rule": rule_id,
                "message": invoking["messageType"],
                "accountId": self.account_ids[key],
            }
            for e in evaluations
        ]

    # --- scan, remediate ----------------------------------------------------------------------

    def scan(self, title: str) -> Report:
        targets = [Target(self.account_ids[k], self._session(k)) for k in self.sessions]
        result = Scanner(targets, list(REGIONS), rule_parameters(), topics=True).scan()
        report = scan_report(
            result.findings,
            result.facts,
            result.not_evaluated,
            title=title,
            source="trailguard demo sandbox (moto server on 127.0.0.1)",
            generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            topics=result.topics,
        )
        return with_scope(report, self.accounts(), REGIONS, self.caller())

    def accounts(self) -> list[str]:
        return list(self.account_ids.values())

    def caller(self) -> str:
        return str(self.sessions["management"].client("sts").get_caller_identity()["Arn"])

    def remediate(self, report: Report) -> list[str]:
        """Run the SSM document's own script for each remediable non-compliant trail, with
        the credentials of the account that owns it (as Automation would)."""
        from trailguard.artifacts.build import document

        script = document()["mainSteps"][0]["inputs"]["Script"]
        module = types.ModuleType("trailguard_ssm_add_selectors")
        sys.modules[module.__name__] = module  # the script is loaded as a module, as SSM does
        exec(compile(script, DOCUMENT_SCRIPT, "exec"), module.__dict__)
        handler = module.remediate_handler
        owners = {v: k for k, v in self.account_ids.items()}
        lines: list[str] = []
        for entry in report.trails():
            if entry.compliance != "NON_COMPLIANT" or not entry.trail_arn:
                continue
            if entry.fix and entry.fix.startswith("aws cloudtrail start-logging"):
                lines.append(
                    f"{entry.resource_id}: stopped trail; not a selector problem: {entry.fix}"
                )
                continue
            lines.append(
                self._attempt(handler, owners[entry.account_id], entry.trail_arn, entry.region)
            )
        return lines

    def _attempt(self, handler: Callable[..., Any], key: str, trail: str, region: str) -> str:
        creds = self.credentials.get(key)
        names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        saved = {k: os.environ.get(k) for k in (*names, "AWS_DEFAULT_REGION")}
        if creds is not None:  # the step runs with the owning account's credentials
            keys = ("AccessKeyId", "SecretAccessKey", "SessionToken")
            os.environ.update({n: str(creds[k]) for n, k in zip(names, keys, strict=True)})
        os.environ["AWS_DEFAULT_REGION"] = region
        try:
            output = handler(
                {
                    "TrailName": trail,
                    "ResourceTypes": ",".join(DEFAULT_RESOURCE_TYPES),
                    "DryRun": "false",
                },
                None,
            )
            return f"{trail} (from {key}): {output['message']}"
        except RuntimeError as exc:
            return f"{trail} (from {key}): {exc}"
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


DOCUMENT_SCRIPT = "<TrailGuard-EnableSnsDataEvents AddSelectors>"


def _print_evaluations(sandbox: Sandbox, evaluations: list[dict[str, Any]]) -> None:
    for e in evaluations:
        if e["message"] != "ScheduledNotification":
            continue
        sandbox.say(
            f"  {e['accountId']} {e['ComplianceResourceId'][:18]:<18} {e['ComplianceType']:<15} "
            f"{e['Annotation'][:110]}"
        )


def run(out_dir: Path, out: TextIO) -> int:
    from moto.server import ThreadedMotoServer

    # The sandbox answers "not implemented" for a few Config calls (the rule handles that);
    # its server logs would bury the story, so logging is muted while the demo runs.
    logging.disable(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _reset(server)
    try:
        host, port = server.get_host_and_port()
        with _sandbox_environment(f"http://{host}:{port}"):
            sandbox = Sandbox(out)
            sandbox.say(
                f"Sandbox: moto server on http://{host}:{port} (nothing leaves this machine)"
            )
            sandbox.build()
            sandbox.say(
                "\n1. AWS Config runs the rules (change notifications, then a scheduled run):"
            )
            _print_evaluations(sandbox, sandbox.run_rules())
            before = sandbox.scan(DEMO_BEFORE_TITLE)
            sandbox.say("\n2. trailguard scan of the organization:")
            sandbox.say(render(before, "text"))
            sandbox.say("3. Remediation: the SSM document's script on each failing trail:")
            for line in sandbox.remediate(before):
                sandbox.say(f"  {line}")
            sandbox.say("\n4. AWS Config evaluates again:")
            _print_evaluations(sandbox, sandbox.run_rules())
            after = sandbox.scan(DEMO_AFTER_TITLE)
            sandbox.say("\n5. trailguard scan after remediation:")
            sandbox.say(render(after, "text"))
            left = [e for e in after.entries if e.compliance == "NON_COMPLIANT"]
            if left:
                sandbox.say("Still non-compliant, and why:")
                for entry in left:
                    sandbox.say(f"  {entry.account_id} {entry.region} {entry.resource_id}: "
                                f"{entry.fix or entry.annotation}")  # fmt: skip
                sandbox.say("  (Remediation changes selectors, never starts a stopped trail.)\n")
            sandbox.say("6. trailguard report --aggregator, from AWS Config's results:")
            aggregated = with_scope(aggregator_step(sandbox), sandbox.accounts(), REGIONS,
                                    sandbox.caller())  # fmt: skip
            reports = [("before", before), ("after", after), ("aggregator", aggregated)]
            sandbox.say("\nReports written (HTML, Markdown, CSV, JSON, OCSF, ASFF):")
            for path in write_all(out_dir, reports):
                sandbox.say(f"  {path}")
            detected = detection_step(sandbox, HOME)
    finally:
        _reset(server)
        server.stop()
        logging.disable(logging.NOTSET)
    return 0 if detected else 1
