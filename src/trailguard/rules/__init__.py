"""The AWS Config rules: metadata (as data), pure evaluation logic, and the Lambda runtime."""

from __future__ import annotations
