"""Checks the live commands make on their input before any AWS call (numeric options in range,
region names botocore knows, a source checkout for ``build`` and ``deploy``), and how they open
their AWS clients (retries announced on stderr)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TextIO

from .common import OptionError, UsageError, one_line

# --- numeric options ----------------------------------------------------------------------


def positive_int(maximum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from 1 to ``maximum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also digits beyond Python's limit for int()
            value = 0
        if not 1 <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from 1 to {maximum}, got {text!r}"
            )
        return value

    return parse


def positive_float(maximum: float, what: str = "a number") -> Callable[[str], float]:
    """An argparse ``type``: a finite number greater than 0 and at most ``maximum``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not 0 < value <= maximum:  # also refuses nan; inf is above any maximum
            raise argparse.ArgumentTypeError(
                f"expected {what} greater than 0 and at most {maximum:g}, got {text!r}"
            )
        return value

    return parse


# --- regions and the AWS clients of a command --------------------------------------------


def region_problems(
    names: list[str], where: str, partition: str | None = None, why: str = ""
) -> tuple[str | None, list[str]]:
    """Checks region names against botocore's partitions before any call is made with them.

    A name that is no region (neither listed nor matching a partition's pattern) is refused
    with a did-you-mean (OptionError); so is a region of another partition than
    ``partition`` (or than the first name's), ``why`` saying where that partition comes from.
    A name that only matches a partition's pattern may be a region newer than the installed
    botocore: accepted, with a warning (returned, for :func:`warn`). Returns the partition.
    """
    from trailguard.aws.regions import LISTED, all_regions, classify

    from .suggest import region_hint

    warnings = []
    for name in names:
        found = classify(name)
        if found is None:
            raise OptionError(
                f"{where}: {name!r} is not an AWS region{region_hint(name, all_regions())}"
            )
        found_partition, how = found
        if partition is None:
            partition, why = found_partition, why or f" (the partition of {name})"
        elif found_partition != partition:
            raise OptionError(
                f"{where}: {name} is a region of partition {found_partition}, not of "
                f"{partition}{why}"
            )
        if how != LISTED:
            warnings.append(
                f"{where}: {name!r} is not a region the installed botocore lists; it has the "
                f"form of partition {found_partition}'s regions, so it is used as given"
            )
    return partition, warnings


def notifier(stream: TextIO) -> Callable[[str], None]:
    """Progress notes (retries, waits) as ``trailguard: LINE`` on ``stream``."""

    def notify(line: str) -> None:
        stream.write(f"trailguard: {one_line(line)}\n")
        stream.flush()

    return notify


def open_clients(args: argparse.Namespace, region: str | None = None) -> tuple[Any, list[str]]:
    """The command's AWS clients (:class:`trailguard.aws.clients.Clients`), announcing
    retries on stderr, and the warnings about its region: ``region`` (checked by the caller),
    else ``--region`` (checked here before the session is made), else the profile's or the
    environment's (checked once the session has it)."""
    from trailguard.aws.clients import AwsSetupError, Clients

    warnings: list[str] = []
    if region is None and args.region is not None:
        region = args.region
        warnings = region_problems([region], "--region")[1]
    try:
        clients = Clients.from_profile(args.profile, region, notify=notifier(args.stderr))
    except AwsSetupError as exc:
        raise UsageError(str(exc)) from exc
    if region is None:
        where = "the region of the AWS profile or environment (AWS_REGION, AWS_DEFAULT_REGION)"
        try:
            warnings += region_problems([clients.region], where)[1]
        except OptionError as exc:
            raise UsageError(str(exc)) from exc
    return clients, warnings


def checkout_root(root: str, command: str) -> Any:
    """``--root`` as a path, refused (one line, exit 2) unless it holds a source checkout:
    ``build`` and ``deploy`` read the rules' folders there and write or upload what is built."""
    from pathlib import Path

    path = Path(root)
    if not (path / "rules").is_dir():
        where = "the current folder" if root == "." else root
        raise UsageError(
            f"{where} is not a trailguard source checkout (no rules/ folder): run trailguard "
            f"{command} in the checkout, or pass --root CHECKOUT"
        )
    return path
