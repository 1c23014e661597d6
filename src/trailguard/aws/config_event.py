"""Reading an AWS Config rule event: every field the runtime uses, checked once, here.

A malformed event ends in one :class:`RuleError` naming the field, as a path into the event
(``invokingEvent.configurationItem.resourceId``), and what is wrong with it. Past this module
the runtime meets no missing key and no wrong type, and it can never put an evaluation with an
empty resource id or type.

What AWS Config sends (AWS Config developer guide):

- "Example Events for AWS Config Rules" (evaluate-config_develop-rules_example-events.html):
  ``invokingEvent`` and ``ruleParameters`` are JSON strings; ``resultToken``,
  ``eventLeftScope`` (a boolean), ``executionRoleArn``, ``configRuleArn``, ``configRuleName``
  and ``accountId`` beside them; the message types ``ConfigurationItemChangeNotification``,
  ``OversizedConfigurationItemChangeNotification`` and ``ScheduledNotification``.
- "Example Oversized Configuration Item Change Notification"
  (oversized-notification-example.html): such a notification holds only a
  ``configurationItemSummary``. The guide's Python example function ("Example AWS Lambda
  Functions for AWS Config Rules (Python)", evaluate-config_develop-rules_python-sample.html)
  reads the whole item with ``GetResourceConfigHistory(resourceType, resourceId,
  laterTime=<the summary's capture time>, limit=1)`` and renames the API's fields to the
  event's (``accountId`` -> ``awsAccountId``, ``arn`` -> ``ARN``, ``configuration`` parsed from
  its JSON string): :func:`from_history` does the same.
- "Managing Deleted Resources for AWS Config Custom Lambda Rules"
  (evaluate-config_develop-rules-delete.html): a rule reports a deleted resource
  NOT_APPLICABLE; its example applies a rule only when ``configurationItemStatus`` is ``OK`` or
  ``ResourceDiscovered`` and ``eventLeftScope`` is false.
- PutEvaluations (botocore's Config model): ``ComplianceResourceId`` 1-768 characters,
  ``ComplianceResourceType`` 1-256.

Needs only the standard library (it runs in the rule Lambdas).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from trailguard.rules.metadata import ParameterError, parameters
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import Rule, UnknownRule, rule

CHANGE = "ConfigurationItemChangeNotification"
OVERSIZED = "OversizedConfigurationItemChangeNotification"
SCHEDULED = "ScheduledNotification"
MESSAGE_TYPES = (CHANGE, OVERSIZED, SCHEDULED)
APPLICABLE_STATUSES = ("OK", "ResourceDiscovered")
# The other statuses of ConfigurationItemStatus (botocore's Config model): NOT_APPLICABLE, why.
GONE_STATUSES = {
    "ResourceDeleted": "The trail has been deleted",
    "ResourceDeletedNotRecorded": "The trail has been deleted",
    "ResourceNotRecorded": "The trail is no longer recorded by AWS Config",
}
RESOURCE_ID_LIMIT = 768  # ComplianceResourceId
# ASCII only: \d and \w would match other scripts' digits and letters too.
RESOURCE_TYPE = re.compile(r"[A-Za-z0-9]{1,64}::[A-Za-z0-9]{0,64}::[A-Za-z0-9]{1,64}", re.ASCII)
ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
# Every partition is "aws" or "aws-" and a suffix (aws-cn, aws-us-gov, aws-iso-b...).
PARTITION = r"aws(?:-[a-z]+)*"
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}", re.ASCII)
TRAIL_ARN = re.compile(
    rf"arn:({PARTITION}):cloudtrail:([a-z]{{2}}(?:-[a-z]+)+-\d{{1,2}}):(\d{{12}}):"
    r"trail/[A-Za-z0-9][A-Za-z0-9._-]{2,127}",
    re.ASCII,
)
# RoleArn of STS AssumeRole: 20-2048 characters; IAM paths and names: [\w+=,.@-] and "/".
ROLE_ARN = re.compile(rf"arn:({PARTITION}):iam::(\d{{12}}):role/[\w+=,.@/-]{{1,1000}}", re.ASCII)
FUNCTION_ARN = re.compile(rf"arn:({PARTITION}):lambda:[a-z0-9-]+:(\d{{12}}):function:.+", re.ASCII)


class RuleError(Exception):
    """The invocation must fail (Config shows the message for the rule)."""


def shown(value: Any) -> str:
    """A value for an error message: its repr, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def malformed(where: str, what: str) -> RuleError:
    return RuleError(f"malformed Config event: {where}: {what}")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def text_field(
    mapping: dict[str, Any], key: str, where: str, pattern: re.Pattern[str] | None = None
) -> str:
    """``mapping[key]``: a non-blank string (matching ``pattern`` when given)."""
    value = mapping.get(key)
    path = f"{where}.{key}" if where else key
    if value is None:
        raise malformed(path, "missing")
    if not isinstance(value, str):
        raise malformed(path, f"expected a string, got {_kind(value)}")
    if not value.strip() or (pattern is not None and not pattern.fullmatch(value)):
        raise malformed(path, f"{shown(value)} is not valid")
    return value


def json_value(text: Any, where: str) -> Any:
    """The JSON value in string ``text``."""
    if not isinstance(text, str):
        raise malformed(where, f"expected a JSON string, got {_kind(text)}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise malformed(where, f"not JSON ({exc})") from None


def json_object(text: Any, where: str) -> dict[str, Any]:
    """The JSON object in string ``text``."""
    loaded = json_value(text, where)
    if not isinstance(loaded, dict):
        raise malformed(where, f"expected a JSON object, got {_kind(loaded)}")
    return loaded


def timestamp(value: Any, where: str) -> datetime | None:
    """An ISO 8601 time (or the datetime botocore parsed); None when absent."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise malformed(where, f"{shown(value)} is not an ISO 8601 time") from None
    else:
        raise malformed(where, f"expected an ISO 8601 time, got {_kind(value)}")
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        # PutEvaluations sends it as seconds since 1970, in UTC.
        if parsed.astimezone(UTC).year >= 1970:
            return parsed
    except OverflowError:
        pass
    raise malformed(where, f"{shown(value)} is out of range")


TRAIL_TYPE = "AWS::CloudTrail::Trail"


@dataclass(frozen=True, slots=True)
class ConfigItem:
    """A configuration item (or an oversized notification's summary), checked. ``trail`` is
    the trail a trail's applicable item records, shaped as DescribeTrails describes one;
    ``tags`` the item's tags (None when it has none recorded: then they are read from the
    trail)."""

    resource_type: str
    resource_id: str
    status: str
    captured: datetime | None
    trail: dict[str, Any] | None = None
    tags: dict[str, str] | None = None

    @property
    def applicable(self) -> bool:
        return self.status in APPLICABLE_STATUSES

    @classmethod
    def read(cls, raw: Any, where: str, summary: bool = False) -> ConfigItem:
        if not isinstance(raw, dict):
            found = "missing" if raw is None else f"expected an object, got {_kind(raw)}"
            raise malformed(where, found)
        resource_type = text_field(raw, "resourceType", where, RESOURCE_TYPE)
        resource_id = text_field(raw, "resourceId", where)
        if len(resource_id) > RESOURCE_ID_LIMIT:
            raise malformed(f"{where}.resourceId", f"longer than {RESOURCE_ID_LIMIT} characters")
        status = text_field(raw, "configurationItemStatus", where)
        if status not in APPLICABLE_STATUSES and status not in GONE_STATUSES:
            known = ", ".join([*APPLICABLE_STATUSES, *GONE_STATUSES])
            raise malformed(
                f"{where}.configurationItemStatus", f"{shown(status)} is not one of {known}"
            )
        captured = timestamp(
            raw.get("configurationItemCaptureTime"), f"{where}.configurationItemCaptureTime"
        )
        item = cls(resource_type, resource_id, status, captured)
        if summary or not item.applicable or resource_type != TRAIL_TYPE:
            return item
        return cls(
            resource_type,
            resource_id,
            status,
            captured,
            _trail(raw, resource_id, where),
            _tags(raw, where),
        )


def _trail(raw: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    """The trail item ``raw`` records: its ARN from ``configuration.trailARN`` (else the
    item's ``ARN``), its home region from ``configuration.homeRegion`` (else the region in
    that ARN, which is always the home region: they must agree).

    The item's ``resourceId`` must be the trail's name (what Config records as a trail's
    resource id): the evaluation carries that id, so it must be the trail that was read."""
    inner = f"{where}.configuration"
    configuration = raw.get("configuration")
    if not isinstance(configuration, dict):
        found = "missing" if configuration is None else f"got {_kind(configuration)}"
        raise malformed(inner, f"expected the trail's configuration object, {found}")
    if configuration.get("trailARN") is not None:
        arn = text_field(configuration, "trailARN", inner, TRAIL_ARN)
    else:
        arn = text_field(raw, "ARN", where, TRAIL_ARN)
    _, _, _, home, _, resource = arn.split(":", 5)
    if resource != f"trail/{name}":
        raise malformed(f"{where}.resourceId", f"{shown(name)} is not the trail named in {arn}")
    if configuration.get("homeRegion") is not None:
        named = text_field(configuration, "homeRegion", inner, REGION)
        if named != home:
            raise malformed(f"{inner}.homeRegion", f"{named} is not the region of {arn}")
    flags = {}
    for key, name_out in (
        ("isMultiRegionTrail", "IsMultiRegionTrail"),
        ("isOrganizationTrail", "IsOrganizationTrail"),
    ):
        value = configuration.get(key, False)
        if not isinstance(value, bool):
            raise malformed(f"{inner}.{key}", f"expected true or false, got {shown(value)}")
        flags[name_out] = value
    return {"Name": name, "TrailARN": arn, "HomeRegion": home, **flags}


def _tags(raw: dict[str, Any], where: str) -> dict[str, str] | None:
    tags = raw.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise malformed(f"{where}.tags", "expected an object of strings")
    return tags


def from_history(response: Any, summary: ConfigItem) -> ConfigItem:
    """The item GetResourceConfigHistory returned for an oversized notification's ``summary``,
    renamed to the event's fields (as the guide's Python example does) and checked."""
    where = "GetResourceConfigHistory"
    items = response.get("configurationItems") if isinstance(response, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise RuleError(
            f"{where} returned no configuration item for {summary.resource_type} "
            f"{shown(summary.resource_id)} (oversized change notification)"
        )
    item = dict(items[0])
    renames = {"accountId": "awsAccountId", "arn": "ARN", "version": "configurationItemVersion"}
    for api_name, event_name in renames.items():
        if api_name in item:
            item.setdefault(event_name, item.pop(api_name))
    if isinstance(item.get("configuration"), str):
        # (a deleted resource's is "null"; ConfigItem.read wants an object where it reads one)
        item["configuration"] = json_value(item["configuration"], f"{where}.configuration")
    found = ConfigItem.read(item, where)
    if (found.resource_type, found.resource_id) != (summary.resource_type, summary.resource_id):
        raise RuleError(
            f"{where} returned {found.resource_type} {shown(found.resource_id)} for "
            f"{summary.resource_type} {shown(summary.resource_id)}"
        )
    return found


@dataclass(frozen=True, slots=True)
class Invocation:
    """One Config rule event, checked."""

    rule: Rule
    message_type: str
    invoking: dict[str, Any]
    params: RuleParameters
    result_token: str
    rule_name: str
    account_id: str
    left_scope: bool
    notified: datetime | None
    role_arn: str | None
    # A change notification's item; an oversized one's summary.
    item: ConfigItem | None

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @classmethod
    def parse(cls, rule_id: str, event: Any) -> Invocation:
        try:
            found = rule(rule_id)
        except UnknownRule as exc:
            raise RuleError(str(exc)) from exc
        if not isinstance(event, dict):
            raise malformed("event", f"expected an object, got {_kind(event)}")
        if "invokingEvent" not in event:
            raise malformed("invokingEvent", "missing")
        invoking = json_object(event["invokingEvent"], "invokingEvent")
        message_type = text_field(invoking, "messageType", "invokingEvent")
        if message_type not in MESSAGE_TYPES:
            raise malformed(
                "invokingEvent.messageType",
                f"{shown(message_type)} is not one of {', '.join(MESSAGE_TYPES)}",
            )
        notified = timestamp(
            invoking.get("notificationCreationTime"), "invokingEvent.notificationCreationTime"
        )
        try:
            params = RuleParameters.from_strings(
                parameters(found.metadata, event.get("ruleParameters"))
            )
        except ParameterError as exc:
            raise RuleError(f"invalid rule parameters: {exc}") from exc
        left_scope = event.get("eventLeftScope", False)
        if not isinstance(left_scope, bool):
            raise malformed("eventLeftScope", f"expected true or false, got {shown(left_scope)}")
        rule_name = event.get("configRuleName")
        if rule_name is not None:
            rule_name = text_field(event, "configRuleName", "")
            if len(rule_name) > 128:
                raise malformed("configRuleName", "longer than 128 characters")
        role = event.get("executionRoleArn")
        item = None
        if message_type == CHANGE:
            where = "invokingEvent.configurationItem"
            item = ConfigItem.read(invoking.get("configurationItem"), where)
        elif message_type == OVERSIZED:
            where = "invokingEvent.configurationItemSummary"
            item = ConfigItem.read(invoking.get("configurationItemSummary"), where, summary=True)
        return cls(
            rule=found,
            message_type=message_type,
            invoking=invoking,
            params=params,
            result_token=text_field(event, "resultToken", ""),
            rule_name=rule_name or rule_id,
            account_id=text_field(event, "accountId", "", ACCOUNT_ID),
            left_scope=left_scope,
            notified=notified,
            role_arn=None if role is None else text_field(event, "executionRoleArn", ""),
            item=item,
        )

    def check_role(self, context: Any, role_name: str = "") -> None:
        """Refuse to act for the event's account with a role outside it, or without one.

        ``executionRoleArn`` must be an IAM role ARN in the event's ``accountId`` and in the
        partition the function runs in (its ARN in ``context``). A function invoked for
        another account than its own needs that role (or the rule parameter
        ExecutionRoleName) to act there: without one it would judge its own account's trails
        and put them as the other account's results. ``context`` without a function ARN
        (``trailguard rule run``): the caller's own account, no role assumed.
        """
        function = FUNCTION_ARN.fullmatch(str(getattr(context, "invoked_function_arn", "") or ""))
        if self.role_arn is not None:
            role = ROLE_ARN.fullmatch(self.role_arn)
            if role is None:
                raise malformed(
                    "executionRoleArn", f"{shown(self.role_arn)} is not an IAM role ARN"
                )
            if role.group(2) != self.account_id:
                raise malformed(
                    "executionRoleArn",
                    f"role in account {role.group(2)}, not in the event's accountId "
                    f"{self.account_id}: nothing assumed",
                )
            if function is not None and role.group(1) != function.group(1):
                raise malformed(
                    "executionRoleArn",
                    f"partition {role.group(1)}, but the function runs in {function.group(1)}: "
                    "nothing assumed",
                )
        if (
            function is not None
            and function.group(2) != self.account_id
            and self.role_arn is None
            and not role_name
        ):
            raise malformed(
                "executionRoleArn",
                f"missing, and the function runs in account {function.group(2)}, not in the "
                f"event's account {self.account_id}: no role to act there",
            )
