"""The SSM document's verification step: standard library and boto3 only, no trailguard imports,
so it is embedded on its own and stays small.

The AddSelectors step already verified coverage with the core after reading the trail back;
this step, run after it, confirms that the trail still holds exactly those selectors.
"""

from __future__ import annotations

import json
from typing import Any


def canonical_selectors(selectors: Any) -> str:
    """The form in which selectors are compared: sorted keys, no spaces."""
    return json.dumps(selectors, sort_keys=True, separators=(",", ":"))


def verify_handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    expected = events.get("Expected") or "null"
    if expected == "null":
        return {"verified": True, "message": "nothing was written; nothing to verify"}
    import boto3  # imported in the step only: SSM provides boto3

    client = boto3.client("cloudtrail", region_name=events["HomeRegion"])
    current = client.get_event_selectors(TrailName=events["TrailArn"])
    if canonical_selectors(current.get("AdvancedEventSelectors")) != expected:
        raise RuntimeError(
            f"TrailGuard verification failed: the selectors of {events['TrailArn']} changed "
            "after they were put and verified; run the remediation again"
        )
    return {"verified": True, "message": "the selectors put are in place"}
