"""The Config rule runtime, written once for both rules (rdklib's plumbing as the checklist).

Parses ``invokingEvent`` and ``ruleParameters``; handles configuration change notifications
(inflating oversized ones from the configuration history), scheduled notifications, deleted
resources and ``eventLeftScope``; evaluates each trail once, in its home region; reports trails
that no longer exist as NOT_APPLICABLE on periodic runs; puts evaluations in batches of 100 with
``TestMode`` for the ``TESTMODE`` token; and assumes ``executionRoleArn`` when invoked for
another account. Anything that could not be read is never reported COMPLIANT: what could be
evaluated is put, then the invocation fails naming the trails and errors.

Needs only the standard library and boto3 (it runs in Lambda); the session is passed in.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.rules.logic import (
    ACCOUNT_RULE,
    NOT_APPLICABLE,
    TRAIL_RULE,
    TRAIL_TYPE,
    Finding,
    NotEvaluated,
    RuleParameters,
    TrailFacts,
    evaluate_account,
    evaluate_trail,
)
from trailguard.rules.metadata import ParameterError, load, parameters

LOG = logging.getLogger("trailguard.rules")
BATCH_SIZE = 100  # PutEvaluations takes at most 100 evaluations a call
TAGS_BATCH = 20  # ListTags takes at most 20 trail ARNs a call
DELETED_STATUSES = ("ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded")
Session = Any  # boto3.Session (typed loosely: no stubs needed at run time)


class RuleError(Exception):
    """The invocation must fail (Config shows the message for the rule)."""


@dataclass(frozen=True, slots=True)
class Invocation:
    rule_id: str
    message_type: str
    invoking: dict[str, Any]
    params: RuleParameters
    result_token: str
    rule_name: str
    account_id: str
    left_scope: bool

    @classmethod
    def parse(cls, rule_id: str, event: dict[str, Any]) -> Invocation:
        metadata = load(rule_id)
        try:
            invoking = json.loads(event["invokingEvent"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RuleError(f"invokingEvent is missing or not JSON: {exc}") from exc
        try:
            params = RuleParameters.from_strings(parameters(metadata, event.get("ruleParameters")))
        except ParameterError as exc:
            raise RuleError(f"invalid rule parameters: {exc}") from exc
        return cls(
            rule_id=rule_id,
            message_type=str(invoking.get("messageType", "")),
            invoking=invoking,
            params=params,
            result_token=str(event.get("resultToken", "")),
            rule_name=str(event.get("configRuleName", rule_id)),
            account_id=str(event.get("accountId") or invoking.get("awsAccountId") or ""),
            left_scope=bool(event.get("eventLeftScope")),
        )


def error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def read_trail_facts(
    client: Any, trail: dict[str, Any], tags: dict[str, str] | None = None
) -> TrailFacts:
    """Selectors and status of one trail, read by ARN with ``client`` (a CloudTrail client in
    the trail's home region: that works for shadow trails whether or not CloudTrail answers
    for them elsewhere). A failed read is kept in ``error``, never turned into a verdict."""
    arn = trail.get("TrailARN") or trail.get("trailARN") or ""
    selectors: dict[str, Any] | None = None
    logging: bool | None = None
    errors: list[str] = []
    try:
        response = client.get_event_selectors(TrailName=arn)
        selectors = {
            k: v for k, v in response.items() if k in ("EventSelectors", "AdvancedEventSelectors")
        }
    except (ClientError, BotoCoreError) as exc:
        errors.append(f"GetEventSelectors failed: {error_text(exc)}")
    try:
        logging = bool(client.get_trail_status(Name=arn)["IsLogging"])
    except (ClientError, BotoCoreError) as exc:
        errors.append(f"GetTrailStatus failed: {error_text(exc)}")
    return TrailFacts.from_description(
        trail,
        selectors=selectors,
        is_logging=logging,
        tags=tags,
        error="; ".join(errors) or None,
    )


def _tags_by_arn(client: Any, arns: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(arns), TAGS_BATCH):
        response = client.list_tags(ResourceIdList=arns[start : start + TAGS_BATCH])
        for item in response.get("ResourceTagList", []):
            found[item["ResourceId"]] = {
                t["Key"]: t.get("Value", "") for t in item.get("TagsList", [])
            }
    return found


def list_trails(client: Any) -> list[dict[str, Any]]:
    """Every trail visible from the client's region, shadow trails included."""
    return list(client.describe_trails(includeShadowTrails=True).get("trailList", []))


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

    def __init__(self, invocation: Invocation, session: Session, region: str) -> None:
        self.inv = invocation
        self.session = session
        self.region = region
        self.errors: list[str] = []
        self._clients: dict[str, Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = f"{service}/{region or self.region}"
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=region or self.region)
        return self._clients[key]

    def facts(self, trail: dict[str, Any], tags: dict[str, str] | None = None) -> TrailFacts:
        home = str(trail.get("HomeRegion") or trail.get("homeRegion") or self.region)
        return read_trail_facts(self.client("cloudtrail", home), trail, tags)

    # --- per-trail rule ---------------------------------------------------------------------

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
        elif item.get("resourceType") != TRAIL_TYPE:
            reason = f"{item.get('resourceType')} is not evaluated by this rule"
        if reason is not None:
            arn = str(item.get("ARN") or configuration.get("trailARN") or "")
            account = arn.split(":")[4] if arn.count(":") >= 5 else self.inv.account_id
            finding = Finding(
                TRAIL_RULE, str(item.get("resourceType") or TRAIL_TYPE), resource_id,
                NOT_APPLICABLE, reason, account, self.region, arn or None,
            )  # fmt: skip
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
        client = self.client("cloudtrail")
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
        if self.inv.params.exemption_tag_key and home:
            tags = _tags_by_arn(client, [t["TrailARN"] for t in home])
        facts = [self.facts(t, tags.get(t["TrailARN"], {})) for t in home]
        found = [(f, when) for f in self._evaluate_trails(facts)]
        # Every trail that still exists, evaluated or not: one that could not be read must
        # keep its last result, not be retired as gone.
        current = {str(t.get("Name")) for t in home}
        for resource_id in self._previously_evaluated():
            if resource_id not in current:
                gone = Finding(
                    TRAIL_RULE, TRAIL_TYPE, resource_id, NOT_APPLICABLE,
                    "The trail no longer exists", self.inv.account_id, self.region,
                )  # fmt: skip
                found.append((gone, when))
        return found

    def _previously_evaluated(self) -> list[str]:
        """Trails this rule has a COMPLIANT or NON_COMPLIANT result for (to retire).

        Best effort: if the results cannot be listed, stale results stay until Config's own
        deletion notification; that never hides a finding, so it does not fail the run.
        """
        ids: list[str] = []
        paginator = self.client("config").get_paginator("get_compliance_details_by_config_rule")
        pages: Iterator[dict[str, Any]] = paginator.paginate(
            ConfigRuleName=self.inv.rule_name, ComplianceTypes=["COMPLIANT", "NON_COMPLIANT"]
        )
        try:
            for page in pages:
                for result in page.get("EvaluationResults", []):
                    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                    if qualifier.get("ResourceType") == TRAIL_TYPE:
                        ids.append(qualifier["ResourceId"])
        except (ClientError, BotoCoreError) as exc:
            LOG.warning("cannot list previous results to retire: %s", error_text(exc))
        return ids

    def _evaluate_trails(self, trails: list[TrailFacts]) -> list[Finding]:
        findings = []
        for facts in trails:
            try:
                findings.append(
                    evaluate_trail(facts, self.inv.params, self.region, self.inv.account_id)
                )
            except NotEvaluated as exc:
                self.errors.append(str(exc))
        return findings

    # --- account rule -----------------------------------------------------------------------

    def _account(self) -> list[tuple[Finding, datetime]]:
        when = _timestamp(self.inv.invoking.get("notificationCreationTime"))
        trails = [self.facts(t) for t in list_trails(self.client("cloudtrail"))]
        try:
            finding = evaluate_account(self.inv.account_id, self.region, trails, self.inv.params)
        except NotEvaluated as exc:
            self.errors.append(str(exc))
            return []
        return [(finding, when)]

    # --- the invocation ---------------------------------------------------------------------

    def findings(self) -> list[tuple[Finding, datetime]]:
        try:
            if self.inv.rule_id == ACCOUNT_RULE:
                return self._account()
            if self.inv.message_type == "ScheduledNotification":
                return self._trail_scheduled()
            if self.inv.message_type in (
                "ConfigurationItemChangeNotification",
                "OversizedConfigurationItemChangeNotification",
            ):
                return self._trail_change()
        except (ClientError, BotoCoreError) as exc:
            raise RuleError(f"{self.inv.rule_name}: {error_text(exc)}") from exc
        raise RuleError(f"unsupported messageType {self.inv.message_type!r}")

    def put(self, evaluations: list[dict[str, Any]]) -> None:
        test_mode = self.inv.result_token == "TESTMODE"
        config = self.client("config")
        for start in range(0, len(evaluations), BATCH_SIZE):
            config.put_evaluations(
                Evaluations=evaluations[start : start + BATCH_SIZE],
                ResultToken=self.inv.result_token,
                TestMode=test_mode,
            )


def _own_account(context: Any) -> str | None:
    arn = getattr(context, "invoked_function_arn", "") or ""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else None


def session_for(
    event: dict[str, Any],
    context: Any,
    make_session: Callable[..., Session],
    role_name: str = "",
) -> Session:
    """The session to act with: the function's own, or, when the invocation is for another
    account (a central Lambda serving an organization), a role assumed there: the rule
    parameter ExecutionRoleName when set (as rdklib does), else the event's executionRoleArn."""
    session = make_session()
    own = _own_account(context)
    target = event.get("accountId")
    role = event.get("executionRoleArn")
    if role_name and target:
        function_arn = str(getattr(context, "invoked_function_arn", "") or "arn:aws:")
        role = f"arn:{function_arn.split(':')[1] or 'aws'}:iam::{target}:role/{role_name}"
    if role and target and own and target != own:
        return assume_role_session(session, make_session, role, "trailguard-config-rule")
    return session


def session_from_credentials(
    make_session: Callable[..., Session], credentials: dict[str, Any], region: str | None
) -> Session:
    """A session holding STS ``Credentials`` (as AssumeRole returns them)."""
    return make_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def assume_role_session(
    session: Session, make_session: Callable[..., Session], role_arn: str, name: str
) -> Session:
    """A session acting as ``role_arn``, assumed with ``session``, in the same region."""
    credentials = session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=name)
    return session_from_credentials(make_session, credentials["Credentials"], session.region_name)


def run_rule(
    rule_id: str,
    event: dict[str, Any],
    context: Any,
    make_session: Callable[..., Session] | None = None,
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
    make_session: Callable[..., Session] | None = None,
) -> list[dict[str, Any]]:
    """The Lambda entry: run, put, and fail the invocation (after putting what could be
    evaluated) when anything could not be read, naming the trails and errors."""
    evaluations, errors = run_rule(rule_id, event, context, make_session)
    if errors:
        name = event.get("configRuleName", rule_id)
        raise RuleError(f"{name}: not evaluated, never reported COMPLIANT: " + "; ".join(errors))
    return evaluations
