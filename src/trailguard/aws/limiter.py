"""Client-side rate limits for CloudTrail calls: start at the quota AWS documents, never go
above it, slow down when CloudTrail throttles and speed up again when it stops.

The quotas ("Quotas in AWS CloudTrail", user guide,
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html, and
"AWS CloudTrail endpoints and quotas", General Reference,
https://docs.aws.amazon.com/general/latest/gr/ct.html): "Get, describe, and list APIs" 10
transactions per second, ``LookupEvents`` 2, ``ListInsightsMetricData`` 1, "all other APIs" 1;
none adjustable; per account and region. Whether the 10 a second of the Get/Describe/List
APIs (or the 1 of "all other APIs") is one budget they share or one each is not documented.
Chosen: one shared budget per account and region (:func:`quota_group`), which stays within the
quota under either reading; under the per-API reading it leaves rate unused, which ``scan
--tps`` can claim (throttling feedback corrects a wrong claim).

:class:`AdaptiveRate` is one budget, pure (the caller passes the time). It spaces requests
``1/rate`` apart (no burst: a quota of 10 a second is never 11 in any second) and changes the
rate multiplicatively on feedback: ``× DECREASE`` for each throttled response, ``× INCREASE``
for each other one, never above the quota nor below ``quota × FLOOR``. The two factors set
the share of throttled responses at which the rate holds still (``SETTLE``): below it (a
throttle now and then, e.g. another caller's burst) the rate stays near the quota, since
retrying a throttled call costs one slot, less than slowing every call; above it (the quota
is shared with another caller) the rate comes down to where about that share is throttled,
which is when CloudTrail answers as many calls as the quota allows.

:class:`Limiter` keeps one budget per account, region and quota group and plugs into a
botocore client (:meth:`Limiter.attach`). The client must use botocore's *standard* retry
mode, not *adaptive*: adaptive mode has a rate limiter of its own, which would slow each call
twice. Each attempt, retries included, takes a slot on ``before-send``; on ``needs-retry``
the limiter takes the feedback and answers a throttled attempt itself, with no delay (the
slower rate is the backoff), ahead of botocore's standard handler, whose exponential backoff
(up to 20 s a retry) is then not used. Botocore's handler still decides every other retry
(5xx, connection errors) and still keeps its retry quota as any standard-mode client does.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from typing import Any

from botocore.retries.standard import RetryEventAdapter, ThrottlingErrorDetector

DOCUMENTED_TPS = 10.0  # Get, Describe and List APIs, per account and region
# The SNS listings scan makes (trailguard.aws.topics), each its own budget per account and
# region: the SNS API reference (botocore's sns/2010-03-31 model, e.g. ListTopics: "This
# action is throttled at 30 transactions per second (TPS)"; ListPlatformApplications 15;
# ListEndpointsByPlatformApplication 30). CloudTrail has no operations of these names.
SNS_TPS = {
    "ListTopics": 30.0,
    "ListPlatformApplications": 15.0,
    "ListEndpointsByPlatformApplication": 30.0,
}
# The other documented quotas, by operation; "all other APIs" share OTHER_TPS.
OPERATION_TPS = {"LookupEvents": 2.0, "ListInsightsMetricData": 1.0, **SNS_TPS}
OTHER_TPS = 1.0
READ_PREFIXES = ("Get", "Describe", "List")
# Attempts per call (botocore's total_max_attempts), the first included.
MAX_ATTEMPTS = 10

DECREASE = 0.95  # the rate after a throttled response, as a share of the rate before
SETTLE = 1 / 3  # the share of throttled responses at which the rate holds still
# The increase after any other response: (1 - SETTLE) increases balance SETTLE decreases.
INCREASE = DECREASE ** (-SETTLE / (1 - SETTLE))
FLOOR = 0.05  # the lowest rate, as a share of the quota
# Set in a request's context when the limiter retries a throttled attempt: that retry is its
# pacing, not news, so the CLI's retry notes (aws/clients.py) leave it out; the scan says how
# much was throttled once, at the end (Limiter.summary).
PACED = "trailguard_paced"


def quota_group(operation: str, read_tps: float = DOCUMENTED_TPS) -> tuple[str, float]:
    """The budget ``operation`` draws on and its quota: ``read_tps`` for the Get, Describe and
    List APIs (one budget for them all), else the operation's own documented quota, else the
    budget of all other APIs."""
    if operation in OPERATION_TPS:
        return operation, OPERATION_TPS[operation]
    if operation.startswith(READ_PREFIXES):
        return "read", read_tps
    return "other", OTHER_TPS


def check_tps(tps: float) -> float:
    """``tps`` when it is a usable quota (a finite number above 0), else ValueError."""
    if not (math.isfinite(tps) and tps > 0):
        raise ValueError(f"expected a positive number of calls a second, got {tps!r}")
    return tps


class AdaptiveRate:
    """One budget: requests spaced ``1/rate`` apart, the rate adapted to feedback between
    ``quota × FLOOR`` and ``quota`` (thread-safe; pure: the caller passes the time)."""

    def __init__(self, quota: float) -> None:
        self.quota = check_tps(quota)
        self.floor = quota * FLOOR
        self.rate = quota
        self._next = -math.inf
        self._lock = threading.Lock()

    def reserve(self, now: float) -> float:
        """Book the next slot; the seconds to wait from ``now`` until it."""
        with self._lock:
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
            return slot - now

    def throttled(self) -> None:
        with self._lock:
            self.rate = max(self.floor, self.rate * DECREASE)

    def accepted(self) -> None:
        with self._lock:
            self.rate = min(self.quota, self.rate * INCREASE)


Key = tuple[str, str, str]  # account, region, quota group


class Limiter:
    """One :class:`AdaptiveRate` per account, region and quota group, created on first use,
    and the botocore hooks that apply them. ``read_tps``: the quota of the Get/Describe/List
    APIs. Time is read with ``time.monotonic`` and waited with ``time.sleep``, looked up at
    each call (tests replace them)."""

    def __init__(self, read_tps: float = DOCUMENTED_TPS, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.read_tps = check_tps(read_tps)
        self.max_attempts = max_attempts
        self.throttles: Counter[Key] = Counter()
        self._budgets: dict[Key, AdaptiveRate] = {}
        self._lock = threading.Lock()
        self._detector = ThrottlingErrorDetector(RetryEventAdapter())

    def budget(self, account: str, region: str, operation: str) -> AdaptiveRate:
        group, quota = quota_group(operation, self.read_tps)
        key = (account, region, group)
        with self._lock:
            if key not in self._budgets:
                self._budgets[key] = AdaptiveRate(quota)
            return self._budgets[key]

    def wait(self, account: str, region: str, operation: str) -> None:
        """Block until ``operation`` may be sent (one slot taken)."""
        delay = self.budget(account, region, operation).reserve(time.monotonic())
        if delay > 0:
            time.sleep(delay)

    def feedback(self, account: str, region: str, **kwargs: Any) -> float | None:
        """Botocore's ``needs-retry`` for an attempt by ``account`` in ``region``: a throttled
        attempt slows the budget down and is retried at once (0 s; None after the last
        attempt); any other answer speeds it up and leaves the retry decision to botocore
        (None). No answer at all (a connection error) says nothing about the rate."""
        operation = kwargs["operation"].name
        budget = self.budget(account, region, operation)
        context = kwargs["request_dict"]["context"]
        context.pop(PACED, None)
        if self._detector.is_throttling_error(**kwargs):
            budget.throttled()
            with self._lock:
                self.throttles[(account, region, quota_group(operation)[0])] += 1
            if kwargs["attempts"] < self.max_attempts:
                context[PACED] = True
                return 0.0
            return None
        if kwargs.get("response") is not None:
            budget.accepted()
        return None

    def summary(self) -> str | None:
        """One line on how much CloudTrail (and SNS) throttled, None when neither did."""
        if not self.throttles:
            return None
        where = {(account, region) for account, region, _ in self.throttles}
        services = sorted({"SNS" if g in SNS_TPS else "CloudTrail" for _, _, g in self.throttles})
        return (
            f"{' and '.join(services)} throttled {sum(self.throttles.values())} call attempt(s) in "
            f"{len(where)} account-region(s); the scan slowed down and retried them"
        )

    def attach(self, client: Any, account: str, region: str) -> None:
        """Apply the limits to ``client`` (a CloudTrail client in ``region`` acting for
        ``account``, in botocore's standard retry mode with ``max_attempts`` attempts)."""
        service = client.meta.service_model.service_id.hyphenize()

        def before_send(event_name: str, **_: Any) -> None:
            self.wait(account, region, event_name.rsplit(".", 1)[-1])

        def needs_retry(**kwargs: Any) -> float | None:
            return self.feedback(account, region, **kwargs)

        client.meta.events.register(f"before-send.{service}", before_send)
        # First, so that a throttled attempt gets this answer rather than botocore's backoff.
        client.meta.events.register_first(f"needs-retry.{service}", needs_retry)
