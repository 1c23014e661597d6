"""Fixtures of the tests of the report options (``test_report_options``, ``test_settings_file``):
an empty current folder, and moto with the two-trail account of ``report_runs``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from report_runs import REGION
from selector_data import MANAGEMENT, SNS_ALL_OWN, make_trail, moto_with_bucket


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty current folder: no settings file is read but the test's own."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def two_trails(folder: Path) -> Iterator[Path]:
    """moto with the two-trail account (see ``report_runs``), in ``folder``."""
    with moto_with_bucket():
        for name, selectors in (("good-trail", [MANAGEMENT, SNS_ALL_OWN]),
                                ("bad-trail", [MANAGEMENT])):  # fmt: skip
            arn = make_trail(name, advanced=selectors)
            boto3.client("cloudtrail", region_name=REGION).start_logging(Name=arn)
        yield folder
