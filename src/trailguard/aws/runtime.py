"""The Config rule runtime, written once for every rule (rdklib's plumbing as the checklist).

Parses ``invokingEvent`` and ``ruleParameters``; handles configuration change notifications
(inflating oversized ones from the configuration history), scheduled notifications, deleted
resources and ``eventLeftScope``; evaluates each trail once, in its home region; reports trails
that no longer exist as NOT_APPLICABLE on periodic runs; puts evaluations in batches of 100 with
``TestMode`` for the ``TESTMODE`` token; and assumes ``executionRoleArn`` when invoked for
another account. Anything that could not be read is never reported COMPLIANT: what could be
evaluated is put, then the invocation fails naming the trails and errors.

Another account's organization trail is read by a central function with its own credentials
(:class:`~trailguard.aws.trails.CentralReader`), never through the member's role; a function
deployed in the member tries with the member's (whether AWS allows it is not documented). One
that could not be read makes the account rule NON_COMPLIANT saying why, never a failed run.

The event is read, and refused when malformed or when it names a role outside its account, by
:mod:`trailguard.aws.config_event`, before anything is assumed, read or put. Best-effort steps
(retiring the results of deleted trails) run after the put and never stop it.

The rule is looked up in :mod:`trailguard.rules.registry` and run by its scope (``trail``:
change notifications and scheduled runs per trail; ``account-region``: one evaluation per
scheduled run); trails are read by :mod:`trailguard.aws.trails` under its error policy.

Needs only the standard library and boto3 (it runs in Lambda); the session is passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.config_event import (
    CHANGE,
    FUNCTION_ARN,
    GONE_STATUSES,
    REGION,
    SCHEDULED,
    ConfigItem,
    Invocation,
    RuleError,
    from_history,
)
from trailguard.aws.session import (
    BEST_EFFORT_CONFIG,
    RETRY_CONFIG,
    SessionMaker,
    error_text,
    session_for,
)
from trailguard.aws.trails import CentralReader, list_trails, read_tags, read_trail_facts
from trailguard.rules.facts import NOT_APPLICABLE, Finding, NotEvaluated, TrailFacts
from trailguard.rules.registry import Scope

if TYPE_CHECKING:
    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_config import ConfigServiceClient

LOG = logging.getLogger("trailguard.rules")
BATCH_SIZE = 100  # PutEvaluations takes at most 100 evaluations a call
COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", NOT_APPLICABLE)
# RuleError comes from config_event; callers take it from here, with the runtime.
__all__ = ["SCOPES", "RuleError", "RuleRun", "handle", "run_rule"]


def _evaluation(finding: Finding, when: datetime) -> dict[str, Any]:
    """The PutEvaluations entry of ``finding``; RuleError (a bug, never put) when it lacks
    what Config requires."""
    if not (
        finding.resource_id.strip()
        and len(finding.resource_id) <= 768
        and 0 < len(finding.resource_type) <= 256
        and finding.compliance in COMPLIANCE_TYPES
        and 0 < len(finding.annotation) <= 256
    ):
        raise RuleError(f"{finding.rule_id}: refusing to put an incomplete evaluation {finding}")
    return {
        "ComplianceResourceType": finding.resource_type,
        "ComplianceResourceId": finding.resource_id,
        "ComplianceType": finding.compliance,
        "Annotation": finding.annotation,
        "OrderingTimestamp": when,
    }


class RuleRun:
    """One invocation: gathers facts through ``session``, decides, puts (unless told not to)."""

    def __init__(
        self, invocation: Invocation, session: Any, region: str, central: CentralReader | None
    ) -> None:
        """``central``: when the function acts for another account (``session`` is a role
        assumed there), what reads organization trails with the function's own credentials."""
        self.inv = invocation
        self.session = session
        self.region = region
        self.central = central
        self.errors: list[str] = []
        self._clients: dict[str, Any] = {}
        self.when = invocation.notified or datetime.now(UTC)
        # The trails that exist here, once a scheduled run has listed them (to retire the
        # results of the others).
        self.current: set[str] | None = None

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

    def not_applicable(self, resource_type: str, resource_id: str, why: str) -> Finding:
        return Finding(
            rule_id=self.inv.rule.id,
            resource_type=resource_type,
            resource_id=resource_id,
            compliance=NOT_APPLICABLE,
            annotation=why,
            account_id=self.inv.account_id,
            region=self.region,
        )

    # --- scope "trail": one evaluation per trail --------------------------------------------

    def _trail(self) -> list[tuple[Finding, datetime]]:
        if self.inv.message_type == SCHEDULED:
            return self._trail_scheduled()
        return self._trail_change()

    def _why_not_applicable(self, item: ConfigItem) -> str | None:
        if self.inv.left_scope:
            return "The trail is no longer in the scope of this rule"
        if item.status in GONE_STATUSES:
            return GONE_STATUSES[item.status]
        if item.resource_type != self.inv.rule.resource_type:
            return f"{item.resource_type} is not evaluated by this rule"
        return None

    def _configuration_item(self) -> ConfigItem:
        """The notification's item; an oversized notification's is read from the history
        (unless its summary already makes it NOT_APPLICABLE)."""
        summary = self.inv.item
        if summary is None:  # never: Invocation.parse reads it for both message types
            raise RuleError(f"{self.inv.message_type}: no configuration item")
        if self.inv.message_type == CHANGE or self._why_not_applicable(summary) is not None:
            return summary
        request: dict[str, Any] = {
            "resourceType": summary.resource_type,
            "resourceId": summary.resource_id,
            "limit": 1,
        }
        if summary.captured is not None:
            request["laterTime"] = summary.captured
        return from_history(self.config().get_resource_config_history(**request), summary)

    def _trail_change(self) -> list[tuple[Finding, datetime]]:
        item = self._configuration_item()
        when = item.captured or self.when
        reason = self._why_not_applicable(item)
        if reason is not None:
            return [(self.not_applicable(item.resource_type, item.resource_id, reason), when)]
        description = item.trail
        if description is None:  # never: ConfigItem.read describes an applicable trail
            raise RuleError(f"{item.resource_id}: the trail's configuration was not read")
        arn = description["TrailARN"]
        if description["HomeRegion"] != self.region or arn.split(":")[4] != self.inv.account_id:
            # Judged elsewhere (the rule says where): nothing to read here.
            facts = TrailFacts.from_description(description)
        else:
            tags, tags_error = item.tags, None
            if tags is None and self.inv.params.exemption_tag_key:
                read, unread = read_tags(self.cloudtrail(), [arn])
                tags, tags_error = read.get(arn), unread.get(arn)
            facts = self.facts(description, tags, tags_error)
        return [(f, when) for f in self._evaluate_trails([facts])]

    def _trail_scheduled(self) -> list[tuple[Finding, datetime]]:
        client = self.cloudtrail()
        home = [
            t
            for t in list_trails(client)
            if t.get("HomeRegion") == self.region
            and str(t.get("TrailARN", "")).split(":")[4:5] == [self.inv.account_id]
        ]
        tags: dict[str, dict[str, str]] = {}
        unread: dict[str, str] = {}
        if self.inv.params.exemption_tag_key and home:
            tags, unread = read_tags(client, [t["TrailARN"] for t in home])
        facts = [self.facts(t, tags.get(t["TrailARN"]), unread.get(t["TrailARN"])) for t in home]
        # Every trail that still exists, evaluated or not: one that could not be read must
        # keep its last result, not be retired as gone.
        self.current = {str(t.get("Name")) for t in home}
        return [(f, self.when) for f in self._evaluate_trails(facts)]

    def retire(self, put: bool) -> list[dict[str, Any]]:
        """After a scheduled run's evaluations are put: NOT_APPLICABLE for the trails this
        rule has a COMPLIANT or NON_COMPLIANT result for that no longer exist (put unless
        ``put`` is False).

        Best effort, so it never fails the run: if the results cannot be listed or put, stale
        results stay until Config's own deletion notification; that never hides a finding.
        """
        if self.current is None:
            return []
        try:
            gone = [r for r in self._previously_evaluated() if r not in self.current]
            why = "The trail no longer exists"
            evaluations = [
                _evaluation(self.not_applicable(self.inv.rule.resource_type, r, why), self.when)
                for r in gone
            ]
            if put and evaluations:
                self.put(evaluations)
        except Exception as exc:  # best effort: whatever goes wrong, the run goes on
            if isinstance(exc, ClientError | BotoCoreError):
                text = error_text(exc)
            else:
                text = str(exc) if isinstance(exc, RuleError) else repr(exc)
            LOG.warning("stale results of deleted trails not retired: %s", text)
            return []
        return evaluations

    def _previously_evaluated(self) -> list[str]:
        """Trails this rule has a COMPLIANT or NON_COMPLIANT result for (one retry at most)."""
        ids: list[str] = []
        client = self.session.client("config", region_name=self.region, config=BEST_EFFORT_CONFIG)
        paginator = client.get_paginator("get_compliance_details_by_config_rule")
        pages: Iterator[dict[str, Any]] = paginator.paginate(
            ConfigRuleName=self.inv.rule_name, ComplianceTypes=["COMPLIANT", "NON_COMPLIANT"]
        )
        for page in pages:
            for result in page.get("EvaluationResults", []):
                qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                if qualifier.get("ResourceType") == self.inv.rule.resource_type:
                    ids.append(qualifier["ResourceId"])
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
        trails = [self._coverage_facts(t) for t in list_trails(self.cloudtrail())]
        try:
            finding = self.inv.rule.evaluate(
                self.inv.account_id, self.region, trails, self.inv.params
            )
        except NotEvaluated as exc:
            self.errors.append(str(exc))
            return []
        return [(finding, self.when)]

    def _coverage_facts(self, trail: dict[str, Any]) -> TrailFacts:
        """A trail listed here, read for coverage: another account's organization trail by the
        central function when there is one (the member's role could not read it)."""
        if self.central and TrailFacts.from_description(trail).owned_elsewhere(self.inv.account_id):
            return self.central.read(trail, self.region)
        return self.facts(trail)

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
        """Put in batches of 100; RuleError naming what Config refused, after every batch."""
        test_mode = self.inv.result_token == "TESTMODE"
        config = self.client("config")
        failed: list[str] = []
        for start in range(0, len(evaluations), BATCH_SIZE):
            try:
                response = config.put_evaluations(
                    Evaluations=evaluations[start : start + BATCH_SIZE],
                    ResultToken=self.inv.result_token,
                    TestMode=test_mode,
                )
            except (ClientError, BotoCoreError) as exc:
                raise RuleError(f"{self.inv.rule_name}: PutEvaluations: {error_text(exc)}") from exc
            failed += [
                str(e.get("ComplianceResourceId")) for e in response.get("FailedEvaluations", [])
            ]
        if failed:
            raise RuleError(
                f"{self.inv.rule_name}: PutEvaluations refused the evaluations of "
                + ", ".join(failed)
            )


def run_rule(
    rule_id: str,
    event: dict[str, Any],
    context: Any,
    make_session: SessionMaker | None = None,
    put: bool = True,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Run rule ``rule_id`` for one Config invocation: the evaluations (put unless ``put`` is
    False) and what could not be evaluated.

    A malformed event, or one naming a role outside its account, is a RuleError before
    anything is assumed, read or put."""
    if make_session is None:
        import boto3

        make_session = boto3.session.Session
    invocation = Invocation.parse(rule_id, event)
    role_name = invocation.params.execution_role_name
    invocation.check_role(context, role_name)
    session = session_for(event, context, make_session, role_name)
    region = session.region_name
    if not isinstance(region, str) or not REGION.fullmatch(region):
        raise RuleError(f"no AWS region to run in (the session's is {region!r}): set AWS_REGION")
    function = FUNCTION_ARN.fullmatch(str(getattr(context, "invoked_function_arn", "") or ""))
    central = None
    if function is not None and function.group(2) != invocation.account_id:
        central = CentralReader(function.group(2), make_session)  # acting through a role there
    run = RuleRun(invocation, session, region, central)
    evaluations = [_evaluation(finding, when) for finding, when in run.findings()]
    if put and evaluations:
        run.put(evaluations)
    # Best-effort steps come after the put, and never stop it.
    evaluations += run.retire(put)
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
        name = event.get("configRuleName") or rule_id  # checked by run_rule
        raise RuleError(f"{name}: not evaluated, never reported COMPLIANT: " + "; ".join(errors))
    return evaluations


# The scopes this runtime runs (the build refuses a rule of any other).
SCOPES: tuple[Scope, ...] = tuple(RuleRun.BY_SCOPE)
