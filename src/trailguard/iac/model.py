"""What the IaC readers produce and the judge returns, and the rules' metadata (one place for
the ids, levels and texts that the cfn-lint rules and the SARIF output both show)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trailguard.core.verdict import Verdict

Path = tuple[str | int, ...]

# The rule block: a level letter, then TG1001-TG1999. cfn-lint's own rules are a letter and four
# digits (E0000-E9999, custom rules E9001 upwards), common plugins use two letters and digits
# (cfn-lint-serverless: ES, WS, IS); a letter followed by TG is used by none of them.
COVERAGE = "ETG1001"
INVALID = "ETG1002"
NOT_LOGGING = "WTG1003"
UNDECIDED = "ITG1004"

TRAIL = "trail"
DATA_STORE = "event-data-store"


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    level: str  # SARIF level: error, warning, note
    short: str
    description: str
    fix: str
    help_uri: str


_FIX_SELECTOR = (
    "Add an advanced event selector with eventCategory Equals [Data] and resources.type Equals "
    "[AWS::SNS::Topic] and no other condition (CloudFormation: AdvancedEventSelectors / "
    "FieldSelectors; Terraform: advanced_event_selector / field_selector), or narrow nothing "
    "that a publish needs. `trailguard plan` on the deployed trail's get-event-selectors output "
    "prints the full list to put."
)

RULES: dict[str, RuleInfo] = {
    COVERAGE: RuleInfo(
        COVERAGE,
        "SnsDataEventsNotRecorded",
        "error",
        "CloudTrail trail or event data store does not record the required SNS data events",
        "Decides exactly, from the event selectors, whether every required data event "
        "(by default Publish and PublishBatch on every SNS topic, by every caller) is recorded. "
        "The message gives the cause and an example event that would go unrecorded.",
        _FIX_SELECTOR,
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html",
    ),
    INVALID: RuleInfo(
        INVALID,
        "SelectorsRejectedByCloudTrail",
        "error",
        "CloudTrail would reject these event selectors",
        "The selectors break a documented CloudTrail rule (fields and operators per category, "
        "required fields, values, limits); the deployment would fail or the trail would keep "
        "its old selectors. Event data stores are held to the event-data-store rules.",
        "Change the named field selector as the message says (CloudTrail API reference, "
        "AdvancedFieldSelector).",
        "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html",
    ),
    NOT_LOGGING: RuleInfo(
        NOT_LOGGING,
        "CloudTrailNotLogging",
        "warning",
        "The trail is not logging (or the event data store does not ingest)",
        "IsLogging false (Terraform: enable_logging = false), or an event data store with "
        "ingestion off, records nothing whatever its selectors say.",
        "Set IsLogging: true (Terraform: enable_logging = true; event data stores: "
        "IngestionEnabled: true / suspend = false).",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudtrail-trail.html",
    ),
    UNDECIDED: RuleInfo(
        UNDECIDED,
        "SelectorsNotDecidableBeforeDeploy",
        "note",
        "Whether the required data events are recorded cannot be decided before deploy",
        "A selector value is an intrinsic function (Ref, Fn::Sub, ...) or is known only after "
        "apply, and the verdict depends on it. This is never a pass: check the deployed trail "
        "with trailguard check or the Config rule.",
        "Write the value literally, or check the deployed trail with `trailguard check`.",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html",
    ),
}


@dataclass(frozen=True)
class Unknown:
    """A value not known before deploy: ``why`` names it (``Ref BucketName``, ``Fn::Sub``,
    ``known after apply``)."""

    why: str


@dataclass(frozen=True)
class Location:
    """A place in a file: 1-based lines and columns."""

    file: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None


class IacInputError(ValueError):
    """Input that is not a template or plan trailguard can read: one line naming it and where."""


@dataclass(frozen=True)
class Resource:
    """A trail or event data store from infrastructure code.

    ``selectors`` has the ``GetEventSelectors`` response shape (``AdvancedEventSelectors`` or
    ``EventSelectors``; neither for the default), with :class:`Unknown` wherever a value, a
    list or an object is not known. ``logging`` is False when the resource records nothing
    (IsLogging false, ingestion off), an :class:`Unknown`, or True. ``paths`` maps an
    API-shaped path (``("AdvancedEventSelectors", 0, "FieldSelectors", 1, "Equals", 0)``) to
    where it is written in the source; :meth:`source_path` uses it.
    """

    source: str
    address: str
    kind: str  # TRAIL or DATA_STORE
    resource_type: str
    selectors: dict[str, Any]
    logging: bool | Unknown = True
    trail_arn: str | None = None
    scenario: str | None = None
    prefix: Path = ()  # where the resource's properties are, in the source
    snake_case: bool = False  # Terraform: source paths are the provider's block names
    logging_path: Path = ()  # where IsLogging (or what stands for it) is, in the source
    logging_text: str = "IsLogging: false"  # how the source says it records nothing
    # API-shaped path -> source path, where they differ beyond the prefix (Fn::If dropped an
    # item of a list); looked up by longest prefix.
    origins: tuple[tuple[Path, Path], ...] = ()
    declared: Location | None = None  # where the resource is declared, if known

    def source_path(self, api_path: Path) -> Path:
        """Where the value at ``api_path`` (API shape; ``("logging",)``: the logging switch) is
        written in the source."""
        if api_path == ("logging",):
            return self.logging_path or self.prefix
        for length in range(len(api_path), 0, -1):
            for head, where in reversed(self.origins):  # the latest (innermost) first
                if head == api_path[:length]:
                    return where + api_path[length:]
        if not self.snake_case:
            return self.prefix + api_path
        return self.prefix + tuple(_snake(part) for part in api_path)


_SNAKE = {
    "AdvancedEventSelectors": "advanced_event_selector",
    "FieldSelectors": "field_selector",
    "EventSelectors": "event_selector",
    "DataResources": "data_resource",
    "Field": "field",
    "Name": "name",
    "Equals": "equals",
    "StartsWith": "starts_with",
    "EndsWith": "ends_with",
    "NotEquals": "not_equals",
    "NotStartsWith": "not_starts_with",
    "NotEndsWith": "not_ends_with",
    "ReadWriteType": "read_write_type",
    "IncludeManagementEvents": "include_management_events",
    "ExcludeManagementEventSources": "exclude_management_event_sources",
    "Type": "type",
    "Values": "values",
}


def _snake(part: str | int) -> str | int:
    return _SNAKE.get(part, part) if isinstance(part, str) else part


@dataclass(frozen=True)
class Finding:
    """One finding on one resource: ``rule`` is a key of :data:`RULES`, ``path`` the API-shaped
    path it concerns (empty: the resource), ``key`` what tells it apart from the resource's
    other findings of the rule (stable across runs, for fingerprints)."""

    rule: str
    resource: Resource
    message: str
    path: Path = ()
    key: str = ""
    verdict: Verdict | None = field(default=None, compare=False)
    scenarios: tuple[str, ...] = ()

    @property
    def level(self) -> str:
        return RULES[self.rule].level
