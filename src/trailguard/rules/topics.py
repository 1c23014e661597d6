"""The SNS topics (and platform endpoints) of one account and region whose publishes go
unrecorded, decided exactly, from the trails the account rule
(cloudtrail-sns-data-events-account-coverage) considers there.

Those trails: the ones that apply to the region, whose selectors and status were read, and
that are logging (the account rule's COMPLIANT needs such a trail; a stopped trail records
nothing, and a trail whose selectors were not read cannot be shown to record anything). A
resource is unrecorded when some required event on it (Publish or PublishBatch on a topic,
Publish on an endpoint) would be logged by none of them: their selectors are judged together
(an event is logged when any trail logs it) against the requirement narrowed to that resource
(:mod:`trailguard.core.topics`), accepted exclusions included.

Never a contradiction with the account rule: when it is COMPLIANT, one of these trails covers
the whole requirement, so it covers every resource and none is unrecorded (a test checks it
over generated trails). The converse does not hold, by the rule's own definition: it asks one
trail to record everything, so two trails that split the events between them (one logs
Publish, the other PublishBatch) leave the region NON_COMPLIANT with every topic recorded.

Pure: the listing is :mod:`trailguard.aws.topics`' job.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

from trailguard.core.convert import effective_selectors
from trailguard.core.model import AdvancedSelector, SelectorConfig
from trailguard.core.requirement import Requirement
from trailguard.core.topics import Coverage
from trailguard.core.verdict import Verdict, evaluate
from trailguard.rules.facts import NotEvaluated, TrailFacts, trail_config
from trailguard.rules.parameters import RuleParameters

TOPIC_TYPE = "AWS::SNS::Topic"
ENDPOINT_TYPE = "AWS::SNS::PlatformEndpoint"
Resource = tuple[str, str]  # (resource type, ARN)


def recording_trails(region: str, trails: Iterable[TrailFacts]) -> list[TrailFacts]:
    """The trails that can record here: they apply to ``region``, are logging, and their
    selectors were read (and parse)."""
    out: list[TrailFacts] = []
    for trail in trails:
        if not trail.applies_to(region) or trail.is_logging is not True:
            continue
        try:
            trail_config(trail)
        except NotEvaluated:
            continue
        out.append(trail)
    return out


def joint_config(trails: list[TrailFacts]) -> SelectorConfig:
    """What ``trails`` log together: one trail's own selectors, or, for several, all their
    selectors in one list, each named after its trail (so that a cause says whose it is)."""
    if len(trails) == 1:
        return replace(trail_config(trails[0]), trail_arn=None)
    selectors = tuple(
        AdvancedSelector(
            s.field_selectors, f"{trail.name}: {s.name}" if s.name else f"{trail.name} #{i + 1}"
        )
        for trail in trails
        for i, s in enumerate(effective_selectors(trail_config(trail)))
    )
    return SelectorConfig("advanced", advanced=selectors)


@dataclass(frozen=True, slots=True)
class Judgement:
    """The resources of one account and region whose publishes go unrecorded (sorted ARNs),
    how many were checked, and the verdict whose first gap is the example event: on the first
    unrecorded resource, else on any resource of the account and region."""

    unrecorded: tuple[str, ...]
    checked: int
    verdict: Verdict


class TopicJudge:
    """Judges account-regions, remembering one :class:`Coverage` per distinct set of
    selectors and requirement (equal trails seen from many regions are judged once)."""

    def __init__(self, params: RuleParameters) -> None:
        self.params = params
        self._coverage: dict[tuple[SelectorConfig, Requirement], Coverage] = {}
        self._lock = threading.Lock()

    def requirement(self, partition: str) -> Requirement:
        return self.params.requirement(partition)

    def coverage(self, config: SelectorConfig, requirement: Requirement) -> Coverage:
        key = (config, requirement)
        with self._lock:
            found = self._coverage.get(key)
        if found is None:
            found = Coverage(config, requirement)
            with self._lock:
                found = self._coverage.setdefault(key, found)
        return found

    def judge(
        self,
        account_id: str,
        region: str,
        trails: list[TrailFacts],
        resources: Iterable[Resource],
        partition: str = "aws",
    ) -> Judgement:
        """The resources (of the types the requirement names) no recording trail logs every
        required event of; the example placed in this account and region."""
        requirement = self.requirement(partition)
        wanted = set(requirement.resource_types)
        recording = recording_trails(region, trails)
        coverage = self.coverage(joint_config(recording), requirement)
        checked = [(t, arn) for t, arn in resources if t in wanted]
        unrecorded = sorted(
            (t != TOPIC_TYPE, arn) for t, arn in checked if not coverage.records(t, arn)
        )
        place = (region, account_id)
        if unrecorded:
            first = unrecorded[0][1]
            kind = next(t for t, arn in checked if arn == first)
            verdict = coverage.verdict(kind, first, place)
        else:
            verdict = evaluate(replace(coverage.config, place=place), requirement)
        if not recording and verdict.gaps:
            cause = f"no logging trail with readable selectors applies to {region}"
            verdict = replace(verdict, gaps=tuple(replace(g, cause=cause) for g in verdict.gaps))
        return Judgement(tuple(sorted(arn for _, arn in unrecorded)), len(checked), verdict)
