"""``trailguard report`` with the shared report options: its banner, its scope block, the
status filter and an exemption, with AWS Config and STS answered by botocore Stubbers (moto
implements none of Config's evaluation calls). The account has no trailguard rule deployed,
so the report holds one NOT_EVALUATED entry: no filter hides it and no exemption clears it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from report_runs import cli

import trailguard.aws.clients
from trailguard import __version__
from trailguard.rules.registry import rules

ACCOUNT = "111122223333"
REGION = "eu-west-1"
CALLER = f"arn:aws:iam::{ACCOUNT}:user/auditor"
NO_PACK = (
    f"account {ACCOUNT}, region {REGION}: no trailguard Config rule here: is the pack deployed "
    "in this account and region?"
)


class StubbedClients:
    """Stands in for trailguard.aws.clients.Clients: the stubbed clients, one region."""

    region = REGION

    def __init__(self, clients: dict[str, Any]) -> None:
        self.clients = clients

    def client(self, service: str, region: str | None = None) -> Any:
        assert region in (None, REGION)
        return self.clients[service]


@pytest.fixture
def no_pack(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Stubber]]:
    """Each run: the caller's identity, then an account with no Config rule of trailguard."""
    clients = {s: boto3.client(s, region_name=REGION) for s in ("sts", "config")}
    stubs = [Stubber(c) for c in clients.values()]

    def from_profile(profile: str | None, region: str | None, notify: Any = None) -> Any:
        stubs[0].add_response(
            "get_caller_identity",
            {"UserId": "AIDAEXAMPLE", "Account": ACCOUNT, "Arn": CALLER},
            {},
        )
        stubs[1].add_response("describe_config_rules", {"ConfigRules": []}, {})
        return StubbedClients(clients)

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", staticmethod(from_profile))
    for stub in stubs:
        stub.activate()
    yield stubs
    for stub in stubs:
        stub.assert_no_pending_responses()
        stub.deactivate()


def test_report_banner_scope_and_what_has_no_result(no_pack: list[Stubber], folder: Path) -> None:
    (folder / "trailguard.toml").write_text(
        '[[exemptions]]\naccount = "*"\nregion = "*"\nreason = "sandbox"\n'
    )
    code, out, err = cli("report", "--output", "json", "--status", "FAIL")
    data = json.loads(out)
    assert (code, err) == (
        1,
        f"trailguard report: account {ACCOUNT} ({CALLER}), region {REGION}, settings "
        "trailguard.toml\n",
    )
    assert data["notEvaluated"] == [NO_PACK]
    assert [(f["status"], f["exemption"]) for f in data["findings"]] == [("NOT_EVALUATED", None)]
    assert data["scope"] == {
        "accountsAsked": [ACCOUNT],
        "accountsReached": [],
        "regionsAsked": [REGION],
        "regionsReached": [],
        "rules": [r.id for r in rules()],
        "parameters": {},
        "acceptedExclusions": [],
        "exemptions": [{"account": "*", "region": "*", "rule": "*", "reason": "sandbox"}],
        "toolVersion": __version__,
        "caller": CALLER,
        "generatedAt": data["generatedAt"],
        "statusFilter": ["FAIL"],
    }


def test_report_quiet_and_several_formats(no_pack: list[Stubber], folder: Path) -> None:
    code, out, err = cli("report", "-q", "--output", "md,ocsf,asff", "--out-dir", ".")
    names = sorted(p.name for p in folder.iterdir())
    assert (code, err, len(names)) == (1, "", 3)
    assert [n.split(".", 1)[1] for n in names] == ["asff.json", "md", "ocsf.json"]
    assert out == "".join(f"report written to {n}\n" for n in (names[1], names[2], names[0]))
    asff = json.loads((folder / names[0]).read_text())
    assert [f["Compliance"]["Status"] for f in asff] == ["NOT_AVAILABLE"]
