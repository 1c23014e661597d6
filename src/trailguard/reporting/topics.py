"""The SNS topics at stake in an account-region finding of a live scan: which of the topics
(and platform endpoints) listed there go unrecorded, and how many were checked; or why they
could not be listed. Carried from the scan to :func:`trailguard.reporting.model.scan_report`,
keyed by (account, region)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from trailguard.rules.registry import rules

if TYPE_CHECKING:
    from trailguard.reporting.model import ReportEntry

# How an account-region finding says its topics were not listed (a cause of the finding).
NOT_LISTED = "SNS topics not listed, so none is named here: "


@dataclass(frozen=True, slots=True)
class TopicsAtStake:
    """``unrecorded``: the ARNs whose publishes go unrecorded, sorted; ``checked``: how many
    were listed and judged. Both None, and ``error`` saying why, when the listing failed: a
    failed listing names nothing, and changes no verdict. ``note``: why the listing is
    partial (it stopped at a bound)."""

    unrecorded: tuple[str, ...] | None
    checked: int | None
    error: str | None = None
    note: str | None = None

    def causes(self) -> tuple[str, ...]:
        """What the finding adds to its causes."""
        return ((NOT_LISTED + self.error,) if self.error else ()) + (
            (self.note,) if self.note else ()
        )


TopicsByPlace = Mapping[tuple[str, str], TopicsAtStake]


def with_topics(entries: Iterable[ReportEntry], topics: TopicsByPlace) -> list[ReportEntry]:
    """``entries``, each account-region verdict with the topics at stake where it is."""
    scopes = {r.id: r.scope for r in rules()}
    out: list[ReportEntry] = []
    for entry in entries:
        found = topics.get((entry.account_id, entry.region))
        if found is None or scopes.get(entry.rule) != "account-region":
            out.append(entry)
            continue
        out.append(
            replace(
                entry,
                unrecorded_topics=found.unrecorded,
                topics_checked=found.checked,
                causes=entry.causes + found.causes(),
            )
        )
    return out
