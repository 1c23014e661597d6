"""trailguard: check and fix CloudTrail recording of Amazon SNS data events."""

from __future__ import annotations

__version__ = "0.1.0"
# The SSM Automation document that remediates a trail (one name for the build, the pack,
# the deployment templates and the reports).
DOCUMENT_NAME = "TrailGuard-EnableSnsDataEvents"
