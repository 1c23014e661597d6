"""``ocsf``: the report's findings as OCSF Compliance Finding events (class_uid 2003, OCSF
schema 1.5.0, with the ``cloud`` profile), one JSON array of events.

Every finding is an event, what has no result included (compliance status Unknown), so that no
reader takes the array for an all-clear. Mapping:

- ``time``, ``finding_info.created_time``: the finding's evaluation time, in milliseconds since
  the epoch (OCSF timestamps);
- ``finding_info.uid``: the finding's stable id; ``title``: the rule's title;
- ``severity_id``: the rule's severity for a failing finding, Informational (1) otherwise (a
  passing check has nothing to act on); Unknown (0) for a rule trailguard does not ship;
- ``status``/``status_id``: the finding's workflow status, New (1);
- ``compliance``: ``status`` Pass, Fail, Not applicable (``status_id`` 1, 3, 99) or Unknown (0)
  for no result; ``control`` the rule id; ``standards`` the frameworks and ``requirements`` the
  controls of the rule's mappings (``Framework control``); ``desc`` the annotation;
- ``cloud``: provider AWS, the account (type AWS Account) and the region, each left out when it
  is ``*`` (every one asked, nothing listed);
- ``unmapped.config_compliance``: AWS Config's own compliance value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from trailguard import __version__

from ..escape import json_text
from ..model import ANY, Report, ReportEntry, known_rule
from . import Format

OCSF_VERSION = "1.5.0"
CLASS_UID = 2003  # Compliance Finding
CATEGORY_UID = 2  # Findings
ACTIVITY_ID = 1  # Create
SEVERITY_IDS = {"INFORMATIONAL": 1, "LOW": 2, "MEDIUM": 3, "HIGH": 4, "CRITICAL": 5}
SEVERITY_NAMES = {0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
# The finding's status -> the compliance object's status_id and status.
COMPLIANCE_STATUS = {
    "PASS": (1, "Pass"),
    "FAIL": (3, "Fail"),
    "NOT_APPLICABLE": (99, "Not applicable"),
    "NOT_EVALUATED": (0, "Unknown"),
}


def epoch_ms(text: str) -> int:
    """``2024-05-01T12:00:00Z`` as milliseconds since the epoch; 0 (the epoch, plainly not a
    real evaluation time) for a report read back with a time in another form."""
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return 0
    return int(moment.timestamp()) * 1000


def _severity_id(entry: ReportEntry, status: str) -> int:
    if entry.severity is None:
        return 0
    return SEVERITY_IDS.get(entry.severity, 0) if status == "FAIL" else 1


def event(entry: ReportEntry, generated_at: str) -> dict[str, Any]:
    """One finding as an OCSF Compliance Finding event."""
    data = entry.to_dict()
    status = data["status"]
    when = epoch_ms(data["evaluatedAt"] or generated_at)
    rule = known_rule(entry.rule)
    controls = rule.metadata.controls if rule is not None else ()
    severity_id = _severity_id(entry, status)
    status_id, status_text = COMPLIANCE_STATUS[status]
    compliance: dict[str, Any] = {
        "control": entry.rule,
        "status": status_text,
        "status_id": status_id,
        "desc": entry.annotation,
    }
    if controls:
        compliance["standards"] = list(dict.fromkeys(c.framework for c in controls))
        compliance["requirements"] = [f"{c.framework} {c.control}" for c in controls]
    resource: dict[str, Any] = {
        "uid": entry.trail_arn or entry.resource_id,
        "name": entry.resource_id,
        "type": entry.resource_type,
    }
    cloud: dict[str, Any] = {"provider": "AWS"}
    if entry.account_id != ANY:
        cloud["account"] = {
            "uid": entry.account_id,
            "name": entry.account_id,  # the id: trailguard does not read account names
            "type_id": 10,
            "type": "AWS Account",
        }
    if entry.region != ANY:
        cloud["region"] = resource["region"] = entry.region
    finding_info: dict[str, Any] = {
        "uid": data["id"],
        "title": rule.metadata.title if rule is not None else entry.rule,
        "desc": entry.annotation,
        "created_time": when,
    }
    found: dict[str, Any] = {
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": "Compliance Finding: Create",
        "time": when,
        "severity_id": severity_id,
        "severity": SEVERITY_NAMES[severity_id],
        "status_id": 1,
        "status": "New",
        "message": entry.annotation,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "trailguard", "vendor_name": "trailguard", "version": __version__},
            "profiles": ["cloud"],
            "event_code": entry.rule,
        },
        "finding_info": finding_info,
        "compliance": compliance,
        "resources": [resource],
        "cloud": cloud,
        "unmapped": {"config_compliance": entry.compliance},
    }
    if entry.fix:
        found["remediation"] = {"desc": entry.fix}
    return found


def render_ocsf(report: Report) -> str:
    """The report's findings as a JSON array of OCSF Compliance Finding events."""
    events = [event(e, report.generated_at) for e in report.entries]
    return json_text(events, ensure_ascii=False) + "\n"


FORMAT = Format(
    name="ocsf",
    extension="ocsf.json",
    summary="OCSF Compliance Finding events (class 2003), a JSON array",
    rank=10,
    report=render_ocsf,
)
