"""A synthetic organization behind a Config aggregator, for ``report --aggregator``'s
population: the world as data (:func:`world`), Config's aggregator API answered from it
(:class:`trailguard.demo.aggregator.AggregatorModel`, which cites the API reference for each
call), Organizations' ``ListAccounts`` pages of 20 (the API's maximum ``MaxResults``, botocore
model ``organizations`` ``ListAccounts``), and a recording, thread-safe wrapper of the model
(:class:`Recording`: calls in flight, simulated latency, seeded throttling).

The expected population and NOT_EVALUATED entries are computed here from the account's
category alone (:func:`expected`), not by trailguard's code.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions

from trailguard.demo.aggregator import AggregatorModel, aggregate_result

AGGREGATOR = "org-aggregator"
REGIONS = ("ap-northeast-1", "eu-central-1", "eu-west-1", "us-east-1", "us-west-2")
TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
UNRELATED = "cloudtrail-enabled"
WHEN = datetime(2024, 5, 2, 3, 4, 5, tzinfo=UTC)
TRAIL_TYPE = "AWS::CloudTrail::Trail"
ACCOUNT_TYPE = "AWS::::Account"
ERROR_CODE = "AccessDeniedException"
ERROR_MESSAGE = "The aggregator is not authorized to collect data from this account"

# The categories of accounts, by index % 50 (0 and the rest: evaluated everywhere).
NOT_A_SOURCE_ACCOUNT = 1  # left out of the aggregator's AccountIds
FAILED_ACCOUNT = 2  # its source FAILED in REGIONS[1], no results there
NO_PACK_ACCOUNT = 3  # only another Config rule in REGIONS[0]
OUTDATED_ACCOUNT = 4  # its source OUTDATED in REGIONS[2], results still there
CONFIG_OFF_ACCOUNT = 5  # no Config results at all in REGIONS[3]
PARTIAL_ACCOUNT = 6  # only the trail rule in REGIONS[4] (the account rule has no result)

NOT_A_SOURCE = (
    f"not in the sources of the aggregator {AGGREGATOR}: it does not collect from this account "
    "and region"
)
FAILED = f"the aggregator's source status is FAILED: {ERROR_CODE}: {ERROR_MESSAGE}"
OUTDATED = "the aggregator's source status is OUTDATED: its data from here is not the latest"
NO_CONFIG = (
    "no Config rule results from this account and region at all: is AWS Config recording "
    "here, and the pack deployed?"
)
NO_PACK = "no trailguard Config rule here: is the pack deployed in this account and region?"
NO_ACCOUNT_RULE = (
    f"no Config rule {ACCOUNT_RULE} here (nor a conformance pack's copy of it): is the whole "
    "pack deployed in this account and region?"
)
ANN_OK = "Every Publish and PublishBatch on AWS::SNS::Topic is logged"
ANN_BAD = "PublishBatch on AWS::SNS::Topic is not logged: eventName Equals [Publish] only"
ANN_COVERED = "Trail org-trail (us-east-1) logs it: " + ANN_OK


def account_id(i: int) -> str:
    return f"{100000000000 + i:012d}"


def suspended(i: int) -> bool:
    """Suspended in the organization (so not in the population), still in the aggregator."""
    return i % 97 == 96


@dataclass
class World:
    accounts: list[tuple[str, str]]  # (id, State) as Organizations lists them
    model: AggregatorModel
    # (rule, account, region, resource id, compliance) of every result with a verdict
    findings: set[tuple[str, str, str, str, str]]


def _evaluation(rtype: str, rid: str, compliance: str, annotation: str) -> dict[str, Any]:
    return {"ComplianceResourceType": rtype, "ComplianceResourceId": rid,
            "ComplianceType": compliance, "Annotation": annotation}  # fmt: skip


def place_results(i: int, region: str) -> list[tuple[str, dict[str, Any]]]:
    """The (Config rule, evaluation) pairs the aggregator holds for account ``i`` in
    ``region``."""
    account, kind = account_id(i), i % 50
    if kind == NOT_A_SOURCE_ACCOUNT or (kind == FAILED_ACCOUNT and region == REGIONS[1]):
        return []
    if kind == CONFIG_OFF_ACCOUNT and region == REGIONS[3]:
        return []
    if kind == NO_PACK_ACCOUNT and region == REGIONS[0]:
        return [(UNRELATED, _evaluation(TRAIL_TYPE, "main", "COMPLIANT", ""))]
    if kind == PARTIAL_ACCOUNT and region == REGIONS[4]:
        return [(TRAIL_RULE, _evaluation(TRAIL_TYPE, f"main-{region}", "COMPLIANT", ANN_OK))]
    if i % 11 == 0:  # no trail applies: the trail rule rightly has no result
        none_here = f"No CloudTrail trail applies to {region}, so SNS data events are not recorded"
        return [(ACCOUNT_RULE, _evaluation(ACCOUNT_TYPE, account, "NON_COMPLIANT", none_here))]
    if i % 13 == 0 and region != REGIONS[0]:
        # No trail homed here, one of REGIONS[0] applies: the trail rule has no result here,
        # rightly, and the account rule's result is the place's (evaluated).
        return [(ACCOUNT_RULE, _evaluation(ACCOUNT_TYPE, account, "COMPLIANT", ANN_COVERED))]
    found = [
        (TRAIL_RULE, _evaluation(TRAIL_TYPE, f"main-{region}", "COMPLIANT", ANN_OK)),
        (ACCOUNT_RULE, _evaluation(ACCOUNT_TYPE, account, "COMPLIANT", ANN_COVERED)),
        (UNRELATED, _evaluation(TRAIL_TYPE, f"main-{region}", "COMPLIANT", "")),
    ]
    if i % 7 == 0:
        found.append((TRAIL_RULE, _evaluation(TRAIL_TYPE, "legacy", "NON_COMPLIANT", ANN_BAD)))
    return found


def world(size: int) -> World:
    accounts = [(account_id(i), "SUSPENDED" if suspended(i) else "ACTIVE") for i in range(size)]
    in_sources = [account_id(i) for i in range(size) if i % 50 != NOT_A_SOURCE_ACCOUNT]
    sources = [
        {"AccountIds": in_sources[n : n + 1000], "AwsRegions": list(REGIONS)}
        for n in range(0, len(in_sources), 1000)
    ]
    statuses, results = [], []
    findings = set()
    for i in range(size):
        account, kind = account_id(i), i % 50
        for region in REGIONS:
            for rule_name, evaluation in place_results(i, region):
                results.append(aggregate_result(evaluation, rule_name, account, region, WHEN))
                if rule_name != UNRELATED:
                    findings.add((rule_name, account, region, evaluation["ComplianceResourceId"],
                                  evaluation["ComplianceType"]))  # fmt: skip
            if kind == NOT_A_SOURCE_ACCOUNT:
                continue
            status: dict[str, Any] = {"SourceId": account, "SourceType": "ACCOUNT",
                                      "AwsRegion": region, "LastUpdateStatus": "SUCCEEDED",
                                      "LastUpdateTime": WHEN}  # fmt: skip
            if kind == FAILED_ACCOUNT and region == REGIONS[1]:
                status.update(LastUpdateStatus="FAILED", LastErrorCode=ERROR_CODE,
                              LastErrorMessage=ERROR_MESSAGE)  # fmt: skip
            if kind == OUTDATED_ACCOUNT and region == REGIONS[2]:
                status["LastUpdateStatus"] = "OUTDATED"
            statuses.append(status)
    return World(accounts, AggregatorModel(AGGREGATOR, sources, statuses, results), findings)


def expected(size: int) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
    """The places ``(account, region, state, why)`` and the NOT_EVALUATED entries
    ``(account, region, rule, annotation)``, in account then region order."""
    places, entries = [], []
    for i in range(size):
        if suspended(i):
            continue
        account, kind = account_id(i), i % 50
        for n, region in enumerate(REGIONS):
            why, rule = (
                {
                    (NOT_A_SOURCE_ACCOUNT, n): NOT_A_SOURCE,
                    (FAILED_ACCOUNT, 1): FAILED,
                    (NO_PACK_ACCOUNT, 0): NO_PACK,
                    (OUTDATED_ACCOUNT, 2): OUTDATED,
                    (CONFIG_OFF_ACCOUNT, 3): NO_CONFIG,
                    (PARTIAL_ACCOUNT, 4): NO_ACCOUNT_RULE,
                }.get((kind, n), ""),
                "*",
            )
            if kind == PARTIAL_ACCOUNT and n == 4:
                rule = ACCOUNT_RULE
            if not why:
                places.append((account, region, "evaluated", ""))
                continue
            places.append((account, region, "no result",
                           why if rule == "*" else f"rule {rule}: {why}"))  # fmt: skip
            entries.append((account, region, rule, why))
    return places, entries


@dataclass
class Recording:
    """The model behind a recording, thread-safe front: counts calls by operation and the
    most calls in flight at once, waits ``latency`` seconds (real time) in each, answers a
    seeded ``throttle`` share of the listing and detail calls with ``ThrottlingException``
    (Config's error for a request over its rate: API reference, Common Errors,
    https://docs.aws.amazon.com/config/latest/APIReference/CommonErrors.html), and notes each
    call's time on ``clock`` (a function) when given."""

    model: AggregatorModel
    latency: float = 0.0
    throttle: float = 0.0
    seed: int = 7
    clock: Any = None
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    most_in_flight: int = 0
    times: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def _call(self, name: str, paced: bool, params: dict[str, Any]) -> Any:
        with self._lock:
            self.calls[name] += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            if self.clock is not None and paced:
                self.times.append(self.clock())
            throttled = paced and self._random.random() < self.throttle
            self.throttled[name] += throttled
        try:
            if self.latency:
                time.sleep(self.latency)
            if throttled:
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, name
                )
            return getattr(self.model, name)(**params)
        finally:
            with self._lock:
                self.in_flight -= 1

    def describe_configuration_aggregators(self, **params: Any) -> Any:
        return self._call("describe_configuration_aggregators", False, params)

    def describe_configuration_aggregator_sources_status(self, **params: Any) -> Any:
        return self._call("describe_configuration_aggregator_sources_status", False, params)

    def describe_aggregate_compliance_by_config_rules(self, **params: Any) -> Any:
        return self._call("describe_aggregate_compliance_by_config_rules", True, params)

    def get_aggregate_compliance_details_by_config_rule(self, **params: Any) -> Any:
        return self._call("get_aggregate_compliance_details_by_config_rule", True, params)


def list_accounts_pages(
    accounts: list[tuple[str, str]],
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """ListAccounts as Organizations pages it, 20 a page: (response, expected params)."""
    pages = []
    for n in range(0, max(len(accounts), 1), 20):
        response: dict[str, Any] = {"Accounts": [
            {"Id": a, "Arn": f"arn:aws:organizations::{accounts[0][0]}:account/o-abc/{a}",
             "Email": f"{a}@example.com", "Name": a, "State": state,
             "Status": state, "JoinedMethod": "CREATED", "JoinedTimestamp": WHEN}
            for a, state in accounts[n : n + 20]
        ]}  # fmt: skip
        if n + 20 < len(accounts):
            response["NextToken"] = f"page-{n + 20}"
        params = {"NextToken": f"page-{n}"} if n else {}
        pages.append((response, params))
    return pages
