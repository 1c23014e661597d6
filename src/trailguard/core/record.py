"""What a CloudTrail data-event record holds, field by field, as CloudTrail documents it.

A selector can only be judged against the records CloudTrail really writes. For the fields a
required data event does not fix, this module declares the documented domain and whether a
record may lack the field:

- ``resources.ARN``: always present (the resource the call was made on).
- ``userIdentity.arn``: optional. Calls made by AWS services (``userIdentity.type`` is
  ``AWSService``, with ``invokedBy`` instead of an ARN: CloudWatch alarms, S3 and EventBridge
  notifications publishing to a topic, ...), and some cross-account and ``Unknown`` callers,
  carry no ARN.
- ``sessionCredentialFromConsole``: "not shown unless the value is true", so ``"true"`` or absent;
  CloudTrail never writes ``"false"``.
- ``eventType``: ``AwsApiCall``, or ``AwsServiceEvent`` "when another account made a call with a
  resource that you own".
- ``readOnly`` and ``eventSource``: always present.

Sources: CloudTrail user guide, "CloudTrail record contents for management, data, and network
activity events" and "CloudTrail userIdentity element"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html,
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).

How a selector condition treats a field the record lacks is **not documented**. Two readings
bound every possibility:

- *strict*: a missing field satisfies no condition, positive or negative. Whatever CloudTrail
  really does matches at least these records, so coverage under the strict reading holds under
  every reading. A trail is COMPLIANT only when it is covered under this reading.
- *lenient*: the union of the plausible undocumented readings. A missing field satisfies a
  condition that has no SELECT operator (only ``NotEquals``/``NotStartsWith``/``NotEndsWith``),
  and, where a field has a natural default (``sessionCredentialFromConsole`` read as
  ``"false"``), any condition that accepts that default; a condition on a field no record of the
  event has at all (a field trailguard does not know) is read as satisfied. An event unlogged
  under this reading is unlogged under every reading: such a gap is ``certain``; a gap that
  exists only under the strict reading is ``undocumented``.
"""

from __future__ import annotations

from dataclasses import dataclass

from trailguard.core.model import FieldSelector

CERTAIN = "certain"
UNDOCUMENTED = "undocumented"

_RECORD_CONTENTS = (
    "CloudTrail user guide, CloudTrail record contents "
    "(cloudtrail-event-reference-record-contents.html)"
)
_USER_IDENTITY = (
    "CloudTrail user guide, CloudTrail userIdentity element "
    "(cloudtrail-event-reference-user-identity.html)"
)


@dataclass(frozen=True, slots=True)
class RecordField:
    """One field of a data-event record that a required event leaves free.

    ``choices`` lists the documented values (empty: any string; the requirement gives the
    prefix). ``may_be_absent`` says a record can lack the field; ``lacked_by`` names, in a few
    plain words, the records that do, and ``note`` says it in a sentence; ``absent_reads_as``
    is the value the lenient reading may give a missing field.
    """

    field: str
    may_be_absent: bool = False
    choices: tuple[str, ...] = ()
    absent_reads_as: str | None = None
    lacked_by: str = ""
    note: str = ""
    source: str = _RECORD_CONTENTS


RESOURCE_ARN = RecordField("resources.ARN")
CALLER_ARN = RecordField(
    "userIdentity.arn",
    may_be_absent=True,
    lacked_by="publishes by AWS services and some cross-account calls",
    note="CloudTrail writes no userIdentity.arn for calls made by AWS services (CloudWatch "
    "alarms, S3 and EventBridge notifications publishing to a topic, ...; userIdentity.type "
    "AWSService) and for some cross-account and Unknown callers",
    source=_USER_IDENTITY,
)
CONSOLE_SESSION = RecordField(
    "sessionCredentialFromConsole",
    may_be_absent=True,
    choices=("true",),
    absent_reads_as="false",
    lacked_by="non-console calls",
    note="CloudTrail writes sessionCredentialFromConsole only when it is true: records of calls "
    "not made from a console session lack it, and never hold false",
)
EVENT_TYPE = RecordField("eventType", choices=("AwsApiCall", "AwsServiceEvent"))
READ_ONLY = RecordField("readOnly", choices=("false", "true"))
EVENT_SOURCE = RecordField("eventSource")

RECORD_FIELDS: dict[str, RecordField] = {
    f.field: f
    for f in (RESOURCE_ARN, CALLER_ARN, CONSOLE_SESSION, EVENT_TYPE, READ_ONLY, EVENT_SOURCE)
}


def lenient_accepts_absent(fs: FieldSelector) -> bool:
    """Whether ``fs`` may be satisfied by a record that lacks its field, under some reading."""
    if not (fs.equals or fs.starts_with or fs.ends_with):
        return True
    known = RECORD_FIELDS.get(fs.field)
    default = known.absent_reads_as if known is not None else None
    return default is not None and FieldSelector.accepts(fs, default)


class LenientFieldSelector(FieldSelector):
    """A condition read leniently: a missing field satisfies it when some reading says so."""

    __slots__ = ()

    def accepts(self, value: str | None) -> bool:
        if value is None:
            return lenient_accepts_absent(self)
        return FieldSelector.accepts(self, value)
