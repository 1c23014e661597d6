"""The one table of exit codes: every command's ``--help`` names its codes from it
(:func:`trailguard.cli.common.exit_codes`), and README's exit-code table is this table (a test
compares them)."""

from __future__ import annotations

from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_NON_COMPLIANT, EXIT_OK, EXIT_REFUSED

EXIT_UNCONFIRMED = 5
EXIT_LEFT = 6
EXIT_DEFERRED = 7
EXIT_INTERRUPTED = 130
# Every exit code of every command: its name and what it means. Each command's --help lists
# the codes it uses by these names (exit_codes), and README's exit-code table is this table (a
# test compares them).
EXIT_TABLE: dict[int, tuple[str, str]] = {
    EXIT_OK: ("ok", "compliant, or done"),
    EXIT_NON_COMPLIANT: (
        "non-compliant",
        "something is non-compliant or was not evaluated, or would be changed (a dry run)",
    ),
    EXIT_BAD_INPUT: (
        "bad input",
        "bad input, usage or AWS set-up (credentials, profile, region); one line on stderr",
    ),
    EXIT_REFUSED: ("refused", "understood, but cannot be done safely; nothing written"),
    EXIT_FAILED: ("failed", "an AWS call, a build or a verification failed"),
    EXIT_UNCONFIRMED: ("unconfirmed", "the put succeeded but no read showed it by the deadline"),
    EXIT_LEFT: ("left", "another writer changed the trail; not put back over their change"),
    EXIT_DEFERRED: (
        "deferred",
        "ConflictException or throttling until the deadline; nothing written; retry later",
    ),
    EXIT_INTERRUPTED: ("interrupted", "stopped by Ctrl-C"),
}


def exit_line(code: int, text: str) -> str:
    name, meaning = EXIT_TABLE[code]  # a code not in the table fails every --help (and a test)
    text = text or meaning
    return f"  {code}  {text}" if text.lower().startswith(name) else f"  {code}  {name}: {text}"
