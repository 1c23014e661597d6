"""A fault-injection double of the CloudTrail behaviours moto (5.2.x) lacks, as botocore event
hooks on real moto clients: requests are still validated against the API model, and every write
lands in moto, which holds the trail's true selectors.

Each behaviour is one function, citing where AWS documents it:

- :meth:`FaultyCloudTrail.stale_read`: "CloudTrail data consistency" (CloudTrail user guide):
  updates to event selectors are eventually consistent; a read right after a successful put can
  return the selectors from before it. Modelled as: after any put, the next ``stale_reads``
  GetEventSelectors calls return the selectors from before that put.
- :meth:`FaultyCloudTrail.throttle`: PutEventSelectors is limited to 1 call a second per region
  (CloudTrail quotas; API reference PutEventSelectors errors: ThrottlingException).
- :meth:`FaultyCloudTrail.conflict`: API reference PutEventSelectors errors, ConflictException
  ("the request cannot be processed ... try again in a few minutes").
- :meth:`FaultyCloudTrail.other_writer`: another actor changing the trail at a named point of
  our run (between our read and put, between put and verify, before a restore).
- :meth:`FaultyCloudTrail.unparsable`: a GetEventSelectors read-back whose body cannot be
  judged (a value of the wrong type).
- :meth:`FaultyCloudTrail.endpoint_error`: the endpoint cannot be reached
  (botocore ``EndpointConnectionError``).

Time is a :class:`FakeClock`: ``sleep`` advances it, so nothing waits.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError, EndpointConnectionError

from trailguard.core import evaluate, find_lost, parse_response

ARN_KEYS = ("EventSelectors", "AdvancedEventSelectors")


@dataclass
class FakeClock:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def selectors_of(raw: dict[str, Any]) -> dict[str, Any]:
    """The selector list in effect, in one shape (moto returns the unused key as [])."""
    if raw.get("AdvancedEventSelectors"):
        return {"AdvancedEventSelectors": raw["AdvancedEventSelectors"]}
    if raw.get("EventSelectors"):
        return {"EventSelectors": raw["EventSelectors"]}
    return {}


@dataclass
class FaultyCloudTrail:
    """The faults, switched on per test; ``attach(client)`` hooks a moto client."""

    clock: FakeClock
    region: str = "us-east-1"
    stale_reads: int = 0  # reads after each put that still show the selectors before it
    throttle_puts: bool = False  # PutEventSelectors: 1 call a second
    conflicts: int = 0  # the next N PutEventSelectors fail with ConflictException
    unparsable_reads: int = 0  # the next N reads after our first put cannot be parsed
    endpoint_down: set[str] = field(default_factory=set)  # operations that cannot connect
    # other writers: point -> selectors they put there ("before-put", "after-put",
    # "before-put-N" before our N-th put (a merge or a restore), "read-N" just before our
    # N-th GetEventSelectors, 1-based)
    writers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # what happened
    our_puts: list[dict[str, Any]] = field(default_factory=list)
    other_puts: list[dict[str, Any]] = field(default_factory=list)
    truth_after_our_puts: list[dict[str, Any]] = field(default_factory=list)
    truth_before_our_puts: list[dict[str, Any]] = field(default_factory=list)
    reads: int = 0
    _stale: dict[str, Any] | None = None
    _stale_left: int = 0
    _last_put: float | None = None
    _unparsable_left: int = 0
    _plain: Any = None
    _stale_by_other: bool = False
    stale_hid_other: bool = False  # a read showed the state from before another writer's put
    _params: dict[str, Any] = field(default_factory=dict)
    _pending_put: dict[str, Any] = field(default_factory=dict)

    def attach(self, client: Any) -> Any:
        events = client.meta.events
        events.register("before-parameter-build.cloudtrail.*", self._remember)
        events.register("before-call.cloudtrail.GetEventSelectors", self._before_get)
        events.register("before-call.cloudtrail.PutEventSelectors", self._before_put)
        events.register("after-call.cloudtrail.PutEventSelectors", self._after_put)
        return client

    # --- the true state (moto), read and written around the hooks ----------------------------

    def __post_init__(self) -> None:
        # made now, before any test hooks boto3's client factory: never faulty itself
        self._plain = boto3.client("cloudtrail", region_name=self.region)

    @property
    def plain(self) -> Any:
        return self._plain

    def truth(self, trail: str) -> dict[str, Any]:
        return selectors_of(self.plain.get_event_selectors(TrailName=trail))

    def _arm_stale(self, before: dict[str, Any], by_other: bool = False) -> None:
        if self.stale_reads:
            self._stale, self._stale_left = before, self.stale_reads
            self._stale_by_other = by_other

    def other_put(self, trail: str, selectors: list[dict[str, Any]]) -> None:
        """Another writer's put: lands in moto and makes reads stale like ours."""
        before = self.truth(trail)
        self.plain.put_event_selectors(TrailName=trail, AdvancedEventSelectors=selectors)
        self.other_puts.append({"AdvancedEventSelectors": selectors})
        self._arm_stale(before, by_other=True)

    def _writer(self, point: str, trail: str) -> None:
        selectors = self.writers.pop(point, None)
        if selectors is not None:
            self.other_put(trail, selectors)

    # --- the behaviours -----------------------------------------------------------------------

    def stale_read(self) -> dict[str, Any] | None:
        """User guide, "CloudTrail data consistency": a read after a put may show the old
        selectors. Returns the stale body for this read, if any."""
        if self._stale is not None and self._stale_left > 0:
            self._stale_left -= 1
            if self._stale_by_other:
                self.stale_hid_other = True
            return {"TrailARN": "stale", **copy.deepcopy(self._stale)}
        return None

    def throttle(self) -> None:
        """PutEventSelectors: 1 call a second per region; faster calls are throttled."""
        now = self.clock()
        if self.throttle_puts and self._last_put is not None and now - self._last_put < 1.0:
            raise _error("ThrottlingException", "Rate exceeded", "PutEventSelectors")
        self._last_put = now

    def conflict(self) -> None:
        """API reference, PutEventSelectors errors: ConflictException, try again later."""
        if self.conflicts > 0:
            self.conflicts -= 1
            raise _error(
                "ConflictException",
                "You are trying to update a resource when another request is in progress. "
                "Allow sufficient wait time for the previous request to complete, then retry "
                "your request.",
                "PutEventSelectors",
            )

    def other_writer(self, point: str, trail: str) -> None:
        """Another actor puts its selectors at ``point`` of our run."""
        self._writer(point, trail)

    def unparsable(self) -> dict[str, Any] | None:
        """A read-back whose selectors are not a list: cannot be judged."""
        if self._unparsable_left > 0:
            self._unparsable_left -= 1
            return {"TrailARN": "garbled", "AdvancedEventSelectors": "<html>502</html>"}
        return None

    def endpoint_error(self, operation: str) -> None:
        """The endpoint cannot be reached (connection refused, DNS, proxy)."""
        if operation in self.endpoint_down:
            raise EndpointConnectionError(endpoint_url=f"https://cloudtrail.{self.region}.x")

    # --- hooks ----------------------------------------------------------------------------------

    def _remember(self, params: dict[str, Any], **kwargs: Any) -> None:
        self._params = dict(params)

    def _before_get(self, params: dict[str, Any], **kwargs: Any) -> Any:
        trail = self._params["TrailName"]
        self.reads += 1
        if trail:
            self.other_writer(f"read-{self.reads}", trail)
        self.endpoint_error("GetEventSelectors")
        body = self.unparsable() or self.stale_read()
        if body is None:
            return None  # moto answers: the true state
        return _http(200), body

    def _before_put(self, params: dict[str, Any], **kwargs: Any) -> Any:
        body = dict(self._params)
        trail = body["TrailName"]
        n = len(self.our_puts) + 1
        self.other_writer("before-put" if n == 1 else f"before-put-{n}", trail)
        self.endpoint_error("PutEventSelectors")
        self.conflict()
        self.throttle()
        self.truth_before_our_puts.append(self.truth(trail))
        self._pending_put = body
        return None

    def _after_put(self, http_response: Any, parsed: dict[str, Any], **kwargs: Any) -> None:
        body = self._pending_put
        trail = body["TrailName"]
        self.our_puts.append(selectors_of(body))
        self.truth_after_our_puts.append(self.truth(trail))
        self._arm_stale(self.truth_before_our_puts[-1])
        if len(self.our_puts) == 1 and self.unparsable_reads:
            self._unparsable_left = self.unparsable_reads
        self.other_writer("after-put", trail)


def _http(status: int) -> Any:
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://cloudtrail.invalid", status, {}, None)


# --- judging a run ----------------------------------------------------------------------------


def logs_all(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """``after`` logs every event ``before`` logs (trailguard.core.find_lost)."""
    return (
        find_lost(parse_response(before, profile="read"), parse_response(after, profile="read"))
        is None
    )


def compliant(raw: dict[str, Any], requirement: Any) -> bool:
    return evaluate(parse_response(raw, profile="read"), requirement).compliant


def random_case(rng: random.Random, pool: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One generated configuration: the trail's selectors, the faults and another writer."""
    names = sorted(pool)
    start = rng.choice(names)
    writer_point = rng.choice(
        ["none", "read-1", "read-2", "before-put", "after-put", "read-4", "read-5", "read-7"]
    )
    other = rng.choice(names)
    return {
        "start": start,
        "stale_reads": rng.choice([0, 1, 2, 3, 5, 8]),
        "throttle": rng.random() < 0.5,
        "conflicts": rng.choice([0, 0, 0, 1, 2]),
        "unparsable": rng.choice([0, 0, 0, 1, 2]),
        "writer_point": writer_point,
        "other": other,
        "other_adds": rng.random() < 0.7,  # adds its selector to what it read, else replaces
        "deadline": rng.choice([30.0, 120.0, 300.0]),
    }


Hook = Callable[..., Any]


OTHER_MARK = {
    "Name": "DynamoDB, added by another writer",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]},
    ],
}


@dataclass
class CaseReport:
    outcome: str
    fixes_undone: int  # our puts that took a compliant trail to a non-compliant one
    other_lost: int  # another writer's selector no longer logged at the end
    other_lost_in_race: int  # ... when it landed inside our put call and no read could show it
    untruthful: list[str]  # which claims of the result the trail contradicts
    hidden: bool  # ... only because stale reads hid another writer's put (unknowable)
    writes: int


def run_case(
    case: dict[str, Any],
    pool: dict[str, dict[str, Any]],
    requirement: Any,
    name: str,
    remediate: Callable[..., Any],
    account: str,
) -> CaseReport:
    """One remediation under the case's faults, against moto (inside a mock); judged."""
    from selector_data import make_trail

    start = pool[case["start"]]
    arn = make_trail(name, **start)
    clock = FakeClock()
    model = FaultyCloudTrail(
        clock,
        stale_reads=case["stale_reads"],
        throttle_puts=case["throttle"],
        conflicts=case["conflicts"],
        unparsable_reads=case["unparsable"],
    )
    original = model.truth(arn)
    if case["writer_point"] != "none":
        replaced = pool[case["other"]].get("advanced") or []
        model.writers[case["writer_point"]] = [*replaced, OTHER_MARK]
        if case["other_adds"]:  # decided when they write: what they read, plus theirs
            point = case["writer_point"]
            model.writers.pop(point)
            base_writer = model.other_writer

            def adding(at: str, trail: str) -> None:
                if at == point and not model.other_puts:
                    now = model.truth(trail).get("AdvancedEventSelectors") or []
                    model.other_put(trail, [*now, OTHER_MARK])
                else:
                    base_writer(at, trail)

            model.other_writer = adding  # type: ignore[method-assign]
    client = model.attach(boto3.client("cloudtrail", region_name="us-east-1"))
    result = remediate(
        lambda region: client,
        name,
        "us-east-1",
        requirement,
        account_id=account,
        sleep=clock.sleep,
        clock=clock,
        deadline_seconds=case["deadline"],
    )
    final = model.truth(arn)
    model.plain.delete_trail(Name=arn)
    undone = sum(
        1
        for before, after in zip(
            model.truth_before_our_puts, model.truth_after_our_puts, strict=True
        )
        if compliant(before, requirement) and not compliant(after, requirement)
    )
    other_lost = race = 0
    if model.other_puts and not logs_all({"AdvancedEventSelectors": [OTHER_MARK]}, final):
        if case["writer_point"] == "before-put" and case["stale_reads"] == 0:
            race = 1
        else:
            other_lost = 1
    wrong: list[str] = []
    if result.changed != bool(model.our_puts):
        wrong.append("changed")
    if result.restored != (result.outcome == "restored"):
        wrong.append("restored")
    if result.restored and model.truth_after_our_puts[-1] != original:
        wrong.append("restored-state")
    last = model.truth_after_our_puts[-1] if model.our_puts else final
    if result.verified:
        if not compliant(last, requirement):
            wrong.append("verified-but-noncompliant")
        if not model.other_puts and not logs_all(original, last):
            wrong.append("verified-but-lost")
    if result.outcome == "updated" and not (result.changed and result.verified):
        wrong.append("updated")
    if (
        result.outcome in ("compliant", "planned", "failed", "refused", "deferred")
        and result.changed
    ):
        wrong.append("nothing-written")
    if result.outcome == "unconfirmed" and (result.verified or last != model.our_puts[-1]):
        wrong.append("unconfirmed")
    if result.outcome == "left" and not model.other_puts:
        wrong.append("left-without-other-writer")
    hidden = bool(wrong) and model.stale_hid_other
    return CaseReport(
        result.outcome,
        undone,
        other_lost,
        race,
        [] if hidden else wrong,
        hidden,
        len(model.our_puts),
    )


def case_pool() -> dict[str, dict[str, Any]]:
    from selector_data import BASIC_SELECTORS, MANAGEMENT, S3_PREFIX, SNS_ADDED, SNS_PUBLISH_ONLY

    return {
        "empty": {},
        "management": {"advanced": [MANAGEMENT]},
        "s3-prefix": {"advanced": [MANAGEMENT, S3_PREFIX]},
        "sns-publish-only": {"advanced": [MANAGEMENT, SNS_PUBLISH_ONLY]},
        "compliant": {"advanced": [MANAGEMENT, SNS_ADDED]},
        "basic": {"basic": BASIC_SELECTORS},
    }
