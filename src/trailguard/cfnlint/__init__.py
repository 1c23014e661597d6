"""trailguard's cfn-lint rules: ``cfn-lint -a trailguard.cfnlint template.yaml`` (or
``append_rules: [trailguard.cfnlint]`` in ``.cfnlintrc``). Needs ``pip install
'trailguard[cfnlint]'``; this is the only package of trailguard that imports cfn-lint.

Rules (the block [EWI]TG1001-TG1999 is trailguard's):

- ETG1001 a trail or event data store does not record the required data events (the core's
  cause and an example event in the message); configurable: ``resource_types``,
  ``event_names``, ``accepted_exclusions`` (JSON), ``partition``, ``judged_types``;
- ETG1002 selectors CloudTrail would reject, at the property that breaks the rule;
- WTG1003 ``IsLogging: false`` (event data stores: ``IngestionEnabled: false``);
- ITG1004 a selector value that is an intrinsic function decides the verdict: not decidable
  before deploy, never a pass (cfn-lint shows informational rules with ``-c I`` or
  ``include_checks: [ITG]``).
"""

from __future__ import annotations

from .rules import SelectorsAccepted, SelectorsDecidable, SnsDataEventsRecorded, TrailLogging

__all__ = ["SelectorsAccepted", "SelectorsDecidable", "SnsDataEventsRecorded", "TrailLogging"]
