"""Scan benchmark: trails a second, and CloudTrail calls per trail, against a moto server on
127.0.0.1 holding 1,000 trails across 10 accounts and 4 regions (an organization).

Prints figures; asserts nothing. Target: at most 2 CloudTrail calls per trail (selectors and
status) plus one listing per account-region. The moto server, in this process, serves every
call, so the rate is a floor for what the scanner itself costs, not a prediction for AWS
(where CloudTrail's 10 calls a second per account-region dominate).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from trailguard.aws.scan import Scanner, Target
from trailguard.aws.session import session_from_credentials
from trailguard.rules.parameters import rule_parameters

ACCOUNTS = 10
REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2")
TRAILS_PER_ACCOUNT_REGION = 25
SNS = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
]
PUBLISH_ONLY = [*SNS, {"Field": "eventName", "Equals": ["Publish"]}]


def _session(creds: dict[str, Any] | None, region: str = REGIONS[0]) -> Any:
    if creds is None:
        return boto3.Session(region_name=region)
    return session_from_credentials(boto3.Session, creds, region)


def seed() -> list[Target]:
    management = _session(None)
    organizations = management.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    targets = [Target(management.client("sts").get_caller_identity()["Account"], management)]
    for i in range(ACCOUNTS - 1):
        account = organizations.create_account(Email=f"a{i}@example.com", AccountName=f"a{i}")[
            "CreateAccountStatus"
        ]["AccountId"]
        creds = management.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
            RoleSessionName="bench",
        )["Credentials"]
        targets.append(Target(account, _session(creds)))
    for target in targets:
        bucket = f"bench-trails-{target.account_id}"
        target.session.client("s3").create_bucket(Bucket=bucket)
        for region in REGIONS:
            cloudtrail = target.session.client("cloudtrail", region_name=region)
            for n in range(TRAILS_PER_ACCOUNT_REGION):
                name = f"trail-{region}-{n:02d}"
                cloudtrail.create_trail(Name=name, S3BucketName=bucket)
                fields = SNS if n % 3 else PUBLISH_ONLY
                cloudtrail.put_event_selectors(
                    TrailName=name,
                    AdvancedEventSelectors=[{"Name": "sns", "FieldSelectors": fields}],
                )
                cloudtrail.start_logging(Name=name)
    return targets


def main() -> None:
    logging.disable(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://{host}:{port}",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    os.environ.pop("AWS_PROFILE", None)
    try:
        targets = seed()
        for label, raw in (
            ("tag exemption off", '{"ExemptionTagKey": "-"}'),
            ("rule defaults", None),
        ):
            scanner = Scanner(targets, list(REGIONS), rule_parameters(raw), max_workers=16)
            start = time.perf_counter()
            result = scanner.scan()
            seconds = time.perf_counter() - start
            trails = len(result.facts)
            listings = result.calls["DescribeTrails"]
            per_trail = (sum(result.calls.values()) - listings) / trails
            print(
                f"scan ({label}): {trails} trails in {ACCOUNTS} accounts x {len(REGIONS)} regions "
                f"in {seconds:.1f} s = {trails / seconds:.0f} trails/s; CloudTrail calls: "
                f"{per_trail:.2f} per trail + {listings} listings "
                f"({listings / (ACCOUNTS * len(REGIONS)):.0f} per account-region); "
                f"calls by API {dict(sorted(result.calls.items()))}; errors {len(result.errors)}"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
