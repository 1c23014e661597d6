"""The YAML writer reads back (with PyYAML) to exactly what it was given."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.artifacts.yamlout import to_yaml

# Strings YAML 1.1 would read as something else if written plain: numbers, dates, base-60
# integers, special floats, booleans, nulls, mapping and comment markers.
TRICKY = [
    "0.3",
    "true",
    "no",
    "~",
    "x:",
    "{{Ref}}",
    "$.Payload",
    "2012-10-17",
    "1:20",
    "0x1F",
    "0b101",
    ".inf",
    "1e5",
    "Yes",
    "NULL",
    "a: b",
    "a #b",
    "line\n",
    "two\n\n",
    " lead",
    "tab\there",
]
KEYS = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True)
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=40),
    st.sampled_from(TRICKY),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4),
        st.dictionaries(KEYS, inner, min_size=1, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.dictionaries(KEYS, documents, min_size=1, max_size=5))
def test_round_trip(document: dict[str, Any]) -> None:
    assert yaml.safe_load(to_yaml(document) + "\n") == document  # files end with a newline


def test_tricky_strings_read_back_as_strings() -> None:
    document = {f"k{i}": text for i, text in enumerate(TRICKY)}
    assert yaml.safe_load(to_yaml(document) + "\n") == document


def test_multi_line_strings_keep_their_final_newlines() -> None:
    for text in ("a\nb", "a\nb\n", "a\nb\n\n", "  indented\nfirst", "script:\n  x = 1\n"):
        assert yaml.safe_load(to_yaml({"k": text}) + "\n") == {"k": text}
    assert to_yaml({"k": "a\nb\n"}) == "k: |\n  a\n  b"
