"""What the core knows about each data event resource type, as data.

Adding a resource type (or an event name) here is all it takes to check it: the coverage
algorithm has no per-type logic. ``read_only`` is the value CloudTrail records in the event's
``readOnly`` field; ``None`` means "not pinned down", and then the event must be logged
whether it is recorded as read-only or not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EventTypeInfo:
    resource_type: str
    event_source: str
    arn_service: str  # the service part of the resource ARNs: arn:<partition>:<service>:...
    example_arn: str  # a realistic ARN (partition written as {partition}) for examples
    events: tuple[tuple[str, str | None], ...]  # (eventName, readOnly) for every data event
    basic: bool = False  # whether basic event selectors can express this type

    def event_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.events)

    def read_only(self, event_name: str) -> str | None:
        return dict(self.events).get(event_name)


def _info(
    resource_type: str,
    source: str,
    service: str,
    example: str,
    events: dict[str, str | None],
    basic: bool = False,
) -> EventTypeInfo:
    return EventTypeInfo(resource_type, source, service, example, tuple(events.items()), basic)


_T, _F = "true", "false"

DATA_EVENT_TYPES: dict[str, EventTypeInfo] = {
    info.resource_type: info
    for info in (
        _info(
            "AWS::SNS::Topic",
            "sns.amazonaws.com",
            "sns",
            "arn:{partition}:sns:us-east-1:111122223333:example-topic",
            {"Publish": _F, "PublishBatch": _F},
        ),
        _info(
            "AWS::SNS::PlatformEndpoint",
            "sns.amazonaws.com",
            "sns",
            "arn:{partition}:sns:us-east-1:111122223333:endpoint/GCM/example-app/"
            "00000000-0000-0000-0000-000000000000",
            {"Publish": _F},
        ),
        _info(
            "AWS::S3::Object",
            "s3.amazonaws.com",
            "s3",
            "arn:{partition}:s3:::example-bucket/example-key",
            {
                "AbortMultipartUpload": _F,
                "CompleteMultipartUpload": _F,
                "CopyObject": _F,
                "CreateMultipartUpload": _F,
                "DeleteObject": _F,
                "DeleteObjectTagging": _F,
                "DeleteObjects": _F,
                "GetObject": _T,
                "GetObjectAcl": _T,
                "GetObjectAttributes": _T,
                "GetObjectLegalHold": _T,
                "GetObjectRetention": _T,
                "GetObjectTagging": _T,
                "GetObjectTorrent": _T,
                "HeadObject": _T,
                "ListParts": _T,
                "PutObject": _F,
                "PutObjectAcl": _F,
                "PutObjectLegalHold": _F,
                "PutObjectRetention": _F,
                "PutObjectTagging": _F,
                "RestoreObject": _F,
                "SelectObjectContent": _T,
                "UploadPart": _F,
                "UploadPartCopy": _F,
            },
            basic=True,
        ),
        _info(
            "AWS::Lambda::Function",
            "lambda.amazonaws.com",
            "lambda",
            "arn:{partition}:lambda:us-east-1:111122223333:function:example-function",
            {"Invoke": None},
            basic=True,
        ),
        _info(
            "AWS::DynamoDB::Table",
            "dynamodb.amazonaws.com",
            "dynamodb",
            "arn:{partition}:dynamodb:us-east-1:111122223333:table/example-table",
            {
                "BatchGetItem": _T,
                "BatchWriteItem": _F,
                "DeleteItem": _F,
                "GetItem": _T,
                "PutItem": _F,
                "Query": _T,
                "Scan": _T,
                "TransactGetItems": _T,
                "TransactWriteItems": _F,
                "UpdateItem": _F,
            },
            basic=True,
        ),
    )
}

BASIC_RESOURCE_TYPES: tuple[str, ...] = tuple(t for t, i in DATA_EVENT_TYPES.items() if i.basic)
