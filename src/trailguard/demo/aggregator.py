"""The demo's aggregator step: an organization with an account missing from the Config
aggregator is reported INCOMPLETE, never clean.

moto implements none of the aggregator's compliance calls (``moto/config/responses.py`` has
the aggregator itself, not its sources' status nor its compliance), so
:class:`AggregatorModel` answers them, as the Config API reference documents them, from data
(in the demo: the rules' own evaluations). It is a model of the AWS API, not AWS:

- ``DescribeConfigurationAggregators``
  (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationAggregators.html):
  the named aggregator with its ``AccountAggregationSources`` (or
  ``OrganizationAggregationSource``); an unknown name is
  ``NoSuchConfigurationAggregatorException``.
- ``DescribeConfigurationAggregatorSourcesStatus``
  (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationAggregatorSourcesStatus.html):
  one status per source and region, ``LastUpdateStatus`` SUCCEEDED, FAILED or OUTDATED, pages
  of at most 100.
- ``DescribeAggregateComplianceByConfigRules``
  (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeAggregateComplianceByConfigRules.html):
  one item per rule, account and region, "does not display rules that do not have compliance
  results"; pages of at most 1000 (the default is the maximum).
- ``GetAggregateComplianceDetailsByConfigRule``
  (https://docs.aws.amazon.com/config/latest/APIReference/API_GetAggregateComplianceDetailsByConfigRule.html):
  the results of one rule in one account and region, pages of 50 by default, at most 100;
  ``ComplianceType`` filters on COMPLIANT or NON_COMPLIANT only.

Pages are continued with an opaque ``NextToken`` (here the offset). The model only reads its
data after it is built, so threads may call it at once.

Use: ``report = aggregator_step(sandbox)`` after ``sandbox.build()`` (a
:class:`trailguard.demo.Sandbox` on the moto server, inside its sandbox environment). It runs
the rules once per region, builds the model from their evaluations with the organization's
last account left out of the aggregator's sources, runs the real
:func:`trailguard.aws.config_results.from_aggregator` against it and the sandbox's real
Organizations listing, and prints the population's statement and each place without a
result, e.g. ``INCOMPLETE: 3 of 9 account-region(s) evaluated, 6 with no result (...)`` and
``  <account> <region>: not in the sources of the aggregator ...``. It returns the report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions

from trailguard.aws.aggregate_reads import Pacer
from trailguard.aws.config_results import build_report, from_aggregator
from trailguard.reporting.model import Report
from trailguard.rules.registry import rules

AGGREGATOR = "trailguard-demo-aggregator"
# Page sizes (default, maximum) from each call's Limit in the API reference.
PAGES = {
    "DescribeConfigurationAggregatorSourcesStatus": (100, 100),
    "DescribeAggregateComplianceByConfigRules": (1000, 1000),
    "GetAggregateComplianceDetailsByConfigRule": (50, 100),
}
RANK = {"NON_COMPLIANT": 0, "COMPLIANT": 1}

Key = tuple[str, str, str]  # Config rule name, account, region


def _error(code: str, message: str, operation: str) -> botocore.exceptions.ClientError:
    response: Any = {"Error": {"Code": code, "Message": message},
                     "ResponseMetadata": {"HTTPStatusCode": 400}}  # fmt: skip
    return botocore.exceptions.ClientError(response, operation)


def _page(operation: str, items: list[Any], params: dict[str, Any], key: str) -> dict[str, Any]:
    default, most = PAGES[operation]
    limit = min(int(params.get("Limit") or default), most)
    start = int(params.get("NextToken") or 0)
    page: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        page["NextToken"] = str(start + limit)
    return page


class AggregatorModel:
    """Config's aggregator calls answered from data (see the module docstring): ``sources``
    as ``AccountAggregationSources`` (or, with ``organization``, one
    ``OrganizationAggregationSource`` in ``organization_regions``, None: all), ``statuses`` as
    ``AggregatedSourceStatus`` items, ``results`` as ``AggregateEvaluationResult`` items."""

    def __init__(
        self,
        name: str,
        sources: Sequence[dict[str, Any]],
        statuses: Sequence[dict[str, Any]],
        results: Sequence[dict[str, Any]],
        organization: bool = False,
        organization_regions: Sequence[str] | None = None,
    ) -> None:
        self.name = name
        self.aggregator: dict[str, Any] = {
            "ConfigurationAggregatorName": name,
            "ConfigurationAggregatorArn": f"arn:aws:config:us-east-1:000000000000:"
            f"config-aggregator/config-aggregator-{len(name)}",
        }
        if not organization:
            self.aggregator["AccountAggregationSources"] = [dict(s) for s in sources]
        else:
            regions = organization_regions
            self.aggregator["OrganizationAggregationSource"] = {
                "RoleArn": "arn:aws:iam::000000000000:role/ConfigAggregator",
                **({"AllAwsRegions": True} if regions is None else {"AwsRegions": list(regions)}),
            }
        self.statuses = [dict(s) for s in statuses]
        self.details: dict[Key, list[dict[str, Any]]] = {}
        for result in results:
            qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
            key = (qualifier["ConfigRuleName"], result["AccountId"], result["AwsRegion"])
            self.details.setdefault(key, []).append(dict(result))
        self.listing = [self._listed(key, found) for key, found in self.details.items()]

    @staticmethod
    def _listed(key: Key, found: list[dict[str, Any]]) -> dict[str, Any]:
        types = sorted({r["ComplianceType"] for r in found}, key=lambda t: RANK.get(t, 2))
        compliance = types[0] if types[0] in RANK else "INSUFFICIENT_DATA"
        count = sum(1 for r in found if r["ComplianceType"] == compliance)
        return {
            "ConfigRuleName": key[0],
            "Compliance": {
                "ComplianceType": compliance,
                "ComplianceContributorCount": {"CappedCount": count, "CapExceeded": False},
            },
            "AccountId": key[1],
            "AwsRegion": key[2],
        }

    def _check(self, name: str, operation: str) -> None:
        if name != self.name:
            raise _error(
                "NoSuchConfigurationAggregatorException",
                "The configuration aggregator does not exist. Check the configuration "
                "aggregator name and try again.",
                operation,
            )

    def describe_configuration_aggregators(self, **params: Any) -> dict[str, Any]:
        for name in params.get("ConfigurationAggregatorNames", []):
            self._check(name, "DescribeConfigurationAggregators")
        return {"ConfigurationAggregators": [dict(self.aggregator)]}

    def describe_configuration_aggregator_sources_status(self, **params: Any) -> dict[str, Any]:
        operation = "DescribeConfigurationAggregatorSourcesStatus"
        self._check(params["ConfigurationAggregatorName"], operation)
        wanted = params.get("UpdateStatus")
        found = [s for s in self.statuses if not wanted or s["LastUpdateStatus"] in wanted]
        return _page(operation, found, params, "AggregatedSourceStatusList")

    def describe_aggregate_compliance_by_config_rules(self, **params: Any) -> dict[str, Any]:
        operation = "DescribeAggregateComplianceByConfigRules"
        self._check(params["ConfigurationAggregatorName"], operation)
        filters = params.get("Filters") or {}
        fields = {"ConfigRuleName": "ConfigRuleName", "AccountId": "AccountId",
                  "AwsRegion": "AwsRegion"}  # fmt: skip
        found = self.listing if not filters else [
            item
            for item in self.listing
            if all(item[f] == filters[k] for k, f in fields.items() if k in filters)
            and filters.get("ComplianceType") in (None, item["Compliance"]["ComplianceType"])
        ]  # fmt: skip
        return _page(operation, found, params, "AggregateComplianceByConfigRules")

    def get_aggregate_compliance_details_by_config_rule(self, **params: Any) -> dict[str, Any]:
        operation = "GetAggregateComplianceDetailsByConfigRule"
        self._check(params["ConfigurationAggregatorName"], operation)
        wanted = params.get("ComplianceType")
        if wanted not in (None, "COMPLIANT", "NON_COMPLIANT"):
            raise _error("InvalidParameterValueException", f"ComplianceType {wanted}", operation)
        key = (params["ConfigRuleName"], params["AccountId"], params["AwsRegion"])
        found = [r for r in self.details.get(key, []) if wanted in (None, r["ComplianceType"])]
        return _page(operation, found, params, "AggregateEvaluationResults")


def aggregate_result(
    evaluation: dict[str, Any], rule_name: str, account: str, region: str, when: datetime
) -> dict[str, Any]:
    """An evaluation a rule put (``PutEvaluations``' ``Evaluation``) as the aggregator gives
    it back (``AggregateEvaluationResult``)."""
    result: dict[str, Any] = {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": rule_name,
                "ResourceType": evaluation["ComplianceResourceType"],
                "ResourceId": evaluation["ComplianceResourceId"],
                "EvaluationMode": "DETECTIVE",
            },
            "OrderingTimestamp": when,
        },
        "ComplianceType": evaluation["ComplianceType"],
        "ResultRecordedTime": when,
        "ConfigRuleInvokedTime": when,
        "AccountId": account,
        "AwsRegion": region,
    }
    if evaluation.get("Annotation"):
        result["Annotation"] = evaluation["Annotation"]
    return result


def evaluations_by_region(sandbox: Any) -> list[tuple[str, dict[str, Any]]]:
    """The sandbox's rule evaluations, each with the region it was made in: the demo's
    ``run_rules`` once per region (it reads the module's ``REGIONS`` at each run)."""
    import trailguard.demo as demo

    regions = demo.REGIONS
    found: list[tuple[str, dict[str, Any]]] = []
    try:
        for region in regions:
            demo.REGIONS = (region,)
            found += [(region, e) for e in sandbox.run_rules()]
    finally:
        demo.REGIONS = regions
    return found


def model_from_evaluations(
    evaluations: Sequence[tuple[str, dict[str, Any]]],
    source_accounts: Sequence[str],
    regions: Sequence[str],
    when: datetime,
) -> AggregatorModel:
    """The aggregator of the demo: ``source_accounts`` in ``regions``, every source
    SUCCEEDED, and the latest evaluation of each rule, account, region and resource."""
    latest: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for region, evaluation in evaluations:
        key = (evaluation["rule"], evaluation["accountId"], region,
               evaluation["ComplianceResourceId"])  # fmt: skip
        latest[key] = evaluation
    results = [
        aggregate_result(e, rule_name, account, region, when)
        for (rule_name, account, region, _), e in latest.items()
        if account in source_accounts
    ]
    statuses = [
        {"SourceId": account, "SourceType": "ACCOUNT", "AwsRegion": region,
         "LastUpdateStatus": "SUCCEEDED", "LastUpdateTime": when}
        for account in source_accounts for region in regions
    ]  # fmt: skip
    sources = [{"AccountIds": list(source_accounts), "AwsRegions": list(regions)}]
    return AggregatorModel(AGGREGATOR, sources, statuses, results)


def aggregator_step(sandbox: Any, say: Callable[[str], None] | None = None) -> Report:
    """Report from an aggregator that omits the organization's last account: INCOMPLETE.
    Prints through ``say`` (default ``sandbox.say``); see the module docstring."""
    import trailguard.demo as demo

    say = say or sandbox.say
    accounts = list(sandbox.account_ids.values())
    left_out = accounts[-1]
    when = datetime.now(UTC).replace(microsecond=0)
    model = model_from_evaluations(
        evaluations_by_region(sandbox), accounts[:-1], demo.REGIONS, when
    )
    organizations = sandbox.sessions["management"].client("organizations")
    # The model answers at once: no need for the pace AWS needs.
    entries, population = from_aggregator(
        model, AGGREGATOR, "aws", organizations, workers=4, pacer=Pacer(1000.0)
    )
    report = build_report(
        entries,
        f"AWS Config aggregator {AGGREGATOR} (a model of the API: moto lacks it)",
        when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        population,
    )
    say(f"The aggregator {AGGREGATOR} collects from every account but {left_out}:")
    say(f"  {population.statement()}")
    for place in population.missing():
        say(f"  {place.account} {place.region}: {place.why}")
    verdict = "a pass" if report.all_clear else "not a pass (exit 1)"
    say(f"  {len(rules())} rules; the report is {verdict}: an incomplete population never is.")
    return report
