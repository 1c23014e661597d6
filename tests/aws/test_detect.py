"""The detection function (``trailguard.aws.detect``): a CloudTrail trail change, as EventBridge
delivers it (the recorded events of tests/fixtures/cloudtrail_events), starts an evaluation of
the pack's Config rules of its account and region, within StartConfigRulesEvaluation's limits.

Config is moto's (DescribeConfigRules) with the AWS behaviour model answering
StartConfigRulesEvaluation, which moto lacks (tests/support/aws_config_model.py); the paging
and the 25-rule cap are checked with botocore Stubbers, which validate every request and
response against the API model. The function also runs as deployed: the inline code of the
template, executed as CloudFormation would place it (``index.py``).
"""

from __future__ import annotations

import io
import json
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from aws_behaviours import AwsBehaviours
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from trailguard.aws.detect import (
    EVENT_NAMES,
    RULE_IDS_VARIABLE,
    lambda_handler,
    pack_rule_names,
    start_evaluations,
)
from trailguard.rules.registry import rule_ids

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "fixtures" / "cloudtrail_events"
STARTS = sorted((EVENTS / "starts").glob("*.json"))
ACCOUNT, REGION = "123456789012", "us-east-1"  # moto's default account
PACK = "-conformance-pack-abcd1234"
PACK_NAMES = sorted(r + PACK for r in rule_ids())
OTHERS = ("cloudtrail-enabled", "cloudtrail-sns-data-events-enabledx")  # not the pack's
TRAILS = {  # the trail each recorded call names
    "PutEventSelectors": "security-audit",
    "StopLogging": "arn:aws:cloudtrail:us-east-1:111122223333:trail/security-audit",
    "StartLogging": "security-audit",
    "UpdateTrail": "security-audit",
    "CreateTrail": "shadow-copy",
    "DeleteTrail": "arn:aws:cloudtrail:us-east-1:111122223333:trail/legacy-trail",
}


def load(path: Path) -> dict[str, Any]:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def put_rules(names: list[str]) -> None:
    """Config rules of these names in moto (a custom Lambda rule needs its function)."""
    role = boto3.client("iam").create_role(
        RoleName="rule-function", AssumeRolePolicyDocument=json.dumps({"Statement": []})
    )["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context): pass\n")
    function = boto3.client("lambda").create_function(
        FunctionName="rule", Runtime="python3.11", Role=role, Handler="handler.lambda_handler",
        Code={"ZipFile": buffer.getvalue()},
    )["FunctionArn"]  # fmt: skip
    scheduled = {"EventSource": "aws.config", "MessageType": "ScheduledNotification",
                 "MaximumExecutionFrequency": "TwentyFour_Hours"}  # fmt: skip
    for name in names:
        boto3.client("config").put_config_rule(
            ConfigRule={
                "ConfigRuleName": name,
                "Source": {
                    "Owner": "CUSTOM_LAMBDA",
                    "SourceIdentifier": function,
                    "SourceDetails": [scheduled],
                },
            }
        )


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def pack(aws: None) -> list[str]:
    put_rules([*PACK_NAMES, *OTHERS])
    return PACK_NAMES


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def logged(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


# --- the recorded events -----------------------------------------------------------------------


def test_the_recorded_events_cover_every_trail_change() -> None:
    assert sorted(load(p)["detail"]["eventName"] for p in STARTS) == sorted(EVENT_NAMES)


@pytest.mark.parametrize("path", STARTS, ids=lambda p: p.stem)
def test_each_trail_change_starts_the_pack_rules(
    path: Path, pack: list[str], aws_behaviours: AwsBehaviours, capsys: pytest.CaptureFixture[str]
) -> None:
    event = load(path)
    name = event["detail"]["eventName"]
    result = start_evaluations(event, boto3.client("config"), rule_ids())
    expected = {"event": name, "trail": TRAILS[name], "started": PACK_NAMES,
                "left_to_periodic_run": []}  # fmt: skip
    assert result == expected
    assert logged(capsys) == [expected]
    assert aws_behaviours.config.started == [(ACCOUNT, REGION, PACK_NAMES)]


@pytest.mark.parametrize(
    ("relative", "why"),
    [
        ("ignored/put-event-selectors-denied.json",
         "PutEventSelectors on security-audit failed (AccessDenied)"),
        ("unmatched/add-tags.json", "not a CloudTrail trail change (AWS API Call via CloudTrail)"),
        ("unmatched/sns-create-topic.json",
         "not a CloudTrail trail change (AWS API Call via CloudTrail)"),
    ],
)  # fmt: skip
def test_a_failed_call_or_another_event_starts_nothing(
    relative: str, why: str, pack: list[str], aws_behaviours: AwsBehaviours
) -> None:
    result = start_evaluations(load(EVENTS / relative), boto3.client("config"), rule_ids())
    assert result == {"ignored": why}
    assert aws_behaviours.config.started == []


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {},
        {"detail-type": "AWS API Call via CloudTrail"},
        {"detail-type": "AWS API Call via CloudTrail", "detail": []},
    ],
)
def test_malformed_events_start_nothing(
    event: Any, pack: list[str], aws_behaviours: AwsBehaviours
) -> None:  # fmt: skip
    result = start_evaluations(event, boto3.client("config"), rule_ids())
    assert result == {"ignored": "not a CloudTrail trail change (AWS API Call via CloudTrail)"}
    assert aws_behaviours.config.started == []


def test_no_pack_rule_here_starts_nothing(aws: None, aws_behaviours: AwsBehaviours) -> None:
    put_rules(list(OTHERS))
    result = start_evaluations(load(STARTS[0]), boto3.client("config"), rule_ids())
    assert result == {"ignored": "no trailguard Config rule in this account and region"}
    assert aws_behaviours.config.started == []


@pytest.mark.parametrize(
    ("evaluation_seconds", "why"),
    [(0, "once a minute"), (150, f"an evaluation of {PACK_NAMES[0]} is in progress")],
)
def test_limit_exceeded_fails_the_invocation_and_lambdas_retry_starts_it(
    evaluation_seconds: int, why: str, pack: list[str], aws_behaviours: AwsBehaviours,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Two changes 30 s apart: the second invocation fails (a minute has not passed, or the
    first evaluation still runs), and Lambda's retries (1 minute later, then 2 more) start it
    once both are over. The failure is one logged line naming the event and the refusal."""
    clock = aws_behaviours.config.clock = Clock()
    model, config = aws_behaviours.config, boto3.client("config")
    first = load(EVENTS / "starts/put-event-selectors.json")
    second = load(EVENTS / "starts/stop-logging.json")
    start_evaluations(first, config, rule_ids())
    ends = clock.now + evaluation_seconds
    attempts: list[Any] = []
    for wait in (30, 60, 120):  # the second event, then Lambda's two retries
        clock.now += wait
        if clock.now >= ends:
            model.finish_evaluations(ACCOUNT, REGION)
        try:
            attempts.append(start_evaluations(second, config, rule_ids())["started"])
            break
        except ClientError as exc:
            attempts.append(exc.response["Error"]["Code"])
    refused = "LimitExceededException"
    expected = {0: [refused, PACK_NAMES], 150: [refused, refused, PACK_NAMES]}
    assert attempts == expected[evaluation_seconds]
    assert model.started == [(ACCOUNT, REGION, PACK_NAMES)] * 2
    errors = [line["error"] for line in logged(capsys) if "error" in line]
    trail = TRAILS["StopLogging"]
    assert errors == [
        f"StopLogging on {trail}: LimitExceededException: An error occurred "
        "(LimitExceededException) when calling the StartConfigRulesEvaluation operation: Rate "
        f"exceeded: {why}."
    ] * (len(attempts) - 1)


# --- paging and the 25-rule cap, against the API model (Stubber) ------------------------------


def config_rule(name: str, state: str = "ACTIVE") -> dict[str, Any]:
    return {
        "ConfigRuleName": name,
        "ConfigRuleArn": f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-{name[-6:]}",
        "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": "arn:aws:lambda:x"},
        "ConfigRuleState": state,
    }


def test_every_page_is_read_and_rules_on_their_way_out_are_left_out() -> None:
    config = boto3.client("config", region_name=REGION)
    with Stubber(config) as stubber:
        stubber.add_response(
            "describe_config_rules",
            {"ConfigRules": [config_rule(PACK_NAMES[1]), config_rule(OTHERS[0])],
             "NextToken": "page-2"},
            {},
        )  # fmt: skip
        stubber.add_response(
            "describe_config_rules",
            {"ConfigRules": [config_rule(PACK_NAMES[0]),
                             config_rule(PACK_NAMES[0] + "-old", "DELETING_RESULTS")]},
            {"NextToken": "page-2"},
        )  # fmt: skip
        stubber.add_response("start_config_rules_evaluation", {}, {"ConfigRuleNames": PACK_NAMES})
        result = start_evaluations(
            load(EVENTS / "starts/put-event-selectors.json"), config, rule_ids()
        )
        stubber.assert_no_pending_responses()
    assert result["started"] == PACK_NAMES


def test_more_than_25_rules_start_the_first_25_and_name_the_rest() -> None:
    names = sorted(f"{rule_ids()[0]}-conformance-pack-{n:08d}" for n in range(27))
    config = boto3.client("config", region_name=REGION)
    with Stubber(config) as stubber:
        stubber.add_response(
            "describe_config_rules", {"ConfigRules": [config_rule(n) for n in names]}, {}
        )
        stubber.add_response("start_config_rules_evaluation", {}, {"ConfigRuleNames": names[:25]})
        result = start_evaluations(
            load(EVENTS / "starts/put-event-selectors.json"), config, rule_ids()
        )
        stubber.assert_no_pending_responses()
    assert result == {"event": "PutEventSelectors", "trail": "security-audit",
                      "started": names[:25], "left_to_periodic_run": names[25:]}  # fmt: skip


def test_pack_rule_names_recognizes_what_report_does(pack: list[str]) -> None:
    from trailguard.aws.config_results import rule_id_of

    found = pack_rule_names(boto3.client("config"), rule_ids())
    assert found == PACK_NAMES
    assert [rule_id_of(n) is not None for n in [*PACK_NAMES, *OTHERS]] == [True, True, False, False]


# --- the Lambda entry point, as the module and as deployed inline ----------------------------


def test_the_handler_refuses_to_run_without_the_rule_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(RULE_IDS_VARIABLE, raising=False)
    with pytest.raises(RuntimeError, match=r"^TRAILGUARD_RULE_IDS is empty: the pack's rule ids"):
        lambda_handler(load(STARTS[0]), None)


@pytest.mark.parametrize("template", ["deploy/account.yaml", "deploy/org-member.yaml"])
def test_the_deployed_inline_code_starts_the_evaluation(
    template: str, pack: list[str], aws_behaviours: AwsBehaviours,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    function = yaml.safe_load((ROOT / template).read_text(encoding="utf-8"))["Resources"][
        "DetectFunction"
    ]["Properties"]
    for name, value in function["Environment"]["Variables"].items():
        monkeypatch.setenv(name, value)
    index = types.ModuleType("index")  # CloudFormation writes ZipFile code to index.py
    exec(compile(function["Code"]["ZipFile"], "index.py", "exec"), index.__dict__)
    assert function["Handler"] == "index.lambda_handler"
    result = index.lambda_handler(load(EVENTS / "starts/update-trail.json"), None)
    assert result == {"event": "UpdateTrail", "trail": "security-audit", "started": PACK_NAMES,
                      "left_to_periodic_run": []}  # fmt: skip
    assert aws_behaviours.config.started == [(ACCOUNT, REGION, PACK_NAMES)]


# --- the behaviour model's StartConfigRulesEvaluation -----------------------------------------


def test_the_model_refuses_an_unknown_rule(pack: list[str], aws_behaviours: AwsBehaviours) -> None:
    config = boto3.client("config")
    with pytest.raises(ClientError) as caught:
        config.start_config_rules_evaluation(ConfigRuleNames=[PACK_NAMES[0], "no-such-rule"])
    assert caught.value.response["Error"]["Code"] == "NoSuchConfigRuleException"
    assert aws_behaviours.config.started == []
