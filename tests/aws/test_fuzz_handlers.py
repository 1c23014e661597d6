"""Both Config rule handlers under malformed events: valid events mutated by a seeded generator
(keys dropped, wrong types, unicode, huge strings, nested junk, invokingEvent and
ruleParameters replaced), run through ``handle`` against moto CloudTrail and STS, with Config
answered after botocore has checked each request against the Config API model.

For every event: ``handle`` returns or raises the runtime's RuleError, nothing else; every
evaluation returned or put has a resource id, a resource type, a compliance type Config takes
and an annotation of 1-256 characters; a COMPLIANT trail (or account) is one whose selectors
and status this very run read, and is compliant in moto; no role outside the event's account
is assumed. The counts are printed (``pytest -s``).

``TRAILGUARD_FUZZ_EVENTS`` sets the count per handler of the slow test (default 10,000);
``make fast`` runs ``FAST_EVENTS`` per handler with another seed.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from rule_events import (
    CAPTURE_DT,
    MANAGEMENT_ONLY,
    SNS_ALL,
    SNS_PUBLISH_ONLY,
    change_event,
    make_bucket,
    make_trail,
    oversized_event,
    scheduled_event,
    trail_item,
)
from selector_data import ACCOUNT, ACCOUNT_RULE, TRAIL_RULE, TRAIL_TYPE, trail_arn

from trailguard.aws.runtime import RuleError, handle

FUZZ_EVENTS = int(os.environ.get("TRAILGUARD_FUZZ_EVENTS", "10000"))
FAST_EVENTS = 150
OTHER = "111122223333"
REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1")
EXEMPT = "trailguard:exempt"
# name -> (home region, multi-region, organization, selectors, logging, tags)
TRAILS: dict[str, tuple[str, bool, bool, list[Any], bool, dict[str, str]]] = {
    "good-trail": ("us-east-1", False, False, SNS_ALL, True, {}),
    "narrow-trail": ("us-east-1", False, False, SNS_PUBLISH_ONLY, True, {}),
    "stopped-trail": ("us-east-1", False, False, SNS_ALL, False, {}),
    "tagged-trail": ("us-east-1", False, False, SNS_PUBLISH_ONLY, True, {EXEMPT: "true"}),
    "org-single": ("us-east-1", False, True, SNS_ALL, True, {}),
    "west-multi": ("eu-west-1", True, False, SNS_PUBLISH_ONLY, True, {}),
    "tokyo-mgmt": ("ap-northeast-1", False, False, MANAGEMENT_ONLY, True, {}),
}  # fmt: skip
COMPLIANCE_TYPES = {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"}


# --- the AWS side -------------------------------------------------------------------------


@dataclass
class Calls:
    """What one invocation asked of AWS: (service, region, operation, params)."""

    made: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)

    def of(self, service: str, operation: str) -> list[dict[str, Any]]:
        return [p for s, _, op, p in self.made if (s, op) == (service, operation)]


class ConfigAnswers:
    """Answers the runtime's Config calls on botocore's ``before-call`` event, which comes after
    botocore has serialized and validated the request against the Config API model (as
    botocore's Stubber does; moto lacks GetComplianceDetailsByConfigRule and
    GetResourceConfigHistory for trails and takes PutEvaluations only in test mode)."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    def __call__(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        params = self.calls.made[-1][3]
        if model.name == "PutEvaluations":
            return AWSResponse("", 200, {}, None), {"FailedEvaluations": []}
        if model.name == "GetComplianceDetailsByConfigRule":
            results = [_previous(name) for name in ("good-trail", "gone-trail")]
            return AWSResponse("", 200, {}, None), {"EvaluationResults": results}
        if model.name == "GetResourceConfigHistory":
            name = params["resourceId"]
            items = [_history(name)] if name in TRAILS else []
            return AWSResponse("", 200, {}, None), {"configurationItems": items}
        raise AssertionError(f"unexpected Config call {model.name}")


def _previous(name: str) -> dict[str, Any]:
    qualifier = {"ConfigRuleName": TRAIL_RULE, "ResourceType": TRAIL_TYPE, "ResourceId": name}
    return {
        "EvaluationResultIdentifier": {"EvaluationResultQualifier": qualifier},
        "ComplianceType": "COMPLIANT",
    }


def _history(name: str) -> dict[str, Any]:
    home, multi, organization, _, _, tags = TRAILS[name]
    item = trail_item(name, home, multi_region=multi, organization=organization, tags=tags)
    return {
        "version": "1.3",
        "accountId": ACCOUNT,
        "configurationItemCaptureTime": CAPTURE_DT,
        "configurationItemStatus": "OK",
        "arn": item["ARN"],
        "resourceType": TRAIL_TYPE,
        "resourceId": name,
        "awsRegion": home,
        "tags": tags,
        "configuration": json.dumps(item["configuration"]),
    }


class Sessions:
    """``make_session`` for the runtime: one boto3 session per set of credentials and one
    client per (credentials, service, region), created once for the whole run (creating
    clients is most of the time otherwise). CloudTrail and STS go to moto; every call is
    recorded in ``calls``; Config is answered by :class:`ConfigAnswers`."""

    def __init__(self) -> None:
        self.calls = Calls()
        self.region = "us-east-1"
        self._sessions: dict[str | None, Any] = {}
        self._clients: dict[tuple[str | None, str, str], Any] = {}

    def make_session(self, **kwargs: Any) -> SimpleNamespace:
        key = kwargs.get("aws_access_key_id")
        if key is not None:
            # Credentials of the role just assumed: moto ties them to the role's account, so
            # one session per account serves every later run (no new clients each time).
            key = "assumed in " + self.calls.of("sts", "AssumeRole")[-1]["RoleArn"].split(":")[4]
        if key not in self._sessions:
            self._sessions[key] = boto3.session.Session(
                **{k: v for k, v in kwargs.items() if k != "region_name"}
            )
        region = kwargs.get("region_name") or self.region

        def client(service: str, region_name: str | None = None, **_: Any) -> Any:
            return self._client(key, service, region_name or region)

        return SimpleNamespace(region_name=region, client=client)

    def _client(self, key: str | None, service: str, region: str) -> Any:
        if (key, service, region) not in self._clients:
            client = self._sessions[key].client(service, region_name=region)

            def record(params: dict[str, Any], model: Any, **_: Any) -> None:
                self.calls.made.append((service, region, model.name, dict(params)))

            client.meta.events.register("before-parameter-build.*.*", record)
            if service == "config":
                client.meta.events.register("before-call.*.*", ConfigAnswers(self.calls))
            self._clients[key, service, region] = client
        return self._clients[key, service, region]


# --- the generator ------------------------------------------------------------------------


def _junk(rng: random.Random, depth: int = 0) -> Any:
    """A value of some other type or shape than expected."""
    choices: list[Callable[[], Any]] = [
        lambda: None,
        lambda: rng.choice([True, False]),
        lambda: rng.choice([0, -1, 7, 2**64, 123456789012]),
        lambda: rng.choice([1.5, float("inf"), float("nan"), -0.0]),
        lambda: rng.choice(["", " ", "\x00", "\u202e", "\ud800", "🙂", "null", "{}", "[]"]),
        lambda: "x" * rng.choice([257, 769, 2049, 100_000]),
        lambda: rng.choice(["١٢٣٤٥٦٧٨٩٠١٢", OTHER, "12345678901", ACCOUNT + "\n", ACCOUNT]),
        lambda: rng.choice((*REGIONS, "mars-1", "US-EAST-1", "cn-north-1")),
        lambda: rng.choice(
            [
                trail_arn("good-trail"),
                trail_arn("good-trail", "eu-west-1"),
                trail_arn("good-trail", account=OTHER),
                trail_arn("west-multi", "eu-west-1"),
                "arn:aws-cn:cloudtrail:cn-north-1:123456789012:trail/good-trail",
                "arn:aws:s3:::bucket",
                f"arn:aws:iam::{OTHER}:role/ConfigRole",
                f"arn:aws:iam::{ACCOUNT}:role/ConfigRole",
                f"arn:aws-us-gov:iam::{ACCOUNT}:role/ConfigRole",
            ]
        ),
        lambda: rng.choice(
            [
                "OK",
                "ResourceDiscovered",
                "ResourceDeleted",
                "ResourceDeletedNotRecorded",
                "ResourceNotRecorded",
                TRAIL_TYPE,
                "AWS::::Account",
                "AWS::S3::Bucket",
                "ScheduledNotification",
                "ConfigurationItemChangeNotification",
                "OversizedConfigurationItemChangeNotification",
                "ConfigurationSnapshotDeliveryCompleted",
                *TRAILS,
                "gone-trail",
            ]
        ),
        lambda: rng.choice(
            [
                "2024-13-01T00:00:00Z",
                "0001-01-01T00:00:00+14:00",
                "9999-12-31T23:59:59-14:00",
                "2024-05-01",
                "yesterday",
                "2024-05-01T10:20:30.123Z",
            ]
        ),
    ]
    if depth < 3:
        choices += [
            lambda: [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))],
            lambda: {rng.choice(["a", "resourceId", "", "🙂"]): _junk(rng, depth + 1)},
            lambda: _nested(rng.randint(10, 60)),
        ]
    return rng.choice(choices)()


def _nested(depth: int) -> Any:
    value: Any = "core"
    for _ in range(depth):
        value = [value]
    return value


def _mutate_text(rng: random.Random, text: str) -> str:
    ops: list[Callable[[], str]] = [
        lambda: text[: rng.randint(0, len(text))],
        lambda: text + rng.choice(["\x00", " ", "\n", "é", "🙂", "\ud800", "-"]),
        lambda: text.upper(),
        lambda: rng.choice(["", " "]) + text,
        lambda: text * rng.choice([2, 300]),
    ]
    return rng.choice(ops)()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _mutate_tree(rng: random.Random, tree: Any) -> Any:
    """One change at a random place of a JSON tree: drop, replace, retype, add."""
    paths = [p for p in _paths(tree) if p]
    if not paths or rng.random() < 0.05:
        return _junk(rng)
    path = rng.choice(paths)
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    current = parent[last]
    op = rng.random()
    if op < 0.3 and isinstance(parent, dict):
        del parent[last]
    elif op < 0.45 and isinstance(current, str):
        parent[last] = _mutate_text(rng, current)
    elif op < 0.5 and isinstance(parent, dict):
        parent[rng.choice(["extra", "🙂", "resourceId ", "configuration"])] = _junk(rng)
    else:
        parent[last] = _junk(rng)
    return tree


def _decoded(text: Any) -> Any:
    """The JSON in ``text`` when it holds some (an earlier mutation may have broken it)."""
    try:
        return json.loads(text) if isinstance(text, str) else text
    except (ValueError, RecursionError):
        return text


def _mutate_event(rng: random.Random, event: dict[str, Any]) -> Any:
    kind = rng.random()
    if kind < 0.45:  # inside invokingEvent
        invoking = _mutate_tree(rng, _decoded(event.get("invokingEvent")))
        event["invokingEvent"] = json.dumps(invoking, ensure_ascii=rng.random() < 0.5)
    elif kind < 0.55:  # invokingEvent replaced
        event["invokingEvent"] = rng.choice(
            [
                "{not json",
                "[]",
                '"text"',
                "null",
                "1e999",
                "[" * 3000,
                json.dumps(event.get("invokingEvent")),  # encoded twice
                "x" * 200_000,
            ]
        )
    elif kind < 0.65:  # ruleParameters
        params = _decoded(event.get("ruleParameters"))
        event["ruleParameters"] = rng.choice(
            [
                json.dumps(_mutate_tree(rng, params)),
                json.dumps(_junk(rng)),
                "{bad",
                "[" * 2000,
            ]
        )
    else:  # the event's own keys
        return _mutate_tree(rng, event)
    return event


PARAMETERS: list[dict[str, str]] = [
    {},
    {"RequireLogging": "false"},
    {"ExemptTrails": "narrow-trail"},
    {"ExemptionTagKey": "-"},
    {"ExecutionRoleName": "ConfigRole"},
    {"AcceptedExclusions": '[{"Field": "eventName", "Equals": ["PublishBatch"]}]'},
]


def _valid_event(rng: random.Random, rule: str) -> dict[str, Any]:
    params = dict(rng.choice(PARAMETERS))
    if rule == ACCOUNT_RULE:
        params = {
            k: v for k, v in params.items() if k in ("ExecutionRoleName", "AcceptedExclusions")
        }
    options: dict[str, Any] = {"parameters": params}
    account = ACCOUNT
    if rng.random() < 0.15:  # for another account, through a role there
        account = options["account"] = OTHER
        params.setdefault("ExecutionRoleName", "ConfigRole")
    if rng.random() < 0.3:
        options["execution_role"] = f"arn:aws:iam::{account}:role/ConfigRole"
    shape = rng.random()
    name = rng.choice([*TRAILS, "gone-trail"])
    home, multi, organization, _, _, tags = TRAILS.get(name, ("us-east-1", False, False, [], 1, {}))
    if shape < 0.4:
        status = rng.choice(
            ["OK"] * 6 + ["ResourceDiscovered", "ResourceDeleted", "ResourceNotRecorded"]
        )
        item = trail_item(
            name,
            home,
            account=account,
            multi_region=multi,
            organization=organization,
            status=status,
            tags=tags,
        )
        return change_event(item, rule=rule, **options)
    if shape < 0.6:
        return oversized_event(name, home, rule=rule, **options)
    return scheduled_event(rule, **options)


# --- the run ------------------------------------------------------------------------------


@dataclass
class Tally:
    events: int = 0
    rule_errors: int = 0
    completed: int = 0
    assumed: int = 0
    evaluations: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "rule_errors": self.rule_errors,
            "completed": self.completed,
            "roles_assumed": self.assumed,
            "evaluations": dict(sorted(self.evaluations.items())),
            "problems": len(self.problems),
        }


def _evaluation_problem(evaluation: Any) -> str | None:
    if not isinstance(evaluation, dict):
        return f"not an evaluation: {evaluation!r}"
    resource_id = evaluation.get("ComplianceResourceId")
    resource_type = evaluation.get("ComplianceResourceType")
    annotation = evaluation.get("Annotation")
    if not isinstance(resource_id, str) or not resource_id.strip() or len(resource_id) > 768:
        return f"bad ComplianceResourceId in {evaluation!r}"[:300]
    if not isinstance(resource_type, str) or not resource_type or len(resource_type) > 256:
        return f"bad ComplianceResourceType in {evaluation!r}"[:300]
    if evaluation.get("ComplianceType") not in COMPLIANCE_TYPES:
        return f"bad ComplianceType in {evaluation!r}"[:300]
    if not isinstance(annotation, str) or not 0 < len(annotation) <= 256:
        return f"bad Annotation in {evaluation!r}"[:300]
    return None


def _compliant_unread(
    evaluation: dict[str, Any], calls: Calls, require_logging: bool = True
) -> str | None:
    """Why a COMPLIANT evaluation is not backed by what this run read (None when it is).

    By hand: a trail is compliant when it has every SNS data event selected (or the rest is
    excused by accepted exclusions, which its annotation then says) and is logging (unless
    the event's parameters say RequireLogging false); and it must have been read (selectors
    and status) in this very run."""
    if evaluation["ComplianceType"] != "COMPLIANT":
        return None
    if evaluation["ComplianceResourceType"] == TRAIL_TYPE:
        name = evaluation["ComplianceResourceId"]
    else:
        name = evaluation["Annotation"].removeprefix("Trail ").split(" ", 1)[0]
    if name not in TRAILS:
        return f"COMPLIANT for {name!r}, no such trail: {evaluation!r}"[:300]
    home, _, _, selectors, logging, _ = TRAILS[name]
    excused = "Compliant except accepted exclusions: " in evaluation["Annotation"]
    if (selectors is not SNS_ALL and not excused) or (require_logging and not logging):
        return f"COMPLIANT for {name!r}, not a compliant trail: {evaluation!r}"[:300]
    arn = trail_arn(name, home)
    read = {p.get("TrailName") for p in calls.of("cloudtrail", "GetEventSelectors")}
    status = {p.get("Name") for p in calls.of("cloudtrail", "GetTrailStatus")}
    if arn not in read or arn not in status:
        return f"COMPLIANT for {name!r} without reading it in this run: {evaluation!r}"[:300]
    return None


def _invoke(sessions: Sessions, rule: str, event: Any, region: str, tally: Tally) -> None:
    sessions.calls.made.clear()
    sessions.region = region
    context = SimpleNamespace(
        invoked_function_arn=f"arn:aws:lambda:{region}:{ACCOUNT}:function:trailguard-rule"
    )
    tally.events += 1
    evaluations: list[Any] = []
    try:
        evaluations = handle(rule, event, context, sessions.make_session)
        tally.completed += 1
    except RuleError:
        tally.rule_errors += 1
    except Exception as exc:
        tally.problems.append(f"{type(exc).__name__}: {exc}"[:300])
    params = _decoded(event.get("ruleParameters")) if isinstance(event, dict) else None
    require_logging = not (isinstance(params, dict) and params.get("RequireLogging") == "false")
    puts = [e for p in sessions.calls.of("config", "PutEvaluations") for e in p["Evaluations"]]
    tally.evaluations.update(str(e.get("ComplianceType")) for e in evaluations)
    for evaluation in [*evaluations, *puts]:
        problem = _evaluation_problem(evaluation) or _compliant_unread(
            evaluation, sessions.calls, require_logging
        )
        if problem:
            tally.problems.append(problem)
    account = event.get("accountId") if isinstance(event, dict) else None
    for params in sessions.calls.of("sts", "AssumeRole"):
        tally.assumed += 1
        if str(params.get("RoleArn", "")).split(":")[4:5] != [account]:
            tally.problems.append(f"assumed {params.get('RoleArn')} for account {account!r}")


def fuzz(rule: str, count: int, seed: int) -> Tally:
    """``count`` mutated events through ``handle``; the tally of what came out."""
    rng = random.Random(seed)
    tally = Tally()
    with mock_aws():
        make_bucket()
        for name, (home, multi, organization, selectors, logging, tags) in TRAILS.items():
            make_trail(
                name,
                home,
                multi_region=multi,
                organization=organization,
                selectors={"AdvancedEventSelectors": selectors},
                logging=logging,
                tags=tags,
            )
        sessions = Sessions()
        for _ in range(count):
            event: Any = _valid_event(rng, rule)
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                event = _mutate_event(rng, event) if isinstance(event, dict) else _junk(rng)
            _invoke(sessions, rule, event, rng.choice(REGIONS), tally)
    print(f"\nfuzz {rule} seed {seed}: {json.dumps(tally.figures())}")
    return tally


@pytest.mark.slow
@pytest.mark.parametrize("rule", [TRAIL_RULE, ACCOUNT_RULE])
def test_fuzz_handlers(rule: str) -> None:
    tally = fuzz(rule, FUZZ_EVENTS, seed=20261201)
    assert tally.problems[:20] == []
    assert tally.events == FUZZ_EVENTS
    # the generator reaches every end: refused events, evaluated ones (COMPLIANT included),
    # and runs for another account through a role there
    assert tally.rule_errors > 0 and tally.evaluations["COMPLIANT"] > 0 and tally.assumed > 0


@pytest.mark.parametrize("rule", [TRAIL_RULE, ACCOUNT_RULE])
def test_fuzz_handlers_fast(rule: str) -> None:
    tally = fuzz(rule, FAST_EVENTS, seed=7)
    assert tally.problems[:20] == []
    assert tally.rule_errors > 0 and tally.completed > 0


def test_the_checks_catch_what_they_are_for() -> None:
    """The fuzz's own checks fail on what they must catch."""
    calls = Calls()
    empty = {
        "ComplianceResourceType": TRAIL_TYPE,
        "ComplianceResourceId": "",
        "ComplianceType": "NOT_APPLICABLE",
        "Annotation": "x",
    }
    assert _evaluation_problem(empty) is not None
    unread = {**empty, "ComplianceResourceId": "good-trail", "ComplianceType": "COMPLIANT"}
    assert _evaluation_problem(unread) is None
    assert _compliant_unread(unread, calls) is not None
    calls.made += [
        ("cloudtrail", "us-east-1", "GetEventSelectors", {"TrailName": trail_arn("good-trail")}),
        ("cloudtrail", "us-east-1", "GetTrailStatus", {"Name": trail_arn("good-trail")}),
    ]
    assert _compliant_unread(unread, calls) is None
    assert _compliant_unread({**unread, "ComplianceResourceId": "narrow-trail"}, calls)
    stopped = {**unread, "ComplianceResourceId": "stopped-trail"}
    calls.made += [
        ("cloudtrail", "us-east-1", "GetEventSelectors", {"TrailName": trail_arn("stopped-trail")}),
        ("cloudtrail", "us-east-1", "GetTrailStatus", {"Name": trail_arn("stopped-trail")}),
    ]
    assert _compliant_unread(stopped, calls) is not None
    assert _compliant_unread(stopped, calls, require_logging=False) is None
