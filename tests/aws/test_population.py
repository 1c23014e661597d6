"""``report --aggregator``'s population: every active account of the organization times the
aggregator's regions, each evaluated, without a result (and why) or exempted; places without
a result are NOT_EVALUATED entries too, and only they are.

The organization is synthetic (``aggregator_world``): Organizations answers through a botocore
Stubber (exact request and response shapes, pages of 20 accounts as AWS gives them); Config's
aggregator calls through the model of :mod:`trailguard.demo.aggregator` (moto implements none
of them), behind a thread-safe recording front, since a Stubber cannot serve threads. A
smaller test answers Config with a Stubber too, for the exact shapes of an organization-wide
aggregator's calls.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aggregator_world import (
    AGGREGATOR,
    REGIONS,
    TRAIL_RULE,
    UNRELATED,
    WHEN,
    Recording,
    account_id,
    expected,
    list_accounts_pages,
    world,
)
from botocore.stub import Stubber
from botocore.validate import ParamValidator

import trailguard.aws.aggregate_reads
import trailguard.cli.report
from trailguard.aws.aggregate_reads import DEFAULT_TPS, DEFAULT_WORKERS, Pacer
from trailguard.aws.config_results import build_report, from_aggregator
from trailguard.demo.aggregator import AggregatorModel, aggregate_result
from trailguard.reporting.model import NOT_EVALUATED, not_evaluated_entry
from trailguard.reporting.scope import Exemption, Place, Population


class ThreadClock:
    """The fake clock of ``tests/support/throttling.py``, per thread: time moves only by
    sleeping, and each thread's sleep ends at its own time (its last reading plus the
    delay), so a call's :meth:`time` is exactly the slot the pacer gave it."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()
        self._local = threading.local()

    def monotonic(self) -> float:
        with self._lock:
            self._local.at = self.now
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._local.at = self._local.at + seconds
            self.now = max(self.now, self._local.at)

    def time(self) -> float:
        return float(getattr(self._local, "at", 0.0))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ThreadClock:
    fake = ThreadClock()
    monkeypatch.setattr(
        trailguard.aws.aggregate_reads, "time", SimpleNamespace(monotonic=fake.monotonic,
                                                                sleep=fake.sleep),
    )  # fmt: skip
    return fake


@pytest.fixture
def organizations() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("organizations", region_name="us-east-1")
    stubber = Stubber(client)
    with stubber:
        yield client, stubber


def stub_pages(stubber: Stubber, accounts: list[tuple[str, str]]) -> None:
    for response, params in list_accounts_pages(accounts):
        stubber.add_response("list_accounts", response, params)


def run(size: int, organizations: tuple[Any, Stubber], clock: ThreadClock, workers: int,
        throttle: float = 0.0, latency: float = 0.0) -> tuple[Any, Recording, Pacer]:  # fmt: skip
    client, stubber = organizations
    made = world(size)
    stub_pages(stubber, made.accounts)
    config = Recording(made.model, latency=latency, throttle=throttle, clock=clock.time)
    pacer = Pacer(DEFAULT_TPS)
    entries, population = from_aggregator(
        config, AGGREGATOR, "aws", client, workers=workers, pacer=pacer
    )
    stubber.assert_no_pending_responses()
    return (entries, population, made), config, pacer


def check_population(size: int, entries: list[Any], population: Population, made: Any) -> None:
    places, missing = expected(size)
    active = sum(1 for _, state in made.accounts if state == "ACTIVE")
    assert population == Population(
        source=f"AWS Organizations: {active} active account(s), aggregator {AGGREGATOR}, "
        f"{len(REGIONS)} region(s)",
        places=tuple(Place(*p) for p in places),  # type: ignore[arg-type]
    )
    assert [e for e in entries if e.compliance == NOT_EVALUATED] == [
        not_evaluated_entry(why, account=account, region=region, rule=rule)
        for account, region, rule, why in missing
    ]
    assert {(e.rule, e.account_id, e.region, e.resource_id, e.compliance)
            for e in entries if e.compliance != NOT_EVALUATED} == made.findings  # fmt: skip
    assert len([e for e in entries if e.compliance != NOT_EVALUATED]) == len(made.findings)


def check_consistent(entries: list[Any], population: Population) -> None:
    """Each place without a result has NOT_EVALUATED entries, and each NOT_EVALUATED entry
    of one account and region is about such a place or an exempted one (a place without
    results that an exemption naming its region covers)."""
    no_result = {(p.account, p.region) for p in population.missing()}
    exempted = {(p.account, p.region) for p in population.places if p.state == "exempted"}
    found = {(e.account_id, e.region) for e in entries if e.compliance == NOT_EVALUATED}
    assert no_result <= found <= no_result | exempted


def check_rate(times: list[float], tps: float) -> None:
    """No two paced calls closer than 1/tps: never more than tps calls in any second."""
    ordered = sorted(times)
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    assert min(gaps) >= 1 / tps - 1e-9


@pytest.mark.parametrize(
    "size", [pytest.param(100, id="100"), pytest.param(5000, id="5000", marks=pytest.mark.slow)]
)
def test_population_of_an_organization_concurrent_and_paced(
    size: int, organizations: tuple[Any, Stubber], clock: ThreadClock
) -> None:
    (entries, population, made), config, pacer = run(
        size, organizations, clock, workers=8, throttle=0.02, latency=0.0002
    )
    check_population(size, entries, population, made)
    check_consistent(entries, population)
    assert config.most_in_flight > 1  # concurrency happened
    assert config.most_in_flight <= 8
    check_rate(config.times, DEFAULT_TPS)
    listing, details = (
        "describe_aggregate_compliance_by_config_rules",
        "get_aggregate_compliance_details_by_config_rule",
    )
    assert config.throttled[listing] + config.throttled[details] > 0
    assert pacer.throttled == sum(config.throttled.values())  # each one retried
    ours = [item for item in made.model.listing if item["ConfigRuleName"] != UNRELATED]
    # The listing in pages of 1000; one detail call per rule, account and region (each fits
    # a page); each throttled call once more.
    paced = {
        listing: -(-len(made.model.listing) // 1000) + config.throttled[listing],
        details: len(ours) + config.throttled[details],
    }
    assert pacer.calls == paced
    assert config.calls == {
        "describe_configuration_aggregators": 1,
        "describe_configuration_aggregator_sources_status": -(-len(made.model.statuses) // 100),
        **paced,
    }
    report = build_report(entries, "x", "2024-05-02T03:04:05Z", population)
    assert not report.complete and not report.all_clear


def test_the_order_is_deterministic_whatever_the_workers(
    organizations: tuple[Any, Stubber], clock: ThreadClock
) -> None:
    (one, population, _), _, _ = run(100, organizations, clock, workers=1)
    (eight, again, _), _, _ = run(100, organizations, clock, workers=8, latency=0.0002)
    assert (one, population) == (eight, again)


def test_non_compliant_details_are_read_first(
    organizations: tuple[Any, Stubber], clock: ThreadClock
) -> None:
    seen: list[str] = []
    client, stubber = organizations
    made = world(60)
    stub_pages(stubber, made.accounts)
    compliance = {(i["ConfigRuleName"], i["AccountId"], i["AwsRegion"]):
                  i["Compliance"]["ComplianceType"] for i in made.model.listing}  # fmt: skip
    model = made.model
    original = model.get_aggregate_compliance_details_by_config_rule

    def details(**params: Any) -> Any:
        seen.append(compliance[params["ConfigRuleName"], params["AccountId"],
                               params["AwsRegion"]])  # fmt: skip
        return original(**params)

    model.get_aggregate_compliance_details_by_config_rule = details  # type: ignore[method-assign]
    from_aggregator(model, AGGREGATOR, "aws", client, workers=1, pacer=Pacer(1000.0))
    first = seen.count("NON_COMPLIANT")
    assert first > 0 and seen[:first] == ["NON_COMPLIANT"] * first
    assert "NON_COMPLIANT" not in seen[first:]


def test_unreadable_organizations_is_an_unverified_population_never_clean(
    organizations: tuple[Any, Stubber],
) -> None:
    client, stubber = organizations
    stubber.add_client_error(
        "list_accounts", "AccessDeniedException",
        "You don't have permissions to access this resource.", 400, expected_params={},
    )  # fmt: skip
    model = world(2).model  # account 0 is a source, evaluated; account 1 is not a source
    entries, population = from_aggregator(model, AGGREGATOR, "aws", client, workers=1,
                                          pacer=Pacer(1000.0))  # fmt: skip
    why = "AccessDeniedException: You don't have permissions to access this resource."
    assert population == Population(
        source=f"the sources of the aggregator {AGGREGATOR}; not verified against AWS "
        f"Organizations: {why}, {len(REGIONS)} region(s)",
        places=tuple(Place(account_id(0), r, "evaluated") for r in REGIONS),
    )
    # Account 1 is invisible: every place the population knows of has results, and yet:
    assert population.complete
    assert [e for e in entries if e.compliance == NOT_EVALUATED] == [
        not_evaluated_entry(
            f"the population is not verified against AWS Organizations: {why}; an account the "
            "aggregator does not collect from cannot be seen, so this report cannot be a pass "
            "(read it as the management account or a delegated administrator: "
            "organizations:ListAccounts)"
        )
    ]
    report = build_report(entries, "x", "2024-05-02T03:04:05Z", population)
    assert not report.complete and not report.all_clear


def test_exemptions_cover_evaluated_places_never_missing_ones(
    organizations: tuple[Any, Stubber], clock: ThreadClock
) -> None:
    """An exempted place keeps its findings; a place without a result stays without one
    (and NOT_EVALUATED) unless an exemption of every rule names its region (then it is
    exempted, its entries still NOT_EVALUATED); an exemption of one rule exempts no place."""
    client, stubber = organizations
    made = world(3)  # 0: evaluated; 1: not a source; 2: FAILED in REGIONS[1]
    stub_pages(stubber, made.accounts)
    whole = Exemption(account_id(0), "*", "a sandbox account")
    absent = Exemption(account_id(1), "*", "closed by SCP")
    partial = Exemption(account_id(2), "*", "opt-in regions", rule=TRAIL_RULE)
    scp = Exemption(account_id(2), REGIONS[1], "region closed by SCP p-1")
    entries, population = from_aggregator(
        made.model, AGGREGATOR, "aws", client, exemptions=[whole, absent, partial, scp],
        workers=1,
    )  # fmt: skip
    places, missing = expected(3)
    exempt = {account_id(0): whole.describe(), (account_id(2), REGIONS[1]): scp.describe()}
    assert population.places == tuple(
        Place(a, r, "exempted", exempt.get(a) or exempt[(a, r)])
        if a in exempt or (a, r) in exempt
        else Place(a, r, s, w)  # type: ignore[arg-type]
        for a, r, s, w in places
    )
    assert (account_id(2), REGIONS[1], "no result") in [(a, r, s) for a, r, s, _ in places]
    assert [e for e in entries if e.compliance == NOT_EVALUATED] == [
        not_evaluated_entry(why, account=account, region=region, rule=rule)
        for account, region, rule, why in missing
    ]
    check_consistent(entries, population)
    assert not population.complete


def test_unreadable_details_leave_that_place_without_a_result(
    organizations: tuple[Any, Stubber], clock: ThreadClock
) -> None:
    client, stubber = organizations
    made = world(3)  # account 2 has the trail rule's results in REGIONS[2]
    stub_pages(stubber, made.accounts)
    config = Recording(made.model)
    original = config._call

    def refuse(name: str, paced: bool, params: dict[str, Any]) -> Any:
        if params.get("AwsRegion") == REGIONS[2] and params.get("ConfigRuleName") == TRAIL_RULE:
            import botocore.exceptions

            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, name
            )
        return original(name, paced, params)

    config._call = refuse  # type: ignore[method-assign]
    entries, population = from_aggregator(config, AGGREGATOR, "aws", client, workers=2)
    why = f"the results of Config rule {TRAIL_RULE} could not be read: AccessDeniedException: no"
    here = [p for p in population.places if (p.account, p.region) == (account_id(2), REGIONS[2])]
    assert here == [Place(account_id(2), REGIONS[2], "no result", f"rule {TRAIL_RULE}: {why}")]
    assert [e for e in entries if (e.account_id, e.region) == (account_id(2), REGIONS[2])
            and e.compliance == NOT_EVALUATED] == [
        not_evaluated_entry(why, account=account_id(2), region=REGIONS[2], rule=TRAIL_RULE)
    ]  # fmt: skip
    check_consistent(entries, population)


# --- exact shapes: an organization-wide aggregator, all regions ---------------------------------


def test_organization_aggregator_all_regions_stubbed(
    organizations: tuple[Any, Stubber], clock: ThreadClock
) -> None:
    """AllAwsRegions: the regions are those its status and results name; the organization
    source's status is per region, for every account; ListAccounts in two pages of 20, one
    account SUSPENDED (not expected)."""
    client, org_stubber = organizations
    accounts = [(account_id(i), "SUSPENDED" if i == 21 else "ACTIVE") for i in range(22)]
    stub_pages(org_stubber, accounts)
    config = boto3.client("config", region_name="us-east-1")
    stubber = Stubber(config)
    stubber.add_response(
        "describe_configuration_aggregators",
        {"ConfigurationAggregators": [{
            "ConfigurationAggregatorName": AGGREGATOR,
            "OrganizationAggregationSource": {
                "RoleArn": "arn:aws:iam::100000000000:role/ConfigAggregator",
                "AllAwsRegions": True,
            },
        }]},
        {"ConfigurationAggregatorNames": [AGGREGATOR]},
    )  # fmt: skip
    statuses = [
        {"SourceId": "o-abc", "SourceType": "ORGANIZATION", "AwsRegion": "eu-west-1",
         "LastUpdateStatus": "SUCCEEDED"},
        {"SourceId": "o-abc", "SourceType": "ORGANIZATION", "AwsRegion": "us-east-1",
         "LastUpdateStatus": "FAILED", "LastErrorCode": "OrganizationAccessDeniedException",
         "LastErrorMessage": "denied"},
    ]  # fmt: skip
    stubber.add_response(
        "describe_configuration_aggregator_sources_status",
        {"AggregatedSourceStatusList": statuses[:1], "NextToken": "s2"},
        {"ConfigurationAggregatorName": AGGREGATOR},
    )
    stubber.add_response(
        "describe_configuration_aggregator_sources_status",
        {"AggregatedSourceStatusList": statuses[1:]},
        {"ConfigurationAggregatorName": AGGREGATOR, "NextToken": "s2"},
    )
    account = account_id(0)
    listing = [
        {"ConfigRuleName": rule, "AccountId": account, "AwsRegion": "eu-west-1",
         "Compliance": {"ComplianceType": "COMPLIANT"}}
        for rule in (TRAIL_RULE, "cloudtrail-sns-data-events-account-coverage")
    ]  # fmt: skip
    stubber.add_response(
        "describe_aggregate_compliance_by_config_rules",
        {"AggregateComplianceByConfigRules": listing},
        {"ConfigurationAggregatorName": AGGREGATOR},
    )
    for item in listing:
        evaluation = {"ComplianceResourceType": "AWS::CloudTrail::Trail",
                      "ComplianceResourceId": "main", "ComplianceType": "COMPLIANT",
                      "Annotation": "ok"}  # fmt: skip
        stubber.add_response(
            "get_aggregate_compliance_details_by_config_rule",
            {"AggregateEvaluationResults": [
                aggregate_result(evaluation, item["ConfigRuleName"], account, "eu-west-1", WHEN)
            ]},
            {"ConfigurationAggregatorName": AGGREGATOR, "ConfigRuleName": item["ConfigRuleName"],
             "AccountId": account, "AwsRegion": "eu-west-1", "Limit": 100},
        )  # fmt: skip
    with stubber:
        entries, population = from_aggregator(config, AGGREGATOR, "aws", client, workers=1)
        stubber.assert_no_pending_responses()
    failed = "the aggregator's source status is FAILED: OrganizationAccessDeniedException: denied"
    no_config = (
        "no Config rule results from this account and region at all: is AWS Config recording "
        "here, and the pack deployed?"
    )
    assert population.places == tuple(sorted(
        [Place(account_id(i), "us-east-1", "no result", failed) for i in range(21)]
        + [Place(account_id(i), "eu-west-1", "no result", no_config) for i in range(1, 21)]
        + [Place(account, "eu-west-1", "evaluated")]
    ))  # fmt: skip
    check_consistent(entries, population)


def test_the_models_answers_have_the_apis_shapes() -> None:
    """The model answers as botocore's model of Config says the API does."""
    import botocore.session

    service = botocore.session.get_session().get_service_model("config")
    model = world(60).model
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("DescribeConfigurationAggregators", "describe_configuration_aggregators",
         {"ConfigurationAggregatorNames": [AGGREGATOR]}),
        ("DescribeConfigurationAggregatorSourcesStatus",
         "describe_configuration_aggregator_sources_status",
         {"ConfigurationAggregatorName": AGGREGATOR}),
        ("DescribeAggregateComplianceByConfigRules",
         "describe_aggregate_compliance_by_config_rules",
         {"ConfigurationAggregatorName": AGGREGATOR}),
        ("GetAggregateComplianceDetailsByConfigRule",
         "get_aggregate_compliance_details_by_config_rule",
         {"ConfigurationAggregatorName": AGGREGATOR, "ConfigRuleName": TRAIL_RULE,
          "AccountId": account_id(0), "AwsRegion": REGIONS[0]}),
    ]  # fmt: skip
    for operation, method, params in calls:
        shape = service.operation_model(operation)
        assert not ParamValidator().validate(params, shape.input_shape).has_errors()
        answer = getattr(model, method)(**params)
        report = ParamValidator().validate(answer, shape.output_shape)
        assert not report.has_errors(), report.generate_report()
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError, match="NoSuchConfigurationAggregator"):
        model.describe_configuration_aggregators(ConfigurationAggregatorNames=["other"])
    assert isinstance(model, AggregatorModel)


def test_cli_defaults_are_the_readers() -> None:
    """The CLI states the defaults without importing boto3; they must be the reader's."""
    assert trailguard.cli.report.DEFAULT_TPS == DEFAULT_TPS
    assert trailguard.cli.report.DEFAULT_WORKERS == DEFAULT_WORKERS


def test_unrelated_rules_are_never_read() -> None:
    model = world(2).model
    seen: list[str] = []
    original = model.get_aggregate_compliance_details_by_config_rule

    def details(**params: Any) -> Any:
        seen.append(params["ConfigRuleName"])
        return original(**params)

    model.get_aggregate_compliance_details_by_config_rule = details  # type: ignore[method-assign]
    from_aggregator(model, AGGREGATOR, "aws", None, workers=1, pacer=Pacer(1000.0))
    assert UNRELATED not in seen and seen
