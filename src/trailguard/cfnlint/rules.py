"""The cfn-lint rules. ETG1001 does the work for all four: it judges every trail and event data
store once (each condition scenario) and reports each finding under its rule, so that cfn-lint's
own switches (``--ignore-checks``, ``--include-checks``, ``Metadata: cfn-lint: config:
ignore_checks``) enable, disable and suppress each rule on its own. Its configuration (cfn-lint's
``--configure-rule`` or ``configure_rules`` in ``.cfnlintrc``) sets the requirement and the
resource types judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch
from cfnlint.template import Template

from trailguard.iac.judge import finding_text
from trailguard.iac.model import COVERAGE, INVALID, NOT_LOGGING, RULES, UNDECIDED

from .template import findings, options

_TAGS = ["resources", "cloudtrail", "trailguard"]


class _TrailguardRule(CloudFormationLintRule):  # type: ignore[misc]
    """Metadata from :data:`trailguard.iac.model.RULES`; reports what ETG1001 finds."""

    rule_id = ""

    def __init__(self) -> None:
        super().__init__()
        info = RULES[self.rule_id]
        self.id = info.id
        self.shortdesc = info.short
        self.description = f"{info.description} Fix: {info.fix}"
        self.source_url = info.help_uri
        self.tags = list(_TAGS)


class SnsDataEventsRecorded(_TrailguardRule):
    """ETG1001: the trail or event data store records every required data event."""

    rule_id = COVERAGE
    id = COVERAGE

    def __init__(self) -> None:
        super().__init__()
        self.child_rules = {INVALID: None, NOT_LOGGING: None, UNDECIDED: None}
        self.config_definition = {
            "resource_types": {"default": [], "type": "list", "itemtype": "string"},
            "event_names": {"default": [], "type": "list", "itemtype": "string"},
            "accepted_exclusions": {"default": "", "type": "string"},
            "partition": {"default": "aws", "type": "string"},
            "judged_types": {"default": [], "type": "list", "itemtype": "string"},
        }
        self.configure()

    def match(self, cfn: Template) -> Iterator[RuleMatch]:
        try:
            opts = options(self.config)
        except ValueError as exc:
            yield RuleMatch([], str(exc))
            return
        for finding, path in findings(cfn, opts, cfn.filename or ""):
            rule: Any = self if finding.rule == self.id else self.child_rules.get(finding.rule)
            if rule is not None:
                yield RuleMatch(list(path), finding_text(finding), rule=rule, finding=finding)


class SelectorsAccepted(_TrailguardRule):
    """ETG1002: CloudTrail would accept the selectors (reported by ETG1001)."""

    rule_id = INVALID
    id = INVALID


class TrailLogging(_TrailguardRule):
    """WTG1003: the trail is logging (reported by ETG1001)."""

    rule_id = NOT_LOGGING
    id = NOT_LOGGING


class SelectorsDecidable(_TrailguardRule):
    """ITG1004: the selectors can be judged before deploy (reported by ETG1001)."""

    rule_id = UNDECIDED
    id = UNDECIDED
