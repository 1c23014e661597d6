"""A finding's identity, the same in every command's JSON (``schema/finding.schema.json``).

- ``id``: stable across runs: the rule id, ``/``, then the first 32 hexadecimal digits of the
  SHA-256 of the rule, account, region, resource type and resource id joined by the unit
  separator (U+001F), UTF-8 (an account or region that is not known counts as the empty
  string). The same resource under the same rule keeps its id whatever its verdict or text.
- ``status``: ``PASS``, ``FAIL``, ``NOT_APPLICABLE`` or ``NOT_EVALUATED``, beside Config's
  compliance value (``INSUFFICIENT_DATA``, or any value trailguard does not know, is
  ``NOT_EVALUATED``: never a pass for what could not be read).
- ``evaluatedAt``: when the verdict was reached: for ``report``, the time AWS Config recorded
  the result (``ResultRecordedTime``, else ``ConfigRuleInvokedTime``); for ``scan``, ``check``
  and ``iac``, the run's time.
- ``severity``, ``controls``: from the rule's definition; for what has no result under every
  rule (``*``), the highest of their severities and all their controls (none for a rule
  trailguard does not ship).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from trailguard.rules.registry import rules

PASS = "PASS"
FAIL = "FAIL"
STATUSES = (PASS, FAIL, "NOT_APPLICABLE", "NOT_EVALUATED")
_STATUS = {"COMPLIANT": PASS, "NON_COMPLIANT": FAIL, "NOT_APPLICABLE": "NOT_APPLICABLE"}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def status_of(compliance: str) -> str:
    """The finding's status for Config's compliance value (see the module docstring)."""
    return _STATUS.get(compliance, "NOT_EVALUATED")


def finding_id(
    rule: str, account: str | None, region: str | None, resource_type: str, resource_id: str
) -> str:
    """The stable id of the rule's finding on a resource (see the module docstring)."""
    parts = (rule, account or "", region or "", resource_type, resource_id)
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{rule}/{digest[:32]}"


def time_text(moment: datetime) -> str:
    """``moment`` as the findings write it: UTC, to the second, ``Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def now_text() -> str:
    """The run's time, as the findings write it."""
    return time_text(datetime.now(UTC))


def controls_of(rule_id: str) -> list[dict[str, str]]:
    """The rule's control mappings as a finding shows them (framework, control, mapping);
    for ``*`` (what has no result under every rule), those of every rule, each once; none for
    a rule trailguard does not ship."""
    found = [r for r in rules() if rule_id in (r.id, EVERY_RULE)]
    shown: list[dict[str, str]] = []
    for each in found:
        for c in each.metadata.controls:
            control = {"framework": c.framework, "control": c.control, "mapping": c.mapping}
            if control not in shown:
                shown.append(control)
    return shown


# Severities from the lowest; what has no result under every rule takes the highest of theirs.
SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
EVERY_RULE = "*"


def controls_text(controls: list[dict[str, str]]) -> str:
    """One line: "NIST SP 800-53 Rev. 5 AU-2 (direct); ..." (CSV, HTML, Markdown)."""
    return "; ".join(f"{c['framework']} {c['control']} ({c['mapping']})" for c in controls)


def identity(
    rule: str,
    account: str | None,
    region: str | None,
    resource_type: str,
    resource_id: str,
    compliance: str,
) -> dict[str, Any]:
    """The fields every finding adds to what it says: id, status and controls."""
    return {
        "id": finding_id(rule, account, region, resource_type, resource_id),
        "status": status_of(compliance),
        "controls": controls_of(rule),
    }
