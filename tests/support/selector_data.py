"""Test data and helpers shared by the test modules: selectors written out by hand, the names
of the Config rules and resource types, the selector fixtures, and moto set-up.

The selectors are the ones the remediation tests (the package's ``remediate`` and the SSM
document's scripts) put on trails, expect back, or find there; the rule and scan helpers build
their selector documents from the same dictionaries. Nothing here is derived from the code
under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

ACCOUNT = "123456789012"  # moto's default account
TOPIC = "AWS::SNS::Topic"
ENDPOINT = "AWS::SNS::PlatformEndpoint"
TRAIL_TYPE = "AWS::CloudTrail::Trail"
ACCOUNT_TYPE = "AWS::::Account"
TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
ANNOTATION_LIMIT = 256
# What each rule's definition says about a NON_COMPLIANT verdict, written out (every report
# entry of the rule carries both).
# "*": what has no result under every rule takes the highest of their severities.
RULE_SEVERITY = {TRAIL_RULE: "MEDIUM", ACCOUNT_RULE: "HIGH", "*": "HIGH"}
RULE_RISK = {
    TRAIL_RULE: "Without SNS data events, messages published to topics leave no audit record: "
    "who sent what to which topic cannot be established after an incident.",
    ACCOUNT_RULE: "A region with no trail recording SNS data events publishes messages without "
    "any audit record.",
}
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "selectors"
BUCKET = "trailguard-test-trail-logs"
BOTH_TOPIC_EVENTS = [{"resourceType": TOPIC, "eventNames": ["Publish", "PublishBatch"]}]


def trail_arn(name: str, region: str = "us-east-1", account: str = ACCOUNT) -> str:
    return f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"


# --- selectors, written out -------------------------------------------------------------------

MANAGEMENT = {
    "Name": "Management events",
    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
}
SNS_ADDED = {
    "Name": "trailguard: log all AWS::SNS::Topic data events",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
    ],
}
ENDPOINT_ADDED = {
    "Name": "trailguard: log all AWS::SNS::PlatformEndpoint data events",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::PlatformEndpoint"]},
    ],
}
SNS_PUBLISH_ONLY = {
    "Name": "SNS Publish only",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
        {"Field": "eventName", "Equals": ["Publish"]},
    ],
}
SNS_ALL_OWN = {
    "Name": "All SNS topic data events",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
    ],
}
S3_PREFIX = {
    "Name": "S3 objects under a prefix",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::example-bucket/logs/"]},
    ],
}
BASIC_SELECTORS = [
    {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [
            {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::example-bucket/prefix/"]},
            {"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]},
        ],
    }
]
# The basic data resources above as the planner converts them to advanced selectors: the S3
# prefix becomes resources.ARN StartsWith it; the Lambda value "arn:aws:lambda" (every
# function) adds no resources.ARN field.
S3_PREFIX_CONVERTED = {
    "Name": "AWS::S3::Object data events",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::example-bucket/prefix/"]},
    ],
}
LAMBDA_ALL_CONVERTED = {
    "Name": "AWS::Lambda::Function data events",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
    ],
}
# Whether the basic S3 prefix value also logged the bucket-level S3 data events on its bucket
# (arn:aws:s3:::example-bucket) is undocumented (docs/domain.md section 2), so the conversion keeps
# them with one more selector: those event names (all read-only, ReadWriteType All adds no
# readOnly field) on that bucket's ARN.
S3_BUCKET_LEVEL_CONVERTED = {
    "Name": "AWS::S3::Object bucket-level data events",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {
            "Field": "eventName",
            "Equals": ["HeadBucket", "ListObjectVersions", "ListObjects", "ListObjectsV2"],
        },
        {"Field": "resources.ARN", "Equals": ["arn:aws:s3:::example-bucket"]},
    ],
}
# BASIC_SELECTORS as advanced selectors, plus the one added for SNS topics
BASIC_CONVERTED_PLUS_SNS = [
    MANAGEMENT,
    S3_PREFIX_CONVERTED,
    LAMBDA_ALL_CONVERTED,
    S3_BUCKET_LEVEL_CONVERTED,
    SNS_ADDED,
]


# --- selector fixtures and annotations ----------------------------------------------------------


EXCLUSIONS_KEY = "trailguardAcceptedExclusions"


def fixture_paths() -> list[str]:
    """Every fixture judged with the default requirement: those that name accepted exclusions
    (their verdict depends on that parameter) are judged in tests/core/test_fixtures.py and by the
    parameter tests."""
    return sorted(
        str(p.relative_to(FIXTURES))
        for p in FIXTURES.glob("*/*.json")
        if EXCLUSIONS_KEY not in json.loads(p.read_text(encoding="utf-8"))
    )


def load_fixture(path: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / path).read_text(encoding="utf-8")))


def cut(text: str) -> str:
    return text if len(text) <= ANNOTATION_LIMIT else text[: ANNOTATION_LIMIT - 1] + "…"


def stopped_annotation(selector_annotation: str, whole: bool = False) -> str:
    """A stopped trail's annotation, cut to AWS Config's limit (``whole``: the whole text)."""
    text = (
        "The trail is not logging (stopped), so it records nothing; start it with "
        "StartLogging. Selectors: " + selector_annotation
    )
    return text if whole else cut(text)


# --- moto set-up ------------------------------------------------------------------------------


@contextmanager
def moto_with_bucket(bucket: str = BUCKET) -> Iterator[None]:
    """moto's mock, with the S3 bucket that trails made by ``make_trail`` log to."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=bucket)
        yield


def make_trail(
    name: str,
    *,
    basic: list[dict[str, Any]] | None = None,
    advanced: list[dict[str, Any]] | None = None,
    region: str = "us-east-1",
    **options: Any,
) -> str:
    """Creates a trail in moto, puts the basic and then the advanced selectors given; its ARN."""
    client = boto3.client("cloudtrail", region_name=region)
    created = client.create_trail(Name=name, S3BucketName=BUCKET, **options)
    if basic is not None:
        client.put_event_selectors(TrailName=name, EventSelectors=basic)
    if advanced is not None:
        client.put_event_selectors(TrailName=name, AdvancedEventSelectors=advanced)
    return str(created["TrailARN"])


def read_back(name: str, region: str = "us-east-1") -> dict[str, Any]:
    """The trail's ARN and both selector keys, as ``get_event_selectors`` returns them."""
    response = boto3.client("cloudtrail", region_name=region).get_event_selectors(TrailName=name)
    return {k: response[k] for k in ("TrailARN", "EventSelectors", "AdvancedEventSelectors")}


def advanced_only(trail_arn: str, selectors: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``read_back`` returns for a trail that holds only these advanced selectors."""
    return {"TrailARN": trail_arn, "EventSelectors": [], "AdvancedEventSelectors": selectors}
