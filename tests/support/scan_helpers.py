"""Helpers for the ``trailguard scan`` tests: an organization seeded in a moto server.

``build_org`` makes, in a running ``ThreadedMotoServer`` (AWS_ENDPOINT_URL already set), an
organization of the management account (moto's default 123456789012) and three member accounts
entered through ``OrganizationAccountAccessRole``, and one trail per selector fixture spread
over the four accounts and three regions: some multi-region (so shadow copies are listed in
the other regions), some stopped, some tagged ``trailguard:exempt=true`` (the rule's default
exemption tag key), plus an organization trail of the management account. Each fixture's
selectors are put as they are; for the fixtures with no selector key or an empty list, nothing
is put. A "solo" account outside the organization holds a single compliant trail.

moto (5.2.x) facts relied on: ``assume_role`` into any account id succeeds and the returned
credentials act as that account; ``get_event_selectors`` returns both keys (an empty list for
the kind not put); a trail is stopped until ``start_logging``; an organization trail is listed
only in its own account.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber
from selector_data import ACCOUNT, SNS_ALL_OWN, fixture_paths, load_fixture, trail_arn

from trailguard.cli import main

REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1")
ROLE = "OrganizationAccountAccessRole"
MANAGEMENT = ACCOUNT  # moto's default account
SOLO = "210987654321"  # an account outside the organization
EXEMPT_TAG = "trailguard:exempt"
SELECTOR_KEYS = ("EventSelectors", "AdvancedEventSelectors")
SNS_ALL = {"AdvancedEventSelectors": [SNS_ALL_OWN]}


@dataclass(frozen=True)
class SeededTrail:
    name: str
    arn: str
    account: str
    region: str
    fixture: str  # path under tests/fixtures/selectors
    selectors: dict[str, Any]  # the fixture (a get-event-selectors response)
    multi_region: bool = False
    organization: bool = False
    logging: bool = True
    exempt: bool = False

    @property
    def put(self) -> dict[str, Any]:
        """What was put with PutEventSelectors (nothing for no key or an empty list)."""
        return {k: v for k, v in self.selectors.items() if k in SELECTOR_KEYS and v}

    @property
    def expected_compliant(self) -> bool:
        return self.fixture.startswith("compliant/")


@dataclass
class Org:
    endpoint: str
    management: str
    members: list[str]
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)
    trails: list[SeededTrail] = field(default_factory=list)
    solo_trail: SeededTrail | None = None
    _sessions: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _clients: dict[tuple[str, str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def accounts(self) -> list[str]:
        return sorted([self.management, *self.members])

    def session(self, account: str, region: str = REGIONS[0]) -> Any:
        """A session acting as ``account`` (cached: creating sessions is slow)."""
        key = (account, region)
        if key not in self._sessions:
            self._sessions[key] = self._new_session(account, region)
        return self._sessions[key]

    def client(self, account: str, service: str, region: str = REGIONS[0]) -> Any:
        key = (account, service, region)
        if key not in self._clients:
            self._clients[key] = self.session(account).client(service, region_name=region)
        return self._clients[key]

    def _new_session(self, account: str, region: str) -> Any:
        creds = self.credentials.get(account)
        if creds is None:
            return boto3.Session(region_name=region)
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region,
        )

    def by_arn(self) -> dict[str, SeededTrail]:
        return {t.arn: t for t in self.trails}


def _assume(management: Any, account: str) -> dict[str, str]:
    creds = management.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="trailguard-test"
    )["Credentials"]
    return {k: creds[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}


def _create(org: Org, trail: SeededTrail) -> SeededTrail:
    client = org.client(trail.account, "cloudtrail", trail.region)
    tags = [{"Key": EXEMPT_TAG, "Value": "true"}] if trail.exempt else []
    created = client.create_trail(
        Name=trail.name,
        S3BucketName=f"trailguard-scan-{trail.account}",
        IsMultiRegionTrail=trail.multi_region,
        IsOrganizationTrail=trail.organization,
        TagsList=tags,
    )
    if trail.put:
        client.put_event_selectors(TrailName=trail.name, **trail.put)
    if trail.logging:
        client.start_logging(Name=trail.name)
    assert created["TrailARN"] == trail.arn
    return trail


def _plain_trail(name: str, account: str, **flags: bool) -> SeededTrail:
    """A trail of the first region with compliant selectors (a plain SNS topic selector)."""
    path = "compliant/sns-topic-plain-selector.json"
    return SeededTrail(
        name=name,
        arn=trail_arn(name, REGIONS[0], account),
        account=account,
        region=REGIONS[0],
        fixture=path,
        selectors=load_fixture(path),
        **flags,
    )


def build_org(endpoint: str) -> Org:
    management = boto3.Session(region_name=REGIONS[0])
    organizations = management.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    me = management.client("sts").get_caller_identity()["Account"]
    assert me == MANAGEMENT
    members = []
    for name in ("payments", "analytics", "sandbox"):
        status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)
        members.append(status["CreateAccountStatus"]["AccountId"])
    org = Org(endpoint, me, members)
    for account in members:
        org.credentials[account] = _assume(management, account)
    org.credentials[SOLO] = _assume(management, SOLO)
    for account in [*org.accounts, SOLO]:
        org.client(account, "s3").create_bucket(Bucket=f"trailguard-scan-{account}")
    accounts = [me, *members]
    for i, path in enumerate(fixture_paths()):
        stem = Path(path).stem
        account = accounts[i % 4]
        region = REGIONS[(i // 4) % 3]
        name = ("c-" if path.startswith("compliant/") else "n-") + stem
        stopped = i % 7 == 3
        trail = SeededTrail(
            name=name,
            arn=trail_arn(name, region, account),
            account=account,
            region=region,
            fixture=path,
            selectors=load_fixture(path),
            multi_region=i % 5 == 0,
            logging=not stopped,
            exempt=i % 13 == 6 and not stopped,
        )
        org.trails.append(_create(org, trail))
    # An organization trail of the management account (multi-region, compliant selectors).
    org_trail = _plain_trail("org-trail", me, multi_region=True, organization=True)
    org.trails.append(_create(org, org_trail))
    org.solo_trail = _create(org, _plain_trail("solo-trail", SOLO))
    return org


# The line scan and report write first on stderr (unless --quiet): who runs and what is covered.
BANNER = re.compile(r"trailguard (?:scan|report): account \d{12} \(arn:[^)\n]*\), [^\n]*\n")


def without_banner(stderr: str) -> str:
    """``stderr`` without the banner line scan and report write first (tests/cli checks it)."""
    found = BANNER.match(stderr)
    return stderr[found.end() :] if found else stderr


# --- the core, through the CLI ------------------------------------------------------------------


def check(selectors: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``trailguard check - --output json`` on ``selectors``: exit code and parsed output."""
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["check", "-", "--output", "json"], stdin=io.StringIO(json.dumps(selectors)),
        stdout=out, stderr=err,
    )  # fmt: skip
    assert err.getvalue() == "", err.getvalue()
    return code, json.loads(out.getvalue())


# --- Config's side of a rule run -----------------------------------------------------------------


class ConfigStubbedSession:
    """A boto3 session whose ``config`` clients are botocore Stubbers (moto lacks
    GetComplianceDetailsByConfigRule): each answers one empty page of previous results for
    ``rule_name`` when ``previous`` is set. Every other client is the real (moto) one."""

    def __init__(self, session: Any, rule_name: str, previous: bool) -> None:
        self._session = session
        self.region_name = session.region_name
        self.rule_name = rule_name
        self.previous = previous
        self.stubbers: list[Stubber] = []

    def client(self, service: str, region_name: str | None = None, **kwargs: Any) -> Any:
        region = region_name or self.region_name
        client = self._session.client(service, region_name=region, **kwargs)
        if service == "config":
            stubber = Stubber(client)
            if self.previous:
                stubber.add_response(
                    "get_compliance_details_by_config_rule",
                    {"EvaluationResults": []},
                    {"ConfigRuleName": self.rule_name,
                     "ComplianceTypes": ["COMPLIANT", "NON_COMPLIANT"]},
                )  # fmt: skip
            stubber.activate()
            self.stubbers.append(stubber)
        return client


def scheduled_event(rule_id: str, account: str) -> dict[str, Any]:
    invoking = {
        "messageType": "ScheduledNotification",
        "notificationCreationTime": "2024-05-02T03:04:05.678Z",
        "awsAccountId": account,
    }
    return {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": "{}",
        "resultToken": "TESTMODE",
        "eventLeftScope": False,
        "configRuleName": rule_id,
        "accountId": account,
    }
