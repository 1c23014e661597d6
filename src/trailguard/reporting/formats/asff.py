"""``asff``: the report's findings in the AWS Security Finding Format (ASFF), a JSON array of
``AwsSecurityFinding`` objects as Security Hub's ``BatchImportFindings`` takes them (at most
100 a call: split a longer array).

Every finding is one, what has no result included (``Compliance.Status`` NOT_AVAILABLE), so
that no import shows an all-clear for nothing. Mapping:

- ``Id``: the finding's stable id; ``GeneratorId``: ``trailguard/<rule id>``;
- ``ProductArn``: ``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``
  (the account's own default product, which takes findings of custom integrations); the
  partition is the trail ARN's, else ``aws``;
- ``CreatedAt``, ``UpdatedAt``: the evaluation time (trailguard keeps no history, so the
  finding's first time is not known; Security Hub keeps the first ``CreatedAt`` of an ``Id``);
- ``Severity.Label``: the rule's severity for a failing finding, INFORMATIONAL otherwise;
- ``Compliance.Status``: PASSED, FAILED, or NOT_AVAILABLE (not applicable, or no result);
  ``RelatedRequirements``: the controls of the rule's mappings (``Framework control``);
- ``Resources``: the trail (``AwsCloudTrailTrail``, its ARN) or the account (``AwsAccount``,
  ``AWS::::Account:<account>``);
- ``ProductFields``: the rule, AWS Config's own compliance value and the finding's status.

A finding whose account or region is ``*`` (every one asked: nothing could be listed) keeps
``*`` in ``AwsAccountId``, ``Region`` and ``ProductArn``: Security Hub refuses it at import
(``FailedFindings``), which says that something has no result, instead of dropping it here.
"""

from __future__ import annotations

from typing import Any

from ..escape import json_text
from ..model import ACCOUNT_TYPE, TRAIL_TYPE, Report, ReportEntry, known_rule
from . import Format

SCHEMA_VERSION = "2018-10-08"
TYPES = ["Software and Configuration Checks/Industry and Regulatory Standards"]
COMPLIANCE = {"PASS": "PASSED", "FAIL": "FAILED"}  # anything else: NOT_AVAILABLE
RESOURCE_TYPES = {TRAIL_TYPE: "AwsCloudTrailTrail", ACCOUNT_TYPE: "AwsAccount"}
# Documented ASFF limits (AWS Security Hub API reference, AwsSecurityFinding and
# Recommendation): Title 256, Description 1024, RelatedRequirements 32 items, Text 512.
TITLE_LIMIT, DESCRIPTION_LIMIT, REQUIREMENTS_LIMIT, TEXT_LIMIT = 256, 1024, 32, 512


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _partition(entry: ReportEntry) -> str:
    arn = entry.trail_arn or ""
    return arn.split(":")[1] if arn.startswith("arn:") and arn.count(":") >= 5 else "aws"


def _resource(entry: ReportEntry, partition: str) -> dict[str, Any]:
    kind = RESOURCE_TYPES.get(entry.resource_type, "Other")
    if entry.trail_arn:
        ident = entry.trail_arn
    elif entry.resource_type == ACCOUNT_TYPE:
        ident = f"AWS::::Account:{entry.resource_id}"
    else:
        ident = entry.resource_id or entry.resource_type
    return {"Type": kind, "Id": ident, "Partition": partition, "Region": entry.region}


def finding(entry: ReportEntry) -> dict[str, Any]:
    """One report entry as an ASFF finding."""
    data = entry.to_dict()
    rule = known_rule(entry.rule)
    partition = _partition(entry)
    account, region = entry.account_id, entry.region
    status = data["status"]
    label = entry.severity if status == "FAIL" and entry.severity else "INFORMATIONAL"
    title = rule.metadata.title if rule is not None else entry.rule
    description = entry.annotation.strip() or (
        rule.metadata.description if rule is not None else f"{entry.rule}: no annotation"
    )
    compliance: dict[str, Any] = {"Status": COMPLIANCE.get(status, "NOT_AVAILABLE")}
    if rule is not None:
        requirements = [f"{c.framework} {c.control}" for c in rule.metadata.controls]
        compliance["RelatedRequirements"] = requirements[:REQUIREMENTS_LIMIT]
    found: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": data["id"],
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "ProductName": "trailguard",
        "CompanyName": "trailguard",
        "GeneratorId": f"trailguard/{entry.rule}",
        "AwsAccountId": account,
        "Region": region,
        "Types": list(TYPES),
        "CreatedAt": data["evaluatedAt"],
        "UpdatedAt": data["evaluatedAt"],
        "Severity": {"Label": label, "Original": entry.severity or "UNKNOWN"},
        "Title": _cut(title, TITLE_LIMIT),
        "Description": _cut(description, DESCRIPTION_LIMIT),
        "Resources": [_resource(entry, partition)],
        "Compliance": compliance,
        "ProductFields": {
            "trailguard/Rule": entry.rule,
            "trailguard/ConfigCompliance": entry.compliance,
            "trailguard/Status": status,
        },
        "RecordState": "ACTIVE",
    }
    if entry.fix:
        found["Remediation"] = {"Recommendation": {"Text": _cut(entry.fix, TEXT_LIMIT)}}
    return found


def render_asff(report: Report) -> str:
    """The report's findings as a JSON array of ASFF findings."""
    return json_text([finding(e) for e in report.entries], ensure_ascii=False) + "\n"


FORMAT = Format(
    name="asff",
    extension="asff.json",
    summary="AWS Security Finding Format for Security Hub's BatchImportFindings, a JSON array",
    rank=11,
    report=render_asff,
)
