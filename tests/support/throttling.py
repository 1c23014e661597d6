"""Throttling as CloudTrail answers it, for a seeded random share of a client's attempts; and
a fake clock for the scanner's rate limiter.

CloudTrail answers a request over its rate quota with ``ThrottlingException``, HTTP 400 (API
reference, "Common Errors":
https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/CommonErrors.html). moto never
throttles, so :class:`Throttler` answers so in the endpoint's place, on ``before-send``, for a
share of the attempts drawn from a seeded generator, whatever the rate (the scan benchmark's
"20% of calls throttled"). Hooked after the scanner's limiter (which registers first), a
throttled attempt still takes its slot, as a real throttled request counts against the rate.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from typing import Any

from botocore.awsrequest import AWSResponse

THROTTLED_BODY = {"__type": "ThrottlingException", "message": "Rate exceeded"}


class _Body:
    """The raw body botocore reads from a response (``stream()``)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def throttled_response(url: str) -> AWSResponse:
    body = json.dumps(THROTTLED_BODY).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "throttled"}
    return AWSResponse(url, 400, headers, _Body(body))


class Throttler:
    """Answers ``ThrottlingException`` for a ``share`` of the CloudTrail attempts it sees
    (thread-safe); ``throttled`` counts them by operation."""

    def __init__(self, share: float, seed: int) -> None:
        self.share = share
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.throttled: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-send.cloudtrail", self)

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        with self._lock:
            self.attempts[operation] += 1
            if self._random.random() >= self.share:
                return None
            self.throttled[operation] += 1
        return throttled_response(request.url)


class FakeClock:
    """``time.monotonic`` and ``time.sleep`` for the limiter (``trailguard.aws.limiter.time``):
    time moves only by sleeping, so nothing waits for real and every wait is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds
