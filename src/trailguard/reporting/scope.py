"""What a report covers, beside its findings: the scope of the run and the population.

- :class:`ReportScope`: what was asked for and what was reached (accounts, regions), the rules
  and parameters in effect, accepted exclusions, exemptions, the tool's version, the caller's
  identity and the time. An auditor reads it first: a verdict means nothing without it.
- :class:`Population`: every account and region that should have a result (a scan's targets
  times its regions; for ``report --aggregator``, the organization's active accounts times the
  regions the aggregator collects from), each one ``evaluated``, ``no result`` (and why) or
  ``exempted`` (and why). A population with any place that has no result is incomplete, and
  an incomplete report is never clean (exit 1), whatever its findings say.
- :class:`Exemption`: an accepted exception for an account and region (e.g. a region that an
  SCP closes): its findings stay what they are, marked ``exemption``, and no longer make the
  run fail. ``*`` matches any account or region.

Every part is plain data, rendered by every format at the top of the report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

PlaceState = Literal["evaluated", "no result", "exempted"]
EVALUATED: PlaceState = "evaluated"
NO_RESULT: PlaceState = "no result"
EXEMPTED: PlaceState = "exempted"
STATES: tuple[PlaceState, ...] = ("evaluated", "no result", "exempted")


@dataclass(frozen=True, slots=True)
class Exemption:
    """An account-region exemption: ``account`` and ``region`` (``*`` for any), the rule it
    applies to (``*``: every rule) and why it was granted (required: an auditor reads it)."""

    account: str
    region: str
    reason: str
    rule: str = "*"

    def matches(self, account: str, region: str, rule: str) -> bool:
        return (
            self.account in ("*", account)
            and self.region in ("*", region)
            and self.rule in ("*", rule)
        )

    def describe(self) -> str:
        where = f"account {self.account}, region {self.region}"
        if self.rule != "*":
            where += f", rule {self.rule}"
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {
            "account": self.account,
            "region": self.region,
            "rule": self.rule,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exemption:
        return cls(
            account=str(data["account"]),
            region=str(data["region"]),
            reason=str(data["reason"]),
            rule=str(data.get("rule", "*")),
        )


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What the run was asked to cover and what it reached (see the module docstring)."""

    accounts_asked: tuple[str, ...] = ()  # empty: "the caller's account" / "the aggregator's"
    accounts_reached: tuple[str, ...] = ()
    regions_asked: tuple[str, ...] = ()
    regions_reached: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict, hash=False)
    accepted_exclusions: tuple[str, ...] = ()  # each as its JSON text
    exemptions: tuple[Exemption, ...] = ()
    tool_version: str = ""
    caller: str | None = None  # the caller identity's ARN, when known
    generated_at: str = ""
    # The statuses the findings shown were filtered to (``--status``); empty: every finding.
    # What has no result is shown whatever the filter.
    status_filter: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "accountsAsked": list(self.accounts_asked),
            "accountsReached": list(self.accounts_reached),
            "regionsAsked": list(self.regions_asked),
            "regionsReached": list(self.regions_reached),
            "rules": list(self.rules),
            "parameters": dict(self.parameters),
            "acceptedExclusions": list(self.accepted_exclusions),
            "exemptions": [e.to_dict() for e in self.exemptions],
            "toolVersion": self.tool_version,
            "caller": self.caller,
            "generatedAt": self.generated_at,
            "statusFilter": list(self.status_filter),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportScope:
        """What :meth:`to_dict` wrote (a JSON report's ``scope``)."""
        caller = data.get("caller")
        return cls(
            accounts_asked=_strings(data.get("accountsAsked")),
            accounts_reached=_strings(data.get("accountsReached")),
            regions_asked=_strings(data.get("regionsAsked")),
            regions_reached=_strings(data.get("regionsReached")),
            rules=_strings(data.get("rules")),
            parameters={str(k): str(v) for k, v in (data.get("parameters") or {}).items()},
            accepted_exclusions=_strings(data.get("acceptedExclusions")),
            exemptions=tuple(Exemption.from_dict(e) for e in data.get("exemptions") or ()),
            tool_version=str(data.get("toolVersion") or ""),
            caller=None if caller is None else str(caller),
            generated_at=str(data.get("generatedAt") or ""),
            status_filter=_strings(data.get("statusFilter")),
        )


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


@dataclass(frozen=True, slots=True, order=True)
class Place:
    """One account and region of the population, its state and why (empty when evaluated)."""

    account: str
    region: str
    state: PlaceState
    why: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "account": self.account,
            "region": self.region,
            "state": self.state,
            "why": self.why,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        state = data["state"]
        if state not in STATES:
            raise ValueError(f"population: unknown state {state!r}: expected one of {STATES}")
        return cls(str(data["account"]), str(data["region"]), state, str(data.get("why") or ""))


@dataclass(frozen=True, slots=True)
class Population:
    """Every account and region that should have a result, and what each one has."""

    source: str  # where the population comes from, e.g. "AWS Organizations: 12 active accounts"
    places: tuple[Place, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "places", tuple(sorted(self.places)))

    def counts(self) -> dict[str, int]:
        found = Counter(p.state for p in self.places)
        return {state: found.get(state, 0) for state in STATES}

    def missing(self) -> tuple[Place, ...]:
        return tuple(p for p in self.places if p.state == NO_RESULT)

    @property
    def complete(self) -> bool:
        """Every place has a result or is exempted (and there is at least one place)."""
        return bool(self.places) and not self.missing()

    def statement(self) -> str:
        """One sentence: "complete: 12 of 12 account-regions evaluated" or "INCOMPLETE: ..."."""
        counts = self.counts()
        total = len(self.places)
        text = f"{counts[EVALUATED]} of {total} account-region(s) evaluated"
        if counts[EXEMPTED]:
            text += f", {counts[EXEMPTED]} exempted"
        if self.complete:
            return f"complete: {text} ({self.source})"
        if not total:
            return f"INCOMPLETE: no account-region found ({self.source})"
        return f"INCOMPLETE: {text}, {counts[NO_RESULT]} with no result ({self.source})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "complete": self.complete,
            "statement": self.statement(),
            "counts": self.counts(),
            "places": [p.to_dict() for p in self.places],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Population:
        """What :meth:`to_dict` wrote (its complete, statement and counts are recomputed)."""
        places = tuple(Place.from_dict(p) for p in data.get("places") or ())
        return cls(source=str(data["source"]), places=places)
