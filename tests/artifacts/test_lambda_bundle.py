"""The rule Lambda bundles run where Lambda runs them: a Python with boto3 and nothing else.

Each bundle is unpacked into a fresh virtual environment that holds only boto3 and the
packages boto3 itself needs (no trailguard install, no moto), and its handler is invoked as
Lambda would, against a moto server on 127.0.0.1 holding real trails.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from trailguard.rules.registry import rule_ids

ROOT = Path(__file__).resolve().parents[2]
BOTO3_AND_DEPS = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "six", "urllib3")
ACCOUNT = "123456789012"
# End to end: a new venv and a moto server per run.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    _seed(endpoint)
    yield endpoint
    moto.stop()


@pytest.fixture(scope="module")
def boto3_only_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv whose only third-party code is boto3 and its dependencies."""
    home = tmp_path_factory.mktemp("lambda-venv")
    venv.create(home, with_pip=False)
    site = next(home.glob("lib/python*/site-packages"))
    for name in BOTO3_AND_DEPS:
        module = importlib.import_module(name)
        origin = Path(module.__file__ or "")
        source = origin.parent if origin.name == "__init__.py" else origin
        (site / source.name).symlink_to(source)
    return home / "bin" / "python"


def _seed(endpoint: str) -> None:
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    s3.create_bucket(Bucket="bundle-trails")
    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1", endpoint_url=endpoint)
    for name, selectors in (
        ("bundle-compliant", [{"Field": "eventCategory", "Equals": ["Data"]},
                              {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]}]),
        ("bundle-management", [{"Field": "eventCategory", "Equals": ["Management"]}]),
    ):  # fmt: skip
        cloudtrail.create_trail(Name=name, S3BucketName="bundle-trails", IsMultiRegionTrail=True)
        cloudtrail.put_event_selectors(
            TrailName=name, AdvancedEventSelectors=[{"Name": name, "FieldSelectors": selectors}]
        )
        cloudtrail.start_logging(Name=name)


PROBE = """
import json, sys, types
sys.path.insert(0, sys.argv[1])
import botocore.client
import handler, trailguard
put = []
call = botocore.client.BaseClient._make_api_call
def record(self, operation, params):
    if operation == "PutEvaluations":
        put.extend(params["Evaluations"])
    return call(self, operation, params)
botocore.client.BaseClient._make_api_call = record
assert trailguard.__file__.startswith(sys.argv[1]), trailguard.__file__
for banned in ("moto", "jsonschema", "yaml"):
    try:
        __import__(banned)
    except ImportError:
        pass
    else:
        raise SystemExit(banned + " is importable")
context = types.SimpleNamespace(
    invoked_function_arn="arn:aws:lambda:us-east-1:{account}:function:trailguard-rule"
)
result = handler.lambda_handler(json.loads(sys.argv[2]), context)
seen = [(e["ComplianceResourceType"], e["ComplianceResourceId"], e["ComplianceType"],
         e["Annotation"]) for e in put]
print(json.dumps({"result": result, "evaluations": seen}))
"""


@pytest.mark.parametrize("rule_id", rule_ids())
def test_bundle_runs_with_only_boto3(
    rule_id: str, server: str, boto3_only_python: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(ROOT / "deploy" / "lambda" / f"{rule_id}.zip") as bundle:
        bundle.extractall(tmp_path)
    invoking = {
        "messageType": "ScheduledNotification",
        "notificationCreationTime": "2026-11-26T00:00:00.000Z",
        "awsAccountId": ACCOUNT,
    }
    event = {
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": "{}",
        "resultToken": "TESTMODE",
        "accountId": ACCOUNT,
        "configRuleName": rule_id,
    }
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    proc = subprocess.run(
        [str(boto3_only_python), "-I", "-c", PROBE.replace("{account}", ACCOUNT),
         str(tmp_path), json.dumps(event)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout.strip().splitlines()[-1])
    assert printed["result"] == {"rule": rule_id, "evaluations": len(EXPECTED[rule_id])}
    assert sorted(map(tuple, printed["evaluations"])) == EXPECTED[rule_id]


# What each rule puts for the two seeded trails, worked out by hand: the SNS selector logs every
# topic event; the management-only trail has no SNS selector at all.
EXPECTED = {
    "cloudtrail-sns-data-events-enabled": [
        (
            "AWS::CloudTrail::Trail",
            "bundle-compliant",
            "COMPLIANT",
            "Logged for every resource, caller and session: Publish and PublishBatch on "
            "AWS::SNS::Topic",
        ),
        (
            "AWS::CloudTrail::Trail",
            "bundle-management",
            "NON_COMPLIANT",
            "Publish and PublishBatch on AWS::SNS::Topic are not logged: no advanced selector "
            "has resources.type AWS::SNS::Topic; add one (trailguard plan)",
        ),
    ],
    "cloudtrail-sns-data-events-account-coverage": [
        (
            "AWS::::Account",
            ACCOUNT,
            "COMPLIANT",
            "Trail bundle-compliant (us-east-1) logs it: Logged for every resource, caller and "
            "session: Publish and PublishBatch on AWS::SNS::Topic",
        ),
    ],
}


def test_venv_has_nothing_but_boto3(boto3_only_python: Path) -> None:
    proc = subprocess.run(
        [str(boto3_only_python), "-I", "-c", "import trailguard"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode != 0 and "No module named 'trailguard'" in proc.stderr
    assert sys.prefix != str(boto3_only_python.parent.parent)
