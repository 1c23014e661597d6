"""Who ``trailguard scan`` reads: the accounts it enters (a :class:`Target` each) and the
regions enabled for them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.session import assume_role_session, error_text


@dataclass(slots=True)
class Target:
    """An account to scan: the session that enters it, or why there is none."""

    account_id: str
    session: Any | None
    error: str | None = None


def enabled_regions(session: Any, region: str) -> list[str]:
    """The regions enabled for the account, as EC2 reports them."""
    ec2 = session.client("ec2", region_name=region)
    regions = ec2.describe_regions(AllRegions=False)["Regions"]
    return sorted(r["RegionName"] for r in regions)


def organization_targets(
    session: Any,
    role_name: str,
    only: Iterable[str] | None,
    make_session: Callable[..., Any],
) -> list[Target]:
    """Every ACTIVE account of the organization (or ``only`` those), entered through
    ``role_name`` (the caller's own account with the caller's credentials)."""
    me = session.client("sts").get_caller_identity()
    own, partition = me["Account"], me["Arn"].split(":")[1]
    accounts: list[str] = []
    paginator = session.client("organizations").get_paginator("list_accounts")
    for page in paginator.paginate():
        accounts += [a["Id"] for a in page["Accounts"] if a.get("Status") == "ACTIVE"]
    wanted = set(only) if only else None
    targets: list[Target] = []
    for account in sorted(accounts):
        if wanted is not None and account not in wanted:
            continue
        if account == own:
            targets.append(Target(account, session))
            continue
        role = f"arn:{partition}:iam::{account}:role/{role_name}"
        try:
            entered = assume_role_session(session, make_session, role, "trailguard-scan")
        except (ClientError, BotoCoreError) as exc:
            targets.append(Target(account, None, f"cannot assume {role}: {error_text(exc)}"))
            continue
        targets.append(Target(account, entered))
    for account in sorted((wanted or set()) - set(accounts)):
        targets.append(Target(account, None, "not an active account of the organization"))
    return targets
