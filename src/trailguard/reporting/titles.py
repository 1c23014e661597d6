"""Every report title, defined once."""

from __future__ import annotations

SUBJECT = "CloudTrail recording of Amazon SNS data events"
# ``trailguard report``: the pack's results in AWS Config.
CONFIG_TITLE = f"trailguard: {SUBJECT}"
# ``trailguard scan``: a live evaluation.
SCAN_TITLE = f"trailguard scan: {SUBJECT}"
# ``trailguard demo``: the sandbox's scans, before and after remediation.
DEMO_BEFORE_TITLE = "trailguard demo: before remediation"
DEMO_AFTER_TITLE = "trailguard demo: after remediation"
