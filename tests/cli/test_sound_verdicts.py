"""The verdicts issue 8 names, through ``trailguard check --output json``, as whole results.

Each expected gap was worked out by hand from the documented record format (CloudTrail user
guide, "CloudTrail record contents" and "CloudTrail userIdentity element"): a publish by an
AWS service has no ``userIdentity.arn``; ``sessionCredentialFromConsole`` is ``true`` or
absent; ``eventType`` is ``AwsApiCall`` or ``AwsServiceEvent``.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from findings import without_finding

from trailguard.cli import main

TOPIC = "AWS::SNS::Topic"
TRAIL = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/audit"
TOPIC_HERE = "arn:aws:sns:eu-west-1:123456789012:example-topic"
CALLER_HERE = "arn:aws:sts::123456789012:assumed-role/ExampleRole/example-session"
ROLE = "arn:aws:sts::123456789012:assumed-role/Ops/"


def sns(name: str, *extra: dict[str, Any]) -> dict[str, Any]:
    fields = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": [TOPIC]},
        *extra,
    ]
    return {"Name": name, "FieldSelectors": fields}


def check(*selectors: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    document = {"TrailARN": TRAIL, "AdvancedEventSelectors": list(selectors)}
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["check", "-", "--output", "json"],
        stdin=io.StringIO(json.dumps(document)),
        stdout=out,
        stderr=err,
    )
    assert err.getvalue() == ""
    return code, without_finding(json.loads(out.getvalue()))


def event(name: str, **fields: str | None) -> dict[str, str]:
    """A Publish/PublishBatch record in the trail's own account and region; a field given
    as None is one the record lacks."""
    base: dict[str, str | None] = {
        "eventCategory": "Data",
        "resources.type": TOPIC,
        "eventName": name,
        "eventSource": "sns.amazonaws.com",
        "readOnly": "false",
        "resources.ARN": TOPIC_HERE,
        "userIdentity.arn": CALLER_HERE,
        "eventType": "AwsApiCall",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def gaps(cause: str, certainty: str, missing: list[str], **fields: str | None) -> list[Any]:
    return [
        {
            "resourceType": TOPIC,
            "eventName": name,
            "certainty": certainty,
            "missingFields": missing,
            "cause": cause,
            "example": event(name, **fields),
        }
        for name in ("Publish", "PublishBatch")
    ]


def verdict(compliance: str, annotation: str, found: list[Any]) -> dict[str, Any]:
    return {
        "trailARN": TRAIL,
        "compliance": compliance,
        "annotation": annotation,
        "selectorKind": "advanced",
        "gaps": found,
        "requirement": [{"resourceType": TOPIC, "eventNames": ["Publish", "PublishBatch"]}],
        "acceptedExclusions": [],
        "warnings": [],
    }


BOTH = f"Publish and PublishBatch on {TOPIC}"
UNDOCUMENTED = f"{BOTH} are logged only if CloudTrail matches records without"
COMPLIANT = f"Logged for every resource, caller and session: {BOTH}"


def cut(text: str) -> str:
    return text if len(text) <= 256 else text[:255] + "…"


def test_caller_arn_startswith_arn_aws_misses_service_publishes() -> None:
    cause = (
        "selector 'any principal' requires userIdentity.arn StartsWith [arn:aws:], which "
        "publishes by AWS services and some cross-account calls do not have"
    )
    code, result = check(
        sns("any principal", {"Field": "userIdentity.arn", "StartsWith": ["arn:aws:"]})
    )
    assert (code, result) == (
        1,
        verdict(
            "NON_COMPLIANT",
            f"{BOTH} are not logged: {cause}",
            gaps(cause, "certain", ["userIdentity.arn"], **{"userIdentity.arn": None}),
        ),
    )


def test_role_excluded_plus_role_selector_is_undocumented() -> None:
    cause = (
        f"selector 'humans' requires userIdentity.arn NotStartsWith [{ROLE}], which publishes "
        "by AWS services and some cross-account calls do not have; selector 'ops' requires "
        f"userIdentity.arn StartsWith [{ROLE}], which publishes by AWS services and some "
        "cross-account calls do not have"
    )
    code, result = check(
        sns("humans", {"Field": "userIdentity.arn", "NotStartsWith": [ROLE]}),
        sns("ops", {"Field": "userIdentity.arn", "StartsWith": [ROLE]}),
    )
    assert (code, result) == (
        1,
        verdict(
            "NON_COMPLIANT",
            cut(f"{UNDOCUMENTED} userIdentity.arn in a way AWS does not document: {cause}"),
            gaps(cause, "undocumented", ["userIdentity.arn"], **{"userIdentity.arn": None}),
        ),
    )


def test_console_true_plus_false_is_undocumented() -> None:
    field = "sessionCredentialFromConsole"
    cause = (
        f"selector 'console' requires {field} Equals [true], which non-console calls do not "
        f"have; selector 'other' requires {field} Equals [false], which non-console calls do "
        "not have"
    )
    code, result = check(
        sns("console", {"Field": field, "Equals": ["true"]}),
        sns("other", {"Field": field, "Equals": ["false"]}),
    )
    assert (code, result) == (
        1,
        verdict(
            "NON_COMPLIANT",
            cut(f"{UNDOCUMENTED} {field} in a way AWS does not document: {cause}"),
            gaps(cause, "undocumented", [field]),
        ),
    )


def test_event_type_api_call_only_misses_service_events() -> None:
    cause = "selector 'api calls' limits eventType to [AwsApiCall]"
    code, result = check(sns("api calls", {"Field": "eventType", "Equals": ["AwsApiCall"]}))
    assert (code, result) == (
        1,
        verdict(
            "NON_COMPLIANT",
            f"{BOTH} are not logged: {cause}",
            gaps(cause, "certain", [], eventType="AwsServiceEvent"),
        ),
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"Field": "eventName", "Equals": ["Publish"]},
        {"Field": "userIdentity.arn", "StartsWith": ["arn:aws:"]},
        {"Field": "sessionCredentialFromConsole", "Equals": ["false"]},
        {"Field": "eventType", "Equals": ["AwsApiCall"]},
    ],
    ids=["eventName", "caller", "console", "eventType"],
)
def test_type_only_selector_plus_a_narrowed_one_is_compliant(extra: dict[str, Any]) -> None:
    assert check(sns("all topics"), sns("narrowed", extra)) == (
        0,
        verdict("COMPLIANT", COMPLIANT, []),
    )


def test_both_event_types_is_compliant() -> None:
    both = {"Field": "eventType", "Equals": ["AwsApiCall", "AwsServiceEvent"]}
    assert check(sns("both types", both)) == (0, verdict("COMPLIANT", COMPLIANT, []))


def test_network_activity_selector_with_caller_arn_is_accepted() -> None:
    network = {
        "Name": "vpce",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["NetworkActivity"]},
            {"Field": "eventSource", "Equals": ["sns.amazonaws.com"]},
            {"Field": "userIdentity.arn", "NotStartsWith": [ROLE]},
        ],
    }
    assert check(sns("all topics"), network) == (0, verdict("COMPLIANT", COMPLIANT, []))
