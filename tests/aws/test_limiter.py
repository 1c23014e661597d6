"""The scanner's adaptive rate limiter (aws/limiter.py), on a fake clock: the rate held at the
quota, backing off on throttling, recovering, one budget per account, region and quota group,
and its botocore hooks answering throttled attempts ahead of botocore's own backoff.

Nothing here sleeps: the pure budget takes the time as an argument, and the hooks read a fake
clock that only moves when the limiter "sleeps".
"""

from __future__ import annotations

import io
import json
import math
import random
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.config
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from throttling import THROTTLED_BODY, FakeClock, Throttler, throttled_response

import trailguard.aws.limiter
import trailguard.cli.scan
from trailguard.aws.clients import watch
from trailguard.aws.limiter import (
    DECREASE,
    DOCUMENTED_TPS,
    FLOOR,
    INCREASE,
    MAX_ATTEMPTS,
    SETTLE,
    AdaptiveRate,
    Limiter,
    quota_group,
)
from trailguard.aws.scan import CLIENT_CONFIG
from trailguard.cli import main

ACCOUNT, OTHER_ACCOUNT = "111122223333", "444455556666"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(
        trailguard.aws.limiter, "time", SimpleNamespace(monotonic=fake.monotonic, sleep=fake.sleep)
    )
    return fake


def slots(budget: AdaptiveRate, count: int, now: float = 0.0) -> list[float]:
    """When ``count`` requests all asked for at ``now`` may go."""
    return [now + budget.reserve(now) for _ in range(count)]


# --- one budget -----------------------------------------------------------------------------


@pytest.mark.parametrize("quota", [1.0, 2.5, DOCUMENTED_TPS, 40.0])
def test_rate_held_at_the_quota_and_never_above(quota: float) -> None:
    budget = AdaptiveRate(quota)
    assert slots(budget, 6) == pytest.approx([i / quota for i in range(6)])
    # Answers at the quota keep it there: never above.
    for _ in range(50):
        budget.accepted()
    assert budget.rate == quota
    assert slots(budget, 3, now=100.0) == pytest.approx([100.0 + i / quota for i in range(3)])


def test_idle_time_is_not_banked_as_a_burst() -> None:
    budget = AdaptiveRate(2.0)
    assert budget.reserve(0.0) == 0.0
    assert budget.reserve(10.0) == 0.0  # long after: goes at once ...
    assert budget.reserve(10.0) == 0.5  # ... but the next still waits a full 1/rate
    assert budget.reserve(10.2) == pytest.approx(0.8)


def test_each_throttle_slows_the_rate_and_the_spacing() -> None:
    budget = AdaptiveRate(10.0)
    budget.reserve(0.0)
    budget.throttled()
    assert budget.rate == pytest.approx(10.0 * DECREASE)
    budget.throttled()
    assert budget.rate == pytest.approx(10.0 * DECREASE**2)
    # Requests booked from now on are spaced by the slower rate.
    assert slots(budget, 3, now=5.0) == pytest.approx(
        [5.0 + i / (10.0 * DECREASE**2) for i in range(3)]
    )


def test_throttling_stops_at_the_floor() -> None:
    budget = AdaptiveRate(10.0)
    for _ in range(200):
        budget.throttled()
    assert budget.rate == pytest.approx(10.0 * FLOOR)
    assert slots(budget, 2) == pytest.approx([0.0, 1 / (10.0 * FLOOR)])


def test_recovery_back_to_the_quota_and_no_further() -> None:
    budget = AdaptiveRate(10.0)
    for _ in range(5):
        budget.throttled()
    needed = math.ceil(5 * math.log(1 / DECREASE) / math.log(INCREASE))
    for _ in range(needed - 1):
        budget.accepted()
    assert budget.rate < 10.0
    budget.accepted()
    assert budget.rate == 10.0
    budget.accepted()
    assert budget.rate == 10.0


def test_the_rate_holds_still_at_the_settling_share_of_throttles() -> None:
    """SETTLE = 1/3: one throttle for every two other answers leaves the rate where it is;
    a smaller share lets it climb back to the quota, a larger one brings it to the floor."""
    assert pytest.approx(1 / 3) == SETTLE
    budget = AdaptiveRate(10.0)
    for _ in range(4):
        budget.throttled()
    start = budget.rate
    for _ in range(30):
        budget.throttled()
        budget.accepted()
        budget.accepted()
    assert budget.rate == pytest.approx(start)
    for _ in range(30):  # one in five throttled
        budget.throttled()
        for _ in range(4):
            budget.accepted()
    assert budget.rate == 10.0
    for _ in range(300):  # one in two throttled
        budget.accepted()
        budget.throttled()
    assert budget.rate == pytest.approx(10.0 * FLOOR)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_a_quota_must_be_a_positive_number(bad: float) -> None:
    with pytest.raises(ValueError, match="expected a positive number of calls a second"):
        AdaptiveRate(bad)
    with pytest.raises(ValueError, match="expected a positive number of calls a second"):
        Limiter(bad)


# --- the budget against a server, simulated on the fake clock --------------------------------


def simulate(budget: AdaptiveRate, throttled: Any, successes: int) -> tuple[float, int]:
    """Send one request at a time, each when its slot comes, until ``successes`` went
    through; ``throttled(t)`` says whether the server throttles a request sent at ``t``.
    Returns the time taken and the number of throttled requests."""
    now, done, refused = 0.0, 0, 0
    while done < successes:
        now += budget.reserve(now)
        if throttled(now):
            refused += 1
            budget.throttled()
        else:
            done += 1
            budget.accepted()
    return now, refused


def test_random_throttling_of_20_percent_keeps_the_rate_near_the_quota() -> None:
    """20% of requests throttled whatever the rate (the benchmark's injection): 500 answers
    need about 625 requests; at the full 10 a second that is 62.5 s. The budget must not
    slow down for good: it stays within 1.2x of that."""
    draws = random.Random(7)
    elapsed, refused = simulate(AdaptiveRate(10.0), lambda _: draws.random() < 0.2, 500)
    assert 100 <= refused <= 150
    assert elapsed <= 1.2 * (500 + refused) / 10.0


def test_a_quota_shared_with_another_caller_is_found() -> None:
    """CloudTrail lets 4 a second through (another caller uses the rest of the 10): a token
    bucket of 4 a second, one second of burst. The budget comes down from 10 to where the
    server answers 4 a second, and stays there: 400 answers in close to 100 s, and the share
    of throttled requests near SETTLE, not the 60% it would be at the full quota."""
    bucket = {"tokens": 4.0, "at": 0.0}

    def server(now: float) -> bool:
        bucket["tokens"] = min(4.0, bucket["tokens"] + (now - bucket["at"]) * 4.0)
        bucket["at"] = now
        if bucket["tokens"] < 1.0:
            return True
        bucket["tokens"] -= 1.0
        return False

    budget = AdaptiveRate(10.0)
    elapsed, refused = simulate(budget, server, 400)
    assert (400 - 4) / 4.0 <= elapsed <= 1.04 * 400 / 4.0  # the burst saves the first second
    assert refused / (400 + refused) <= SETTLE + 0.05
    assert 4.0 <= budget.rate <= 4.0 / (1 - SETTLE) * 1.2


# --- budgets by account, region and quota group ---------------------------------------------


def test_quota_groups_follow_the_documented_quotas() -> None:
    assert [
        quota_group(op)
        for op in ("DescribeTrails", "GetEventSelectors", "GetTrailStatus", "ListTags",
                   "LookupEvents", "ListInsightsMetricData", "PutEventSelectors", "StartLogging")
    ] == [
        ("read", 10.0), ("read", 10.0), ("read", 10.0), ("read", 10.0),
        ("LookupEvents", 2.0), ("ListInsightsMetricData", 1.0), ("other", 1.0), ("other", 1.0),
    ]  # fmt: skip
    assert quota_group("GetEventSelectors", 3.5) == ("read", 3.5)
    assert quota_group("LookupEvents", 3.5) == ("LookupEvents", 2.0)


def test_budgets_are_per_account_region_and_group(clock: FakeClock) -> None:
    limiter = Limiter()
    east = limiter.budget(ACCOUNT, "us-east-1", "GetEventSelectors")
    assert limiter.budget(ACCOUNT, "us-east-1", "DescribeTrails") is east  # one read budget
    others = [
        limiter.budget(ACCOUNT, "eu-west-1", "GetEventSelectors"),
        limiter.budget(OTHER_ACCOUNT, "us-east-1", "GetEventSelectors"),
        limiter.budget(ACCOUNT, "us-east-1", "PutEventSelectors"),
        limiter.budget(ACCOUNT, "us-east-1", "LookupEvents"),
    ]
    assert len({id(b) for b in [east, *others]}) == 5
    assert [b.quota for b in others] == [10.0, 10.0, 1.0, 2.0]
    for _ in range(3):
        east.throttled()
    assert east.rate == pytest.approx(10.0 * DECREASE**3)
    assert [b.rate for b in others] == [10.0, 10.0, 1.0, 2.0]
    # Waiting: the throttled budget's calls are spaced by its rate; another account's calls
    # in the same region are not held up by it.
    for _ in range(3):
        limiter.wait(ACCOUNT, "us-east-1", "GetTrailStatus")
    limiter.wait(OTHER_ACCOUNT, "us-east-1", "GetTrailStatus")
    assert clock.sleeps == pytest.approx([1 / east.rate, 1 / east.rate])


@pytest.mark.parametrize("tps", [0.5, 4.0, 25.0])
def test_a_known_quota_is_the_ceiling(clock: FakeClock, tps: float) -> None:
    limiter = Limiter(tps)
    for _ in range(5):
        limiter.wait(ACCOUNT, "us-east-1", "GetEventSelectors")
    assert clock.sleeps == pytest.approx([1 / tps] * 4)
    budget = limiter.budget(ACCOUNT, "us-east-1", "GetEventSelectors")
    for _ in range(20):
        budget.accepted()
    assert budget.rate == tps


# --- the hooks, on a real botocore client --------------------------------------------------


class Endpoint:
    """Answers a CloudTrail client's attempts in the endpoint's place, from a script: each
    item is an error code (answered as HTTP 400, or 500 for ``InternalFailure``) or None
    (a success)."""

    def __init__(self, script: list[str | None]) -> None:
        self.script = iter(script)
        self.seen: list[str] = []

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        self.seen.append(event_name.rsplit(".", 1)[-1])
        code = next(self.script)
        if code == "ThrottlingException":
            return throttled_response(request.url)
        status, body = (200, {"IsLogging": True}) if code is None else (
            500 if code == "InternalFailure" else 400, {"__type": code, "message": code}
        )  # fmt: skip
        raw = SimpleNamespace(stream=lambda **_: iter([json.dumps(body).encode()]))
        return AWSResponse(request.url, status, {}, raw)


@pytest.fixture
def botocore_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays botocore's endpoint sleeps between attempts (recorded, not slept)."""
    seen: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=seen.append))
    return seen


def client_with(limiter: Limiter, endpoint: Endpoint, account: str = ACCOUNT) -> Any:
    session = boto3.Session(region_name="us-east-1")
    client = session.client("cloudtrail", config=CLIENT_CONFIG)
    limiter.attach(client, account, "us-east-1")
    client.meta.events.register("before-send.cloudtrail", endpoint)  # after the limiter
    return client


def test_scan_clients_use_standard_retries() -> None:
    assert CLIENT_CONFIG.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}


def test_a_throttled_attempt_is_retried_at_once_at_the_slower_rate(
    clock: FakeClock, botocore_sleeps: list[float]
) -> None:
    limiter = Limiter()
    endpoint = Endpoint(["ThrottlingException", "ThrottlingException", None])
    client = client_with(limiter, endpoint)
    assert client.get_trail_status(Name="t")["IsLogging"] is True
    assert endpoint.seen == ["GetTrailStatus"] * 3
    # botocore's backoff (rand(0,1) s, then rand(0,2) s) is not used: our 0 s answer wins ...
    assert botocore_sleeps == [0.0, 0.0]
    # ... and the limiter spaced the attempts: 1/10 s after the first, 1/9 s after the second.
    assert clock.sleeps == pytest.approx([1 / 10.0, 1 / (10.0 * DECREASE)])
    budget = limiter.budget(ACCOUNT, "us-east-1", "GetTrailStatus")
    assert budget.rate == pytest.approx(10.0 * DECREASE**2 * INCREASE)
    assert limiter.throttles == {(ACCOUNT, "us-east-1", "read"): 2}


def test_throttled_on_every_attempt_fails_after_max_attempts(
    clock: FakeClock, botocore_sleeps: list[float]
) -> None:
    limiter = Limiter()
    endpoint = Endpoint(["ThrottlingException"] * MAX_ATTEMPTS)
    client = client_with(limiter, endpoint)
    with pytest.raises(ClientError) as caught:
        client.get_trail_status(Name="t")
    assert caught.value.response["Error"] == {
        "Code": "ThrottlingException", "Message": THROTTLED_BODY["message"],
    }  # fmt: skip
    assert endpoint.seen == ["GetTrailStatus"] * MAX_ATTEMPTS
    assert botocore_sleeps == [0.0] * (MAX_ATTEMPTS - 1)
    assert limiter.throttles == {(ACCOUNT, "us-east-1", "read"): MAX_ATTEMPTS}


@pytest.mark.parametrize(
    "code",
    ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"],
)
def test_every_code_botocore_treats_as_throttling_slows_the_budget(
    clock: FakeClock, botocore_sleeps: list[float], code: str
) -> None:
    limiter = Limiter()
    client_with(limiter, Endpoint([code, None])).get_trail_status(Name="t")
    assert botocore_sleeps == [0.0]
    assert limiter.throttles == {(ACCOUNT, "us-east-1", "read"): 1}


def test_other_errors_are_left_to_botocore_and_do_not_slow_the_budget(
    clock: FakeClock, botocore_sleeps: list[float]
) -> None:
    limiter = Limiter()
    # A server error: botocore's standard retry (its own short backoff), then success.
    client = client_with(limiter, Endpoint(["InternalFailure", None]))
    assert client.get_trail_status(Name="t")["IsLogging"] is True
    assert len(botocore_sleeps) == 1 and 0.0 < botocore_sleeps[0] <= 0.05
    # Not retryable: raised at once.
    client = client_with(limiter, Endpoint(["AccessDeniedException"]), OTHER_ACCOUNT)
    with pytest.raises(ClientError, match="AccessDeniedException"):
        client.get_trail_status(Name="t")
    assert limiter.throttles == {}
    assert [
        limiter.budget(a, "us-east-1", "GetTrailStatus").rate for a in (ACCOUNT, OTHER_ACCOUNT)
    ] == [10.0, 10.0]


def test_paced_retries_are_not_announced_but_other_retries_are(
    clock: FakeClock, botocore_sleeps: list[float]
) -> None:
    """The CLI announces each call that starts retrying (aws/clients.py); a throttle the
    limiter retries is its pacing, so it says nothing of it, and the summary counts it."""
    lines: list[str] = []
    session = watch(boto3.Session(region_name="us-east-1"), lines.append)
    limiter = Limiter()
    for script in (["ThrottlingException", "ThrottlingException", None], ["InternalFailure", None]):
        client = session.client("cloudtrail", config=CLIENT_CONFIG)
        limiter.attach(client, ACCOUNT, "us-east-1")
        client.meta.events.register("before-send.cloudtrail", Endpoint(script))
        assert client.get_trail_status(Name="t")["IsLogging"] is True
    assert lines == [
        f"retrying cloudtrail GetTrailStatus in us-east-1 after InternalFailure "
        f"(attempt 2 of {MAX_ATTEMPTS})"
    ]
    assert limiter.summary() == (
        "CloudTrail throttled 2 call attempt(s) in 1 account-region(s); the scan slowed down "
        "and retried them"
    )
    assert Limiter().summary() is None


def test_the_throttler_double_answers_a_seeded_share() -> None:
    """The test double itself: the same seed throttles the same attempts, about the share."""
    runs = []
    for _ in range(2):
        throttler = Throttler(0.2, seed=3)
        request = SimpleNamespace(url="https://cloudtrail.us-east-1.amazonaws.com/")
        answers = [throttler(request, "before-send.cloudtrail.GetTrailStatus") for _ in range(500)]
        runs.append([a is not None for a in answers])
        assert throttler.attempts == {"GetTrailStatus": 500}
        assert throttler.throttled == {"GetTrailStatus": sum(runs[-1])}
    assert runs[0] == runs[1]
    assert 80 <= sum(runs[0]) <= 120


# --- trailguard scan --tps ------------------------------------------------------------------


def run_scan(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["scan", *args], stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("value", ["0", "-2", "nan", "inf", "ten", "", "1000.5"])
def test_tps_must_be_a_positive_number(value: str) -> None:
    code, out, err = run_scan("--tps", value)
    assert (code, out) == (2, "")
    assert err == (
        f"trailguard scan: error: argument --tps: expected a number of calls a second greater "
        f"than 0 and at most 1000, got {value!r} (see trailguard scan --help)\n"
    )


def test_tps_in_help_with_the_documented_default() -> None:
    code, out, err = run_scan("--help")
    assert (code, err) == (0, "")
    flat = " ".join(out.split())
    assert (
        "--tps N CloudTrail calls a second per account and region, never exceeded (default 10, "
        "CloudTrail's quota for its Describe/Get/List calls); the scan slows down below it "
        "while CloudTrail throttles"
    ) in flat
    assert trailguard.cli.scan.DOCUMENTED_TPS == DOCUMENTED_TPS  # one fact, spelled twice
