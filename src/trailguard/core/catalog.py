"""What the core knows about each data event resource type, as data.

Adding a resource type (or an event name) here is all it takes to check it: the coverage
algorithm has no per-type logic. ``read_only`` is the value CloudTrail records in the event's
``readOnly`` field; ``None`` means "not pinned down", and then the event must be logged
whether it is recorded as read-only or not (DynamoDB's PartiQL events are read or write
depending on the statement).

Every event carries a one-line ``source``: the document that lists it as a data event of its
type. A ``bucket_level`` event (S3 ``ListObjects``, ``HeadBucket``, ...) is logged under
``resources.type`` ``AWS::S3::Object`` but with the bucket's ARN (``arn:aws:s3:::bucket``) as
its resource, not an object's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class DataEvent(NamedTuple):
    """One data event of a resource type."""

    name: str
    read_only: str | None  # "true", "false", or None (not pinned down)
    source: str  # one line: the document that lists it
    bucket_level: bool = False  # logged with a bucket ARN, not an object ARN


@dataclass(frozen=True, slots=True)
class EventTypeInfo:
    resource_type: str
    event_source: str
    arn_service: str  # the service part of the resource ARNs: arn:<partition>:<service>:...
    example_arn: str  # a realistic ARN (partition written as {partition}) for examples
    events: tuple[DataEvent, ...]  # every data event of the type
    basic: bool = False  # whether basic event selectors can express this type
    source: str = ""  # one line: the document that names the resource type
    bucket_example_arn: str = ""  # the example for bucket-level events (S3 only)

    def event_names(self) -> tuple[str, ...]:
        return tuple(event.name for event in self.events)

    def read_only(self, event_name: str) -> str | None:
        for event in self.events:
            if event.name == event_name:
                return event.read_only
        return None

    def event(self, event_name: str) -> DataEvent | None:
        for event in self.events:
            if event.name == event_name:
                return event
        return None

    def bucket_level_events(self) -> tuple[DataEvent, ...]:
        """The events logged with a bucket ARN rather than an object ARN."""
        return tuple(event for event in self.events if event.bucket_level)

    def example_arn_for(self, event_name: str, partition: str = "aws") -> str:
        """A realistic resource ARN for ``event_name`` in ``partition``: a bucket ARN for a
        bucket-level event, the type's usual example otherwise."""
        event = self.event(event_name)
        if event is not None and event.bucket_level and self.bucket_example_arn:
            return self.bucket_example_arn.format(partition=partition)
        return self.example_arn.format(partition=partition)


def _info(
    resource_type: str,
    source: str,
    service: str,
    examples: str | tuple[str, str],
    events: dict[str, tuple[str | None, str]],
    *,
    basic: bool = False,
    type_source: str,
    bucket_level: tuple[str, ...] = (),
) -> EventTypeInfo:
    example, bucket_example = examples if isinstance(examples, tuple) else (examples, "")
    return EventTypeInfo(
        resource_type,
        source,
        service,
        example,
        tuple(
            DataEvent(name, read_only, doc, name in bucket_level)
            for name, (read_only, doc) in events.items()
        ),
        basic,
        type_source,
        bucket_example,
    )


_T, _F = "true", "false"

# The documents, one line each (title, then address).
_CLOUDTRAIL_DATA_EVENTS = (
    "CloudTrail user guide, 'Logging data events' (resource types table): "
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html"
)
_SNS = (
    "Amazon SNS developer guide, 'Logging Amazon SNS API calls using AWS CloudTrail' (data "
    "events): https://docs.aws.amazon.com/sns/latest/dg/sns-logging-using-cloudtrail.html"
)
_S3_OBJECT = (
    "Amazon S3 user guide, 'Amazon S3 CloudTrail events' (data events, object-level): "
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html"
)
_S3_BUCKET = (
    "Amazon S3 user guide, 'Amazon S3 CloudTrail events' (data events logged on the bucket): "
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html"
)
_LAMBDA = (
    "AWS Lambda developer guide, 'Logging AWS Lambda API calls using AWS CloudTrail' (data "
    "events): https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html"
)
_DYNAMODB = (
    "Amazon DynamoDB developer guide, 'Logging DynamoDB operations by using AWS CloudTrail' "
    "(data plane events): "
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/logging-using-cloudtrail.html"
)
_DYNAMODB_PARTIQL = (
    "Amazon DynamoDB developer guide, 'Logging DynamoDB operations by using AWS CloudTrail' "
    "(PartiQL data plane events; read or write by statement): "
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/logging-using-cloudtrail.html"
)

_S3_BUCKET_LEVEL = ("HeadBucket", "ListObjectVersions", "ListObjects", "ListObjectsV2")

DATA_EVENT_TYPES: dict[str, EventTypeInfo] = {
    info.resource_type: info
    for info in (
        _info(
            "AWS::SNS::Topic",
            "sns.amazonaws.com",
            "sns",
            "arn:{partition}:sns:us-east-1:111122223333:example-topic",
            {"Publish": (_F, _SNS), "PublishBatch": (_F, _SNS)},
            type_source=_CLOUDTRAIL_DATA_EVENTS,
        ),
        _info(
            "AWS::SNS::PlatformEndpoint",
            "sns.amazonaws.com",
            "sns",
            "arn:{partition}:sns:us-east-1:111122223333:endpoint/GCM/example-app/"
            "00000000-0000-0000-0000-000000000000",
            {"Publish": (_F, _SNS)},
            type_source=_CLOUDTRAIL_DATA_EVENTS,
        ),
        _info(
            "AWS::S3::Object",
            "s3.amazonaws.com",
            "s3",
            (
                "arn:{partition}:s3:::example-bucket/example-key",
                "arn:{partition}:s3:::example-bucket",
            ),
            {
                "AbortMultipartUpload": (_F, _S3_OBJECT),
                "CompleteMultipartUpload": (_F, _S3_OBJECT),
                "CopyObject": (_F, _S3_OBJECT),
                "CreateMultipartUpload": (_F, _S3_OBJECT),
                "DeleteObject": (_F, _S3_OBJECT),
                "DeleteObjectTagging": (_F, _S3_OBJECT),
                "DeleteObjects": (_F, _S3_OBJECT),
                "GetObject": (_T, _S3_OBJECT),
                "GetObjectAcl": (_T, _S3_OBJECT),
                "GetObjectAttributes": (_T, _S3_OBJECT),
                "GetObjectLegalHold": (_T, _S3_OBJECT),
                "GetObjectRetention": (_T, _S3_OBJECT),
                "GetObjectTagging": (_T, _S3_OBJECT),
                "GetObjectTorrent": (_T, _S3_OBJECT),
                "HeadBucket": (_T, _S3_BUCKET),
                "HeadObject": (_T, _S3_OBJECT),
                "ListObjectVersions": (_T, _S3_BUCKET),
                "ListObjects": (_T, _S3_BUCKET),
                "ListObjectsV2": (_T, _S3_BUCKET),
                "ListParts": (_T, _S3_OBJECT),
                "PostObject": (_F, _S3_OBJECT),
                "PutObject": (_F, _S3_OBJECT),
                "PutObjectAcl": (_F, _S3_OBJECT),
                "PutObjectLegalHold": (_F, _S3_OBJECT),
                "PutObjectRetention": (_F, _S3_OBJECT),
                "PutObjectTagging": (_F, _S3_OBJECT),
                "RestoreObject": (_F, _S3_OBJECT),
                "SelectObjectContent": (_T, _S3_OBJECT),
                "UploadPart": (_F, _S3_OBJECT),
                "UploadPartCopy": (_F, _S3_OBJECT),
            },
            basic=True,
            type_source=_CLOUDTRAIL_DATA_EVENTS,
            bucket_level=_S3_BUCKET_LEVEL,
        ),
        _info(
            "AWS::Lambda::Function",
            "lambda.amazonaws.com",
            "lambda",
            "arn:{partition}:lambda:us-east-1:111122223333:function:example-function",
            {"Invoke": (None, _LAMBDA)},
            basic=True,
            type_source=_CLOUDTRAIL_DATA_EVENTS,
        ),
        _info(
            "AWS::DynamoDB::Table",
            "dynamodb.amazonaws.com",
            "dynamodb",
            "arn:{partition}:dynamodb:us-east-1:111122223333:table/example-table",
            {
                "BatchExecuteStatement": (None, _DYNAMODB_PARTIQL),
                "BatchGetItem": (_T, _DYNAMODB),
                "BatchWriteItem": (_F, _DYNAMODB),
                "DeleteItem": (_F, _DYNAMODB),
                "ExecuteStatement": (None, _DYNAMODB_PARTIQL),
                "ExecuteTransaction": (None, _DYNAMODB_PARTIQL),
                "GetItem": (_T, _DYNAMODB),
                "PutItem": (_F, _DYNAMODB),
                "Query": (_T, _DYNAMODB),
                "Scan": (_T, _DYNAMODB),
                "TransactGetItems": (_T, _DYNAMODB),
                "TransactWriteItems": (_F, _DYNAMODB),
                "UpdateItem": (_F, _DYNAMODB),
            },
            basic=True,
            type_source=_CLOUDTRAIL_DATA_EVENTS,
        ),
    )
}

BASIC_RESOURCE_TYPES: tuple[str, ...] = tuple(t for t, i in DATA_EVENT_TYPES.items() if i.basic)
