"""The demo's detection step: a trail's selectors narrowed after the scan, and the new
NON_COMPLIANT verdict through the EventBridge path, without waiting for the periodic run.

In AWS: CloudTrail sends the ``PutEventSelectors`` call to EventBridge, the rule
``trailguard-trail-changes`` matches it, its function (``trailguard.aws.detect``) calls
``StartConfigRulesEvaluation``, and Config invokes the rules' Lambdas. The sandbox (a moto
server) delivers nothing from CloudTrail to EventBridge to Lambda and evaluates no Config rule,
so the demo drives each step itself and says which: it builds the CloudTrail event from the
call, matches it against the pattern read back from the sandbox's EventBridge rule (with
:mod:`trailguard.demo.pattern`: the sandbox has no TestEventPattern), runs the function's code
in this process against the sandbox's Config (DescribeConfigRules is the sandbox's; the
StartConfigRulesEvaluation request is recorded, since the sandbox does not implement it), and
runs the started rules as step 1 runs every rule.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from trailguard.aws.detect import EVENT_PATTERN, EVENT_RULE, pack_rule_id, start_evaluations
from trailguard.demo.pattern import matches
from trailguard.rules.registry import SCOPE_RESOURCE_TYPES, rule_ids, rules

if TYPE_CHECKING:
    from trailguard.demo import Sandbox

TRAIL = "security-audit"  # the management account's compliant multi-region trail
PACK_SUFFIX = "-conformance-pack-demo0001"  # as a conformance pack names its rules
CAPTURE_TIME = "2026-11-26T00:00:00.000Z"


def _lower_camel(value: Any) -> Any:
    """API members as a CloudTrail record writes them (``TrailName`` -> ``trailName``)."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _lower_camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_camel(v) for v in value]
    return value


def api_call_event(
    account: str, region: str, caller_arn: str, name: str, request: dict[str, Any],
    response: dict[str, Any] | None, when: str,
) -> dict[str, Any]:  # fmt: skip
    """The ``AWS API Call via CloudTrail`` event EventBridge receives for a CloudTrail call:
    the EventBridge envelope around the CloudTrail record of the call."""
    answered = {k: v for k, v in (response or {}).items() if k != "ResponseMetadata"}
    kebab = re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.cloudtrail",
        "account": account,
        "time": when,
        "region": region,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {"type": "IAMUser", "arn": caller_arn, "accountId": account},
            "eventTime": when,
            "eventSource": "cloudtrail.amazonaws.com",
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": "127.0.0.1",
            "userAgent": f"trailguard-demo command/cloudtrail.{kebab}",
            "requestParameters": _lower_camel(request),
            "responseElements": _lower_camel(answered) or None,
            "requestID": str(uuid.uuid4()),
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        },
    }


def narrowed(selectors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The selectors with each SNS topic data selector narrowed to ``eventName = Publish``
    (the AWS CLI's own example; PublishBatch goes unlogged)."""
    out = []
    for selector in selectors:
        fields = selector["FieldSelectors"]
        if any(f["Field"] == "resources.type" and "AWS::SNS::Topic" in f.get("Equals", [])
               for f in fields):  # fmt: skip
            fields = [*fields, {"Field": "eventName", "Equals": ["Publish"]}]
        out.append({**selector, "FieldSelectors": fields})
    return out


class _RecordedStarts:
    """The sandbox's Config answers StartConfigRulesEvaluation "not implemented": the demo
    records the request instead, answering as Config does (an empty response). Hooked first
    on every call of the client (botocore runs wildcard hooks before named ones of the same
    depth), answering that operation alone."""

    OPERATION = "StartConfigRulesEvaluation"

    def __init__(self, client: Any) -> None:
        self.names: list[str] = []
        client.meta.events.register_first("before-parameter-build.*.*", self._remember)
        client.meta.events.register_first("before-call.*.*", self._answer)

    def _remember(self, params: dict[str, Any], model: Any, context: dict[str, Any],
                  **_: Any) -> None:  # fmt: skip
        if model.name == self.OPERATION:
            context["trailguard_demo_names"] = list(params.get("ConfigRuleNames", []))

    def _answer(self, model: Any, context: dict[str, Any],
                **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:  # fmt: skip
        if model.name != self.OPERATION:
            return None
        self.names += context.get("trailguard_demo_names", [])
        response = AWSResponse("https://config.sandbox.invalid", 200, HTTPHeaders(), None)
        return response, {"ResponseMetadata": {"HTTPStatusCode": 200}}


def install(sandbox: Sandbox, region: str) -> None:
    """What ``trailguard deploy`` puts in the management account's ``region``, as far as
    this step needs: the pack's Config rules (named as a conformance pack names them, with
    functions the sandbox never runs) and the EventBridge rule on trail changes."""
    session = sandbox.sessions["management"]
    role = session.client("iam").create_role(
        RoleName="TrailGuardRuleFunctionRole",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    lambda_ = session.client("lambda", region_name=region)
    config = session.client("config", region_name=region)
    for each in rules():
        function = lambda_.create_function(
            FunctionName="trailguard-" + each.id.removeprefix("cloudtrail-"),
            Runtime="python3.11",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": b"PK\x05\x06" + bytes(18)},  # an empty zip: never run here
        )["FunctionArn"]
        details: list[dict[str, Any]] = [
            {"EventSource": "aws.config", "MessageType": "ScheduledNotification",
             "MaximumExecutionFrequency": "TwentyFour_Hours"}
        ]  # fmt: skip
        if each.metadata.triggers["configurationChange"]:
            details.append(
                {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}
            )
        rule: dict[str, Any] = {
            "ConfigRuleName": each.id + PACK_SUFFIX,
            "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": function,
                       "SourceDetails": details},
        }  # fmt: skip
        if each.scope == "trail":
            rule["Scope"] = {"ComplianceResourceTypes": [SCOPE_RESOURCE_TYPES["trail"]]}
        config.put_config_rule(ConfigRule=rule)
    session.client("events", region_name=region).put_rule(
        Name=EVENT_RULE, EventPattern=json.dumps(EVENT_PATTERN), State="ENABLED"
    )


def detection_step(sandbox: Sandbox, region: str) -> bool:
    """Narrow :data:`TRAIL`'s SNS selector and detect it through the EventBridge path; True
    when the rule run started by the detection function says NON_COMPLIANT."""
    say = sandbox.say
    key, session = "management", sandbox.sessions["management"]
    account = sandbox.account_ids[key]
    say(f"\n7. Detection within minutes: {TRAIL} ({account}, {region}) narrowed after the scan")
    say("   [AWS] = what AWS does; [sandbox] = what the sandbox does in its place")
    install(sandbox, region)
    say(f"   [sandbox] deploy's pieces put here: the pack's Config rules (*{PACK_SUFFIX}), the "
        f"EventBridge rule {EVENT_RULE}")  # fmt: skip
    cloudtrail = session.client("cloudtrail", region_name=region)
    current = cloudtrail.get_event_selectors(TrailName=TRAIL)["AdvancedEventSelectors"]
    request = {"TrailName": TRAIL, "AdvancedEventSelectors": narrowed(current)}
    response = cloudtrail.put_event_selectors(**request)
    say(f"   [you] PutEventSelectors on {TRAIL}: SNS logging narrowed to eventName = Publish "
        "(PublishBatch now unlogged)")  # fmt: skip
    caller = session.client("sts").get_caller_identity()["Arn"]
    event = api_call_event(account, region, caller, "PutEventSelectors", request, response,
                           CAPTURE_TIME.replace(".000", ""))  # fmt: skip
    say('   [AWS] CloudTrail sends the call to EventBridge as "AWS API Call via CloudTrail"; '
        "[sandbox] builds that event from the call")  # fmt: skip
    events = session.client("events", region_name=region)
    pattern = json.loads(events.describe_rule(Name=EVENT_RULE)["EventPattern"])
    matched = matches(pattern, event)
    say(
        f"   [AWS] EventBridge matches it against {EVENT_RULE}; [sandbox] no TestEventPattern "
        f"here, trailguard's pattern matcher says: {'matched' if matched else 'NOT matched'}"
    )
    if not matched:
        return False
    config = session.client("config", region_name=region)
    recorded = _RecordedStarts(config)
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        start_evaluations(event, config, rule_ids())
    say(
        "   [AWS] EventBridge invokes trailguard-detect; [sandbox] runs its code here, which "
        f"logs: {log.getvalue().strip()}"
    )
    say("   [AWS] Config starts the evaluation and invokes the rules' Lambdas; [sandbox] "
        "records StartConfigRulesEvaluation (not implemented here) and runs the started rules "
        "as in step 1:")  # fmt: skip
    scheduled = {"messageType": "ScheduledNotification",
                 "notificationCreationTime": CAPTURE_TIME, "awsAccountId": account}  # fmt: skip
    verdicts = []
    for name in recorded.names:
        rule_id = pack_rule_id(name, rule_ids())
        if rule_id is None:
            continue
        verdicts += sandbox._invoke(key, rule_id, scheduled, sandbox._central(region))
    verdict = next((e for e in verdicts if e["ComplianceResourceId"] == TRAIL), None)
    for e in verdicts:
        say(f"     {e['rule']:<44} {e['ComplianceResourceId'][:18]:<18} "
            f"{e['ComplianceType']:<14} {e['Annotation'][:90]}")  # fmt: skip
    say("   Without this path AWS Config sees the change only at its next periodic run "
        "(24 hours by default); that run remains the backstop.")  # fmt: skip
    return verdict is not None and verdict["ComplianceType"] == "NON_COMPLIANT"
