"""trailguard: check and fix CloudTrail recording of Amazon SNS data events."""

from __future__ import annotations

__version__ = "0.1.0"
