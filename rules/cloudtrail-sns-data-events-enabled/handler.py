"""AWS Config rule cloudtrail-sns-data-events-enabled: the Lambda entry point.

All logic lives in the trailguard package bundled beside this file (trailguard.rules).
"""

from __future__ import annotations

from typing import Any

from trailguard.aws.runtime import handle

RULE_ID = "cloudtrail-sns-data-events-enabled"


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    evaluations = handle(RULE_ID, event, context)
    return {"rule": RULE_ID, "evaluations": len(evaluations)}
