"""The demo's sandbox organization, built in-process (moto's ``mock_aws``) for the tests of
one step at a time; its build output is dropped, so a test sees only what its step writes."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from moto import mock_aws

from trailguard.demo import Sandbox


@pytest.fixture
def sandbox() -> Iterator[tuple[Sandbox, io.StringIO]]:
    out = io.StringIO()
    with mock_aws():
        built = Sandbox(out)
        built.build()
        out.seek(0)
        out.truncate()
        yield built, out
