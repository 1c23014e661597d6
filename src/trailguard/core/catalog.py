"""What the core knows about each data event resource type, as data.

Adding a resource type (or an event name) here is all it takes to check it: the coverage
algorithm has no per-type logic. ``read_only`` is the value CloudTrail records in the event's
``readOnly`` field; ``None`` means "not pinned down", and then the event must be logged
whether it is recorded as read-only or not (DynamoDB's PartiQL events are read or write
depending on the statement).

Every event carries a one-line ``source``: the document that lists it as a data event of its
type (every type's own source is the CloudTrail table of data event resource types). A
``bucket_level`` event (S3 ``ListObjects``, ``HeadBucket``, ...) is logged under
``resources.type`` ``AWS::S3::Object`` but with the bucket's ARN (``arn:aws:s3:::bucket``) as
its resource, not an object's. The events are written in groups (source, readOnly, names) to
keep the SSM document, which embeds this module, within its size limit.
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


_CLOUDTRAIL_DOC = (
    "CloudTrail user guide, Logging data events: https://docs.aws.amazon.com/awscloudtrail/"
    "latest/userguide/logging-data-events-with-cloudtrail.html"
)


@dataclass(frozen=True, slots=True)
class EventTypeInfo:
    resource_type: str
    event_source: str
    arn_service: str  # the service part of the resource ARNs: arn:<partition>:<service>:...
    example_arn: str  # a realistic ARN (partition written as {partition}) for examples
    events: tuple[DataEvent, ...]  # every data event of the type
    basic: bool = False  # whether basic event selectors can express this type
    source: str = _CLOUDTRAIL_DOC  # one line: the document that names the resource type
    bucket_example_arn: str = ""  # the example for bucket-level events (S3 only)

    def event_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.events)

    def event(self, event_name: str) -> DataEvent | None:
        return next((e for e in self.events if e.name == event_name), None)

    def read_only(self, event_name: str) -> str | None:
        event = self.event(event_name)
        return None if event is None else event.read_only

    def bucket_level_events(self) -> tuple[DataEvent, ...]:
        """The events logged with a bucket ARN rather than an object ARN."""
        return tuple(e for e in self.events if e.bucket_level)

    def example_arn_for(self, event_name: str, partition: str = "aws") -> str:
        """A realistic resource ARN for ``event_name`` in ``partition``: the bucket's ARN for a
        bucket-level event, the type's usual example otherwise."""
        event = self.event(event_name)
        bucket = event is not None and event.bucket_level and self.bucket_example_arn
        return (self.bucket_example_arn if bucket else self.example_arn).format(partition=partition)


def _info(
    resource_type: str,
    service: str,
    example: str,
    *groups: tuple[str, str | None, str],
    basic: bool = False,
    bucket_example: str = "",
) -> EventTypeInfo:
    """``groups``: (source, readOnly, space-separated names; a leading "bucket:" marks them
    bucket-level)."""
    events = [
        DataEvent(name, read_only, source, names.startswith("bucket:"))
        for source, read_only, names in groups
        for name in names.removeprefix("bucket:").split()
    ]
    events.sort()
    return EventTypeInfo(
        resource_type,
        f"{service}.amazonaws.com",
        service,
        example,
        tuple(events),
        basic,
        bucket_example_arn=bucket_example,
    )


_T, _F = "true", "false"
# One line per document: title, then address.
_SNS_DOC = (
    "Amazon SNS developer guide, Logging Amazon SNS API calls using AWS CloudTrail: "
    "https://docs.aws.amazon.com/sns/latest/dg/sns-logging-using-cloudtrail.html"
)
_S3_DOC = (
    "Amazon S3 user guide, Amazon S3 CloudTrail events (data events): "
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html"
)
_LAMBDA_DOC = (
    "AWS Lambda developer guide, Logging AWS Lambda API calls using AWS CloudTrail: "
    "https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html"
)
_DYNAMODB_DOC = (
    "Amazon DynamoDB developer guide, Logging DynamoDB operations by using AWS CloudTrail: "
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/logging-using-cloudtrail.html"
)

DATA_EVENT_TYPES: dict[str, EventTypeInfo] = {
    info.resource_type: info
    for info in (
        _info(
            "AWS::SNS::Topic",
            "sns",
            "arn:{partition}:sns:us-east-1:111122223333:example-topic",
            (_SNS_DOC, _F, "Publish PublishBatch"),
        ),
        _info(
            "AWS::SNS::PlatformEndpoint",
            "sns",
            "arn:{partition}:sns:us-east-1:111122223333:endpoint/GCM/example-app/"
            "00000000-0000-0000-0000-000000000000",
            (_SNS_DOC, _F, "Publish"),
        ),
        _info(
            "AWS::S3::Object",
            "s3",
            "arn:{partition}:s3:::example-bucket/example-key",
            (
                _S3_DOC,
                _F,
                "AbortMultipartUpload CompleteMultipartUpload CopyObject CreateMultipartUpload "
                "DeleteObject DeleteObjectTagging DeleteObjects PostObject PutObject PutObjectAcl "
                "PutObjectLegalHold PutObjectRetention PutObjectTagging RestoreObject UploadPart "
                "UploadPartCopy",
            ),
            (
                _S3_DOC,
                _T,
                "GetObject GetObjectAcl GetObjectAttributes GetObjectLegalHold GetObjectRetention "
                "GetObjectTagging GetObjectTorrent HeadObject ListParts SelectObjectContent",
            ),
            (_S3_DOC, _T, "bucket:HeadBucket ListObjectVersions ListObjects ListObjectsV2"),
            basic=True,
            bucket_example="arn:{partition}:s3:::example-bucket",
        ),
        _info(
            "AWS::Lambda::Function",
            "lambda",
            "arn:{partition}:lambda:us-east-1:111122223333:function:example-function",
            (_LAMBDA_DOC, None, "Invoke"),
            basic=True,
        ),
        _info(
            "AWS::DynamoDB::Table",
            "dynamodb",
            "arn:{partition}:dynamodb:us-east-1:111122223333:table/example-table",
            (_DYNAMODB_DOC, _F, "BatchWriteItem DeleteItem PutItem TransactWriteItems UpdateItem"),
            (_DYNAMODB_DOC, _T, "BatchGetItem GetItem Query Scan TransactGetItems"),
            # PartiQL: read or write depending on the statement.
            (_DYNAMODB_DOC, None, "BatchExecuteStatement ExecuteStatement ExecuteTransaction"),
            basic=True,
        ),
    )
}

BASIC_RESOURCE_TYPES: tuple[str, ...] = tuple(t for t, i in DATA_EVENT_TYPES.items() if i.basic)
