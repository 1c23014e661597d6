"""Detection within minutes: the function behind the EventBridge rule on CloudTrail's own
management events, which starts an on-demand evaluation of the pack's rules.

Why: a trail's AWS Config configuration item holds no event selectors, so narrowing them
changes nothing Config records, the change-triggered rule likely never runs, and the change is
seen at the next periodic run (24 hours by default). EventBridge receives "AWS API Call via
CloudTrail" events for trail changes (when a trail logs management events in the region, best
effort, in the region of the call); for each one this function calls
``StartConfigRulesEvaluation`` for the pack's rules of its account and region.

Standard library and boto3 only, and self-contained: ``trailguard build`` writes this module
into the deployment templates as the function's inline code (CloudFormation ``ZipFile``,
kept within the 4,096 characters CloudFormation once allowed), docstrings and annotations
stripped. The pack's rule ids come from
the environment (``TRAILGUARD_RULE_IDS``, written by the build from the rule registry).

Limits (Config API reference, StartConfigRulesEvaluation): at most 25 rules a request, and
``LimitExceededException`` while an evaluation of the rules is in progress or when the API is
called more than once a minute. Chosen: one request per event; on any error the invocation
fails, so Lambda's asynchronous retry runs it again a minute later and then two minutes after
that (Lambda developer guide, "How Lambda handles errors and retries with asynchronous
invocation"). That pace suits the once-a-minute limit and costs no billed waiting; an
in-function wait would need a longer timeout for no better bound. When every attempt fails,
the periodic run remains the backstop.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_config import ConfigServiceClient

DETAIL_TYPE = "AWS API Call via CloudTrail"
EVENT_NAMES = (
    "PutEventSelectors",
    "StopLogging",
    "StartLogging",
    "UpdateTrail",
    "CreateTrail",
    "DeleteTrail",
)
EVENT_PATTERN = {
    "source": ["aws.cloudtrail"],
    "detail-type": [DETAIL_TYPE],
    "detail": {"eventSource": ["cloudtrail.amazonaws.com"], "eventName": list(EVENT_NAMES)},
}
EVENT_RULE = "trailguard-trail-changes"  # the EventBridge rule of every regional stack
RULE_IDS_VARIABLE = "TRAILGUARD_RULE_IDS"
MAX_RULES = 25  # StartConfigRulesEvaluation: ConfigRuleNames, 1 to 25 items
GONE = ("DELETING", "DELETING_RESULTS")  # ConfigRuleState of a rule on its way out


def pack_rule_id(name: str, rule_ids: Iterable[str]) -> str | None:
    """The rule id a Config rule name stands for: the id itself, or the id and a suffix, as a
    conformance pack names its rules (``<id>-conformance-pack-<random>``)."""
    for rule_id in sorted(rule_ids, key=len, reverse=True):
        if name == rule_id or name.startswith(rule_id + "-"):
            return rule_id
    return None


def pack_rule_names(config: ConfigServiceClient, rule_ids: Iterable[str]) -> list[str]:
    """The names of this account and region's Config rules that are the pack's rules."""
    wanted = list(rule_ids)
    names = []
    for page in config.get_paginator("describe_config_rules").paginate():
        for each in page.get("ConfigRules", []):
            name = each.get("ConfigRuleName", "")
            if each.get("ConfigRuleState") not in GONE and pack_rule_id(name, wanted):
                names.append(name)
    return sorted(names)


def trail_of(detail: dict[str, Any]) -> str:
    """The trail the call names (PutEventSelectors: trailName; the others: name)."""
    parameters = detail.get("requestParameters") or {}
    return str(parameters.get("trailName") or parameters.get("name") or "?")


def _said(result: dict[str, Any]) -> dict[str, Any]:
    print(json.dumps(result, sort_keys=True))
    return result


def start_evaluations(
    event: Any, config: ConfigServiceClient, rule_ids: Iterable[str]
) -> dict[str, Any]:
    """Start an evaluation of the pack's rules for one trail change; what happened, as the
    one line it logs. Events that are not a trail change, or a call that failed (it changed
    nothing), start nothing."""
    detail = event.get("detail") if isinstance(event, dict) else None
    if (
        not isinstance(detail, dict)
        or event.get("detail-type") != DETAIL_TYPE
        or detail.get("eventName") not in EVENT_NAMES
    ):
        return _said({"ignored": "not a CloudTrail trail change (" + DETAIL_TYPE + ")"})
    name, trail = detail["eventName"], trail_of(detail)
    if detail.get("errorCode"):
        return _said({"ignored": f"{name} on {trail} failed ({detail['errorCode']})"})
    try:
        names = pack_rule_names(config, rule_ids)
        if names:
            config.start_config_rules_evaluation(ConfigRuleNames=names[:MAX_RULES])
    except Exception as exc:  # one line, then fail: Lambda retries the event
        _said({"error": f"{name} on {trail}: {type(exc).__name__}: {exc}"})
        raise
    if not names:
        return _said({"ignored": "no trailguard Config rule in this account and region"})
    return _said(
        {"event": name, "trail": trail, "started": names[:MAX_RULES],
         "left_to_periodic_run": names[MAX_RULES:]}
    )  # fmt: skip


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    import boto3

    rule_ids = [r for r in os.environ.get(RULE_IDS_VARIABLE, "").split(",") if r]
    if not rule_ids:
        raise RuntimeError(f"{RULE_IDS_VARIABLE} is empty: the pack's rule ids are not set")
    return start_evaluations(event, boto3.client("config"), rule_ids)
