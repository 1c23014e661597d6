"""(g) of the AWS behaviour model: the AWS Config calls trailguard makes (``grep`` of
``src/trailguard/aws``) that moto (5.2.x) does not implement, answered as the Config API
reference says, every answer validated against botocore's model of the output (as botocore's
``Stubber`` validates responses):

- ``PutEvaluations`` without ``TestMode`` (moto: NotImplementedError), which stores the
  evaluations for the rule the result token was issued for;
- ``GetComplianceDetailsByConfigRule`` (rule runtime: retiring stale results; ``report``);
- ``DescribeAggregateComplianceByConfigRules`` and
  ``GetAggregateComplianceDetailsByConfigRule`` (``report --aggregator``);
- ``StartConfigRulesEvaluation`` (the detection function), with its ``LimitExceededException``.

Organization conformance packs, which moto only stores, are :mod:`aws_orgpack_model` (h).

Calls moto implements (``DescribeConfigRules``, ``GetResourceConfigHistory``, ``PutEvaluations``
in test mode, aggregators) are left to moto. Also here: the helpers every behaviour answers
with (:func:`answer`, :func:`refuse`).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.parsers import create_parser
from botocore.validate import ParamValidator
from moto_world import MotoWorld

# API reference, PutEvaluations / Evaluation: at most 100 evaluations a call; Annotation 1-256
# characters; ComplianceType "AWS Config does not support the INSUFFICIENT_DATA value".
MAX_EVALUATIONS = 100
MAX_ANNOTATION = 256
ACCEPTED_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
# Page sizes, from each call's Limit in the API reference: (default, maximum).
PAGES = {
    "GetComplianceDetailsByConfigRule": (10, 100),
    "DescribeAggregateComplianceByConfigRules": (1000, 1000),
    "GetAggregateComplianceDetailsByConfigRule": (50, 100),
}


def _http(status: int) -> AWSResponse:
    return AWSResponse("https://aws-behaviours.invalid", status, {}, None)


def refuse(code: str, message: str, status: int = 400) -> tuple[AWSResponse, dict[str, Any]]:
    """A service error: botocore raises the modelled exception class for ``code``."""
    meta = {"HTTPStatusCode": status}
    return _http(status), {"Error": {"Code": code, "Message": message}, "ResponseMetadata": meta}


def answer(model: Any, body: dict[str, Any], wire: bool = False) -> tuple[AWSResponse, Any]:
    """A successful response: ``body`` parsed from the wire (JSON protocol) with ``wire``, else
    as botocore would have parsed it; checked against the operation's output shape."""
    shape = model.output_shape
    if wire:
        raw = {"status_code": 200, "headers": {}, "body": json.dumps(body).encode()}
        body = create_parser("json").parse(raw, shape)
        body.pop("ResponseMetadata", None)
    report = ParamValidator().validate(body, shape)
    if report.has_errors():
        raise AssertionError(f"the AWS behaviour model answered badly: {report.generate_report()}")
    return _http(200), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _page(operation: str, items: list[Any], params: dict[str, Any], key: str) -> dict[str, Any]:
    default, most = PAGES[operation]
    limit = min(params.get("Limit") or default, most)
    start = int(params.get("NextToken") or 0)
    page: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        page["NextToken"] = str(start + limit)
    return page


@dataclass
class ConfigModel:
    world: MotoWorld = field(default_factory=MotoWorld)
    # result token -> (account, region, rule name), issued by result_token()
    tokens: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # (account, region, rule) -> (resource type, resource id) -> the stored result
    results: dict[tuple[str, str, str], dict[tuple[str, str], dict[str, Any]]] = field(
        default_factory=dict
    )
    _counter: itertools.count[int] = field(default_factory=itertools.count)
    # StartConfigRulesEvaluation: what was started (account, region, rule names), in order;
    # the rules whose evaluation is still in progress (until finish_evaluations); the time of
    # the last start per account and region, by ``clock`` (default time.monotonic)
    started: list[tuple[str, str, list[str]]] = field(default_factory=list)
    in_progress: set[tuple[str, str, str]] = field(default_factory=set)
    clock: Callable[[], float] | None = None
    _last_start: dict[tuple[str, str], float] = field(default_factory=dict)
    # (h) organization conformance packs (aws_orgpack_model.OrgPackModel), with its switches
    org_packs: Any = field(default_factory=lambda: _org_pack_model())

    def __post_init__(self) -> None:
        self.org_packs.world = self.world

    def result_token(self, rule: str, account: str, region: str) -> str:
        """A result token as Config passes one to a rule's Lambda, for that rule."""
        token = f"result-token-{next(self._counter)}"
        self.tokens[token] = (account, region, rule)
        return token

    def before(self, model: Any, account: str, region: str, params: dict[str, Any]) -> Any:
        from aws_orgpack_model import CALLS  # it imports answer() from here

        if model.name in CALLS:
            self.org_packs.world = self.world
            return self.org_packs.before(model, account, region, params)
        handler = {
            "PutEvaluations": self.put_evaluations,
            "GetComplianceDetailsByConfigRule": self.compliance_details,
            "DescribeAggregateComplianceByConfigRules": self.aggregate_compliance,
            "GetAggregateComplianceDetailsByConfigRule": self.aggregate_details,
            "StartConfigRulesEvaluation": self.start_evaluation,
        }.get(model.name)
        return None if handler is None else handler(model, account, region, params)

    def put_evaluations(self, model: Any, account: str, region: str,
                        params: dict[str, Any]) -> Any:  # fmt: skip
        """Config API reference, PutEvaluations
        (https://docs.aws.amazon.com/config/latest/APIReference/API_PutEvaluations.html): at most
        100 evaluations; Annotation 1-256 characters; INSUFFICIENT_DATA is not accepted; a
        result token that Config did not issue is InvalidResultTokenException; with TestMode
        nothing is stored (moto answers that case itself)."""
        evaluations = params.get("Evaluations") or []
        if len(evaluations) > MAX_EVALUATIONS:
            return refuse(
                "ValidationException",
                "1 validation error detected: Value at 'evaluations' failed to satisfy "
                f"constraint: Member must have length less than or equal to {MAX_EVALUATIONS}",
            )
        for n, evaluation in enumerate(evaluations, 1):
            if len(evaluation.get("Annotation", "x")) > MAX_ANNOTATION:
                return refuse(
                    "ValidationException",
                    f"1 validation error detected: Value at 'evaluations.{n}.member.annotation' "
                    "failed to satisfy constraint: Member must have length less than or equal "
                    f"to {MAX_ANNOTATION}",
                )
            if evaluation["ComplianceType"] not in ACCEPTED_TYPES:
                return refuse(
                    "InvalidParameterValueException",
                    f"The compliance type {evaluation['ComplianceType']} is not valid for an "
                    "evaluation: use COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE.",
                )
        if params.get("TestMode"):
            return None
        place = self.tokens.get(params.get("ResultToken", ""))
        if place is None:
            return refuse("InvalidResultTokenException", "The specified ResultToken is not valid.")
        stored = self.results.setdefault(place, {})
        now = datetime.now(UTC)
        for evaluation in evaluations:
            key = (evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"])
            when = evaluation["OrderingTimestamp"]
            if key in stored and stored[key]["OrderingTimestamp"] > when:
                continue  # an older evaluation never replaces a newer one
            stored[key] = {**evaluation, "ResultRecordedTime": now}
        return answer(model, {"FailedEvaluations": []})

    def _result(self, rule: str, key: tuple[str, str], stored: dict[str, Any]) -> dict[str, Any]:
        result = {
            "EvaluationResultIdentifier": {
                "EvaluationResultQualifier": {
                    "ConfigRuleName": rule,
                    "ResourceType": key[0],
                    "ResourceId": key[1],
                    "EvaluationMode": "DETECTIVE",
                },
                "OrderingTimestamp": stored["OrderingTimestamp"],
            },
            "ComplianceType": stored["ComplianceType"],
            "ResultRecordedTime": stored["ResultRecordedTime"],
            "ConfigRuleInvokedTime": stored["OrderingTimestamp"],
        }
        if stored.get("Annotation"):
            result["Annotation"] = stored["Annotation"]
        return result

    def compliance_details(self, model: Any, account: str, region: str,
                           params: dict[str, Any]) -> Any:  # fmt: skip
        """Config API reference, GetComplianceDetailsByConfigRule
        (https://docs.aws.amazon.com/config/latest/APIReference/API_GetComplianceDetailsByConfigRule.html):
        the rule's results, filtered by ComplianceTypes, 10 a page by default (at most 100);
        NoSuchConfigRuleException for a rule that does not exist."""
        rule = params["ConfigRuleName"]
        known = {r for (a, g, r) in self.tokens.values() if (a, g) == (account, region)}
        if rule not in known | set(self.world.config_rule_names(account, region)):
            return refuse(
                "NoSuchConfigRuleException",
                f"The ConfigRule '{rule}' provided in the request is invalid. Please check the "
                "configRule name.",
            )
        wanted = params.get("ComplianceTypes") or list(ACCEPTED_TYPES)
        stored = self.results.get((account, region, rule), {})
        results = [
            self._result(rule, key, value)
            for key, value in sorted(stored.items())
            if value["ComplianceType"] in wanted
        ]
        operation = "GetComplianceDetailsByConfigRule"
        return answer(model, _page(operation, results, params, "EvaluationResults"))

    def _sources(self, account: str, region: str, name: str) -> set[tuple[str, str]] | None:
        """(account, region) pairs the aggregator ``name`` collects from (None: no such one)."""
        aggregator = self.world.aggregator(account, region, name)
        if aggregator is None:
            return None
        places = {place[:2] for place in self.results}
        org = aggregator.organization_aggregation_source
        if org is not None:
            accounts = set(self.world.organization_accounts(account))
            regions = None if org.all_aws_regions else set(org.aws_regions or [])
            return {p for p in places if p[0] in accounts and (regions is None or p[1] in regions)}
        found: set[tuple[str, str]] = set()
        for source in aggregator.account_aggregation_sources or []:
            regions = None if source.all_aws_regions else set(source.aws_regions or [])
            found |= {
                p
                for p in places
                if p[0] in source.account_ids and (regions is None or p[1] in regions)
            }
        return found

    def _no_aggregator(self, name: str) -> Any:
        return refuse(
            "NoSuchConfigurationAggregatorException",
            f"The configuration aggregator '{name}' does not exist.",
        )

    def aggregate_compliance(self, model: Any, account: str, region: str,
                             params: dict[str, Any]) -> Any:  # fmt: skip
        """Config API reference, DescribeAggregateComplianceByConfigRules
        (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeAggregateComplianceByConfigRules.html):
        per rule, account and region of the aggregator's sources, NON_COMPLIANT when any
        result is, else COMPLIANT when any is, else INSUFFICIENT_DATA."""
        name = params["ConfigurationAggregatorName"]
        sources = self._sources(account, region, name)
        if sources is None:
            return self._no_aggregator(name)
        items = []
        for (acc, reg, rule), stored in sorted(self.results.items()):
            if (acc, reg) not in sources:
                continue
            types = {v["ComplianceType"] for v in stored.values()}
            overall = next(
                (t for t in ("NON_COMPLIANT", "COMPLIANT") if t in types), "INSUFFICIENT_DATA"
            )
            items.append(
                {
                    "ConfigRuleName": rule,
                    "Compliance": {"ComplianceType": overall},
                    "AccountId": acc,
                    "AwsRegion": reg,
                }
            )
        operation = "DescribeAggregateComplianceByConfigRules"
        return answer(model, _page(operation, items, params, "AggregateComplianceByConfigRules"))

    def aggregate_details(self, model: Any, account: str, region: str,
                          params: dict[str, Any]) -> Any:  # fmt: skip
        """Config API reference, GetAggregateComplianceDetailsByConfigRule
        (https://docs.aws.amazon.com/config/latest/APIReference/API_GetAggregateComplianceDetailsByConfigRule.html):
        one rule's results in one source account and region, filtered by ComplianceType, 50 a
        page by default (at most 100)."""
        name = params["ConfigurationAggregatorName"]
        sources = self._sources(account, region, name)
        if sources is None:
            return self._no_aggregator(name)
        place = (params["AccountId"], params["AwsRegion"])
        rule = params["ConfigRuleName"]
        stored = self.results.get((*place, rule), {}) if place in sources else {}
        wanted = params.get("ComplianceType")
        results = [
            {**self._result(rule, key, value), "AccountId": place[0], "AwsRegion": place[1]}
            for key, value in sorted(stored.items())
            if wanted is None or value["ComplianceType"] == wanted
        ]
        operation = "GetAggregateComplianceDetailsByConfigRule"
        return answer(model, _page(operation, results, params, "AggregateEvaluationResults"))

    # --- StartConfigRulesEvaluation ----------------------------------------------------------

    def start_evaluation(self, model: Any, account: str, region: str,
                         params: dict[str, Any]) -> Any:  # fmt: skip
        """Config API reference, StartConfigRulesEvaluation
        (https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigRulesEvaluation.html):
        up to 25 rules a request (botocore validates that before sending); a rule that does not
        exist is NoSuchConfigRuleException; "An existing StartConfigRulesEvaluation call for the
        specified rules must complete before you can call the API again", and
        LimitExceededException "is thrown if an evaluation is in progress or if you call the
        StartConfigRulesEvaluation API more than once per minute". Whether the minute counts
        per account and region or per rule is not said: modelled per account and region, the
        stricter reading (one call in a minute there, whichever rules). A started evaluation
        stays in progress until :meth:`finish_evaluations`."""
        names = list(params.get("ConfigRuleNames") or [])
        known = set(self.world.config_rule_names(account, region))
        unknown = [n for n in names if n not in known]
        if unknown:
            return refuse(
                "NoSuchConfigRuleException",
                f"The ConfigRule '{unknown[0]}' provided in the request is invalid. Please check "
                "the configRule name.",
            )
        now = (self.clock or time.monotonic)()
        last = self._last_start.get((account, region))
        busy = [n for n in names if (account, region, n) in self.in_progress]
        if busy or (last is not None and now - last < 60.0):
            why = f"an evaluation of {busy[0]} is in progress" if busy else "once a minute"
            return refuse("LimitExceededException", f"Rate exceeded: {why}.")
        self._last_start[(account, region)] = now
        self.started.append((account, region, names))
        self.in_progress |= {(account, region, n) for n in names}
        return answer(model, {})

    def finish_evaluations(self, account: str, region: str) -> None:
        """The evaluations started in ``account`` and ``region`` end (Config ran the rules)."""
        self.in_progress = {p for p in self.in_progress if p[:2] != (account, region)}


def _org_pack_model() -> Any:
    from aws_orgpack_model import OrgPackModel  # it imports answer() from here

    return OrgPackModel()
