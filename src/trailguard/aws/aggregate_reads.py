"""Reading a Config aggregator's results: paced, NON_COMPLIANT first, concurrent.

``GetAggregateComplianceDetailsByConfigRule`` is asked once (and once per further page) for
each rule, account and region the aggregator lists; at thousands of accounts that is tens of
thousands of calls, so they run in a thread pool (:func:`fetch_details`), all drawing on one
client-side rate (:class:`Pacer`).

The rate. AWS documents no request rate for the aggregator's compliance calls: the General
Reference page "AWS Config endpoints and quotas"
(https://docs.aws.amazon.com/general/latest/gr/awsconfig.html) and the developer guide's
"Service Limits" (https://docs.aws.amazon.com/config/latest/developerguide/configlimits.html)
list resource quotas (rules, aggregators, accounts per aggregator), not transactions a second
for ``DescribeAggregateComplianceByConfigRules`` or
``GetAggregateComplianceDetailsByConfigRule``. So the default is a conservative
:data:`DEFAULT_TPS` calls a second for all of them together (they are all made by one caller
in the aggregator's account and region), never exceeded, and slowed down on each
``ThrottlingException`` as the CloudTrail scan's limiter does (:class:`AdaptiveRate`, reused):
a throttled call is retried in its slot, up to :data:`MAX_ATTEMPTS` attempts.

Order. Config lists the results per rule, account and region with each one's compliance
(``DescribeAggregateComplianceByConfigRules``, ``Compliance.ComplianceType``); the detail calls
of the NON_COMPLIANT ones are made first, then the rest. Each detail call is unfiltered: its
``ComplianceType`` filter takes only COMPLIANT or NON_COMPLIANT (API reference, "Config does
not support the NOT_APPLICABLE and INSUFFICIENT_DATA values"), so filtering would need a
second call for the NOT_APPLICABLE results the report also lists: more calls for the same
results. ``Limit`` is the documented maximum, 100, to need as few pages as possible. Results
come back in the order the calls were planned, whatever order they finished in.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from trailguard.aws.limiter import AdaptiveRate, check_tps
from trailguard.aws.session import AWS_ERRORS, error_text

DEFAULT_TPS = 5.0  # not documented by AWS: a conservative choice (see the module docstring)
DEFAULT_WORKERS = 8
MAX_ATTEMPTS = 10  # attempts per call, the first included
DETAILS_LIMIT = 100  # GetAggregateComplianceDetailsByConfigRule: "cannot be greater than 100"
# The error codes botocore's standard retry mode counts as throttling, that Config may send.
THROTTLING = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)


class Pacer:
    """Calls spaced by one :class:`AdaptiveRate` (``tps`` at most), throttled ones retried.
    Thread-safe. ``calls`` counts the attempts by operation name. Time is read with
    ``time.monotonic`` and waited with ``time.sleep`` of this module (tests replace them)."""

    def __init__(self, tps: float = DEFAULT_TPS, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.rate = AdaptiveRate(check_tps(tps))
        self.max_attempts = max_attempts
        self.calls: Counter[str] = Counter()
        self.throttled = 0
        self._lock = threading.Lock()

    def call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        name = getattr(method, "__name__", "call")
        for attempt in range(1, self.max_attempts + 1):
            delay = self.rate.reserve(time.monotonic())
            if delay > 0:
                time.sleep(delay)
            with self._lock:
                self.calls[name] += 1
            try:
                answer = method(**kwargs)
            except botocore.exceptions.ClientError as exc:
                code = (exc.response.get("Error") or {}).get("Code", "")
                if code not in THROTTLING or attempt == self.max_attempts:
                    raise
                self.rate.throttled()
                with self._lock:
                    self.throttled += 1
                continue
            self.rate.accepted()
            return answer
        raise AssertionError("unreachable: the last attempt returns or raises")

    def pages(self, method: Callable[..., Any], **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every page of a ``NextToken``-paginated call, each page one paced call."""
        token: str | None = None
        while True:
            page: dict[str, Any] = self.call(
                method, **kwargs, **({"NextToken": token} if token else {})
            )
            yield page
            token = page.get("NextToken")
            if not token:
                return


@dataclass(frozen=True, slots=True)
class Listed:
    """One rule with results in one account and region, as the aggregator lists it."""

    rule_name: str
    account: str
    region: str
    compliance: str


@dataclass(slots=True)
class Details:
    """The evaluation results of one :class:`Listed`, or why they could not be read."""

    listed: Listed
    results: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def list_rules(config: Any, aggregator: str, pacer: Pacer) -> list[Listed]:
    """Every rule with results in every account and region of the aggregator."""
    listed: list[Listed] = []
    for page in pacer.pages(
        config.describe_aggregate_compliance_by_config_rules,
        ConfigurationAggregatorName=aggregator,
    ):
        for item in page.get("AggregateComplianceByConfigRules", []):
            compliance = (item.get("Compliance") or {}).get("ComplianceType", "")
            listed.append(
                Listed(item["ConfigRuleName"], item["AccountId"], item["AwsRegion"], compliance)
            )
    return listed


def plan(listed: Sequence[Listed]) -> list[Listed]:
    """The order of the detail calls: NON_COMPLIANT first, then the rest, each group in the
    order listed."""
    first = [item for item in listed if item.compliance == "NON_COMPLIANT"]
    return first + [item for item in listed if item.compliance != "NON_COMPLIANT"]


def _details(config: Any, aggregator: str, pacer: Pacer, listed: Listed) -> Details:
    found = Details(listed)
    try:
        for page in pacer.pages(
            config.get_aggregate_compliance_details_by_config_rule,
            ConfigurationAggregatorName=aggregator,
            ConfigRuleName=listed.rule_name,
            AccountId=listed.account,
            AwsRegion=listed.region,
            Limit=DETAILS_LIMIT,
        ):
            found.results.extend(page.get("AggregateEvaluationResults", []))
    except AWS_ERRORS as exc:
        # One rule in one place unreadable leaves that place without a result, not the report.
        return Details(listed, [], error_text(exc))
    return found


def fetch_details(
    config: Any,
    aggregator: str,
    listed: Sequence[Listed],
    pacer: Pacer,
    workers: int = DEFAULT_WORKERS,
) -> list[Details]:
    """The results of each of ``listed`` (in :func:`plan` order), ``workers`` calls at a time
    (1: one after the other in this thread, as a Stubber needs)."""
    ordered = plan(listed)
    if workers <= 1:
        return [_details(config, aggregator, pacer, item) for item in ordered]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="trailguard-config") as pool:
        return list(pool.map(lambda item: _details(config, aggregator, pacer, item), ordered))
