"""The topics at stake in one account and region (trailguard.rules.topics): which topics'
publishes go unrecorded, judged exactly from the trails the account rule considers, and never
in contradiction with it (COMPLIANT => no topic unrecorded, over generated trails)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import is_excluded, is_logged
from strategies import RESOURCE_ARNS_EXACT, advanced_selector_sets, exclusion_sets

from trailguard.core.exclusions import parse_exclusions
from trailguard.rules.facts import NotEvaluated, TrailFacts
from trailguard.rules.parameters import RuleParameters, rule_parameters
from trailguard.rules.sns_data_events_account_coverage import evaluate_account
from trailguard.rules.topics import (
    ENDPOINT_TYPE,
    TOPIC_TYPE,
    Judgement,
    TopicJudge,
    recording_trails,
)

ACCOUNT = "111122223333"
MANAGEMENT = "999988887777"
REGION = "eu-west-1"
DATA = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
]
ALL_TOPICS = [{"Name": "SNS topics", "FieldSelectors": DATA}]
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/ExampleRole/example-session"


def topic(name: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


def trail(
    name: str,
    selectors: list[dict[str, Any]] | None,
    *,
    region: str = REGION,
    account: str = ACCOUNT,
    logging: bool | None = True,
    multi_region: bool = False,
    organization: bool = False,
) -> TrailFacts:
    return TrailFacts(
        name=name,
        arn=f"arn:aws:cloudtrail:{region}:{account}:trail/{name}",
        home_region=region,
        is_multi_region=multi_region,
        is_organization=organization,
        selectors=None if selectors is None else {"AdvancedEventSelectors": selectors},
        is_logging=logging,
        error=None if selectors is not None else "GetEventSelectors failed: AccessDenied: no",
    )


def only(*arns: str, name: str = "some topics") -> list[dict[str, Any]]:
    return [
        {"Name": name, "FieldSelectors": [*DATA, {"Field": "resources.ARN", "Equals": list(arns)}]}
    ]


TOPICS = [(TOPIC_TYPE, topic(n)) for n in ("orders", "payments", "refunds")]


def judged(
    trails: list[TrailFacts],
    resources: list[tuple[str, str]] = TOPICS,
    params: RuleParameters | None = None,
) -> Judgement:
    return TopicJudge(params or rule_parameters()).judge(ACCOUNT, REGION, trails, resources)


def example(event_name: str, arn: str) -> dict[str, str]:
    return {
        "eventCategory": "Data",
        "resources.type": TOPIC_TYPE,
        "eventName": event_name,
        "eventSource": "sns.amazonaws.com",
        "readOnly": "false",
        "resources.ARN": arn,
        "eventType": "AwsApiCall",
        "userIdentity.arn": CALLER,
    }


def gap(event_name: str, arn: str, cause: str) -> dict[str, Any]:
    return {
        "resourceType": TOPIC_TYPE,
        "eventName": event_name,
        "certainty": "certain",
        "missingFields": [],
        "cause": cause,
        "example": example(event_name, arn),
    }


def test_a_trail_narrowed_to_payments_leaves_orders_unrecorded() -> None:
    narrowed = trail("payments-only", only(topic("payments"), name="payments topic"))
    found = judged([narrowed])
    assert (found.unrecorded, found.checked) == ((topic("orders"), topic("refunds")), 3)
    cause = f"selector 'payments topic' limits resources.ARN to [{topic('payments')}]"
    # The example: a real unrecorded topic, in this account and region.
    assert found.verdict.to_dict() == {
        "compliance": "NON_COMPLIANT",
        "annotation": f"Publish and PublishBatch on AWS::SNS::Topic are not logged: {cause}",
        "selectorKind": "advanced",
        "gaps": [
            gap("Publish", topic("orders"), cause),
            gap("PublishBatch", topic("orders"), cause),
        ],
    }
    assert evaluate_account(ACCOUNT, REGION, [narrowed], rule_parameters()).compliance == (
        "NON_COMPLIANT"
    )


def test_an_organization_trail_of_the_management_account_records_every_topic() -> None:
    org = trail(
        "org-trail",
        ALL_TOPICS,
        region="us-east-1",
        account=MANAGEMENT,
        multi_region=True,
        organization=True,
    )
    found = judged([org])
    assert (found.unrecorded, found.checked, found.verdict.gaps) == ((), 3, ())
    assert evaluate_account(ACCOUNT, REGION, [org], rule_parameters()).compliance == "COMPLIANT"


def test_a_stopped_trail_records_nothing() -> None:
    stopped = trail("archive", ALL_TOPICS, logging=False)
    found = judged([stopped])
    assert found.unrecorded == tuple(arn for _, arn in TOPICS)
    cause = f"no logging trail with readable selectors applies to {REGION}"
    assert [g.to_dict() for g in found.verdict.gaps] == [
        gap("Publish", topic("orders"), cause),
        gap("PublishBatch", topic("orders"), cause),
    ]


def test_unread_and_inapplicable_trails_are_not_counted_on() -> None:
    unread_org = trail("org-trail", None, account=MANAGEMENT, multi_region=True, organization=True)
    elsewhere = trail("tokyo", ALL_TOPICS, region="ap-northeast-1")
    status_unknown = trail("unknown", ALL_TOPICS, logging=None)
    assert recording_trails(REGION, [unread_org, elsewhere, status_unknown]) == []
    assert judged([unread_org, elsewhere]).unrecorded == tuple(arn for _, arn in TOPICS)


def test_an_accepted_exclusion_still_applies() -> None:
    exclusions = parse_exclusions([{"Field": "resources.ARN", "Equals": [topic("orders")]}])
    params = RuleParameters(accepted_exclusions=exclusions)
    found = judged([trail("payments-only", only(topic("payments")))], params=params)
    assert found.unrecorded == (topic("refunds"),)
    assert {g.example["resources.ARN"] for g in found.verdict.gaps} == {topic("refunds")}


def test_trails_that_split_the_events_record_every_topic() -> None:
    """One trail logs Publish, the other PublishBatch: every publish is recorded, so no topic
    is named, though the account rule (one trail must record everything) says NON_COMPLIANT."""
    publish = [{"Name": "Publish", "FieldSelectors": [*DATA, {"Field": "eventName", "Equals":
                                                                ["Publish"]}]}]  # fmt: skip
    batch = [{"Name": "Batch", "FieldSelectors": [*DATA, {"Field": "eventName", "Equals":
                                                            ["PublishBatch"]}]}]  # fmt: skip
    trails = [trail("a", publish), trail("b", batch)]
    found = judged(trails)
    assert (found.unrecorded, found.checked, found.verdict.gaps) == ((), 3, ())
    assert evaluate_account(ACCOUNT, REGION, trails, rule_parameters()).compliance == (
        "NON_COMPLIANT"
    )


def test_several_trails_name_their_selectors_in_the_causes() -> None:
    trails = [trail("a", only(topic("payments"))), trail("b", only(topic("refunds")))]
    found = judged(trails)
    assert found.unrecorded == (topic("orders"),)
    assert found.verdict.gaps[0].cause == (
        f"selector 'a: some topics' limits resources.ARN to [{topic('payments')}]; "
        f"selector 'b: some topics' limits resources.ARN to [{topic('refunds')}]"
    )


def test_platform_endpoints_are_judged_when_the_parameters_require_them() -> None:
    params = rule_parameters({"ResourceTypes": "AWS::SNS::Topic,AWS::SNS::PlatformEndpoint"})
    endpoint = f"arn:aws:sns:{REGION}:{ACCOUNT}:endpoint/GCM/app/1234"
    resources = [*TOPICS, (ENDPOINT_TYPE, endpoint)]
    found = judged([trail("topics", ALL_TOPICS)], resources, params)
    assert (found.unrecorded, found.checked) == ((endpoint,), 4)
    # Without them in the parameters, an endpoint is not checked at all.
    assert (judged([trail("topics", ALL_TOPICS)], resources).checked) == 3


def test_no_topic_listed_still_gives_an_example_here() -> None:
    found = judged([trail("payments-only", only(topic("payments")))], [])
    assert (found.unrecorded, found.checked) == ((), 0)
    assert found.verdict.gaps[0].example["resources.ARN"] == topic("example-topic")


# --- never a contradiction with the account rule ---------------------------------------------

HERE = "us-east-1"  # the strategies' ARNs are of us-east-1 and account 111122223333
POOL = [*RESOURCE_ARNS_EXACT, f"arn:aws:sns:{HERE}:{ACCOUNT}:zzz-other"]


@st.composite
def trail_sets(draw: st.DrawFn) -> list[TrailFacts]:
    out = []
    for i in range(draw(st.integers(min_value=0, max_value=3))):
        organization = draw(st.booleans())
        facts = trail(
            f"t{i}",
            draw(advanced_selector_sets(max_size=3)),
            region=draw(st.sampled_from([HERE, "eu-west-1"])),
            account=MANAGEMENT if organization else ACCOUNT,
            logging=draw(st.booleans()),
            multi_region=draw(st.booleans()),
            organization=organization,
        )
        out.append(facts)
    return out


@settings(deadline=None, max_examples=300)
@given(trails=trail_sets(), exclusions=exclusion_sets())
def test_topics_agree_with_the_account_rule(
    trails: list[TrailFacts], exclusions: list[dict[str, Any]]
) -> None:
    params = RuleParameters(accepted_exclusions=parse_exclusions(exclusions))
    resources = [(TOPIC_TYPE, arn) for arn in POOL]
    found = TopicJudge(params).judge(ACCOUNT, HERE, trails, resources)
    try:
        verdict = evaluate_account(ACCOUNT, HERE, trails, params).compliance
    except NotEvaluated:
        verdict = "NOT_EVALUATED"
    if verdict == "COMPLIANT":
        assert found.unrecorded == ()
    # An unrecorded topic's example is a publish on that topic that no recording trail logs and
    # no exclusion excuses; a recorded topic has none.
    recording = recording_trails(HERE, trails)
    raw = [s for t in recording for s in (t.selectors or {})["AdvancedEventSelectors"]]
    if found.unrecorded:
        assert found.verdict.gaps
        for g in found.verdict.gaps:
            assert g.example["resources.ARN"] == found.unrecorded[0]
            assert not is_excluded(exclusions, g.example)
            assert not is_logged(raw, g.example), json.dumps(g.example)
    assert set(found.unrecorded) <= set(POOL)


def test_the_per_trail_example_is_in_the_trails_own_account_and_region() -> None:
    from trailguard.rules.registry import rules_for

    narrowed = trail("tokyo", only(topic("x", "ap-northeast-1", MANAGEMENT)),
                     region="ap-northeast-1", account=MANAGEMENT)  # fmt: skip
    finding = rules_for("trail")[0].evaluate(narrowed, rule_parameters(), "ap-northeast-1", None)
    assert finding.verdict is not None
    assert [g.example["resources.ARN"] for g in finding.verdict.gaps] == [
        topic("example-topic", "ap-northeast-1", MANAGEMENT)
    ] * 2
