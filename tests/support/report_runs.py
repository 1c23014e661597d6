"""Helpers for the tests of the options ``scan`` and ``report`` share (tests/cli): running
the CLI, and what a scan of the two-trail account of tests/cli/conftest.py finds.

The account (moto's 123456789012, the caller ``user/moto``) has two trails in us-east-1: one
that records SNS data events (COMPLIANT, and so the account-region rule) and one that does not
(NON_COMPLIANT).
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from selector_data import ACCOUNT, ACCOUNT_RULE, TRAIL_RULE

import trailguard.cli

CALLER = f"arn:aws:sts::{ACCOUNT}:user/moto"
REGION = "us-east-1"
BANNER = f"trailguard scan: account {ACCOUNT} ({CALLER}), region {REGION}\n"
STAMP = re.compile(r"\d{8}T\d{6}Z")
FAILING = "Publish and PublishBatch on AWS::SNS::Topic are not logged:"
# (rule, resource, status, exemption) of each finding of the two-trail account, report order
MIXED = [
    (TRAIL_RULE, "bad-trail", "FAIL", None),
    (ACCOUNT_RULE, ACCOUNT, "PASS", None),
    (TRAIL_RULE, "good-trail", "PASS", None),
]


def cli(*argv: str) -> tuple[int, str, str]:
    """``trailguard ARGV``: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = trailguard.cli.main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def bare_scan(*argv: str) -> tuple[int, str, str]:
    """``trailguard scan ARGV``, CloudTrail's calls not spaced out (the default --tps is 10)."""
    return cli("scan", "--tps", "1000", *argv)


def scan(*argv: str) -> tuple[int, str, str]:
    """``trailguard scan --regions us-east-1 ARGV``."""
    return bare_scan("--regions", REGION, *argv)


def untimed(data: Any) -> Any:
    """JSON data without its times (two runs differ only there)."""
    text = re.sub(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', '"TIME"', json.dumps(data))
    return json.loads(text)


def triples(data: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    """(rule, resource, status, exemption) of each finding of a JSON report."""
    return [(f["rule"], f["resourceId"], f["status"], f["exemption"]) for f in data["findings"]]
