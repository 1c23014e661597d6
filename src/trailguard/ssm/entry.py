"""Entry points of the SSM Automation document's ``aws:executeScript`` steps.

``trailguard build`` embeds this module, the remediation module and the core into the
document's script; SSM calls ``remediate_handler`` (step AddSelectors) with the step's
``InputPayload``; the next step (VerifyTrail) is :mod:`trailguard.ssm.verify`. Failures raise,
which fails the step with the message shown in the Automation console.
"""

from __future__ import annotations

import json
from typing import Any

from trailguard.aws.remediate import RemediationError, remediate
from trailguard.core.exclusions import parse_exclusions
from trailguard.core.requirement import build_requirement
from trailguard.ssm.verify import canonical_selectors

STEP_DEFAULT_TYPES = "AWS::SNS::Topic"


def _session() -> Any:
    import boto3  # imported in the step only: SSM provides boto3

    return boto3.session.Session()


def remediate_handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    session = _session()
    region = session.region_name
    types = [t for t in str(events.get("ResourceTypes") or STEP_DEFAULT_TYPES).split(",") if t]
    dry_run = str(events.get("DryRun", "false")).lower() == "true"
    fill = str(events.get("FillExclusions", "false")).lower() == "true"
    accepted = str(events.get("AcceptedExclusions") or "-").strip()
    try:
        exclusions = () if accepted == "-" else parse_exclusions(json.loads(accepted), "")
    except ValueError as exc:  # JSON or selector error (both ValueErrors)
        raise RuntimeError(
            f"TrailGuard remediation refused: parameter AcceptedExclusions: {exc}"
        ) from exc
    clients: dict[str, Any] = {}

    def client_for(name: str) -> Any:
        if name not in clients:
            clients[name] = session.client("cloudtrail", region_name=name)
        return clients[name]

    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    partition = session.get_partition_for_region(region)
    requirement = build_requirement(types, None, partition, exclusions)
    try:
        result = remediate(
            client_for, str(events["TrailName"]), region, requirement,
            account_id=account, dry_run=dry_run, fill_exclusions=fill,
        )  # fmt: skip
    except RemediationError as exc:
        raise RuntimeError(f"TrailGuard remediation {exc.kind}: {exc}") from exc
    summary = result.to_dict()
    return {
        "changed": result.changed,
        "trailArn": result.trail.arn,
        "homeRegion": result.trail.home_region,
        "message": result.message,
        "before": json.dumps(summary["before"], sort_keys=True),
        "after": json.dumps(summary["after"], sort_keys=True),
        "expected": canonical_selectors(result.after if result.changed and not dry_run else None),
    }
