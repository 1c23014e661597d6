"""Properties of the remediation planner (``trailguard.core.planner``), judged by the oracles.

For random basic configurations (``basic_selector_lists``), random advanced configurations
(``advanced_selector_sets``), the default configuration (nothing configured) and a
management-only advanced list, against the requirements "SNS topics" and "SNS topics and
platform endpoints":

1. ``plan`` returns a Plan, or raises ``PlanRefused`` only because the kept selectors plus the
   added ones would exceed CloudTrail's 500 condition values (the generated inputs are small,
   so below 400 values it must never refuse);
2. a changed plan is a valid advanced selector list of at most 500 values;
3. the plan meets the requirement: the core's verdict is COMPLIANT, and the oracle
   (``is_logged``) logs every brute-force candidate event of every required event;
4. nothing is lost: every event of a broad sample built from the original selectors' constants
   (bucket-level S3 events on bucket ARNs included) that the ORIGINAL configuration logs
   (oracle: ``is_logged`` / ``is_logged_basic`` under BOTH readings of bucket-level events /
   "management events only") is logged by the plan, and the core's own ``find_lost`` agrees,
   given the original configuration itself; also (4b) the plan logs nothing new outside the
   required resource types beyond what the original logs under the generous reading (the
   conversion is exact except that it keeps the bucket-level events);
5. planning the plan's output again changes nothing;
6. an unchanged plan means the original was already compliant (core and oracle).

Run longer with ``TRAILGUARD_PROPERTY_EXAMPLES=20000``.
"""

from __future__ import annotations

import itertools
import os
import random
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from oracle import BASIC_READINGS, BUCKET_LEVEL_EVENTS, bucket_arn_of, is_logged, is_logged_basic
from strategies import (
    DYNAMODB_TABLE,
    LAMBDA_FUNCTION,
    PLATFORM_ENDPOINT,
    S3_OBJECT,
    TOPIC,
    advanced_selector_sets,
    basic_selector_lists,
    candidate_events,
)

from trailguard.core import (
    AdvancedSelector,
    FieldSelector,
    Plan,
    PlanRefused,
    RequiredEvent,
    Requirement,
    SelectorConfig,
    build_requirement,
    effective_selectors,
    evaluate,
    find_lost,
    parse_response,
    plan,
    selectors_to_api,
    validate_selectors,
)
from trailguard.core.convert import kept_selectors

MAX_EXAMPLES = int(os.environ.get("TRAILGUARD_PROPERTY_EXAMPLES", "2000"))
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None)

LIMIT = 500
REQUIREMENT_TYPES: tuple[tuple[str, ...], ...] = ((TOPIC,), (TOPIC, PLATFORM_ENDPOINT))
REQUIREMENTS: dict[tuple[str, ...], Requirement] = {
    types: build_requirement(types) for types in REQUIREMENT_TYPES
}
MANAGEMENT_ONLY: list[dict[str, Any]] = [
    {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
]
SAMPLE_CAP = 200  # data events in the coverage sample (the core part is always kept)
CANDIDATE_CAP = 80  # brute-force candidates per required event

# --- the original configuration, and what it logs according to the oracles ------------------

Raw = tuple[str, Any]  # ("basic" | "advanced" | "default", raw API list or None)


def to_config(raw: Raw) -> SelectorConfig:
    kind, selectors = raw
    if kind == "basic":
        config = parse_response({"EventSelectors": selectors})
    elif kind == "advanced":
        config = parse_response({"AdvancedEventSelectors": selectors})
    else:
        config = parse_response({})
    assert config.kind == kind
    return config


def original_logs(raw: Raw, event: dict[str, str], reading: str = "narrow") -> bool:
    """Whether the original logs ``event``; ``reading`` matters only for bucket-level S3
    events of basic selectors (oracle.py)."""
    kind, selectors = raw
    if kind == "basic":
        return is_logged_basic(selectors, event, reading)
    if kind == "advanced":
        return is_logged(selectors, event)
    # A trail with nothing configured logs all management events and no data events.
    return event.get("eventCategory") == "Management"


# --- a broad event sample from the original selectors' constants ----------------------------

# type -> (eventSource, a typical eventName, a realistic ARN)
DATA_TYPES: dict[str, tuple[str, str, str]] = {
    S3_OBJECT: ("s3.amazonaws.com", "GetObject", "arn:aws:s3:::example-bucket/key"),
    LAMBDA_FUNCTION: (
        "lambda.amazonaws.com",
        "Invoke",
        "arn:aws:lambda:us-east-1:111122223333:function:example",
    ),
    DYNAMODB_TABLE: (
        "dynamodb.amazonaws.com",
        "PutItem",
        "arn:aws:dynamodb:us-east-1:111122223333:table/example",
    ),
    TOPIC: ("sns.amazonaws.com", "Publish", "arn:aws:sns:us-east-1:111122223333:example-topic"),
    PLATFORM_ENDPOINT: (
        "sns.amazonaws.com",
        "Publish",
        "arn:aws:sns:us-east-1:111122223333:endpoint/GCM/app/0000",
    ),
}
MANAGEMENT_SOURCES = (
    "kms.amazonaws.com",
    "rdsdata.amazonaws.com",
    "s3.amazonaws.com",
    "sns.amazonaws.com",
    "ec2.amazonaws.com",
)
CONTEXT_FIELDS = ("eventName", "eventSource", "eventType", "userIdentity.arn")
DEFAULT_CALLER = "arn:aws:iam::111122223333:role/ci"
OPERATOR_KEYS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")


def _constants(raw: Raw) -> dict[str, list[str]]:
    """Every condition value (advanced) or data resource value (basic), per field."""
    kind, selectors = raw
    out: dict[str, list[str]] = {}
    if kind == "advanced":
        for selector in selectors:
            for fs in selector["FieldSelectors"]:
                for op in OPERATOR_KEYS:
                    out.setdefault(fs["Field"], []).extend(fs.get(op) or [])
    elif kind == "basic":
        for selector in selectors:
            for resource in selector.get("DataResources") or []:
                out.setdefault("resources.ARN", []).extend(resource["Values"])
            sources = selector.get("ExcludeManagementEventSources") or []
            out.setdefault("eventSource", []).extend(sources)
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def _variants(value: str) -> list[str]:
    return [value, value + "x", "x" + value]


def event_sample(raw: Raw) -> list[dict[str, str]]:
    """Management events (readOnly x source) and data events of five types, with ARNs and the
    other fields built from the original selectors' constants (plus small variants)."""
    constants = _constants(raw)
    events: list[dict[str, str]] = []
    sources = list(dict.fromkeys([*MANAGEMENT_SOURCES, *constants.get("eventSource", [])]))
    for read_only, source in itertools.product(("true", "false"), sources):
        events.append(
            {
                "eventCategory": "Management",
                "readOnly": read_only,
                "eventSource": source,
                "eventName": "DoSomething",
                "eventType": "AwsApiCall",
            }
        )
    arn_constants = constants.get("resources.ARN", [])
    core: list[dict[str, str]] = []
    extra: list[dict[str, str]] = []
    for rtype, (source, name, example_arn) in DATA_TYPES.items():
        base = {
            "eventCategory": "Data",
            "resources.type": rtype,
            "eventSource": source,
            "eventName": name,
            "eventType": "AwsApiCall",
            "userIdentity.arn": DEFAULT_CALLER,
            "sessionCredentialFromConsole": "false",
        }
        arns = [example_arn]
        for c in arn_constants:
            arns += [c, c + "x", c + "/k", example_arn + c]
        arns = list(dict.fromkeys(arns))
        contexts: list[dict[str, str]] = [{}, {"sessionCredentialFromConsole": "true"}]
        for field in CONTEXT_FIELDS:
            for c in constants.get(field, []):
                contexts += [{field: v} for v in _variants(c)]
        for read_only in ("true", "false"):
            for arn in arns:
                core.append({**base, "readOnly": read_only, "resources.ARN": arn})
            for context in contexts[1:]:
                core.append(
                    {**base, "readOnly": read_only, "resources.ARN": example_arn, **context}
                )
            for arn, context in itertools.product(arns[1:], contexts[1:]):
                extra.append({**base, "readOnly": read_only, "resources.ARN": arn, **context})
    # Bucket-level S3 events: on the example bucket, on each bucket the S3 values name, and on
    # near misses (a longer bucket name, the value itself).
    buckets = ["arn:aws:s3:::example-bucket"]
    for c in arn_constants:
        bucket = bucket_arn_of(c)
        buckets += [c, c + "x"] + ([bucket, bucket + "x"] if bucket else [])
    s3_base = {
        "eventCategory": "Data",
        "resources.type": S3_OBJECT,
        "eventSource": "s3.amazonaws.com",
        "eventType": "AwsApiCall",
        "userIdentity.arn": DEFAULT_CALLER,
        "sessionCredentialFromConsole": "false",
    }
    for name, arn in itertools.product(BUCKET_LEVEL_EVENTS, dict.fromkeys(buckets)):
        # all four are reads: CloudTrail records them with readOnly "true" (oracle.py)
        core.append({**s3_base, "eventName": name, "readOnly": "true", "resources.ARN": arn})
    if len(core) + len(extra) > SAMPLE_CAP and len(extra) > max(0, SAMPLE_CAP - len(core)):
        extra = random.Random(0).sample(extra, max(0, SAMPLE_CAP - len(core)))
    return events + core + extra


def _prefix(required: RequiredEvent, field: str) -> str:
    return next(free.prefix for free in required.free if free.field == field)


def candidates(api: list[dict[str, Any]], requirement: Requirement) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for required in requirement.events:
        out += candidate_events(
            api,
            required.resource_type,
            required.event_name,
            dict(required.fixed),
            _prefix(required, "resources.ARN"),
            _prefix(required, "userIdentity.arn"),
            cap=CANDIDATE_CAP,
        )
    return out


def _values(selectors: tuple[AdvancedSelector, ...]) -> int:
    return sum(s.value_count() for s in selectors)


# --- the properties --------------------------------------------------------------------------


def check_plan_properties(raw: Raw, types: tuple[str, ...]) -> Plan | None:
    config = to_config(raw)
    assert validate_selectors(config) == [], "the strategies must produce valid input"
    requirement = REQUIREMENTS[types]
    kept = kept_selectors(config)  # what the plan keeps (basic: under either reading)
    before = evaluate(config, requirement)
    missing = {gap.resource_type for gap in before.gaps}

    # 1. refused only over the limit
    try:
        result = plan(config, requirement)
    except PlanRefused as refused:
        needed = _values(kept) + 2 * len(missing)
        assert needed > LIMIT, f"refused at {needed} values: {refused}"
        assert _values(kept) >= 400, f"refused a small input ({_values(kept)} values): {refused}"
        assert str(LIMIT) in str(refused), str(refused)
        return None
    assert result.before == before

    cands = candidates(selectors_to_api(kept), requirement)
    if not result.changed:
        # 6. unchanged => the original was compliant, by the core and by the oracle
        assert before.compliant
        assert result.selectors == () and result.added == ()
        unlogged = [e for e in cands if not original_logs(raw, e, "narrow")]
        assert not unlogged, f"unchanged plan, but the original does not log {unlogged[0]}"
        return result

    # 2. a valid list within the limit
    after_config = SelectorConfig("advanced", advanced=result.selectors)
    problems = validate_selectors(after_config)
    assert problems == [], [str(p) for p in problems]
    assert _values(result.selectors) <= LIMIT
    assert not before.compliant
    assert {s.equals_values("resources.type")[0] for s in result.added} == missing
    assert result.converted_from == (None if config.kind == "advanced" else config.kind)
    if config.kind == "advanced":  # kept verbatim, in order, names and all
        assert result.selectors[: len(config.advanced)] == config.advanced

    # 3. the requirement is met (core and oracle)
    assert evaluate(after_config, requirement).compliant
    after_api = selectors_to_api(result.selectors)
    for event in cands:
        assert is_logged(after_api, event), f"the plan does not log required event {event}"

    # 4. nothing lost (oracle on a broad sample, and the core's inclusion check);
    # 4b. nothing gained outside the required types. (The candidates, all of required types and
    # all logged after, need no second look.)
    for event in event_sample(raw):
        logged_after = is_logged(after_api, event)
        if not logged_after:
            for reading in BASIC_READINGS:
                assert not original_logs(raw, event, reading), f"the plan loses {event} ({reading})"
        elif event.get("eventCategory") != "Data" or event.get("resources.type") not in types:
            assert original_logs(raw, event, "generous"), (
                f"the plan logs {event}, which the original did not under either reading and "
                "the requirement does not ask for"
            )
    assert find_lost(config, result.selectors) is None
    assert find_lost(effective_selectors(config), result.selectors) is None

    # 5. idempotent
    again = plan(after_config, requirement)
    assert again.changed is False
    return result


@pytest.mark.slow
@SETTINGS
@example(raw=("default", None), types=REQUIREMENT_TYPES[0])
@example(raw=("default", None), types=REQUIREMENT_TYPES[1])
@example(raw=("advanced", MANAGEMENT_ONLY), types=REQUIREMENT_TYPES[0])
@example(raw=("advanced", MANAGEMENT_ONLY), types=REQUIREMENT_TYPES[1])
@given(
    raw=st.one_of(
        basic_selector_lists().map(lambda s: ("basic", s)),
        advanced_selector_sets().map(lambda s: ("advanced", s)),
    ),
    types=st.sampled_from(REQUIREMENT_TYPES),
)
def test_plan_properties(raw: Raw, types: tuple[str, ...]) -> None:
    check_plan_properties(raw, types)


@pytest.mark.parametrize("types", REQUIREMENT_TYPES, ids=["topic", "topic+endpoint"])
@pytest.mark.parametrize(
    "raw", [("default", None), ("advanced", MANAGEMENT_ONLY)], ids=["default", "management-only"]
)
def test_default_and_management_only(raw: Raw, types: tuple[str, ...]) -> None:
    result = check_plan_properties(raw, types)
    assert result is not None and result.changed
    expected = [*MANAGEMENT_ONLY, *(_type_only(t) for t in types)]
    got = selectors_to_api(result.selectors)
    assert [{"FieldSelectors": s["FieldSelectors"]} for s in got] == expected


# --- explicit cases ---------------------------------------------------------------------------


def _type_only(rtype: str) -> dict[str, Any]:
    return {
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [rtype]},
        ]
    }


AUDIT_PREFIX = "arn:aws:s3:::audit-logs/app/"
FUNCTION_F1 = "arn:aws:lambda:us-east-1:111122223333:function:f1"
DONE_WHEN_BASIC: list[dict[str, Any]] = [
    {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [
            {"Type": "AWS::S3::Object", "Values": [AUDIT_PREFIX]},
            {"Type": "AWS::Lambda::Function", "Values": [FUNCTION_F1]},
        ],
        "ExcludeManagementEventSources": [],
    }
]
# Worked out by hand from docs/domain.md's basic -> advanced table: management + All ->
# {eventCategory=Management}; S3 bucket/prefix value -> resources.ARN StartsWith the value;
# exact function ARN -> resources.ARN Equals; ReadWriteType All adds no readOnly field. Then,
# because a prefix value may also log the bucket-level S3 events on its bucket (undocumented),
# those event names on arn:aws:s3:::audit-logs. Then the added SNS topic selector (type only).
# Names are the planner's labels.
DONE_WHEN_EXPECTED: list[dict[str, Any]] = [
    {
        "Name": "Management events",
        "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
    },
    {
        "Name": "AWS::S3::Object data events",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": [AUDIT_PREFIX]},
        ],
    },
    {
        "Name": "AWS::Lambda::Function data events",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
            {"Field": "resources.ARN", "Equals": [FUNCTION_F1]},
        ],
    },
    {
        "Name": "AWS::S3::Object bucket-level data events",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {
                "Field": "eventName",
                "Equals": ["HeadBucket", "ListObjectVersions", "ListObjects", "ListObjectsV2"],
            },
            {"Field": "resources.ARN", "Equals": ["arn:aws:s3:::audit-logs"]},
        ],
    },
    {
        "Name": "trailguard: log all AWS::SNS::Topic data events",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
        ],
    },
]


def test_done_when_basic_trail() -> None:
    config = parse_response({"EventSelectors": DONE_WHEN_BASIC})
    requirement = build_requirement([TOPIC])
    result = plan(config, requirement)
    assert result.changed is True
    assert result.converted_from == "basic"
    assert selectors_to_api(result.selectors) == DONE_WHEN_EXPECTED
    assert selectors_to_api(result.added) == DONE_WHEN_EXPECTED[-1:]
    # planning the output again changes nothing
    again = plan(SelectorConfig("advanced", advanced=result.selectors), requirement)
    assert again.changed is False
    # and the full property check passes on it
    check_plan_properties(("basic", DONE_WHEN_BASIC), (TOPIC,))
    # spot checks with the oracles: what the basic trail logged is still logged
    s3_key = {
        "eventCategory": "Data",
        "resources.type": S3_OBJECT,
        "readOnly": "true",
        "resources.ARN": AUDIT_PREFIX + "2024/x.json",
    }
    other_key = {**s3_key, "resources.ARN": "arn:aws:s3:::audit-logs/web/x.json"}
    f10 = {
        "eventCategory": "Data",
        "resources.type": LAMBDA_FUNCTION,
        "readOnly": "false",
        "resources.ARN": FUNCTION_F1 + "0",
    }
    for event, logged in ((s3_key, True), (other_key, False), (f10, False)):
        assert is_logged_basic(DONE_WHEN_BASIC, event) is logged
        assert is_logged(DONE_WHEN_EXPECTED, event) is logged


def _big_advanced(total: int) -> list[dict[str, Any]]:
    """Management-only (1 value) + an S3 selector with enough prefixes for ``total`` values."""
    prefixes = [f"arn:aws:s3:::bucket-{i:03d}/" for i in range(total - 1 - 2)]
    return [
        *MANAGEMENT_ONLY,
        {
            "Name": "many buckets",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                {"Field": "resources.ARN", "StartsWith": prefixes},
            ],
        },
    ]


def test_over_limit_is_refused() -> None:
    config = parse_response({"AdvancedEventSelectors": _big_advanced(499)})
    assert validate_selectors(config) == []
    assert _values(config.advanced) == 499
    with pytest.raises(PlanRefused, match="500") as refused:
        plan(config, build_requirement([TOPIC]))
    assert "499" in str(refused.value)


def test_exactly_at_limit_is_planned() -> None:
    config = parse_response({"AdvancedEventSelectors": _big_advanced(498)})
    result = plan(config, build_requirement([TOPIC]))
    assert result.changed and _values(result.selectors) == LIMIT
    assert validate_selectors(SelectorConfig("advanced", advanced=result.selectors)) == []


# --- find_lost on hand-made pairs -----------------------------------------------------------

MGMT_SEL = AdvancedSelector((FieldSelector("eventCategory", equals=("Management",)),))
S3_ALL = AdvancedSelector(
    (
        FieldSelector("eventCategory", equals=("Data",)),
        FieldSelector("resources.type", equals=("AWS::S3::Object",)),
    )
)
S3_READS = AdvancedSelector((*S3_ALL.field_selectors, FieldSelector("readOnly", equals=("true",))))


def _assert_lost(before: tuple[AdvancedSelector, ...], after: tuple[AdvancedSelector, ...]) -> None:
    lost = find_lost(before, after)
    assert lost is not None
    assert is_logged(selectors_to_api(before), lost), lost
    assert not is_logged(selectors_to_api(after), lost), lost


def test_find_lost_dropping_a_selector() -> None:
    _assert_lost((MGMT_SEL, S3_ALL), (MGMT_SEL,))
    _assert_lost((MGMT_SEL, S3_ALL), (S3_ALL,))


def test_find_lost_identical_lists() -> None:
    assert find_lost((MGMT_SEL, S3_ALL), (MGMT_SEL, S3_ALL)) is None
    assert find_lost((MGMT_SEL, S3_ALL), (S3_ALL, MGMT_SEL)) is None  # order does not matter
    assert find_lost((), (MGMT_SEL,)) is None


def test_find_lost_readonly_narrowing() -> None:
    _assert_lost((S3_ALL,), (S3_READS,))
    lost = find_lost((S3_ALL,), (S3_READS,))
    assert lost is not None and lost.get("readOnly") != "true"
    assert find_lost((S3_READS,), (S3_ALL,)) is None  # widening loses nothing


# --- bucket-level S3 events and DynamoDB PartiQL events (issue 8, item 6) -------------------

BUCKET = "arn:aws:s3:::bucket"
READ_ONLY_BUCKET_BASIC: list[dict[str, Any]] = [
    {
        "ReadWriteType": "ReadOnly",
        "IncludeManagementEvents": False,
        "DataResources": [{"Type": S3_OBJECT, "Values": [BUCKET + "/"]}],
        "ExcludeManagementEventSources": [],
    }
]
LIST_OBJECTS = {
    "eventCategory": "Data",
    "resources.type": S3_OBJECT,
    "eventSource": "s3.amazonaws.com",
    "eventName": "ListObjects",
    "eventType": "AwsApiCall",
    "readOnly": "true",
    "resources.ARN": BUCKET,
}
_S3_DATA = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": [S3_OBJECT]},
    {"Field": "readOnly", "Equals": ["true"]},
]
# By hand: ReadOnly -> readOnly Equals true on every selector; the bucket value -> StartsWith it;
# the bucket-level events (all read-only, so all admitted) on the bucket's ARN; then SNS.
READ_ONLY_BUCKET_PLAN: list[dict[str, Any]] = [
    {
        "Name": "AWS::S3::Object data events",
        "FieldSelectors": [*_S3_DATA, {"Field": "resources.ARN", "StartsWith": [BUCKET + "/"]}],
    },
    {
        "Name": "AWS::S3::Object bucket-level data events",
        "FieldSelectors": [
            *_S3_DATA,
            {
                "Field": "eventName",
                "Equals": ["HeadBucket", "ListObjectVersions", "ListObjects", "ListObjectsV2"],
            },
            {"Field": "resources.ARN", "Equals": [BUCKET]},
        ],
    },
    _type_only(TOPIC) | {"Name": "trailguard: log all AWS::SNS::Topic data events"},
]


def test_the_two_readings_of_a_bucket_value() -> None:
    # The oracle: only the generous reading logs ListObjects on the bucket itself.
    assert is_logged_basic(READ_ONLY_BUCKET_BASIC, LIST_OBJECTS, "narrow") is False
    assert is_logged_basic(READ_ONLY_BUCKET_BASIC, LIST_OBJECTS, "generous") is True
    # ... and neither logs it on another bucket, nor a write, nor an object event on the bucket.
    for other in (
        {**LIST_OBJECTS, "resources.ARN": BUCKET + "2"},
        {**LIST_OBJECTS, "readOnly": "false"},
        {**LIST_OBJECTS, "eventName": "GetObject"},
    ):
        for reading in BASIC_READINGS:
            assert is_logged_basic(READ_ONLY_BUCKET_BASIC, other, reading) is False, other
    # A value without "/" is a prefix of the bucket ARN: both readings log it.
    no_slash = [
        {**READ_ONLY_BUCKET_BASIC[0], "DataResources": [{"Type": S3_OBJECT, "Values": [BUCKET]}]}
    ]
    assert all(is_logged_basic(no_slash, LIST_OBJECTS, reading) for reading in BASIC_READINGS)


def test_plan_of_a_basic_bucket_value_logs_list_objects_on_the_bucket() -> None:
    config = parse_response({"EventSelectors": READ_ONLY_BUCKET_BASIC})
    result = plan(config, build_requirement([TOPIC]))
    assert selectors_to_api(result.selectors) == READ_ONLY_BUCKET_PLAN
    assert is_logged(READ_ONLY_BUCKET_PLAN, LIST_OBJECTS) is True
    assert (
        is_logged(READ_ONLY_BUCKET_PLAN, {**LIST_OBJECTS, "resources.ARN": BUCKET + "2"}) is False
    )
    # the narrow reading (verdicts) keeps only the StartsWith selector
    assert selectors_to_api(effective_selectors(config)) == READ_ONLY_BUCKET_PLAN[:1]
    check_plan_properties(("basic", READ_ONLY_BUCKET_BASIC), (TOPIC,))


def test_find_lost_sees_bucket_level_events_of_the_original_basic_selectors() -> None:
    config = parse_response({"EventSelectors": READ_ONLY_BUCKET_BASIC})
    full = parse_response({"AdvancedEventSelectors": READ_ONLY_BUCKET_PLAN}).advanced
    assert find_lost(config, full) is None
    # A plan that drops the bucket-level selector loses them (the first one the search meets).
    without = (full[0], full[2])
    expected = {
        "eventCategory": "Data",
        "resources.type": S3_OBJECT,
        "eventName": "HeadBucket",
        "readOnly": "true",
        "resources.ARN": BUCKET,
    }
    assert find_lost(config, without) == expected
    # Comparing two conversions cannot see it: the narrow one is held by the narrowed plan.
    assert find_lost(effective_selectors(config), without) is None
    # A plan that names every bucket-level event but ListObjects loses exactly ListObjects.
    names = ["HeadBucket", "ListObjectVersions", "ListObjectsV2"]
    partial = [
        READ_ONLY_BUCKET_PLAN[0],
        {
            "FieldSelectors": [
                *_S3_DATA,
                {"Field": "eventName", "Equals": names},
                {"Field": "resources.ARN", "Equals": [BUCKET]},
            ]
        },
    ]
    partial_selectors = parse_response({"AdvancedEventSelectors": partial}).advanced
    lost = find_lost(config, partial_selectors)
    assert lost == {**expected, "eventName": "ListObjects"}
    assert not is_logged(partial, {**LIST_OBJECTS, **lost})
    assert is_logged_basic(READ_ONLY_BUCKET_BASIC, {**LIST_OBJECTS, **lost}, "generous")


def test_write_only_bucket_value_needs_no_bucket_level_selector() -> None:
    # Every bucket-level event is read-only (catalog), so WriteOnly admits none of them.
    write_only = [{**READ_ONLY_BUCKET_BASIC[0], "ReadWriteType": "WriteOnly"}]
    config = parse_response({"EventSelectors": write_only})
    assert kept_selectors(config) == effective_selectors(config)
    assert find_lost(config, effective_selectors(config)) is None
    check_plan_properties(("basic", write_only), (TOPIC,))


PARTIQL = ("BatchExecuteStatement", "ExecuteStatement", "ExecuteTransaction")
TABLE = "arn:aws:dynamodb:us-east-1:111122223333:table/orders"


def _table_selector(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [DYNAMODB_TABLE]},
            *extra,
        ]
    }


def test_partiql_events_need_both_read_only_values() -> None:
    requirement = build_requirement([DYNAMODB_TABLE])
    by_name = {e.event_name: dict(e.fixed) for e in requirement.events}
    assert all("readOnly" not in by_name[name] for name in PARTIQL)  # not pinned down
    assert by_name["GetItem"]["readOnly"] == "true" and by_name["PutItem"]["readOnly"] == "false"

    def gaps(selectors: list[dict[str, Any]]) -> list[tuple[str, str]]:
        verdict = evaluate(parse_response({"AdvancedEventSelectors": selectors}), requirement)
        return sorted({(g.event_name, g.resource_type) for g in verdict.gaps})

    write_names = ("BatchWriteItem", "DeleteItem", "PutItem", "TransactWriteItems", "UpdateItem")
    reads = _table_selector({"Field": "readOnly", "Equals": ["true"]})
    writes = _table_selector({"Field": "readOnly", "Equals": ["false"]})
    writes_by_name = _table_selector(
        {
            "Field": "eventName",
            "Equals": [
                "BatchWriteItem",
                "DeleteItem",
                "PutItem",
                "TransactWriteItems",
                "UpdateItem",
            ],
        }
    )
    # reads only: every write event and the PartiQL events (as writes) are missing
    assert gaps([reads]) == sorted((name, DYNAMODB_TABLE) for name in (*PARTIQL, *write_names))
    # reads plus the write events by name: only the PartiQL writes are missing
    assert gaps([reads, writes_by_name]) == [(name, DYNAMODB_TABLE) for name in PARTIQL]
    assert gaps([reads, writes]) == []
    # A basic ReadOnly table value logs ExecuteStatement only when it is recorded as a read.
    basic = [
        {
            "ReadWriteType": "ReadOnly",
            "IncludeManagementEvents": False,
            "DataResources": [{"Type": DYNAMODB_TABLE, "Values": [TABLE]}],
            "ExcludeManagementEventSources": [],
        }
    ]
    event = {
        "eventCategory": "Data",
        "resources.type": DYNAMODB_TABLE,
        "eventName": "ExecuteStatement",
        "resources.ARN": TABLE,
    }
    converted = selectors_to_api(effective_selectors(parse_response({"EventSelectors": basic})))
    for read_only, logged in (("true", True), ("false", False)):
        assert is_logged_basic(basic, {**event, "readOnly": read_only}) is logged
        assert is_logged(converted, {**event, "readOnly": read_only}) is logged
