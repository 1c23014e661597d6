"""What the CLI's AWS clients add to every call (``trailguard.aws.clients``) and how an AWS
error becomes one line (``trailguard.aws.session.error_text``).

No moto here: an endpoint is played by a ``before-send`` hook that returns an HTTP response
(status, headers, body) written out by hand, so botocore parses it, retries it and raises for
it exactly as it would for a real endpoint. The bodies: an HTML page (what a wrong endpoint, a
captive portal or a proxy returns), a plain-text multi-line body, an AWS JSON error
(``ThrottlingException``), an AWS query (XML) answer. ``time.sleep`` is replaced, so retries do
not wait.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import pytest
from botocore.awsrequest import AWSResponse

from trailguard.aws.clients import Clients, new_session, watch
from trailguard.aws.session import error_text

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n"
    b"<body><h1>Not Found</h1>\n<p>The requested URL was not found.</p></body>\n</html>\n"
)
PLAIN_TEXT = b"Service Unavailable\nThe server is temporarily unable to service your request.\n"
THROTTLED = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
JSON = "application/x-amz-json-1.1"
CALLER = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/me</Arn>"
    b"<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    b"</GetCallerIdentityResponse>"
)


class Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class Endpoint:
    """A ``before-send`` hook answering with ``answers`` in turn (status, content type, body),
    the last one for every later attempt; records the URL of every attempt."""

    def __init__(self, *answers: tuple[int, str, bytes]) -> None:
        self.answers = list(answers)
        self.urls: list[str] = []

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.urls.append(request.url)
        status, content_type, body = self.answers[min(len(self.urls), len(self.answers)) - 1]
        headers = {"Content-Type": content_type}
        if status == 400 and content_type == JSON:
            headers["x-amzn-ErrorType"] = "ThrottlingException"
        return AWSResponse(request.url, status, headers, Body(body))


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


def client_of(session: Any, service: str, endpoint: Endpoint, attempts: int = 1) -> Any:
    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": attempts})
    client = session.client(service, region_name="us-east-1", config=config)
    client.meta.events.register_first("before-send", endpoint)
    return client


def error_of(call: Any, **kwargs: Any) -> BaseException:
    with pytest.raises((botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)) as e:
        call(**kwargs)
    return e.value


# --- error_text: an endpoint's body that is no AWS error becomes one line --------------------


@pytest.mark.parametrize("watched", [True, False])
def test_html_page_from_a_json_service(watched: bool) -> None:
    """botocore's JSON parser gives Code "404" and the whole page as the Message."""
    session = new_session() if watched else boto3.Session(region_name="us-east-1")
    client = client_of(session, "cloudtrail", Endpoint((404, "text/html", HTML_PAGE)))
    error = error_of(client.get_event_selectors, TrailName="t")
    where = " at https://cloudtrail.us-east-1.amazonaws.com" if watched else ""
    called = "cloudtrail GetEventSelectors" if watched else "GetEventSelectors"
    assert error_text(error) == f"{called}{where}: HTTP 404 (the response was an HTML page)"


def test_html_page_from_a_query_service() -> None:
    """botocore's query (XML) parser gives no Error at all for an HTML page."""
    client = client_of(new_session(), "sts", Endpoint((403, "text/html", HTML_PAGE)))
    error = error_of(client.get_caller_identity)
    assert error_text(error) == (
        "sts GetCallerIdentity at https://sts.us-east-1.amazonaws.com: HTTP 403 "
        "(the response was an HTML page)"
    )


def test_html_page_without_a_content_type_is_known_by_its_text() -> None:
    client = client_of(new_session(), "cloudtrail", Endpoint((404, "", HTML_PAGE)))
    error = error_of(client.describe_trails)
    assert error_text(error) == (
        "cloudtrail DescribeTrails at https://cloudtrail.us-east-1.amazonaws.com: HTTP 404 "
        "(the response was an HTML page)"
    )


def test_plain_text_body_is_folded_onto_the_line() -> None:
    client = client_of(new_session(), "cloudtrail", Endpoint((503, "text/plain", PLAIN_TEXT)))
    error = error_of(client.get_trail_status, Name="t")
    assert error_text(error) == (
        "cloudtrail GetTrailStatus at https://cloudtrail.us-east-1.amazonaws.com: HTTP 503 "
        "(Service Unavailable The server is temporarily unable to service your request.)"
    )


def test_empty_body_says_what_botocore_made_of_it() -> None:
    client = client_of(new_session(), "cloudtrail", Endpoint((502, "text/plain", b"")))
    error = error_of(client.list_trails)
    assert error_text(error) == (
        "cloudtrail ListTrails at https://cloudtrail.us-east-1.amazonaws.com: HTTP 502 "
        "(Bad Gateway)"
    )


def test_a_long_body_is_cut() -> None:
    body = b"x" * 300
    client = client_of(new_session(), "cloudtrail", Endpoint((500, "text/plain", body)))
    error = error_of(client.list_trails)
    assert error_text(error) == (
        "cloudtrail ListTrails at https://cloudtrail.us-east-1.amazonaws.com: HTTP 500 "
        f"({'x' * 99}…)"
    )


def test_an_aws_error_stays_code_and_message() -> None:
    client = client_of(new_session(), "cloudtrail", Endpoint((400, JSON, THROTTLED)))
    error = error_of(client.get_event_selectors, TrailName="t")
    assert error_text(error) == "ThrottlingException: Rate exceeded"


def test_endpoint_connection_error_names_the_endpoint() -> None:
    error = botocore.exceptions.EndpointConnectionError(
        endpoint_url="https://cloudtrail.us-east1.amazonaws.com/"
    )
    assert error_text(error) == (
        'EndpointConnectionError: Could not connect to the endpoint URL: "https://cloudtrail.'
        'us-east1.amazonaws.com/"'
    )


# --- retries: one line when a call starts retrying ----------------------------------------------


def test_a_call_that_starts_retrying_is_announced_once(no_waits: list[float]) -> None:
    lines: list[str] = []
    endpoint = Endpoint(
        (400, JSON, THROTTLED),
        (400, JSON, THROTTLED),
        (400, JSON, THROTTLED),
        (200, JSON, b'{"trailList": []}'),
    )
    client = client_of(new_session(lines.append), "cloudtrail", endpoint, attempts=5)
    assert client.describe_trails()["trailList"] == []
    assert len(endpoint.urls) == 4
    assert lines == [
        "retrying cloudtrail DescribeTrails in us-east-1 after ThrottlingException (attempt 2 of 5)"
    ]
    assert len(no_waits) >= 3  # botocore's backoff, not waited for here


def test_each_call_that_retries_is_announced() -> None:
    lines: list[str] = []
    endpoint = Endpoint((503, "text/html", HTML_PAGE), (200, JSON, b'{"IsLogging": true}'))
    session = new_session(lines.append)
    client = client_of(session, "cloudtrail", endpoint, attempts=3)
    client.get_trail_status(Name="a")
    endpoint.urls.clear()
    client.get_trail_status(Name="b")
    assert (
        lines
        == ["retrying cloudtrail GetTrailStatus in us-east-1 after HTTP 503 (attempt 2 of 3)"] * 2
    )


def test_retries_that_run_out_end_in_the_error_after_one_line() -> None:
    lines: list[str] = []
    client = client_of(
        new_session(lines.append), "cloudtrail", Endpoint((400, JSON, THROTTLED)), attempts=3
    )
    error = error_of(client.get_event_selectors, TrailName="t")
    assert (lines, error_text(error)) == (
        ["retrying cloudtrail GetEventSelectors in us-east-1 after ThrottlingException "
         "(attempt 2 of 3)"],
        "ThrottlingException: Rate exceeded",
    )  # fmt: skip


def test_connection_errors_are_announced_by_type() -> None:
    lines: list[str] = []

    class Unreachable:
        calls = 0

        def __call__(self, request: Any, **_: Any) -> Any:
            self.calls += 1
            if self.calls == 1:
                raise botocore.exceptions.EndpointConnectionError(endpoint_url=request.url)
            return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, Body(CALLER))

    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 4})
    client = new_session(lines.append).client("sts", region_name="eu-west-1", config=config)
    client.meta.events.register_first("before-send", Unreachable())
    assert client.get_caller_identity()["Account"] == "123456789012"
    assert lines == [
        "retrying sts GetCallerIdentity in eu-west-1 after EndpointConnectionError (attempt 2 of 4)"
    ]


def test_the_lambdas_and_ssm_steps_do_without() -> None:
    """Retry lines are for CLI runs: no bundled entry point reaches the module that makes
    them (the bundles hold every module their entry points import)."""
    import io
    import zipfile

    from trailguard.artifacts.bundle import flatten, lambda_bundle
    from trailguard.artifacts.document import REMEDIATION_MODULES, VERIFY_MODULES
    from trailguard.rules.registry import rules

    bundled = {
        module for roots in (REMEDIATION_MODULES, VERIFY_MODULES) for module in flatten(roots)[1]
    }
    for rule in rules():
        with zipfile.ZipFile(io.BytesIO(lambda_bundle(rule.id))) as bundle:
            bundled |= {name.removesuffix(".py").replace("/", ".") for name in bundle.namelist()}
    assert ("trailguard.aws.session" in bundled, "trailguard.aws.clients" in bundled) == (
        True,
        False,
    )


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_the_cli_clients_announce_through_from_profile() -> None:
    lines: list[str] = []
    clients = Clients.from_profile(None, "ap-northeast-1", notify=lines.append)
    client = clients.cloudtrail("ap-northeast-1")
    client.meta.events.register_first(
        "before-send", Endpoint((400, JSON, THROTTLED), (200, JSON, b'{"trailList": []}'))
    )
    client.describe_trails()
    assert lines == [
        "retrying cloudtrail DescribeTrails in ap-northeast-1 after ThrottlingException "
        "(attempt 2 of 10)"
    ]


def test_watch_is_what_new_session_does() -> None:
    lines: list[str] = []
    session = watch(boto3.Session(region_name="us-east-1"), lines.append)
    endpoint = Endpoint((404, "text/html", HTML_PAGE))
    error = error_of(client_of(session, "config", endpoint).describe_config_rules)
    assert (lines, error_text(error)) == (
        [],
        "config DescribeConfigRules at https://config.us-east-1.amazonaws.com: HTTP 404 "
        "(the response was an HTML page)",
    )
