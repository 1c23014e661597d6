"""Shared test set-up: fake credentials only, the snapshot switch, and the Hypothesis profiles.

Profiles, chosen by ``TRAILGUARD_HYPOTHESIS_PROFILE`` (default ``ci``):

- ``ci``: every property test runs the example count written on it (``make test``);
- ``fast``: at most ``FAST_EXAMPLES`` examples per property test (``make fast``), except where
  an example-count variable below is set, which always wins.

The AWS behaviour model (``tests/support/aws_behaviours.py``: documented AWS behaviours moto
lacks) is on for every test under tests/aws, tests/demo, tests/rules and tests/ssm
(``--no-aws-behaviours``: moto alone), and for any other test that asks for the
``aws_behaviours`` fixture (which yields the model, to set its switches) or carries
``@pytest.mark.aws_behaviours(**switches)``; the marker's switches apply in those folders too
(``enabled=False``: off for that test).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from hypothesis import settings

PROFILE_VARIABLE = "TRAILGUARD_HYPOTHESIS_PROFILE"
FAST_EXAMPLES = 10
# Variables that set one test module's example count themselves (read in that module).
EXAMPLE_COUNT_VARIABLES = {
    "test_differential": "TRAILGUARD_DIFF_EXAMPLES",
    "test_plan_properties": "TRAILGUARD_PROPERTY_EXAMPLES",
}

settings.register_profile("ci")
settings.register_profile("fast", max_examples=FAST_EXAMPLES)
settings.load_profile(os.environ.get(PROFILE_VARIABLE, "ci"))

# Tests never reach AWS and never read real credentials.
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(_name, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

# Every test builds new boto3 sessions, and each session's loader parses the service models
# again (most of a moto test's time). Tests share one read-only loader per data path instead;
# what the code under test does with its sessions is unchanged.
botocore.session.create_loader = functools.cache(botocore.session.create_loader)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="rewrite snapshot files from the current output (review the diff before committing)",
    )
    parser.addoption(
        "--no-aws-behaviours",
        action="store_true",
        help="run tests/aws and tests/demo against moto alone, without the AWS behaviour model",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "aws_behaviours(**switches): run with the AWS behaviour model on "
        "(tests/support/aws_behaviours.py), its switches set",
    )


def _cap_examples(item: pytest.Item, cap: int) -> None:
    """Lower an explicit ``@settings(max_examples=...)`` to ``cap``: a profile only sets
    defaults, and Hypothesis has no public way to override a count written on the test."""
    test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
    if not getattr(test, "is_hypothesis_test", False):
        return
    module = getattr(getattr(item, "module", None), "__name__", "")
    variable = EXAMPLE_COUNT_VARIABLES.get(module.rpartition(".")[2])
    if variable and variable in os.environ:
        return
    current = test._hypothesis_internal_use_settings
    if current.max_examples > cap:
        test._hypothesis_internal_use_settings = settings(current, max_examples=cap)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        # `make snapshots` selects these with -m snapshot.
        if "update_snapshots" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.snapshot)
        if settings.get_current_profile_name() == "fast":
            _cap_examples(item, settings.default.max_examples)


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


# Test folders where the AWS behaviour model is on.
BEHAVIOUR_SCOPE = ("aws", "demo", "rules", "ssm")


@pytest.fixture
def aws_behaviours(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The AWS behaviour model, hooked into every client made during the test; switches from
    the ``aws_behaviours`` marker, then from an indirect parameter (a dict)."""
    from aws_behaviours import installed

    switches: dict[str, Any] = {}
    marker = request.node.get_closest_marker("aws_behaviours")
    if marker is not None:
        switches.update(marker.kwargs)
    switches.update(getattr(request, "param", None) or {})
    yield from installed(**switches)


@pytest.fixture(autouse=True)
def _aws_behaviours_switch(request: pytest.FixtureRequest) -> None:
    marked = request.node.get_closest_marker("aws_behaviours") is not None
    folder = request.node.path.parent.name
    here = folder in BEHAVIOUR_SCOPE and not request.config.getoption("--no-aws-behaviours")
    if marked or here:
        request.getfixturevalue("aws_behaviours")


def _validating(render: Any, findings_of: Any) -> Any:
    """``render`` that also checks every finding of its JSON output against the schema."""
    from findings import assert_valid_finding

    @functools.wraps(render)
    def wrapped(*args: Any) -> str:
        text: str = render(*args)
        for finding in findings_of(args, text):
            assert_valid_finding(finding)
        return text

    return wrapped


def _report_or_check_findings(args: tuple[Any, ...], text: str) -> list[Any]:
    import json

    subject, _, name = args
    if name != "json" or subject not in ("report", "check"):
        return []
    data = json.loads(text)
    if subject == "report":
        return list(data["findings"])
    return [item["finding"] for item in (data if isinstance(data, list) else [data])]


def _iac_findings(args: tuple[Any, ...], text: str) -> list[Any]:
    import json

    return [r["finding"] for f in json.loads(text) for r in f["resources"]]


@pytest.fixture(autouse=True)
def _findings_fit_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every JSON output a test makes through the CLI (report, scan, check, iac) has findings
    that fit ``schema/finding.schema.json``."""
    import trailguard.cli.iac
    from trailguard.reporting import formats

    monkeypatch.setattr(formats, "render", _validating(formats.render, _report_or_check_findings))
    iac_render = trailguard.cli.iac.render_json
    monkeypatch.setattr(trailguard.cli.iac, "render_json", _validating(iac_render, _iac_findings))
