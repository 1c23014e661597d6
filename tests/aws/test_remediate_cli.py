"""``trailguard remediate`` (and ``scan``) under real AWS conditions, against moto: a trail
ARN of another region, a stopped trail, throttling, and an endpoint that answers with an HTML
page.

Every run goes through ``trailguard.cli.main`` with a real boto3 session and compares the whole
result: exit code, stdout (JSON parsed, or text) and stderr. Faults are injected as an endpoint
would give them: a ``before-send`` hook registered first on the CLI's session returns an HTTP
response (throttling as AWS sends it, an HTML page as a wrong endpoint or proxy sends it) and
moto answers every call the hook leaves alone. moto (5.2.x): a trail is stopped until
``start_logging``; the account is 123456789012.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from scan_helpers import without_banner
from selector_data import ACCOUNT, MANAGEMENT, SNS_ALL_OWN, make_trail, moto_with_bucket

import trailguard.aws.clients
from trailguard.cli import main

SNS_ADDED = {
    "Name": "trailguard: log all AWS::SNS::Topic data events",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
    ],
}
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Not Found</title></head>\n<body></body></html>"
JSON = "application/x-amz-json-1.1"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return Result(code, out.getvalue(), without_banner(err.getvalue()))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # botocore's backoff
    with moto_with_bucket():
        yield


def started(trail_arn: str) -> str:
    region = trail_arn.split(":")[3]
    boto3.client("cloudtrail", region_name=region).start_logging(Name=trail_arn)
    return trail_arn


class Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


Answer = Callable[[Any], "AWSResponse | None"]


def answer(monkeypatch: pytest.MonkeyPatch, event: str, handler: Answer) -> None:
    """``handler`` answers ``event`` (``before-send.SERVICE.OPERATION``) on the CLI's sessions
    before moto does; None lets moto answer."""
    real = trailguard.aws.clients.new_session

    def watched(notify: Any = None, **kwargs: Any) -> Any:
        session = real(notify, **kwargs)
        session.events.register_first(event, lambda request, **_: handler(request))
        return session

    monkeypatch.setattr(trailguard.aws.clients, "new_session", watched)


def response(request: Any, status: int, body: bytes, **headers: str) -> AWSResponse:
    return AWSResponse(request.url, status, headers, Body(body))


def throttled(times: int) -> Answer:
    left = [times]

    def handler(request: Any) -> AWSResponse | None:
        if left[0] == 0:
            return None
        left[0] -= 1
        body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
        return response(
            request, 400, body, **{"Content-Type": JSON, "x-amzn-ErrorType": "ThrottlingException"}
        )

    return handler


def html_page(request: Any) -> AWSResponse:
    return response(request, 404, HTML_PAGE, **{"Content-Type": "text/html"})


def outcome(
    arn: str,
    outcome: str,
    reason: str,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]] | None,
    is_logging: bool | None,
    home: str = "us-east-1",
) -> dict[str, Any]:
    """RemediationResult.to_dict() of a run that wrote ``after`` (None: wrote nothing)."""
    wrote = after is not None
    read = {"EventSelectors": [], "AdvancedEventSelectors": before}
    return {
        "trailARN": arn,
        "homeRegion": home,
        "outcome": outcome,
        "changed": wrote,
        "verified": True,
        "restored": False,
        "dryRun": False,
        "reason": reason,
        "gained": [{"resourceType": "AWS::SNS::Topic", "eventNames": ["Publish", "PublishBatch"]}]
        if wrote
        else [],
        "before": read,
        "after": {"AdvancedEventSelectors": after} if wrote else None,
        "final": {"EventSelectors": [], "AdvancedEventSelectors": after} if wrote else read,
        "writes": 1 if wrote else 0,
        "otherWriter": False,
        "isLogging": is_logging,
        "complianceBefore": "NON_COMPLIANT" if wrote else "COMPLIANT",
        "complianceAfter": "COMPLIANT",
    }


def start_logging(arn: str, region: str = "us-east-1") -> str:
    return f"aws cloudtrail start-logging --name {arn} --region {region}"


# --- --trail ARN: the ARN's region, not the session's -------------------------------------------


def test_an_arn_of_another_region_is_looked_up_there(aws: None) -> None:
    """A single-region trail of eu-west-1 is not listed from us-east-1 (the session's
    region): the ARN's region is used."""
    arn = started(make_trail("eu-trail", advanced=[MANAGEMENT], region="eu-west-1"))
    result = run("remediate", "--trail", arn, "--output", "json")
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == outcome(
        arn,
        "updated",
        f"{arn}: selectors updated and verified",
        [MANAGEMENT],
        [MANAGEMENT, SNS_ADDED],
        True,
        home="eu-west-1",
    )


def test_an_arn_of_another_account_not_found_says_whose_credentials(aws: None) -> None:
    arn = "arn:aws:cloudtrail:us-east-1:111122223333:trail/theirs"
    assert run("remediate", "--trail", arn) == Result(
        4,
        "",
        f"trailguard: failed: trail {arn} not found from region us-east-1 (the ARN names "
        f"account 111122223333; these credentials are {ACCOUNT}'s)\n",
    )


# --- a stopped trail is never "already compliant" ----------------------------------------------


def test_stopped_trail_with_the_right_selectors_exits_1(aws: None) -> None:
    arn = make_trail("stopped", advanced=[MANAGEMENT, SNS_ALL_OWN])
    reason = (
        f"{arn}: the selectors meet the requirement (nothing written), but the trail is not "
        f"logging (IsLogging false), so it records nothing: start it: {start_logging(arn)}"
    )
    result = run("remediate", "--trail", "stopped", "--output", "json")
    assert (result.code, result.err) == (1, f"trailguard: stopped: {reason}\n")
    assert json.loads(result.out) == outcome(
        arn, "stopped", reason, [MANAGEMENT, SNS_ALL_OWN], None, False
    )


def test_stopped_trail_as_text_is_the_line_on_stderr(aws: None) -> None:
    arn = make_trail("stopped-text", advanced=[MANAGEMENT, SNS_ALL_OWN])
    assert run("remediate", "--trail", arn) == Result(
        1,
        "",
        f"trailguard: stopped: {arn}: the selectors meet the requirement (nothing written), but "
        f"the trail is not logging (IsLogging false), so it records nothing: start it: "
        f"{start_logging(arn)}\n",
    )


def test_stopped_trail_gets_its_selectors_and_still_exits_1(aws: None) -> None:
    arn = make_trail("stopped-missing", advanced=[MANAGEMENT])
    reason = (
        f"{arn}: selectors updated and verified; but the trail is not logging (IsLogging "
        f"false), so it records nothing: start it: {start_logging(arn)}"
    )
    result = run("remediate", "--trail", arn, "--output", "json")
    assert (result.code, result.err) == (1, f"trailguard: updated: {reason}\n")
    assert json.loads(result.out) == outcome(
        arn, "updated", reason, [MANAGEMENT], [MANAGEMENT, SNS_ADDED], False
    )


def test_a_logging_trail_already_compliant_exits_0(aws: None) -> None:
    arn = started(make_trail("fine", advanced=[MANAGEMENT, SNS_ALL_OWN]))
    result = run("remediate", "--trail", arn, "--output", "json")
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == outcome(
        arn,
        "compliant",
        f"{arn}: already compliant; nothing written",
        [MANAGEMENT, SNS_ALL_OWN],
        None,
        True,
    )


def test_status_that_cannot_be_read_is_not_compliant(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = started(make_trail("unknown-status", advanced=[MANAGEMENT, SNS_ALL_OWN]))
    answer(monkeypatch, "before-send.cloudtrail.GetTrailStatus", html_page)
    reason = (
        f"{arn}: the selectors meet the requirement (nothing written), but GetTrailStatus on "
        f"{arn} failed: cloudtrail GetTrailStatus at https://cloudtrail.us-east-1.amazonaws.com: "
        "HTTP 404 (the response was an HTML page); whether it logs is unknown"
    )
    result = run("remediate", "--trail", arn, "--output", "json")
    assert (result.code, result.err) == (4, f"trailguard: failed: {reason}\n")
    assert json.loads(result.out) == outcome(
        arn, "failed", reason, [MANAGEMENT, SNS_ALL_OWN], None, None
    )


# --- retries and endpoint errors, as the user sees them -----------------------------------------


@pytest.mark.slow  # botocore sleeps between its retries here (about 7 s)
def test_throttling_is_announced_once_and_the_run_goes_on(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = started(make_trail("busy", advanced=[MANAGEMENT, SNS_ALL_OWN]))
    answer(monkeypatch, "before-send.cloudtrail.DescribeTrails", throttled(3))
    assert run("remediate", "--trail", "busy") == Result(
        0,
        f"compliant (changed=false verified=true restored=false): {arn}: already compliant; "
        f"nothing written\n  trail: {arn} (home region us-east-1)\n",
        "trailguard: retrying cloudtrail DescribeTrails in us-east-1 after ThrottlingException "
        "(attempt 2 of 10)\n",
    )


def test_an_html_page_is_one_line_naming_the_endpoint(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, "before-send.cloudtrail.DescribeTrails", html_page)
    assert run("remediate", "--trail", "t", "--region", "eu-west-1") == Result(
        4,
        "",
        "trailguard: failed: DescribeTrails in eu-west-1 (looking for t) failed: cloudtrail "
        "DescribeTrails at https://cloudtrail.eu-west-1.amazonaws.com: HTTP 404 (the response "
        "was an HTML page)\n",
    )


def test_scan_reports_the_endpoint_of_a_region_that_answers_html(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    started(make_trail("scanned", advanced=[MANAGEMENT, SNS_ALL_OWN]))

    def eu_only(request: Any) -> AWSResponse | None:
        return html_page(request) if "eu-west-1" in request.url else None

    answer(monkeypatch, "before-send.cloudtrail.DescribeTrails", eu_only)
    result = run("scan", "--regions", "us-east-1,eu-west-1", "--output", "json")
    assert (result.code, result.err) == (1, "")
    assert json.loads(result.out)["notEvaluated"] == [
        f"account {ACCOUNT}, region eu-west-1: DescribeTrails failed: cloudtrail DescribeTrails "
        "at https://cloudtrail.eu-west-1.amazonaws.com: HTTP 404 (the response was an HTML page)"
    ]
