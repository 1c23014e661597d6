"""The YAML writer reads back (with PyYAML) to exactly what it was given."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.yamlout import to_yaml

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=40),
    st.sampled_from(["0.3", "true", "no", "~", "a: b", "x:", "{{ Ref }}", "$.Payload", "line\n"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4),
        st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True), inner,
                        min_size=1, max_size=4),
    ),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=300, deadline=None, database=None)
@given(st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True), documents,
                       min_size=1, max_size=5))  # fmt: skip
def test_round_trip(document: dict[str, Any]) -> None:
    assert yaml.safe_load(to_yaml(document) + "\n") == document  # files end with a newline


def test_multi_line_strings_keep_their_final_newlines() -> None:
    for text in ("a\nb", "a\nb\n", "a\nb\n\n", "  indented\nfirst", "script:\n  x = 1\n"):
        assert yaml.safe_load(to_yaml({"k": text}) + "\n") == {"k": text}
    assert to_yaml({"k": "a\nb\n"}) == "k: |\n  a\n  b"
