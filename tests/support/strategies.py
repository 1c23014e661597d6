"""Hypothesis strategies for trail advanced event selectors, plus a brute-force event set.

Values come from SMALL pools on purpose so that overlaps (prefix of another value, suffix of
another value, exact collisions) happen often. The selector shapes follow the CloudTrail user
guide, "Filtering data events by using advanced event selectors"; the candidate events follow
"CloudTrail record contents" and "CloudTrail userIdentity element" (a record may lack
userIdentity.arn; sessionCredentialFromConsole is "true" or absent; eventType is AwsApiCall or
AwsServiceEvent).
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import strategies as st

TOPIC = "AWS::SNS::Topic"
PLATFORM_ENDPOINT = "AWS::SNS::PlatformEndpoint"
S3_OBJECT = "AWS::S3::Object"

ALL_OPERATORS: tuple[str, ...] = (
    "Equals",
    "StartsWith",
    "EndsWith",
    "NotEquals",
    "NotStartsWith",
    "NotEndsWith",
)
EXACT_OPERATORS: tuple[str, ...] = ("Equals", "NotEquals")

EVENT_NAMES: tuple[str, ...] = (
    "Publish",
    "PublishBatch",
    "Pub",
    "Batch",
    "lish",
    "PutObject",
    "ListObjects",  # a bucket-level S3 data event (recorded with a bucket ARN)
)
EVENT_SOURCES: tuple[str, ...] = ("sns.amazonaws.com", "sns.", ".amazonaws.com", "s3.amazonaws.com")
EVENT_TYPES: tuple[str, ...] = ("AwsApiCall", "AwsServiceEvent", "Aws", "Event")
# The documented eventType values of a data-event record (CloudTrail record contents).
RECORD_EVENT_TYPES: tuple[str, ...] = ("AwsApiCall", "AwsServiceEvent")
RESOURCE_ARNS: tuple[str, ...] = (
    "arn:aws:sns:",
    "arn:aws:sns:us-east-1:",
    "arn:aws:sns:us-east-1:111122223333:",
    "arn:aws:sns:us-east-1:111122223333:orders",
    "arn:aws:sns:us-east-1:111122223333:orders-dlq",
    "orders",
    "-dlq",
    ":orders",
    "arn:aws",
    "arn:aws:s3:::bucket/",
    "arn:aws:s3:::bucket",  # a bucket ARN: the resource of ListObjects, HeadBucket, ...
    "s",
    "1:",
)
# docs/domain.md: "ARN Equals/NotEquals must be exact ARNs" -> Equals/NotEquals on the ARN fields
# draw only from these full ARNs (the other operators use the whole pool).
RESOURCE_ARNS_EXACT: tuple[str, ...] = (
    "arn:aws:sns:us-east-1:111122223333:orders",
    "arn:aws:sns:us-east-1:111122223333:orders-dlq",
)
CALLER_ARNS: tuple[str, ...] = (
    "arn:aws:iam::111122223333:role/ci",
    "arn:aws:iam::111122223333:",
    "arn:aws:sts::111122223333:assumed-role/",
    "/ci",
    "arn:aws:",
    "role/ci",
    "ci",
)
CALLER_ARNS_EXACT: tuple[str, ...] = ("arn:aws:iam::111122223333:role/ci",)
MANAGEMENT_EXCLUDABLE_SOURCES: tuple[str, ...] = ("kms.amazonaws.com", "rdsdata.amazonaws.com")
SELECTOR_NAMES: tuple[str, ...] = ("sns-publish", "Log SNS data events", "mgmt", "sel-1")

# Free string fields of candidate_events and their pools (for callers that want them).
STRING_FIELD_POOLS: dict[str, tuple[str, ...]] = {
    "eventName": EVENT_NAMES,
    "resources.ARN": RESOURCE_ARNS,
    "userIdentity.arn": CALLER_ARNS,
    "eventSource": EVENT_SOURCES,
    "eventType": EVENT_TYPES,
}
_EXACT_POOLS: dict[str, tuple[str, ...]] = {
    "resources.ARN": RESOURCE_ARNS_EXACT,
    "userIdentity.arn": CALLER_ARNS_EXACT,
    "eventType": RECORD_EVENT_TYPES,
}
_OPTIONAL_DATA_FIELDS: tuple[str, ...] = (
    "readOnly",
    "eventName",
    "resources.ARN",
    "userIdentity.arn",
    "eventSource",
    "eventType",
    "sessionCredentialFromConsole",
)


def _names() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(SELECTOR_NAMES))


def _selector(name: str | None, field_selectors: list[dict[str, Any]]) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    if name is not None:
        selector["Name"] = name
    selector["FieldSelectors"] = field_selectors
    return selector


def resource_types() -> st.SearchStrategy[str]:
    """Mostly AWS::SNS::Topic."""
    return st.one_of(
        st.just(TOPIC),
        st.just(TOPIC),
        st.just(TOPIC),
        st.sampled_from((PLATFORM_ENDPOINT, S3_OBJECT)),
    )


@st.composite
def string_field_selector(draw: st.DrawFn, field: str) -> dict[str, Any]:
    """1-3 of the six operators, each with 1-3 distinct values from the field's small pool."""
    pool = STRING_FIELD_POOLS[field]
    exact_pool = _EXACT_POOLS.get(field, pool)
    chosen = draw(st.lists(st.sampled_from(ALL_OPERATORS), min_size=1, max_size=3, unique=True))
    field_selector: dict[str, Any] = {"Field": field}
    for operator in ALL_OPERATORS:  # canonical key order
        if operator not in chosen:
            continue
        values_pool = exact_pool if operator in EXACT_OPERATORS else pool
        field_selector[operator] = draw(
            st.lists(
                st.sampled_from(values_pool),
                min_size=1,
                max_size=min(3, len(values_pool)),
                unique=True,
            )
        )
    return field_selector


def read_only_field_selector() -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from((["true"], ["false"], ["true", "false"])).map(
        lambda values: {"Field": "readOnly", "Equals": list(values)}
    )


@st.composite
def console_field_selector(draw: st.DrawFn) -> dict[str, Any]:
    """sessionCredentialFromConsole with Equals and/or NotEquals of "true"/"false"."""
    chosen = draw(st.lists(st.sampled_from(EXACT_OPERATORS), min_size=1, max_size=2, unique=True))
    field_selector: dict[str, Any] = {"Field": "sessionCredentialFromConsole"}
    for operator in EXACT_OPERATORS:
        if operator in chosen:
            field_selector[operator] = draw(
                st.lists(st.sampled_from(("true", "false")), min_size=1, max_size=2, unique=True)
            )
    return field_selector


@st.composite
def _exact_field_selector(draw: st.DrawFn, field: str) -> dict[str, Any]:
    """Equals and/or NotEquals with values from the field's exact pool."""
    pool = _EXACT_POOLS[field]
    chosen = draw(st.lists(st.sampled_from(EXACT_OPERATORS), min_size=1, max_size=2, unique=True))
    field_selector: dict[str, Any] = {"Field": field}
    for operator in EXACT_OPERATORS:
        if operator in chosen:
            field_selector[operator] = draw(
                st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True)
            )
    return field_selector


@st.composite
def _deselect_only_field_selector(draw: st.DrawFn, field: str) -> dict[str, Any]:
    """Only NotEquals/NotStartsWith/NotEndsWith: a record lacking the field satisfies it under
    the lenient reading only (so gaps it leaves are often undocumented)."""
    pool = STRING_FIELD_POOLS[field]
    exact_pool = _EXACT_POOLS.get(field, pool)
    deselect = ("NotEquals", "NotStartsWith", "NotEndsWith")
    chosen = draw(st.lists(st.sampled_from(deselect), min_size=1, max_size=2, unique=True))
    field_selector: dict[str, Any] = {"Field": field}
    for operator in deselect:
        if operator in chosen:
            values_pool = exact_pool if operator == "NotEquals" else pool
            field_selector[operator] = draw(
                st.lists(st.sampled_from(values_pool), min_size=1, max_size=2, unique=True)
            )
    return field_selector


def _optional_field_selector(field: str) -> st.SearchStrategy[dict[str, Any]]:
    if field == "readOnly":
        return read_only_field_selector()
    if field == "sessionCredentialFromConsole":
        return console_field_selector()
    if field == "eventType":  # mostly the two documented values, exactly
        return st.one_of(_exact_field_selector(field), string_field_selector(field))
    if field == "userIdentity.arn":  # often deselect-only (a record may lack the field)
        return st.one_of(
            _deselect_only_field_selector(field),
            _exact_field_selector(field),
            string_field_selector(field),
        )
    return string_field_selector(field)


@st.composite
def management_selectors(draw: st.DrawFn) -> dict[str, Any]:
    """{eventCategory Equals [Management]} + optional readOnly + optional eventSource NotEquals."""
    field_selectors: list[dict[str, Any]] = [{"Field": "eventCategory", "Equals": ["Management"]}]
    if draw(st.booleans()):
        field_selectors.append(draw(read_only_field_selector()))
    if draw(st.booleans()):
        field_selectors.append(
            {
                "Field": "eventSource",
                "NotEquals": [draw(st.sampled_from(MANAGEMENT_EXCLUDABLE_SOURCES))],
            }
        )
    return _selector(draw(_names()), field_selectors)


@st.composite
def data_selectors(
    draw: st.DrawFn,
    resource_type: st.SearchStrategy[str] | None = None,
    exclude_fields: tuple[str, ...] = (),
    max_extra: int | None = None,
) -> dict[str, Any]:
    """eventCategory=Data, resources.type Equals [one type], plus optional other fields
    (each at most once)."""
    rtype = draw(resource_type if resource_type is not None else resource_types())
    optional = [f for f in _OPTIONAL_DATA_FIELDS if f not in exclude_fields]
    chosen = (
        draw(
            st.lists(
                st.sampled_from(optional),
                max_size=len(optional) if max_extra is None else max_extra,
                unique=True,
            )
        )
        if optional
        else []
    )
    field_selectors: list[dict[str, Any]] = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": [rtype]},
    ]
    for field in chosen:  # order of optional fields is random (lists of unique draws)
        field_selectors.append(draw(_optional_field_selector(field)))
    return _selector(draw(_names()), field_selectors)


def _any_selector() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(data_selectors(), data_selectors(), management_selectors())


# The complementary splits used by covering_selector_sets: (field, half A, half B).
_COVERING_SPLITS: tuple[tuple[str, dict[str, list[str]], dict[str, list[str]]], ...] = (
    ("eventName", {"Equals": ["Publish"]}, {"Equals": ["PublishBatch"]}),
    ("eventName", {"StartsWith": ["Pub"]}, {"NotStartsWith": ["Pub"]}),
    ("eventName", {"EndsWith": ["Batch"]}, {"NotEndsWith": ["Batch"]}),
    ("readOnly", {"Equals": ["true"]}, {"Equals": ["false"]}),
    ("sessionCredentialFromConsole", {"Equals": ["true"]}, {"Equals": ["false"]}),
    ("sessionCredentialFromConsole", {"Equals": ["true"]}, {"NotEquals": ["true"]}),
    (
        "resources.ARN",
        {"StartsWith": ["arn:aws:sns:us-east-1:"]},
        {"NotStartsWith": ["arn:aws:sns:us-east-1:"]},
    ),
    ("resources.ARN", {"EndsWith": ["-dlq"]}, {"NotEndsWith": ["-dlq"]}),
    (
        "resources.ARN",
        {"Equals": ["arn:aws:sns:us-east-1:111122223333:orders"]},
        {"NotEquals": ["arn:aws:sns:us-east-1:111122223333:orders"]},
    ),
    ("userIdentity.arn", {"StartsWith": ["arn:aws:iam::"]}, {"NotStartsWith": ["arn:aws:iam::"]}),
    ("eventSource", {"Equals": ["sns.amazonaws.com"]}, {"NotEquals": ["sns.amazonaws.com"]}),
    ("eventType", {"Equals": ["AwsApiCall"]}, {"NotEquals": ["AwsApiCall"]}),
    ("eventType", {"Equals": ["AwsApiCall"]}, {"Equals": ["AwsServiceEvent"]}),
    ("eventType", {"StartsWith": ["Aws"]}, {"NotStartsWith": ["Aws"]}),
    (
        "userIdentity.arn",
        {"Equals": ["arn:aws:iam::111122223333:role/ci"]},
        {"NotEquals": ["arn:aws:iam::111122223333:role/ci"]},
    ),
    ("userIdentity.arn", {"EndsWith": ["/ci"]}, {"NotEndsWith": ["/ci"]}),
    ("sessionCredentialFromConsole", {"NotEquals": ["false"]}, {"Equals": ["false"]}),
    ("sessionCredentialFromConsole", {"Equals": ["true"]}, {"NotEquals": ["true", "false"]}),
    ("userIdentity.arn", {"StartsWith": ["arn:aws:"]}, {"NotStartsWith": ["arn:aws:"]}),
    (
        "userIdentity.arn",
        {"StartsWith": ["arn:aws:iam::111122223333:"], "EndsWith": ["/ci"]},
        {"NotStartsWith": ["arn:aws:iam::111122223333:"], "NotEndsWith": ["/ci"]},
    ),
)


@st.composite
def covering_selector_sets(draw: st.DrawFn, max_size: int = 5) -> list[dict[str, Any]]:
    """Two SNS Topic selectors identical except for one field, split into complementary halves,
    so together they cover what neither covers alone; padded with 0..max_size-2 random
    selectors and shuffled."""
    field, half_a, half_b = draw(st.sampled_from(_COVERING_SPLITS))
    max_extra = draw(st.sampled_from((0, 0, 2)))  # often a bare type: the split alone decides
    base = draw(
        data_selectors(resource_type=st.just(TOPIC), exclude_fields=(field,), max_extra=max_extra)
    )
    pair: list[dict[str, Any]] = []
    for half in (half_a, half_b):
        copy = {k: v for k, v in base.items() if k != "FieldSelectors"}
        field_selectors = [dict(fs) for fs in base["FieldSelectors"]]
        extra: dict[str, Any] = {"Field": field}
        extra.update({op: list(values) for op, values in half.items()})
        position = draw(st.integers(min_value=2, max_value=len(field_selectors)))
        field_selectors.insert(position, extra)
        copy["FieldSelectors"] = field_selectors
        pair.append(copy)
    others = draw(st.lists(_any_selector(), max_size=max(0, max_size - 2)))
    selectors = pair + others
    return draw(st.permutations(selectors))


def advanced_selector_sets(max_size: int = 5) -> st.SearchStrategy[list[dict[str, Any]]]:
    """1..max_size valid trail advanced selectors (Management and Data mixed); sometimes a
    covering pair (see covering_selector_sets)."""
    plain = st.lists(_any_selector(), min_size=1, max_size=max_size)
    if max_size < 2:
        return plain
    covering = covering_selector_sets(max_size=max_size)
    return st.one_of(plain, plain, covering, covering)


def _field_constants(selectors: list[dict[str, Any]], field: str) -> list[str]:
    """Every condition value used for `field` in any selector, first-seen order, no duplicates."""
    constants: list[str] = []
    for selector in selectors:
        for field_selector in selector.get("FieldSelectors", []):
            if field_selector.get("Field") != field:
                continue
            for operator in ALL_OPERATORS:
                for value in field_selector.get(operator) or []:
                    if value not in constants:
                        constants.append(value)
    return constants


def _with_prefix(value: str, prefix: str) -> str:
    return value if value.startswith(prefix) else prefix + value


def _free_values(constants: list[str], prefix: str) -> tuple[list[str], list[str]]:
    """(core, all) candidate values for a free string field whose domain is `prefix`+something.

    core: the constants themselves (prefixed) plus prefix+"zzz-other";
    all:  core plus constant+"x", "x"+constant and constant1+constant2 (ordered pairs)."""
    core_raw = [*constants, "zzz-other"]
    extra_raw: list[str] = []
    for c in constants:
        extra_raw.append(c + "x")
        extra_raw.append("x" + c)
    for c1 in constants:
        for c2 in constants:
            extra_raw.append(c1 + c2)

    def finish(raw: list[str], seen: list[str]) -> list[str]:
        out: list[str] = []
        for v in raw:
            v = _with_prefix(v, prefix)
            if v.startswith(prefix) and len(v) > len(prefix) and v not in seen and v not in out:
                out.append(v)
        return out

    core = finish(core_raw, [])
    return core, core + finish(extra_raw, core)


_EXCLUSION_FIELDS: tuple[str, ...] = (
    "resources.ARN",
    "userIdentity.arn",
    "eventName",
    "eventType",
    "sessionCredentialFromConsole",
)


@st.composite
def exclusion_sets(draw: st.DrawFn, max_size: int = 2) -> list[dict[str, Any]]:
    """0..max_size accepted exclusions, each selector-shaped ({"FieldSelectors": [...]}, an AND
    of 1-2 conditions on fields a Data selector may name); empty half of the time."""
    if draw(st.booleans()):
        return []
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=max_size))):
        fields = draw(st.lists(st.sampled_from(_EXCLUSION_FIELDS), min_size=1, max_size=2))
        out.append({"FieldSelectors": [draw(_optional_field_selector(f)) for f in fields]})
    return out


# A value standing for "the record lacks this field" in the candidate dimensions.
ABSENT = None


def candidate_events(
    selectors: list[dict[str, Any]],
    resource_type: str,
    event_name: str,
    fixed: dict[str, str],
    arn_prefix: str,
    caller_prefix: str,
    cap: int = 4000,
) -> list[dict[str, str]]:
    """Brute-force set of records for one (resource type, event name), as CloudTrail documents
    the record (user guide, "CloudTrail record contents", "CloudTrail userIdentity element"):

    - ``resources.ARN`` always present (domain: starts with arn_prefix, longer than it);
    - ``userIdentity.arn`` an ARN starting with caller_prefix, or ABSENT (AWS-service callers,
      some cross-account and Unknown callers);
    - ``sessionCredentialFromConsole`` "true" or ABSENT (never "false": "not shown unless the
      value is true");
    - ``eventType`` "AwsApiCall" or "AwsServiceEvent" (unless ``fixed`` pins it).

    Values of the string fields are built from the constants of ``selectors`` (pass accepted
    exclusions along with them); ``fixed`` (eventCategory, eventSource, readOnly, ...) is merged
    into every event, with resources.type/eventName set from the explicit arguments (a
    conflicting value in ``fixed`` raises ValueError). An absent field is not a key of the
    event.

    If the full cartesian product exceeds ``cap``, the "core" product (constants only, plus the
    prefix+"zzz-other" value, plus absence) is kept first (itself sampled if above cap) and the
    rest is filled by a deterministic sample (random.Random(0)) of the full product."""
    for key, value in (("resources.type", resource_type), ("eventName", event_name)):
        if key in fixed and fixed[key] != value:
            raise ValueError(f"fixed[{key!r}]={fixed[key]!r} conflicts with {value!r}")
    for key in ("resources.ARN", "userIdentity.arn", "sessionCredentialFromConsole"):
        if key in fixed:
            raise ValueError(f"{key} is a free field of the record, not a fixed one")
    base: dict[str, str] = dict(fixed)
    base["resources.type"] = resource_type
    base["eventName"] = event_name

    arn_core, arn_all = _free_values(_field_constants(selectors, "resources.ARN"), arn_prefix)
    caller_core, caller_all = _free_values(
        _field_constants(selectors, "userIdentity.arn"), caller_prefix
    )
    console: list[str | None] = ["true", ABSENT]
    event_types: list[str | None] = (
        [fixed["eventType"]] if "eventType" in fixed else list(RECORD_EVENT_TYPES)
    )
    fields = ("resources.ARN", "userIdentity.arn", "sessionCredentialFromConsole", "eventType")

    def build(values: tuple[str | None, ...]) -> dict[str, str]:
        event = dict(base)
        for field, value in zip(fields, values, strict=True):
            if value is not ABSENT:
                event[field] = value
        return event

    full_dims: list[list[str | None]] = [
        list(arn_all),
        [*caller_all, ABSENT],
        console,
        event_types,
    ]
    core_dims: list[list[str | None]] = [
        list(arn_core),
        [*caller_core, ABSENT],
        console,
        event_types,
    ]
    total = 1
    for dim in full_dims:
        total *= len(dim)
    if total <= cap:
        return [build(t) for t in itertools.product(*full_dims)]

    rng = random.Random(0)
    core = list(itertools.product(*core_dims))
    if len(core) >= cap:
        picked = [core[i] for i in sorted(rng.sample(range(len(core)), cap))]
        return [build(t) for t in picked]

    chosen: list[tuple[str | None, ...]] = list(core)
    chosen_set = set(core)
    # Sample indices of the full product (mixed radix) until `cap` tuples are chosen.
    for index in rng.sample(range(total), min(total, cap * 2)):
        if len(chosen) >= cap:
            break
        digits: list[str | None] = []
        for dim in reversed(full_dims):
            index, digit = divmod(index, len(dim))
            digits.append(dim[digit])
        t = tuple(reversed(digits))
        if t not in chosen_set:
            chosen_set.add(t)
            chosen.append(t)
    return [build(t) for t in chosen]


# --- basic (legacy) event selectors ---------------------------------------------------------
# Valid EventSelectors lists in the GetEventSelectors shape; small overlapping pools again
# (a bucket prefix of another bucket prefix, a function ARN that is a prefix of another one).

LAMBDA_FUNCTION = "AWS::Lambda::Function"
DYNAMODB_TABLE = "AWS::DynamoDB::Table"
READ_WRITE_TYPES: tuple[str, ...] = ("All", "ReadOnly", "WriteOnly")
BASIC_VALUES: dict[str, tuple[str, ...]] = {
    S3_OBJECT: (
        "arn:aws:s3",
        "arn:aws:s3:::",
        "arn:aws:s3:::logs",  # no "/": a prefix of bucket names, and of the bucket ARN
        "arn:aws:s3:::logs/",
        "arn:aws:s3:::logs/app",
        "arn:aws:s3:::audit/",
        "arn:aws:s3:::audit-logs/app/",
    ),
    LAMBDA_FUNCTION: (
        "arn:aws:lambda",
        "arn:aws:lambda:us-east-1:111122223333:function:f1",
        "arn:aws:lambda:us-east-1:111122223333:function:f10",
        "arn:aws:lambda:eu-west-1:111122223333:function:f1",
    ),
    DYNAMODB_TABLE: (
        "arn:aws:dynamodb",
        "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
        "arn:aws:dynamodb:us-east-1:111122223333:table/orders-archive",
    ),
}


@st.composite
def basic_data_resources(draw: st.DrawFn) -> dict[str, Any]:
    """One DataResource: a basic type with 1-3 distinct values from its pool."""
    rtype = draw(st.sampled_from(tuple(BASIC_VALUES)))
    pool = BASIC_VALUES[rtype]
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    return {"Type": rtype, "Values": values}


@st.composite
def basic_selectors(draw: st.DrawFn) -> dict[str, Any]:
    """One basic EventSelector with every key present (as GetEventSelectors returns it)."""
    return {
        "ReadWriteType": draw(st.sampled_from(READ_WRITE_TYPES)),
        "IncludeManagementEvents": draw(st.booleans()),
        "DataResources": draw(st.lists(basic_data_resources(), max_size=3)),
        "ExcludeManagementEventSources": draw(
            st.lists(st.sampled_from(MANAGEMENT_EXCLUDABLE_SOURCES), max_size=2, unique=True)
        ),
    }


def basic_selector_lists(max_size: int = 5) -> st.SearchStrategy[list[dict[str, Any]]]:
    """1..max_size valid basic event selectors (the API allows at most 5)."""
    return st.lists(basic_selectors(), min_size=1, max_size=max_size)
