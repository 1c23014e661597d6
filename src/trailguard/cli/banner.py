"""What ``scan`` and ``report`` say on stderr before they start, and ``--quiet``.

The banner is one line naming who runs and what is covered, e.g.::

    trailguard scan: account 111122223333 (arn:aws:sts::111122223333:assumed-role/Audit/me),
    regions eu-west-1, us-east-1, us-west-2, ...14 more, 3 accounts via role Audit

(one line; wrapped here). Never on standard output, so a report piped on is unchanged.
``--quiet`` leaves only errors and warnings on stderr: no banner, no progress bar, no notes
(retries, waits, throttling). Standard output is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TextIO

from .common import one_line

REGIONS_SHOWN = 3
# What --quiet lets through: the lines of an error or a warning.
KEPT = ("trailguard: error", "trailguard: failed", "trailguard: refused", "warning:")


def regions_text(regions: Sequence[str]) -> str:
    """``eu-west-1, us-east-1, us-west-2, ...14 more``."""
    shown = ", ".join(regions[:REGIONS_SHOWN])
    more = len(regions) - REGIONS_SHOWN
    return f"{shown}, ...{more} more" if more > 0 else shown


def scan_banner(
    account: str,
    caller: str,
    regions: Sequence[str],
    accounts: int | None = None,
    role: str | None = None,
) -> str:
    """The banner of ``scan``; ``accounts`` and ``role`` with ``--org``."""
    noun = "region" if len(regions) == 1 else "regions"
    line = f"trailguard scan: account {account} ({caller}), {noun} {regions_text(regions)}"
    if accounts is not None:
        line += f", {accounts} account{'s' * (accounts != 1)} via role {role}"
    return one_line(line) + "\n"


def report_banner(account: str, caller: str, region: str, aggregator: str | None) -> str:
    """The banner of ``report``: the account and region read, or the aggregator."""
    where = f"aggregator {aggregator} in {region}" if aggregator else f"region {region}"
    return one_line(f"trailguard report: account {account} ({caller}), {where}") + "\n"


def with_config(line: str, path: str | None) -> str:
    """The banner naming the settings file read, if any."""
    return line if path is None else line.rstrip("\n") + f", settings {one_line(path)}\n"


class QuietStream:
    """stderr under ``--quiet``: only what is an error or a warning is written (each is
    written whole, in one call, by the commands)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        if text.startswith(KEPT):
            self.stream.write(text)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False  # no progress bar
