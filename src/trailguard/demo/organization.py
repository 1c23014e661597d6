"""The sandbox's organization as AWS runs one, where moto does not: a member account lists
the management account's organization trails, and the rules run as deployed org-wide (a
central function in the management account, acting in members through their role); and how
the sandbox is emptied."""

from __future__ import annotations

import types
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3


def members_see_organization_trails(session: Any, management: Any) -> Any:
    """``session`` (a member account's), whose DescribeTrails (shadow trails included, the
    default) also lists the organization trails of ``management`` (the management account's
    session). AWS lists them to every member account (CloudTrail user guide, "Creating a trail
    for an organization"); moto lists them to their own account only."""

    def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["demo_shadow_trails"] = params.get("includeShadowTrails", True)

    def add(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if not context.get("demo_shadow_trails") or "trailList" not in parsed:
            return
        owner = management.client("cloudtrail", region_name=context["client_region"])
        listed = {t["TrailARN"] for t in parsed["trailList"]}
        parsed["trailList"] += [
            t
            for t in owner.describe_trails(includeShadowTrails=True)["trailList"]
            if t.get("IsOrganizationTrail") and t["TrailARN"] not in listed
        ]

    session.events.register("before-parameter-build.cloudtrail.DescribeTrails", remember)
    session.events.register("after-call.cloudtrail.DescribeTrails", add)
    return session


def central_function(
    management_id: str, region: str, member_session: Callable[..., Any]
) -> tuple[Any, Callable[..., Any]]:
    """The central rule function of ``region`` in the management account: its Lambda context,
    and how it makes sessions (its own credentials; ``member_session(**kwargs)`` for a role
    assumed in a member account)."""
    arn = f"arn:aws:lambda:{region}:{management_id}:function:trailguard"

    def make_session(**kwargs: Any) -> Any:
        if "aws_access_key_id" in kwargs:  # a role assumed in a member account
            return member_session(**kwargs)
        return boto3.Session(region_name=kwargs.get("region_name", region))

    return types.SimpleNamespace(invoked_function_arn=arn), make_session


def reset(server: Any) -> None:
    """Empty the sandbox: moto keeps its state per process, so a demo starts from nothing and
    leaves nothing behind for anything else in the same process."""
    host, port = server.get_host_and_port()
    request = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30):  # 127.0.0.1 only
        pass
