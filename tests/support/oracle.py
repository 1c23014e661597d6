"""Reference (oracle) matcher for CloudTrail advanced event selectors.

Written straight from the documented rules, not from ``trailguard``:

- CloudTrail user guide, "Filtering data events by using advanced event selectors" (and the
  API reference, AdvancedFieldSelector): how selectors and their conditions combine;
- CloudTrail user guide, "CloudTrail record contents" and "CloudTrail userIdentity element":
  which fields a data-event record holds, and which it may lack.

Standard library only, no imports from ``trailguard``: it is deliberately naive so that it is
obviously correct and can judge the real code.

Rules (documented):
- an event is logged iff it matches ANY selector (OR across selectors);
- it matches a selector iff it satisfies EVERY field selector in it (AND across fields);
- a field selector is satisfied by a value iff
    (it has no SELECT operator (Equals/StartsWith/EndsWith) OR the value matches at least one
     SELECT value)
  AND
    no DESELECT value (NotEquals/NotStartsWith/NotEndsWith) matches;
- matching is case-sensitive exact / startswith / endswith, no wildcards.

The record (documented): a data event always has eventCategory, eventSource, eventName,
eventType ("AwsApiCall" or "AwsServiceEvent"), readOnly, resources.type and resources.ARN; it
MAY LACK userIdentity.arn (calls by AWS services, some cross-account and Unknown callers), and
sessionCredentialFromConsole is "not shown unless the value is true" (so "true" or absent).
An event is a dict; a field the record lacks is simply not a key.

How a condition treats a field the record lacks is NOT documented, so the matcher takes a
``reading``:
- ``strict``: a missing field satisfies no field selector (positive or negative);
- ``lenient`` (the union of the plausible undocumented readings): a missing field satisfies a
  field selector iff the field selector has no SELECT operator, or (sessionCredentialFromConsole
  only) the field selector accepts the value "false" (missing read as false). A field selector
  on a field no record has at all (not in RECORD_FIELDS) is always satisfied.
Everything logged under ``strict`` is logged under ``lenient``.
"""

from __future__ import annotations

from typing import Any

SELECT_OPERATORS: tuple[str, ...] = ("Equals", "StartsWith", "EndsWith")
DESELECT_OPERATORS: tuple[str, ...] = ("NotEquals", "NotStartsWith", "NotEndsWith")

STRICT = "strict"
LENIENT = "lenient"
READINGS: tuple[str, ...] = (STRICT, LENIENT)

# The fields of a data-event record (CloudTrail record contents), and those it may lack.
RECORD_FIELDS: tuple[str, ...] = (
    "eventCategory",
    "eventSource",
    "eventName",
    "eventType",
    "readOnly",
    "resources.type",
    "resources.ARN",
    "userIdentity.arn",
    "sessionCredentialFromConsole",
)
MAY_BE_ABSENT: tuple[str, ...] = ("userIdentity.arn", "sessionCredentialFromConsole")
EVENT_TYPES: tuple[str, ...] = ("AwsApiCall", "AwsServiceEvent")


def _operator_matches(operator: str, field_value: str, condition_value: str) -> bool:
    """Does one condition value match, ignoring the Not- (the caller handles negation)?"""
    if operator in ("Equals", "NotEquals"):
        return field_value == condition_value
    if operator in ("StartsWith", "NotStartsWith"):
        return field_value.startswith(condition_value)
    if operator in ("EndsWith", "NotEndsWith"):
        return field_value.endswith(condition_value)
    raise ValueError(f"unknown operator {operator!r}")


def value_satisfies(field_selector: dict[str, Any], value: str) -> bool:
    """Is one AdvancedFieldSelector satisfied by a field that holds ``value``?"""
    has_select = False
    select_hit = False
    for operator in SELECT_OPERATORS:
        for condition_value in field_selector.get(operator) or []:
            has_select = True
            if _operator_matches(operator, value, condition_value):
                select_hit = True

    deselect_hit = False
    for operator in DESELECT_OPERATORS:
        for condition_value in field_selector.get(operator) or []:
            if _operator_matches(operator, value, condition_value):
                deselect_hit = True

    select_ok = (not has_select) or select_hit
    return select_ok and not deselect_hit


def _has_select(field_selector: dict[str, Any]) -> bool:
    return any(field_selector.get(operator) for operator in SELECT_OPERATORS)


def field_selector_satisfied(
    field_selector: dict[str, Any], event: dict[str, str], reading: str = STRICT
) -> bool:
    """Is one AdvancedFieldSelector satisfied by the event, under ``reading``?"""
    if reading not in READINGS:
        raise ValueError(f"unknown reading {reading!r}")
    field = field_selector["Field"]
    if field in event:
        return value_satisfies(field_selector, event[field])
    # The record lacks the field.
    if reading == STRICT:
        return False
    if field not in RECORD_FIELDS:
        return True  # no record has it: the lenient reading drops the condition
    if not _has_select(field_selector):
        return True
    return field == "sessionCredentialFromConsole" and value_satisfies(field_selector, "false")


def selector_matches(
    selector: dict[str, Any], event: dict[str, str], reading: str = STRICT
) -> bool:
    """Does one AdvancedEventSelector match (every field selector satisfied)?"""
    for field_selector in selector["FieldSelectors"]:
        if not field_selector_satisfied(field_selector, event, reading):
            return False
    return True


def is_logged(
    advanced_selectors: list[dict[str, Any]], event: dict[str, str], reading: str = STRICT
) -> bool:
    """Is the event logged by a trail with these advanced selectors (raw AWS API shape),
    under ``reading`` of missing fields?"""
    for selector in advanced_selectors:  # noqa: SIM110 - kept as a plain loop on purpose
        if selector_matches(selector, event, reading):
            return True
    return False


def is_excluded(exclusions: list[dict[str, Any]], event: dict[str, str]) -> bool:
    """Does the event match an accepted exclusion? Each exclusion is a selector-shaped dict
    ({"FieldSelectors": [...]}) matched like a selector under the strict reading."""
    return is_logged(exclusions, event, STRICT)


# --- basic (legacy) event selectors ---------------------------------------------------------
#
# Written from the CloudTrail user guide ("Logging data events" / "Logging management events"
# with basic event selectors; API reference EventSelector, DataResource) and docs/domain.md
# section 2, NOT from trailguard's converter:
# - a trail logs an event iff ANY of its basic selectors logs it;
# - a selector's ReadWriteType (default All) admits readOnly "true" for ReadOnly, "false" for
#   WriteOnly and anything for All; it applies to management AND data events;
# - a management event (eventCategory Management) is logged by a selector iff
#   IncludeManagementEvents (default true), the ReadWriteType admits it, and its eventSource is
#   not in ExcludeManagementEventSources;
# - a data event (eventCategory Data) is logged by a selector iff the ReadWriteType admits it
#   and one of its DataResources has Type == the event's resources.type and a value that
#     * names the whole type ("arn:<partition>:s3" / "arn:<partition>:s3:::" for S3 objects,
#       "arn:<partition>:lambda" for functions, "arn:<partition>:dynamodb" for tables), or
#     * for AWS::S3::Object: is a prefix of the event's resources.ARN (a bucket
#       "arn:aws:s3:::bucket/" or bucket/prefix value), or
#     * for AWS::Lambda::Function / AWS::DynamoDB::Table: equals the event's resources.ARN.
# Choices made here: an event without readOnly is admitted only by ReadWriteType All; an event
# without eventSource is never excluded; a data event without resources.ARN is logged only by a
# whole-type value.
#
# Not documented (docs/domain.md section 2, "Event lists"): whether a bucket or prefix value
# "arn:<partition>:s3:::bucket/..." logs the bucket-level S3 data events ListObjects,
# ListObjectsV2, ListObjectVersions and HeadBucket, which S3 records under AWS::S3::Object with
# the BUCKET's ARN "arn:<partition>:s3:::bucket" (S3 user guide, "Amazon S3 CloudTrail
# events"). Two readings, chosen by ``reading``:
# - "narrow": the value is matched as a prefix of resources.ARN, like any other event (so it
#   logs them only when the value is itself a prefix of the bucket ARN, e.g. has no "/");
# - "generous": besides, it logs those events when resources.ARN is the bucket ARN the value
#   names (its "arn:<partition>:s3:::" part and the bucket name, up to the first "/").
# A rewrite of a basic trail must log everything the trail logs under either reading. All four
# are reads (S3 user guide): a record of one holds readOnly "true".

BUCKET_LEVEL_EVENTS: tuple[str, ...] = (
    "ListObjects",
    "ListObjectsV2",
    "ListObjectVersions",
    "HeadBucket",
)
BASIC_READINGS: tuple[str, ...] = ("narrow", "generous")

_BASIC_TYPE_SERVICE: dict[str, str] = {
    "AWS::S3::Object": "s3",
    "AWS::Lambda::Function": "lambda",
    "AWS::DynamoDB::Table": "dynamodb",
}


def _read_write_admits(read_write_type: str, event: dict[str, str]) -> bool:
    if read_write_type == "All":
        return True
    if read_write_type == "ReadOnly":
        return event.get("readOnly") == "true"
    if read_write_type == "WriteOnly":
        return event.get("readOnly") == "false"
    raise ValueError(f"unknown ReadWriteType {read_write_type!r}")


def _names_whole_type(resource_type: str, value: str) -> bool:
    service = _BASIC_TYPE_SERVICE.get(resource_type)
    if service is None:
        return False
    parts = value.split(":")
    # "arn:<partition>:<service>" or, for S3, "arn:<partition>:s3:::"
    if len(parts) == 3 and parts[0] == "arn" and parts[1] and parts[2] == service:
        return True
    return (
        service == "s3"
        and len(parts) == 6
        and parts[0] == "arn"
        and parts[1] != ""
        and parts[2] == "s3"
        and parts[3:] == ["", "", ""]
    )


def bucket_arn_of(value: str) -> str | None:
    """The bucket ARN an S3 basic value names ("arn:aws:s3:::b/p" -> "arn:aws:s3:::b"), or
    None when the value has no bucket part."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "s3" or parts[3:5] != ["", ""]:
        return None
    bucket = parts[5].split("/", 1)[0]
    return ":".join(parts[:5]) + ":" + bucket if bucket else None


def _data_value_matches(
    resource_type: str, value: str, event: dict[str, str], reading: str = "narrow"
) -> bool:
    if reading not in BASIC_READINGS:
        raise ValueError(f"unknown reading {reading!r}")
    if _names_whole_type(resource_type, value):
        return True
    arn = event.get("resources.ARN")
    if arn is None:
        return False
    if resource_type == "AWS::S3::Object":
        if arn.startswith(value):
            return True
        return (
            reading == "generous"
            and event.get("eventName") in BUCKET_LEVEL_EVENTS
            and arn == bucket_arn_of(value)
        )
    return arn == value


def basic_selector_logs(
    selector: dict[str, Any], event: dict[str, str], reading: str = "narrow"
) -> bool:
    """Does one basic EventSelector (raw API shape) log the event, under ``reading``?"""
    if not _read_write_admits(selector.get("ReadWriteType", "All"), event):
        return False
    category = event.get("eventCategory")
    if category == "Management":
        if not selector.get("IncludeManagementEvents", True):
            return False
        excluded = selector.get("ExcludeManagementEventSources") or []
        return event.get("eventSource") not in excluded
    if category == "Data":
        event_type = event.get("resources.type")
        for resource in selector.get("DataResources") or []:
            if resource["Type"] != event_type:
                continue
            for value in resource.get("Values") or []:
                if _data_value_matches(resource["Type"], value, event, reading):
                    return True
        return False
    return False  # basic selectors log neither NetworkActivity nor anything else


def is_logged_basic(
    event_selectors: list[dict[str, Any]], event: dict[str, str], reading: str = "narrow"
) -> bool:
    """Is the event logged by a trail with these basic selectors (raw API shape), under
    ``reading`` ("narrow" or "generous", see above)?"""
    return any(basic_selector_logs(selector, event, reading) for selector in event_selectors)
