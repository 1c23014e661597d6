"""The sandbox's SNS topics (``topics`` in sandbox.json: per account, per region, topic names),
so that the demo's scan names the real topics whose publishes go unrecorded: ``orders`` and
``payments`` where the payments account's trails miss them, one team's topic next to another's
in Tokyo, where a trail records only ``team-a-`` topics, and topics in compliant regions too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

SANDBOX_DATA = Path(__file__).resolve().parent / "sandbox.json"


def sandbox_topics() -> dict[str, dict[str, list[str]]]:
    """Topic names by account key (management, payments, analytics), then by region."""
    topics: dict[str, dict[str, list[str]]] = json.loads(SANDBOX_DATA.read_text(encoding="utf-8"))[
        "topics"
    ]
    return topics


def create_topics(sessions: dict[str, Any], say: Callable[[str], None]) -> list[str]:
    """Create the sandbox's topics with each account's session; say which; their ARNs."""
    arns: list[str] = []
    for key, regions in sandbox_topics().items():
        shown = []
        for region, names in regions.items():
            sns = sessions[key].client("sns", region_name=region)
            arns += [sns.create_topic(Name=name)["TopicArn"] for name in names]
            shown.append(f"{region} {', '.join(names)}")
        say(f"  {key:<10} SNS topics: {'; '.join(shown)}")
    return arns
