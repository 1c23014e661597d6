"""The CLI's AWS clients: sessions from a profile, per-region clients, and what the CLI adds
to every call it makes: a line when a call starts retrying, and the endpoint named in errors.

Credentials and region are taken as the AWS CLI takes them (``--profile``, the environment,
``AWS_ENDPOINT_URL``). Not part of the rule Lambdas or the SSM steps (they never import it):
their calls stay silent, and their errors name the operation without the endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import botocore.exceptions

from trailguard.aws.limiter import PACED
from trailguard.aws.session import CALLED, RETRY_CONFIG, error_text

if TYPE_CHECKING:
    from mypy_boto3_cloudtrail import CloudTrailClient

Notify = Callable[[str], None]


class AwsSetupError(Exception):
    """Credentials, profile or region are missing or wrong: one line for the user."""


def _service(operation: Any) -> str:
    return str(operation.service_model.service_name)


def _note_endpoint(http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
    """``after-call``: on an error, note in the response which service and endpoint answered
    (``error_text`` puts them on the line)."""
    if getattr(http_response, "status_code", 200) < 300 or not isinstance(parsed, dict):
        return
    url = urlsplit(str(getattr(http_response, "url", "") or ""))
    where = f" at {url.scheme}://{url.netloc}" if url.netloc else ""
    parsed.setdefault("ResponseMetadata", {})[CALLED] = f"{_service(model)} {model.name}{where}"


class RetryNotes:
    """Announces, through ``notify``, each call botocore starts retrying, once, when it sends
    the second attempt: ``retrying cloudtrail GetEventSelectors in us-east-1 after
    ThrottlingException (attempt 2 of 10)``. Later attempts of the same call say nothing more;
    when the retries run out, the call's error says what failed.

    botocore decides on a retry in ``needs-retry`` handlers (its own retry handler among them)
    and only then creates the next request; so the cause is remembered at ``needs-retry`` and
    the line written at ``request-created`` of attempt 2, when the retry is certain.
    """

    def __init__(self, notify: Notify) -> None:
        self._notify = notify
        self._lock = threading.Lock()  # scan calls from several threads

    def attach(self, events: Any) -> None:
        events.register("needs-retry", self._remember, unique_id="trailguard-retry-cause")
        events.register("request-created", self._announce, unique_id="trailguard-retry-note")

    def _remember(
        self,
        operation: Any = None,
        request_dict: Any = None,
        response: Any = None,
        caught_exception: BaseException | None = None,
        **_: Any,
    ) -> None:
        if not isinstance(request_dict, dict) or operation is None:
            return
        if request_dict["context"].get(PACED):  # the scanner's limiter paces it: no news
            return
        if caught_exception is not None:
            cause = type(caught_exception).__name__
        elif response is not None:
            http, parsed = response
            code = str((parsed.get("Error") or {}).get("Code") or "")
            cause = code if code and not code.isdigit() else f"HTTP {http.status_code}"
        else:
            return
        request_dict["context"]["trailguard_retry"] = (_service(operation), cause)

    def _announce(self, request: Any = None, operation_name: str = "", **_: Any) -> None:
        context = getattr(request, "context", None) or {}
        retries = context.get("retries") or {}
        found = context.get("trailguard_retry")
        if retries.get("attempt") != 2 or found is None:
            return
        service, cause = found
        limit = f" of {retries['max']}" if "max" in retries else ""
        region = context.get("client_region") or "?"
        with self._lock:
            self._notify(
                f"retrying {service} {operation_name} in {region} after {cause} (attempt 2{limit})"
            )


def watch(session: Any, notify: Notify | None) -> Any:
    """``session`` (boto3), its future clients naming their endpoint in errors and, with
    ``notify``, announcing retries. Clients copy the session's handlers when created, so call
    this before making any."""
    events = session.events
    events.register("after-call", _note_endpoint, unique_id="trailguard-endpoint")
    if notify is not None:
        RetryNotes(notify).attach(events)
    return session


def new_session(notify: Notify | None = None, **kwargs: Any) -> Any:
    """A watched boto3 session (the CLI's one way to make one)."""
    return watch(boto3.Session(**kwargs), notify)


class Clients:
    """Clients of one session, created on first use, one per (service, region)."""

    def __init__(self, session: boto3.Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, str], Any] = {}

    @classmethod
    def from_profile(
        cls, profile: str | None, region: str | None, notify: Notify | None = None
    ) -> Clients:
        try:
            session = new_session(notify, profile_name=profile, region_name=region)
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsSetupError(str(exc)) from exc
        if not session.region_name:
            raise AwsSetupError("no region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION")
        return cls(session)

    @property
    def region(self) -> str:
        return str(self.session.region_name)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._cache:
            self._cache[key] = self.session.client(
                service,  # type: ignore[call-overload]
                region_name=key[1],
                config=RETRY_CONFIG,
            )
        return self._cache[key]

    def cloudtrail(self, region: str) -> CloudTrailClient:
        client: CloudTrailClient = self.client("cloudtrail", region)
        return client

    def account_id(self) -> str:
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except botocore.exceptions.NoCredentialsError as exc:
            raise AwsSetupError("no AWS credentials found (profile, environment or role)") from exc
        except botocore.exceptions.ClientError as exc:
            raise AwsSetupError(f"cannot identify the caller: {error_text(exc)}") from exc
