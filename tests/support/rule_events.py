"""Helpers for the Config rule runtime tests: events as AWS Config sends them, configuration
items shaped as Config records trails, and a session that records every call.

``RecordingSession`` is what ``make_session`` returns: real (moto-backed) boto3 clients, each
wrapped in a proxy that records ``(service, region, operation, params)``. The ``config`` client
is always a real client with botocore's ``Stubber`` active (moto lacks
``get_compliance_details_by_config_rule`` and ``get_resource_config_history`` for trails, and
takes ``put_evaluations`` only in test mode), so every Config request is checked against the
API model and nothing reaches moto's Config. CloudTrail calls go to moto, except the ones a test
overrides (e.g. one trail's ``get_event_selectors`` answered by a Stubber with an error).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import boto3
import selector_data
from botocore.stub import Stubber
from selector_data import ACCOUNT, TRAIL_RULE, TRAIL_TYPE, trail_arn

from trailguard.core import build_requirement, evaluate, parse_response

OTHER_ACCOUNT = "111122223333"
BUCKET = "trailguard-rule-test-bucket"

CAPTURE_TIME = "2024-05-01T10:20:30.123Z"
CAPTURE_DT = datetime(2024, 5, 1, 10, 20, 30, 123000, tzinfo=UTC)
NOTIFICATION_TIME = "2024-05-02T03:04:05.678Z"
NOTIFICATION_DT = datetime(2024, 5, 2, 3, 4, 5, 678000, tzinfo=UTC)

# advanced selector lists of one selector each
SNS_ALL = [selector_data.SNS_ALL_OWN]
SNS_PUBLISH_ONLY = [selector_data.SNS_PUBLISH_ONLY]
MANAGEMENT_ONLY = [selector_data.MANAGEMENT]


def selectors_of(response: dict[str, Any]) -> dict[str, Any]:
    """The selector keys of a GetEventSelectors response (what put_event_selectors takes)."""
    return {k: response[k] for k in ("EventSelectors", "AdvancedEventSelectors") if k in response}


def verdict(
    selectors: dict[str, Any], resource_types: tuple[str, ...] = ("AWS::SNS::Topic",)
) -> Any:
    """The core's verdict on ``selectors`` for the rule's requirement (aws partition)."""
    return evaluate(parse_response(selectors), build_requirement(resource_types, None, "aws"))


def evaluation(
    resource_id: str,
    compliance: str,
    annotation: str,
    when: datetime,
    resource_type: str = TRAIL_TYPE,
) -> dict[str, Any]:
    return {
        "ComplianceResourceType": resource_type,
        "ComplianceResourceId": resource_id,
        "ComplianceType": compliance,
        "Annotation": annotation,
        "OrderingTimestamp": when,
    }


def context(account: str = ACCOUNT, region: str = "us-east-1") -> SimpleNamespace:
    return SimpleNamespace(
        invoked_function_arn=f"arn:aws:lambda:{region}:{account}:function:trailguard-rule",
        function_name="trailguard-rule",
    )


# --- moto set-up ------------------------------------------------------------------------------


def make_bucket(session: Any = None) -> None:
    (session or boto3).client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)


def make_trail(
    name: str,
    region: str = "us-east-1",
    *,
    multi_region: bool = False,
    organization: bool = False,
    selectors: dict[str, Any] | None = None,
    logging: bool = True,
    tags: dict[str, str] | None = None,
    session: Any = None,
) -> str:
    """Creates a trail in moto (selectors put as given, logging started); its ARN."""
    client = (session or boto3).client("cloudtrail", region_name=region)
    created = client.create_trail(
        Name=name,
        S3BucketName=BUCKET,
        IsMultiRegionTrail=multi_region,
        IsOrganizationTrail=organization,
    )
    if selectors:
        client.put_event_selectors(TrailName=name, **selectors)
    if logging:
        client.start_logging(Name=name)
    if tags:
        client.add_tags(
            ResourceId=created["TrailARN"],
            TagsList=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
    return str(created["TrailARN"])


# --- events -----------------------------------------------------------------------------------


def trail_item(
    name: str,
    region: str = "us-east-1",
    *,
    home_region: str | None = None,
    account: str = ACCOUNT,
    multi_region: bool = False,
    organization: bool = False,
    status: str = "OK",
    tags: dict[str, str] | None = None,
    capture_time: str = CAPTURE_TIME,
) -> dict[str, Any]:
    """A configuration item of AWS::CloudTrail::Trail, as in a change notification."""
    home = home_region or region
    arn = trail_arn(name, home, account)
    deleted = status.startswith("ResourceDeleted")
    configuration = None if deleted else {
        "name": name,
        "s3BucketName": BUCKET,
        "includeGlobalServiceEvents": True,
        "isMultiRegionTrail": multi_region,
        "homeRegion": home,
        "trailARN": arn,
        "logFileValidationEnabled": False,
        "hasCustomEventSelectors": True,
        "hasInsightSelectors": False,
        "isOrganizationTrail": organization,
    }  # fmt: skip
    return {
        "relatedEvents": [],
        "relationships": [],
        "configuration": configuration,
        "supplementaryConfiguration": {},
        "tags": dict(tags or {}),
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": capture_time,
        "configurationStateId": 1714558830123,
        "awsAccountId": account,
        "configurationItemStatus": status,
        "resourceType": TRAIL_TYPE,
        "resourceId": name,
        "resourceName": name,
        "ARN": arn,
        "awsRegion": region,
        "availabilityZone": "Not Applicable",
        "configurationStateMd5Hash": "",
        "resourceCreationTime": "2024-01-01T00:00:00.000Z",
    }


def rule_event(
    invoking: dict[str, Any],
    rule: str = TRAIL_RULE,
    *,
    token: str = "TESTMODE",
    parameters: dict[str, str] | str | None = None,
    account: str = ACCOUNT,
    left_scope: bool = False,
    execution_role: str | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": parameters
        if isinstance(parameters, str)
        else json.dumps(parameters or {}),
        "resultToken": token,
        "eventLeftScope": left_scope,
        "configRuleArn": f"arn:aws:config:{region}:{account}:config-rule/config-rule-abc123",
        "configRuleName": rule,
        "configRuleId": "config-rule-abc123",
        "accountId": account,
    }
    if execution_role:
        event["executionRoleArn"] = execution_role
    return event


def change_event(item: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    invoking = {
        "configurationItemDiff": None,
        "configurationItem": item,
        "notificationCreationTime": NOTIFICATION_TIME,
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    }
    return rule_event(invoking, **kwargs)


def oversized_event(name: str, region: str = "us-east-1", **kwargs: Any) -> dict[str, Any]:
    invoking = {
        "configurationItemSummary": {
            "changeType": "UPDATE",
            "configurationItemVersion": "1.3",
            "configurationItemCaptureTime": CAPTURE_TIME,
            "configurationStateId": 1714558830123,
            "awsAccountId": kwargs.get("account", ACCOUNT),
            "configurationItemStatus": "OK",
            "resourceType": TRAIL_TYPE,
            "resourceId": name,
            "resourceName": name,
            "ARN": trail_arn(name, region),
            "awsRegion": region,
            "availabilityZone": "Not Applicable",
            "configurationStateMd5Hash": "",
            "resourceCreationTime": "2024-01-01T00:00:00.000Z",
        },
        "s3ObjectKey": "AWSLogs/123456789012/Config/us-east-1/2024/5/1/item.json",
        "s3Bucket": "config-bucket",
        "notificationCreationTime": NOTIFICATION_TIME,
        "messageType": "OversizedConfigurationItemChangeNotification",
        "recordVersion": "1.0",
    }
    return rule_event(invoking, **kwargs)


def scheduled_event(
    rule: str = TRAIL_RULE, account: str = ACCOUNT, **kwargs: Any
) -> dict[str, Any]:
    invoking = {
        "awsAccountId": account,
        "notificationCreationTime": NOTIFICATION_TIME,
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return rule_event(invoking, rule, account=account, **kwargs)


def compliance_result(
    resource_id: str, compliance: str = "NON_COMPLIANT", rule: str = TRAIL_RULE
) -> dict[str, Any]:
    """One EvaluationResult of GetComplianceDetailsByConfigRule, shaped as the API returns it."""
    return {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": rule,
                "ResourceType": TRAIL_TYPE,
                "ResourceId": resource_id,
                "EvaluationMode": "DETECTIVE",
            },
            "OrderingTimestamp": datetime(2024, 4, 30, 1, 2, 3, tzinfo=UTC),
        },
        "ComplianceType": compliance,
        "ResultRecordedTime": datetime(2024, 4, 30, 1, 2, 4, tzinfo=UTC),
        "ConfigRuleInvokedTime": datetime(2024, 4, 30, 1, 2, 0, tzinfo=UTC),
        "Annotation": "previous result",
    }


# --- the recording session --------------------------------------------------------------------


Call = tuple[str, str, str, dict[str, Any]]  # service, region, operation, params
Override = Callable[[str, dict[str, Any]], Any]  # (region, params) -> response, or NotImplemented


class ClientProxy:
    def __init__(
        self,
        client: Any,
        service: str,
        region: str,
        calls: list[Call],
        overrides: dict[str, Override],
    ) -> None:
        self._client = client
        self._service = service
        self._region = region
        self._calls = calls
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or name in ("meta", "exceptions", "get_paginator", "can_paginate"):
            return attr
        if not callable(attr):
            return attr

        def call(**kwargs: Any) -> Any:
            self._calls.append((self._service, self._region, name, copy.deepcopy(kwargs)))
            override = self._overrides.get(name)
            if override is not None:
                result = override(self._region, kwargs)
                if result is not NotImplemented:
                    return result
            return attr(**kwargs)

        return call


@dataclass
class World:
    """What the tests share with the sessions they hand out: the calls, the stubbed Config
    clients (one per region, created on demand), CloudTrail overrides, sessions created."""

    calls: list[Call] = field(default_factory=list)
    config_clients: dict[str, Any] = field(default_factory=dict)
    config_stubbers: dict[str, Stubber] = field(default_factory=dict)
    cloudtrail_overrides: dict[str, Override] = field(default_factory=dict)
    session_kwargs: list[dict[str, Any]] = field(default_factory=list)
    region: str = "us-east-1"

    def config(self, region: str | None = None) -> Stubber:
        region = region or self.region
        if region not in self.config_stubbers:
            client = boto3.session.Session().client("config", region_name=region)
            stubber = Stubber(client)
            stubber.activate()
            self.config_clients[region] = client
            self.config_stubbers[region] = stubber
        return self.config_stubbers[region]

    def expect_puts(self, count: int, region: str | None = None) -> None:
        for _ in range(count):
            self.config(region).add_response("put_evaluations", {"FailedEvaluations": []})

    def expect_previous(
        self, pages: list[list[str]], rule: str = TRAIL_RULE, region: str | None = None
    ) -> None:
        """Queue GetComplianceDetailsByConfigRule pages listing these trails as evaluated."""
        for i, page in enumerate(pages):
            params: dict[str, Any] = {
                "ConfigRuleName": rule,
                "ComplianceTypes": ["COMPLIANT", "NON_COMPLIANT"],
            }
            if i:
                params["NextToken"] = f"token-{i}"
            response: dict[str, Any] = {"EvaluationResults": [compliance_result(r) for r in page]}
            if i < len(pages) - 1:
                response["NextToken"] = f"token-{i + 1}"
            self.config(region).add_response(
                "get_compliance_details_by_config_rule", response, params
            )

    def puts(self) -> list[dict[str, Any]]:
        return [p for s, _, op, p in self.calls if s == "config" and op == "put_evaluations"]

    def ops(self, service: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(r, op, p) for s, r, op, p in self.calls if s == service]

    def verify(self) -> None:
        for stubber in self.config_stubbers.values():
            stubber.assert_no_pending_responses()

    def make_session(self, **kwargs: Any) -> RecordingSession:
        self.session_kwargs.append(dict(kwargs))
        kwargs.setdefault("region_name", self.region)
        return RecordingSession(self, boto3.session.Session(**kwargs))


class RecordingSession:
    def __init__(self, world: World, session: Any) -> None:
        self.world = world
        self.session = session
        self.region_name = session.region_name

    def client(self, service: str, region_name: str | None = None, **kwargs: Any) -> Any:
        region = region_name or self.region_name
        if service == "config":
            self.world.config(region)
            real = self.world.config_clients[region]
            overrides: dict[str, Override] = {}
        else:
            real = self.session.client(service, region_name=region, **kwargs)
            overrides = self.world.cloudtrail_overrides if service == "cloudtrail" else {}
        return ClientProxy(real, service, region, self.world.calls, overrides)


def access_denied_for(arn: str, operation: str = "get_event_selectors") -> Override:
    """An override answering ``operation`` for trail ``arn`` through a Stubber with
    AccessDeniedException (the error shape checked by botocore); other trails go to moto."""
    key = "TrailName" if operation == "get_event_selectors" else "Name"

    def override(region: str, params: dict[str, Any]) -> Any:
        if params.get(key) != arn:
            return NotImplemented
        client = boto3.session.Session().client("cloudtrail", region_name=region)
        with Stubber(client) as stubber:
            stubber.add_client_error(
                operation,
                service_error_code="AccessDeniedException",
                service_message=f"User is not authorized to perform {operation}",
                http_status_code=400,
                expected_params={key: arn},
            )
            return getattr(client, operation)(**params)

    return override
