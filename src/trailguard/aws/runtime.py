"""The Config rule runtime, written once for every rule (rdklib's plumbing as the checklist).

Parses ``invokingEvent`` and ``ruleParameters``; handles configuration change notifications
(inflating oversized ones from the configuration history), scheduled notifications, deleted
resources and ``eventLeftScope``; evaluates each trail once, in its home region; reports trails
that no longer exist as NOT_APPLICABLE on periodic runs; puts evaluations in batches of 100 with
``TestMode`` for the ``TESTMODE`` token; and assumes ``executionRoleArn`` when invoked for
another account. Anything that could not be read is never reported COMPLIANT: what could be
evaluated is put, then the invocation fails naming the trails and errors.

The rule is looked up in :mod:`trailguard.rules.registry` and run by its scope (``trail``:
change notifications and scheduled runs per trail; ``account-region``: one evaluation per
scheduled run); trails are read by :mod:`trailguard.aws.trails` under its error policy.

Needs only the standard library and boto3 (it runs in Lambda); the session is passed in.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.session import (
    BEST_EFFORT_CONFIG,
    RETRY_CONFIG,
    SessionMaker,
    error_text,
    session_for,
)
from trailguard.aws.trails import list_trails, read_tags, read_trail_facts
from trailguard.rules.facts import NOT_APPLICABLE, Finding, NotEvaluated, TrailFacts
from trailguard.rules.metadata import ParameterError, parameters
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import Rule, Scope, UnknownRule, rule

if TYPE_CHECKING:
    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_config import ConfigServiceClient

LOG = logging.getLogger("trailguard.rules")
BATCH_SIZE = 100  # PutEvaluations takes at most 100 evaluations a call
DELETED_STATUSES = ("ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded")
CHANGE_MESSAGES = (
    "ConfigurationItemChangeNotification",
    "OversizedConfigurationItemChangeNotification",
)


class RuleError(Exception):
    """The invocation must fail (Config shows the message for the rule)."""


@dataclass(frozen=True, slots=True)
class Invocation:
    rule: Rule
    message_type: str
    invoking: dict[str, Any]
    params: RuleParameters
    result_token: str
    rule_name: str
    account_id: str
    left_scope: bool

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @classmethod
    def parse(cls, rule_id: str, event: dict[str, Any]) -> Invocation:
        try:
            found = rule(rule_id)
        except UnknownRule as exc:
            raise RuleError(str(exc)) from exc
        try:
            invoking = json.loads(event["invokingEvent"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RuleError(f"invokingEvent is missing or not JSON: {exc}") from exc
        try:
            raw = event.get("ruleParameters")
            params = RuleParameters.from_strings(parameters(found.metadata, raw))
        except ParameterError as exc:
            raise RuleError(f"invalid rule parameters: {exc}") from exc
        return cls(
            rule=found,
            message_type=str(invoking.get("messageType", "")),
            invoking=invoking,
            params=params,
            result_token=str(event.get("resultToken", "")),
            rule_name=str(event.get("configRuleName", rule_id)),
            account_id=str(event.get("accountId") or invoking.get("awsAccountId") or ""),
            left_scope=bool(event.get("eventLeftScope")),
        )


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.now(UTC)


def _evaluation(finding: Finding, when: datetime) -> dict[str, Any]:
    return {
        "ComplianceResourceType": finding.resource_type,
        "ComplianceResourceId": finding.resource_id,
        "ComplianceType": finding.compliance,
        "Annotation": finding.annotation,
        "OrderingTimestamp": when,
    }


class RuleRun:
    """One invocation: gathers facts through ``session``, decides, puts (unless told not to)."""

    def __init__(self, invocation: Invocation, session: Any, region: str) -> None:
        self.inv = invocation
        self.session = session
        self.region = region
        self.errors: list[str] = []
        self._clients: dict[str, Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = f"{service}/{region or self.region}"
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=region or self.region, config=RETRY_CONFIG
            )
        return self._clients[key]

    def cloudtrail(self, region: str | None = None) -> CloudTrailClient:
        client: CloudTrailClient = self.client("cloudtrail", region)
        return client

    def config(self) -> ConfigServiceClient:
        client: ConfigServiceClient = self.client("config")
        return client

    def facts(
        self,
        trail: dict[str, Any],
        tags: dict[str, str] | None = None,
        tags_error: str | None = None,
    ) -> TrailFacts:
        home = str(trail.get("HomeRegion") or trail.get("homeRegion") or self.region)
        return read_trail_facts(self.cloudtrail(home), trail, tags, tags_error)

    # --- scope "trail": one evaluation per trail --------------------------------------------

    def _trail(self) -> list[tuple[Finding, datetime]]:
        if self.inv.message_type == "ScheduledNotification":
            return self._trail_scheduled()
        if self.inv.message_type in CHANGE_MESSAGES:
            return self._trail_change()
        raise RuleError(f"unsupported messageType {self.inv.message_type!r}")

    def _configuration_item(self) -> dict[str, Any]:
        invoking = self.inv.invoking
        if self.inv.message_type == "OversizedConfigurationItemChangeNotification":
            summary = invoking["configurationItemSummary"]
            history = self.client("config").get_resource_config_history(
                resourceType=summary["resourceType"], resourceId=summary["resourceId"], limit=1
            )
            item = dict(history["configurationItems"][0])
            if isinstance(item.get("configuration"), str):
                item["configuration"] = json.loads(item["configuration"])
            item.setdefault("configurationItemStatus", summary.get("configurationItemStatus"))
            return item
        return dict(invoking["configurationItem"])

    def _trail_change(self) -> list[tuple[Finding, datetime]]:
        item = self._configuration_item()
        when = _timestamp(item.get("configurationItemCaptureTime"))
        resource_id = str(item.get("resourceId") or item.get("resourceName") or "")
        configuration = item.get("configuration") or {}
        status = item.get("configurationItemStatus")
        reason = None
        if self.inv.left_scope:
            reason = "The trail is no longer in the scope of this rule"
        elif status in DELETED_STATUSES:
            reason = "The trail has been deleted"
        elif item.get("resourceType") != self.inv.rule.resource_type:
            reason = f"{item.get('resourceType')} is not evaluated by this rule"
        if reason is not None:
            arn = str(item.get("ARN") or configuration.get("trailARN") or "")
            account = arn.split(":")[4] if arn.count(":") >= 5 else self.inv.account_id
            finding = Finding(
                rule_id=self.inv.rule.id,
                resource_type=str(item.get("resourceType") or self.inv.rule.resource_type),
                resource_id=resource_id,
                compliance=NOT_APPLICABLE,
                annotation=reason,
                account_id=account,
                region=self.region,
                trail_arn=arn or None,
            )
            return [(finding, when)]
        description = {**configuration, "Name": resource_id}
        if description.get("homeRegion", self.region) != self.region:
            facts = TrailFacts.from_description(description)
        else:
            tags = item.get("tags") if isinstance(item.get("tags"), dict) else None
            facts = self.facts(description, tags)
        return [(f, when) for f in self._evaluate_trails([facts])]

    def _trail_scheduled(self) -> list[tuple[Finding, datetime]]:
        when = _timestamp(self.inv.invoking.get("notificationCreationTime"))
        client = self.cloudtrail()
        home = [
            t
            for t in list_trails(client)
            if t.get("HomeRegion") == self.region
            and (
                not self.inv.account_id
                or str(t.get("TrailARN", "")).split(":")[4:5] == [self.inv.account_id]
            )
        ]
        tags: dict[str, dict[str, str]] = {}
        unread: dict[str, str] = {}
        if self.inv.params.exemption_tag_key and home:
            tags, unread = read_tags(client, [t["TrailARN"] for t in home])
        facts = [self.facts(t, tags.get(t["TrailARN"]), unread.get(t["TrailARN"])) for t in home]
        found = [(f, when) for f in self._evaluate_trails(facts)]
        # Every trail that still exists, evaluated or not: one that could not be read must
        # keep its last result, not be retired as gone.
        current = {str(t.get("Name")) for t in home}
        for resource_id in self._previously_evaluated():
            if resource_id not in current:
                gone = Finding(
                    rule_id=self.inv.rule.id,
                    resource_type=self.inv.rule.resource_type,
                    resource_id=resource_id,
                    compliance=NOT_APPLICABLE,
                    annotation="The trail no longer exists",
                    account_id=self.inv.account_id,
                    region=self.region,
                )
                found.append((gone, when))
        return found

    def _previously_evaluated(self) -> list[str]:
        """Trails this rule has a COMPLIANT or NON_COMPLIANT result for (to retire).

        Best effort: if the results cannot be listed, stale results stay until Config's own
        deletion notification; that never hides a finding, so it does not fail the run.
        """
        ids: list[str] = []
        client = self.session.client("config", region_name=self.region, config=BEST_EFFORT_CONFIG)
        paginator = client.get_paginator("get_compliance_details_by_config_rule")
        pages: Iterator[dict[str, Any]] = paginator.paginate(
            ConfigRuleName=self.inv.rule_name, ComplianceTypes=["COMPLIANT", "NON_COMPLIANT"]
        )
        try:
            for page in pages:
                for result in page.get("EvaluationResults", []):
                    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                    if qualifier.get("ResourceType") == self.inv.rule.resource_type:
                        ids.append(qualifier["ResourceId"])
        except (ClientError, BotoCoreError) as exc:
            LOG.warning("cannot list previous results to retire: %s", error_text(exc))
        return ids

    def _evaluate_trails(self, trails: list[TrailFacts]) -> list[Finding]:
        findings = []
        for facts in trails:
            try:
                findings.append(
                    self.inv.rule.evaluate(facts, self.inv.params, self.region, self.inv.account_id)
                )
            except NotEvaluated as exc:
                self.errors.append(str(exc))
        return findings

    # --- scope "account-region": one evaluation per account and region --------------------

    def _account(self) -> list[tuple[Finding, datetime]]:
        when = _timestamp(self.inv.invoking.get("notificationCreationTime"))
        trails = [self.facts(t) for t in list_trails(self.cloudtrail())]
        try:
            finding = self.inv.rule.evaluate(
                self.inv.account_id, self.region, trails, self.inv.params
            )
        except NotEvaluated as exc:
            self.errors.append(str(exc))
            return []
        return [(finding, when)]

    # --- the invocation ---------------------------------------------------------------------

    # How each scope is run; a rule of any other scope fails the invocation saying so.
    BY_SCOPE: ClassVar[dict[Scope, Callable[[RuleRun], list[tuple[Finding, datetime]]]]] = {
        "trail": _trail,
        "account-region": _account,
    }

    def findings(self) -> list[tuple[Finding, datetime]]:
        run = self.BY_SCOPE.get(self.inv.rule.scope)
        if run is None:
            raise RuleError(
                f"{self.inv.rule.id}: scope {self.inv.rule.scope!r} is not supported by the "
                "Config rule runtime"
            )
        try:
            return run(self)
        except (ClientError, BotoCoreError) as exc:
            raise RuleError(f"{self.inv.rule_name}: {error_text(exc)}") from exc

    def put(self, evaluations: list[dict[str, Any]]) -> None:
        test_mode = self.inv.result_token == "TESTMODE"
        config = self.client("config")
        for start in range(0, len(evaluations), BATCH_SIZE):
            config.put_evaluations(
                Evaluations=evaluations[start : start + BATCH_SIZE],
                ResultToken=self.inv.result_token,
                TestMode=test_mode,
            )


def run_rule(
    rule_id: str,
    event: dict[str, Any],
    context: Any,
    make_session: SessionMaker | None = None,
    put: bool = True,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Run rule ``rule_id`` for one Config invocation: the evaluations (put unless ``put`` is
    False) and what could not be evaluated."""
    if make_session is None:
        import boto3

        make_session = boto3.session.Session
    invocation = Invocation.parse(rule_id, event)
    session = session_for(event, context, make_session, invocation.params.execution_role_name)
    run = RuleRun(invocation, session, str(session.region_name))
    evaluations = [_evaluation(finding, when) for finding, when in run.findings()]
    if put and evaluations:
        run.put(evaluations)
    return evaluations, run.errors


def handle(
    rule_id: str,
    event: dict[str, Any],
    context: Any,
    make_session: SessionMaker | None = None,
) -> list[dict[str, Any]]:
    """The Lambda entry: run, put, and fail the invocation (after putting what could be
    evaluated) when anything could not be read, naming the trails and errors."""
    evaluations, errors = run_rule(rule_id, event, context, make_session)
    if errors:
        name = event.get("configRuleName", rule_id)
        raise RuleError(f"{name}: not evaluated, never reported COMPLIANT: " + "; ".join(errors))
    return evaluations


# The scopes this runtime runs (the build refuses a rule of any other).
SCOPES: tuple[Scope, ...] = tuple(RuleRun.BY_SCOPE)
