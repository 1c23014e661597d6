"""What the two Config rules decide, from facts already read: no I/O here.

The Config rule Lambda, ``trailguard rule run`` and ``trailguard scan`` all gather the same
facts (a trail's description, its selectors, its status, its tags) and call these functions,
so that every entry point gives the same verdicts and annotations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from trailguard.core.errors import SelectorError
from trailguard.core.exclusions import parse_exclusions
from trailguard.core.model import AdvancedSelector
from trailguard.core.parse import parse_response
from trailguard.core.requirement import Requirement, build_requirement
from trailguard.core.verdict import ANNOTATION_LIMIT, COMPLIANT, NON_COMPLIANT, Verdict, evaluate
from trailguard.rules.metadata import ParameterError

NOT_APPLICABLE = "NOT_APPLICABLE"
TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
TRAIL_TYPE = "AWS::CloudTrail::Trail"
ACCOUNT_TYPE = "AWS::::Account"


@dataclass(frozen=True, slots=True)
class RuleParameters:
    resource_types: tuple[str, ...] = ("AWS::SNS::Topic",)
    exempt_trails: tuple[str, ...] = ()
    exemption_tag_key: str = ""
    require_logging: bool = True
    execution_role_name: str = ""
    accepted_exclusions: tuple[AdvancedSelector, ...] = ()

    @classmethod
    def from_strings(cls, values: dict[str, str]) -> RuleParameters:
        """From the parameters as strings (schema-checked); raises ParameterError naming a
        parameter whose value does not parse."""

        # "-" stands for "none": AWS Config parameters are better not left empty.
        def items(key: str, default: str = "") -> tuple[str, ...]:
            parts = values.get(key, default).split(",")
            return tuple(v.strip() for v in parts if v.strip() and v.strip() != "-")

        tag_key = values.get("ExemptionTagKey", "").strip()
        role_name = values.get("ExecutionRoleName", "").strip()
        return cls(
            resource_types=items("ResourceTypes", "AWS::SNS::Topic"),
            exempt_trails=items("ExemptTrails"),
            exemption_tag_key="" if tag_key == "-" else tag_key,
            require_logging=values.get("RequireLogging", "true").lower() != "false",
            execution_role_name="" if role_name == "-" else role_name,
            accepted_exclusions=accepted_exclusions(values.get("AcceptedExclusions", "-")),
        )

    def requirement(self, partition: str) -> Requirement:
        return build_requirement(self.resource_types, None, partition, self.accepted_exclusions)


def accepted_exclusions(text: str) -> tuple[AdvancedSelector, ...]:
    """The parameter AcceptedExclusions: ``-`` for none, else a JSON list of CloudTrail field
    selectors (see :mod:`trailguard.core.exclusions`)."""
    if text.strip() in ("", "-"):
        return ()
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParameterError(f"parameter AcceptedExclusions: not valid JSON: {exc}") from exc
    try:
        return parse_exclusions(raw, "AcceptedExclusions")
    except SelectorError as exc:
        raise ParameterError(f"parameter {exc}") from exc


def rule_parameters(raw: str | dict[str, Any] | None = None) -> RuleParameters:
    """The per-trail rule's parameters from ``raw`` over its defaults (as the rule reads them);
    raises ParameterError naming a bad parameter."""
    from trailguard.rules.metadata import load, parameters

    return RuleParameters.from_strings(parameters(load(TRAIL_RULE), raw))


@dataclass(frozen=True, slots=True)
class TrailFacts:
    """What is known of one trail, as seen from one account and region.

    ``selectors`` is the ``GetEventSelectors`` response and ``is_logging`` the
    ``GetTrailStatus`` answer; either is None when it was not (or could not be) read, and then
    ``error`` says why.
    """

    name: str
    arn: str
    home_region: str
    is_multi_region: bool = False
    is_organization: bool = False
    selectors: dict[str, Any] | None = None
    is_logging: bool | None = None
    tags: dict[str, str] | None = None
    error: str | None = None

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]

    def applies_to(self, region: str) -> bool:
        return self.home_region == region or self.is_multi_region or self.is_organization

    @classmethod
    def from_description(cls, trail: dict[str, Any], **facts: Any) -> TrailFacts:
        """From one item of ``DescribeTrails`` (or a configuration item's configuration)."""
        arn = trail.get("TrailARN") or trail.get("trailARN") or ""
        return cls(
            name=trail.get("Name") or trail.get("name") or arn.rsplit("/", 1)[-1],
            arn=arn,
            home_region=trail.get("HomeRegion") or trail.get("homeRegion") or "",
            is_multi_region=bool(trail.get("IsMultiRegionTrail", trail.get("isMultiRegionTrail"))),
            is_organization=bool(
                trail.get("IsOrganizationTrail", trail.get("isOrganizationTrail"))
            ),
            **facts,
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One evaluation, as a Config rule puts it, with the evidence behind it."""

    rule_id: str
    resource_type: str
    resource_id: str
    compliance: str
    annotation: str
    account_id: str
    region: str
    trail_arn: str | None = None
    verdict: Verdict | None = field(default=None, compare=False)


class NotEvaluated(Exception):
    """A trail's facts could not be read, so no verdict may be given (never COMPLIANT)."""


def _cut(text: str) -> str:
    return text if len(text) <= ANNOTATION_LIMIT else text[: ANNOTATION_LIMIT - 1] + "…"


def trail_verdict(facts: TrailFacts, params: RuleParameters) -> Verdict:
    """The core's verdict on the trail's selectors; NotEvaluated when they were not read."""
    if facts.selectors is None:
        raise NotEvaluated(f"{facts.arn}: {facts.error or 'event selectors not read'}")
    try:
        # Read profile: keep an operator trailguard does not know (it only narrows the
        # selector) rather than leave a trail CloudTrail accepted unevaluated.
        config = parse_response({"TrailARN": facts.arn or None, **facts.selectors}, profile="read")
    except SelectorError as exc:
        raise NotEvaluated(f"{facts.arn}: unreadable event selectors: {exc}") from exc
    return evaluate(config, params.requirement(facts.partition))


def _exemption(facts: TrailFacts, params: RuleParameters) -> str | None:
    if facts.name in params.exempt_trails or facts.arn in params.exempt_trails:
        return "Exempted by the rule parameter ExemptTrails"
    key = params.exemption_tag_key
    if key and facts.tags is not None and facts.tags.get(key, "").lower() == "true":
        return f"Exempted by the tag {key}=true on the trail"
    return None


def evaluate_trail(
    facts: TrailFacts, params: RuleParameters, region: str, account_id: str | None = None
) -> Finding:
    """The per-trail rule's evaluation of one trail, in ``region`` of ``account_id``.

    A trail is judged once, in its home region and by the account that owns it: shadow copies
    and other accounts' organization trails are NOT_APPLICABLE here (the account rule counts
    them for coverage).
    """

    def finding(compliance: str, annotation: str, verdict: Verdict | None = None) -> Finding:
        return Finding(
            TRAIL_RULE, TRAIL_TYPE, facts.name, compliance, _cut(annotation),
            facts.account_id, region, facts.arn, verdict,
        )  # fmt: skip

    if account_id and facts.account_id != account_id:
        return finding(
            NOT_APPLICABLE,
            f"Organization trail of account {facts.account_id}: evaluated in that account",
        )
    if facts.home_region != region:
        return finding(NOT_APPLICABLE, f"Evaluated in the trail's home region {facts.home_region}")
    exempt = _exemption(facts, params)
    if exempt:
        return finding(NOT_APPLICABLE, exempt)
    verdict = trail_verdict(facts, params)
    if params.require_logging:
        if facts.is_logging is None:
            raise NotEvaluated(f"{facts.arn}: {facts.error or 'trail status not read'}")
        if not facts.is_logging:
            return finding(
                NON_COMPLIANT,
                "The trail is not logging (stopped), so it records nothing; start it with "
                "StartLogging. Selectors: " + verdict.annotation,
                verdict,
            )
    return finding(verdict.compliance, verdict.annotation, verdict)


def evaluate_account(
    account_id: str, region: str, trails: list[TrailFacts], params: RuleParameters
) -> Finding:
    """The account rule: is there a logging trail that applies here and covers the requirement?

    COMPLIANT needs one such trail whose facts were all read. When none is found but some
    applicable trail could not be read, no verdict is given (NotEvaluated).
    """

    def finding(compliance: str, annotation: str) -> Finding:
        return Finding(
            ACCOUNT_RULE, ACCOUNT_TYPE, account_id, compliance, _cut(annotation),
            account_id, region,
        )  # fmt: skip

    applicable = [t for t in trails if t.applies_to(region)]
    unread: list[str] = []
    reasons: list[str] = []
    for trail in applicable:
        try:
            verdict = trail_verdict(trail, params)
        except NotEvaluated as exc:
            unread.append(str(exc))
            continue
        if trail.is_logging is None:
            unread.append(f"{trail.arn}: {trail.error or 'trail status not read'}")
            continue
        if verdict.compliant and trail.is_logging:
            return finding(
                COMPLIANT, f"Trail {trail.name} ({trail.home_region}) logs it: {verdict.annotation}"
            )
        why = verdict.annotation if trail.is_logging else "not logging"
        reasons.append(f"{trail.name}: {why}")
    if unread:
        raise NotEvaluated("; ".join(unread))
    if not applicable:
        return finding(
            NON_COMPLIANT,
            f"No CloudTrail trail applies to {region}, so SNS data events are not recorded here",
        )
    return finding(
        NON_COMPLIANT,
        f"No logging trail that applies to {region} records SNS data events. " + "; ".join(reasons),
    )
