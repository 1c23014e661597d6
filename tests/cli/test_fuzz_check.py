"""Fuzz ``trailguard check``: no input may produce a traceback.

At least 10,000 generated inputs (``TRAILGUARD_FUZZ_INPUTS`` to change), from a seeded
``random.Random`` so that a failure reproduces: random JSON of arbitrary shape, mutated valid
``get-event-selectors`` responses, wrong types, huge and odd strings (lone surrogates, control
characters, NUL, newlines, right-to-left marks), and bytes that are not UTF-8; and hostile
input that must be refused: over the size bound, duplicate keys, ``NaN``/``Infinity``, a list
replaced by a value of another type, other AWS CLI outputs (``describe-trails``, ``get-trail``,
``list-trails``, bare selector lists). Each is fed on standard input to
:func:`trailguard.cli.main` in-process with ``--output text`` and ``--output json`` (sometimes
with ``--accept-exclusions``, ``--resource-types`` or ``--partition`` too), with streams that
behave like Python's on a UTF-8 terminal: standard output refuses what UTF-8 cannot encode (a
lone surrogate; the fuzzer records it as a problem), standard error escapes it.

Checked for every input: no exception escapes ``main`` and no "Traceback" is written; the exit
code is 0, 1 or 2, and 2 for every input of a kind that must be refused; exit 2 writes exactly
one line on standard error and nothing on standard output; exit 0 and 1 write the verdict (JSON
output parses, holds only valid Unicode, and says the same compliance as the exit code);
nothing written holds a raw control character (but newlines), bidirectional control or line
separator.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import pytest

from trailguard.cli import main
from trailguard.cli.inputs import MAX_INPUT_BYTES

INPUTS = int(os.environ.get("TRAILGUARD_FUZZ_INPUTS", "10000"))
SEED = int(os.environ.get("TRAILGUARD_FUZZ_SEED", "20240901"))

TOPIC = "AWS::SNS::Topic"
ENDPOINT = "AWS::SNS::PlatformEndpoint"
TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"
OPERATORS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")
FIELDS = (
    "eventCategory",
    "resources.type",
    "eventName",
    "resources.ARN",
    "readOnly",
    "eventSource",
    "eventType",
    "userIdentity.arn",
    "sessionCredentialFromConsole",
    "errorCode",
    "vpcEndpointId",
    "userIdentity.principalId",
    "",
)

# Strings that tend to break things: lone surrogates (valid JSON escapes, invalid Unicode),
# control characters, NUL, newlines, bidi marks, non-BMP characters, very long values.
ODD_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "\ud800",
    "\udfff",
    "a\ud83dz",
    "\x00",
    "\x1b[31mred\x1b[0m",
    "line1\nline2",
    "cr\rlf",
    "\t",
    "\u202eevil",
    "\ufeff",
    "\U0001f600",
    "é",
    "arn:aws:sns:us-east-1:111122223333:\ud800",
    "arn:aws:sns:us-east-1:111122223333:x\ny",
    "Data",
    "Management",
    TOPIC,
    "Publish",
    "true",
    "false",
    "arn:aws:",
    "x" * 2048,
    "y" * 2049,
)


def _odd_string(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(ODD_STRINGS)
    if roll < 0.8:  # random code points, surrogates and controls included
        return "".join(chr(rng.randrange(0, 0x110000)) for _ in range(rng.randrange(0, 12)))
    if roll < 0.95:
        return "".join(chr(rng.randrange(0, 0x80)) for _ in range(rng.randrange(0, 40)))
    return rng.choice("abc\ud800\n") * rng.choice((5000, 70_000))


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["str", "int", "float", "bool", "null"] + (["list", "dict"] * 2 if depth < 5 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return _odd_string(rng)
    if kind == "int":
        return rng.choice((0, -1, 1, 2**31, 2**63, -(2**64), rng.randrange(-1000, 1000)))
    if kind == "float":
        return rng.choice((0.5, -0.0, 1e308, 1e-308, rng.random()))
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    keys = [
        "AdvancedEventSelectors",
        "EventSelectors",
        "TrailARN",
        "FieldSelectors",
        "Field",
        "Name",
        *OPERATORS,
    ]
    return {
        (rng.choice(keys) if rng.random() < 0.7 else _odd_string(rng)): _random_json(rng, depth + 1)
        for _ in range(rng.randrange(0, 4))
    }


def _valid_response(rng: random.Random) -> dict[str, Any]:
    """A get-event-selectors response CloudTrail could return."""
    if rng.random() < 0.2:
        return {
            "TrailARN": TRAIL,
            "EventSelectors": [
                {
                    "ReadWriteType": rng.choice(("All", "ReadOnly", "WriteOnly")),
                    "IncludeManagementEvents": rng.random() < 0.5,
                    "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
                    "ExcludeManagementEventSources": [],
                }
            ],
        }
    selectors: list[dict[str, Any]] = []
    for _ in range(rng.randrange(1, 4)):
        if rng.random() < 0.2:
            management = {"Field": "eventCategory", "Equals": ["Management"]}
            selectors.append({"FieldSelectors": [management]})
            continue
        fields: list[dict[str, Any]] = [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [rng.choice((TOPIC, ENDPOINT))]},
        ]
        extra = rng.choice(
            (
                {"Field": "eventName", "Equals": ["Publish"]},
                {"Field": "userIdentity.arn", "StartsWith": ["arn:aws:"]},
                {"Field": "userIdentity.arn", "NotStartsWith": ["arn:aws:iam::1:role/x"]},
                {"Field": "sessionCredentialFromConsole", "Equals": ["false"]},
                {"Field": "eventType", "Equals": ["AwsApiCall"]},
                {"Field": "resources.ARN", "NotEndsWith": ["-dlq"]},
                {"Field": "readOnly", "Equals": ["false"]},
            )
        )
        if rng.random() < 0.6:
            fields.append(dict(extra))
        selector: dict[str, Any] = {"FieldSelectors": fields}
        if rng.random() < 0.5:
            selector["Name"] = rng.choice(("sns", "Log SNS data events"))
        selectors.append(selector)
    return {"TrailARN": TRAIL, "AdvancedEventSelectors": selectors}


def _containers(value: Any, out: list[Any]) -> list[Any]:
    if isinstance(value, dict):
        out.append(value)
        for item in value.values():
            _containers(item, out)
    elif isinstance(value, list):
        out.append(value)
        for item in value:
            _containers(item, out)
    return out


def _mutate(rng: random.Random, document: Any) -> Any:
    """Apply 1-3 random edits somewhere in the document (in place where possible)."""
    for _ in range(rng.randrange(1, 4)):
        targets = _containers(document, [])
        if not targets:
            return _random_json(rng)
        target = rng.choice(targets)
        roll = rng.random()
        if isinstance(target, dict):
            if not target or roll < 0.2:
                key = rng.choice((*OPERATORS, "Field", "Name", "FieldSelectors", _odd_string(rng)))
                target[key] = _random_json(rng)
                continue
            key = rng.choice(list(target))
            if roll < 0.4:
                del target[key]
            elif roll < 0.6:
                target[key] = _random_json(rng)
            elif roll < 0.75:
                target[key] = _odd_string(rng) if rng.random() < 0.5 else [_odd_string(rng)]
            elif roll < 0.85 and key == "Field":
                target[key] = rng.choice(FIELDS)
            elif roll < 0.9:
                target[key] = [target[key]] * rng.choice((2, 600))  # many values
            else:
                target[_odd_string(rng)] = target.pop(key)
        else:
            if not target or roll < 0.3:
                target.append(_random_json(rng))
            elif roll < 0.5:
                target.pop(rng.randrange(len(target)))
            elif roll < 0.7:
                target[rng.randrange(len(target))] = _random_json(rng)
            elif roll < 0.8:
                target.extend(target[:1] * rng.choice((1, 50)))
            else:
                target.clear()
    return document


def _bad_bytes(rng: random.Random) -> bytes:
    """Bytes that are not (all) UTF-8 text, or JSON wrapped in odd encodings."""
    valid = json.dumps(_valid_response(rng)).encode()
    roll = rng.random()
    if roll < 0.25:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
    if roll < 0.45:  # one bad byte somewhere in a valid document
        i = rng.randrange(len(valid))
        return (
            valid[:i] + rng.choice((b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82")) + valid[i:]
        )
    if roll < 0.6:
        return valid.decode().encode(rng.choice(("utf-16", "utf-16-le", "utf-32", "latin-1")))
    if roll < 0.7:
        return b"\xef\xbb\xbf" + valid  # a byte-order mark: accepted
    if roll < 0.8:
        return valid[: rng.randrange(len(valid))]  # truncated
    if roll < 0.9:
        return rng.choice((b"", b" ", b"\x00", b"null", b"[" * 50_000, b"1" * 5000, b"-"))
    return valid.replace(b"Data", b"D\x00ta")


CONTROL_STRINGS = ("\x1b[2J", "\n", "\r", "\x00", "\x7f", "\x9b", "\u2028", "\u202e", "\u2066",
                   "x\ntrailguard: error: forged", "\ud800")  # fmt: skip
# Kinds of input that must be refused (exit 2, one line).
REFUSED_KINDS = frozenset(
    ("too-large", "duplicate-key", "constant", "wrong-type-list", "other-output")
)
_TRAIL = {"Name": "main", "TrailARN": TRAIL, "HomeRegion": "us-east-1"}
OTHER_OUTPUTS: tuple[Any, ...] = (
    {},
    {"trailList": [_TRAIL]},
    {"trailList": []},
    {"Trail": _TRAIL},
    {"Trails": [{"TrailARN": TRAIL, "Name": "main", "HomeRegion": "us-east-1"}]},
    {"IsLogging": True, "LatestDeliveryTime": "2024-01-01"},
    {"trailARN": TRAIL, "advancedEventSelectors": []},
    {"ResponseMetadata": {"HTTPStatusCode": 200}},
)


def _encode(rng: random.Random, value: Any, mode: str, done: list[bool]) -> str:
    """JSON text of ``value`` with, in some objects, a key written twice (``duplicate``) or,
    for some scalars, NaN or Infinity instead (``constant``)."""
    if isinstance(value, dict):
        items = [f"{json.dumps(k)}: {_encode(rng, v, mode, done)}" for k, v in value.items()]
        if mode == "duplicate" and value and rng.random() < 0.3:
            key = rng.choice(list(value))
            items.insert(
                rng.randrange(len(items) + 1), f"{json.dumps(key)}: {json.dumps(value[key])}"
            )
            done.append(True)
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_encode(rng, v, mode, done) for v in value) + "]"
    if mode == "constant" and rng.random() < 0.2:
        done.append(True)
        return rng.choice(("NaN", "Infinity", "-Infinity"))
    return json.dumps(value)


def _strict_violation(rng: random.Random, mode: str) -> bytes:
    response = _valid_response(rng)
    done: list[bool] = []
    text = _encode(rng, response, mode, done)
    if not done:  # make sure there is one
        extra = '"TrailARN": "x"' if mode == "duplicate" else '"Extra": [NaN]'
        text = "{" + extra + ", " + text[1:]
    return text.encode()


def _wrong_type_list(rng: random.Random) -> bytes:
    """A valid response with one of its lists replaced by a value of another type."""
    response = _valid_response(rng)
    lists = [(c, k) for c in _containers(response, []) if isinstance(c, dict)
             for k, v in c.items() if isinstance(v, list)]  # fmt: skip
    container, key = rng.choice(lists)
    container[key] = rng.choice(("", 0, {}, None, False, True, "x", 1.5, {"a": []}))
    return _dumps(rng, response)


def _control_strings(rng: random.Random) -> bytes:
    """Control characters where the output repeats input: ARN, names, fields, values, keys."""
    response = _valid_response(rng)

    def odd() -> str:
        return (
            rng.choice(("", "arn:aws:", "a")) + rng.choice(CONTROL_STRINGS) + rng.choice(("", "z"))
        )

    response["TrailARN"] = odd() if rng.random() < 0.5 else TRAIL
    for container in _containers(response, []):
        if isinstance(container, dict) and rng.random() < 0.5:
            if "Field" in container and rng.random() < 0.5:
                container["Field"] = odd()
            elif "FieldSelectors" in container:
                container["Name"] = odd()
            ops = [k for k in container if k in OPERATORS]
            if ops:
                container[rng.choice(ops)] = [odd()]
        if isinstance(container, dict) and rng.random() < 0.1:
            container[odd()] = [odd()]
    return _dumps(rng, response)


def _huge(rng: random.Random, refused: bool) -> bytes:
    """Over the size bound (refused), or just under it (read and judged)."""
    if refused:
        filler = rng.choice((b" ", b"x", b"\\ud800"))
        body = json.dumps(_valid_response(rng)).encode()
        return body[:-1] + b', "Pad": "' + filler * (MAX_INPUT_BYTES // len(filler)) + b'"}'
    response = _valid_response(rng)
    if rng.random() < 0.5:
        text = json.dumps(response).encode()
        return text + b" " * (MAX_INPUT_BYTES - len(text))
    names = [f"arn:aws:sns:us-east-1:111122223333:t{i}" for i in range(80_000)]
    response["AdvancedEventSelectors"] = [
        {"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [TOPIC]},
            {"Field": "resources.ARN", "NotEquals": names},
        ]}
    ]  # fmt: skip
    return json.dumps(response).encode()


@dataclass
class Input:
    kind: str
    data: bytes
    argv: list[str] = field(default_factory=list)


def _dumps(rng: random.Random, value: Any) -> bytes:
    """JSON bytes: ASCII with escapes, or raw UTF-8 (lone surrogates then become bytes that are
    not UTF-8, as a careless producer would write them)."""
    if rng.random() < 0.5:
        return json.dumps(value).encode()
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _extra_args(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.7:
        return []
    if roll < 0.8:
        return ["--resource-types", f"{TOPIC},{ENDPOINT}"]
    if roll < 0.85:
        return ["--partition", rng.choice(("aws-cn", "aws-us-gov", _odd_string(rng) or "x"))]
    exclusion: Any = [{"Field": "resources.ARN", "StartsWith": ["arn:aws:sns:us-east-1:1:t-"]}]
    if rng.random() < 0.7:
        exclusion = _mutate(rng, exclusion) if rng.random() < 0.6 else _random_json(rng)
    text = json.dumps(exclusion, ensure_ascii=rng.random() < 0.5)
    roll = rng.random()
    if roll < 0.1:
        text = text[: rng.randrange(len(text) + 1)] or "x"
    elif roll < 0.15:  # what json.loads refuses other than by JSONDecodeError
        text = rng.choice(("[" + "1" * 5000 + "]", "[" * 100_000, "[NaN]", "\ud800"))
    if text.startswith("@"):
        text = " " + text  # never read a file named by the fuzzer
    return ["--accept-exclusions", text]


def generate(rng: random.Random, n: int) -> list[Input]:
    out: list[Input] = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.25:
            kind, data = "random-json", _dumps(rng, _random_json(rng))
        elif roll < 0.6:
            kind, data = "mutated-valid", _dumps(rng, _mutate(rng, _valid_response(rng)))
        elif roll < 0.7:
            kind = "wrong-type"
            data = _dumps(rng, rng.choice(([], "x", 1, None, True, [_valid_response(rng)])))
        elif roll < 0.85:
            kind = "odd-strings"
            response = _valid_response(rng)
            for container in _containers(response, []):
                if isinstance(container, dict) and rng.random() < 0.4:
                    key = rng.choice(list(container))
                    if key in ("Name", "TrailARN"):
                        container[key] = _odd_string(rng)
                    elif key in OPERATORS:
                        container[key] = [_odd_string(rng)]
            data = _dumps(rng, response)
        elif roll < 0.9:
            kind, data = "bad-bytes", _bad_bytes(rng)
        elif roll < 0.92:
            kind, data = "duplicate-key", _strict_violation(rng, "duplicate")
        elif roll < 0.94:
            kind, data = "constant", _strict_violation(rng, "constant")
        elif roll < 0.96:
            kind, data = "wrong-type-list", _wrong_type_list(rng)
        elif roll < 0.97:
            kind, data = "other-output", _dumps(rng, rng.choice(OTHER_OUTPUTS))
        elif roll < 0.99:
            kind, data = "control-strings", _control_strings(rng)
        else:
            kind, data = "valid", _dumps(rng, _valid_response(rng))
        if i % 1000 == 999:  # a few of the largest inputs: over the bound, or just under it
            kind = "too-large" if i % 2000 == 999 else "large"
            data = _huge(rng, kind == "too-large")
        output = "json" if i % 2 else "text"
        out.append(Input(kind, data, ["check", "-", "--output", output, *_extra_args(rng)]))
    return out


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    error: str | None  # the traceback, when an exception escaped


class Terminal(io.TextIOWrapper):
    """A stream that encodes like Python's standard streams on a UTF-8 terminal: ``strict``
    for standard output, ``backslashreplace`` for standard error. It records a text it could
    not encode (trailguard then writes an escaped copy; the fuzzer reports the leak)."""

    def __init__(self, errors: str) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors=errors, newline="")
        self.refused: list[str] = []

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except UnicodeEncodeError as exc:
            self.refused.append(repr(text[max(exc.start - 20, 0) : exc.end + 20]))
            raise


def run_one(item: Input) -> Outcome:
    stdin = io.TextIOWrapper(io.BytesIO(item.data), encoding="utf-8")
    stdout, stderr = Terminal("strict"), Terminal("backslashreplace")
    try:
        code = main(item.argv, stdin=stdin, stdout=stdout, stderr=stderr)
        stdout.flush()
        stderr.flush()
    except BaseException:
        return Outcome(None, "", "", traceback.format_exc())
    if stdout.refused:
        return Outcome(code, "", "", f"UnicodeEncodeError on standard output: {stdout.refused}")
    raw_out = stdout.buffer.getvalue()
    raw_err = stderr.buffer.getvalue()
    return Outcome(code, raw_out.decode("utf-8"), raw_err.decode("utf-8"), None)


# What no output may hold raw: control characters (a newline is the only one written),
# bidirectional controls, line separators, lone surrogates.
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def problems_of(item: Input, outcome: Outcome) -> list[str]:
    if outcome.error is not None:
        return [f"traceback: {outcome.error.strip().splitlines()[-1]}"]
    problems: list[str] = []
    if outcome.code not in (0, 1, 2):
        problems.append(f"exit code {outcome.code}")
    if item.kind in REFUSED_KINDS and outcome.code != 2:
        problems.append(f"a {item.kind} input was not refused (exit {outcome.code})")
    if "Traceback" in outcome.err:
        problems.append("a traceback on standard error")
    for name, text in (("stdout", outcome.out), ("stderr", outcome.err)):
        raw = RAW.search(text)
        if raw:
            around = text[max(raw.start() - 40, 0) : raw.end() + 20]
            problems.append(f"raw {raw.group()!r} on {name}: {around!r}")
    if outcome.code == 2:
        if outcome.err.count("\n") != 1 or not outcome.err.endswith("\n"):
            problems.append(f"exit 2 with stderr not one line: {outcome.err[:300]!r}")
        if outcome.out:
            problems.append("exit 2 with output on stdout")
    elif outcome.code in (0, 1):
        if not outcome.out:
            problems.append(f"exit {outcome.code} without output")
        elif "json" in item.argv:
            try:
                payload = json.loads(outcome.out)
            except ValueError:
                problems.append("JSON output does not parse")
                return problems
            try:  # a strict reader: every string valid Unicode
                json.dumps(payload, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError as exc:
                problems.append(f"JSON output holds a lone surrogate: {exc}")
            else:
                expected = "COMPLIANT" if outcome.code == 0 else "NON_COMPLIANT"
                if payload.get("compliance") != expected:
                    problems.append(f"exit {outcome.code} but {payload.get('compliance')}")
    return problems


@pytest.mark.slow
def test_fuzz_check() -> None:
    rng = random.Random(SEED)
    items = generate(rng, INPUTS)
    start = time.monotonic()
    tracebacks = 0
    kinds: dict[str, int] = {}
    codes: dict[int | None, int] = {}
    failures: list[str] = []
    for index, item in enumerate(items):
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
        outcome = run_one(item)
        codes[outcome.code] = codes.get(outcome.code, 0) + 1
        if outcome.error is not None:
            tracebacks += 1
        found = problems_of(item, outcome)
        if found and len(failures) < 10:
            failures.append(
                f"#{index} {item.kind} argv={item.argv[1:]!r} stdin={item.data[:200]!r}"
            )
            failures.append("    " + "; ".join(found))
            if outcome.error is not None:
                failures.append(outcome.error)
    elapsed = time.monotonic() - start
    summary = (
        f"fuzzed trailguard check with {len(items)} inputs in {elapsed:.1f}s: "
        f"{tracebacks} tracebacks; inputs by kind {dict(sorted(kinds.items()))}; "
        f"exit codes {dict(sorted(codes.items(), key=str))}"
    )
    print(summary)
    assert len(items) >= 10_000 or "TRAILGUARD_FUZZ_INPUTS" in os.environ, summary
    assert not failures, summary + "\n" + "\n".join(failures)


# --- regressions the fuzzer found (fast, not marked slow) -------------------------------------


def _run(data: bytes, *argv: str) -> Outcome:
    outcome = run_one(Input("regression", data, ["check", "-", *argv]))
    assert outcome.error is None, outcome.error
    return outcome


def test_lone_surrogate_in_text_output_is_escaped_visibly() -> None:
    # A JSON "\ud800" escape decodes to a lone surrogate, which UTF-8 output cannot encode: the
    # text verdict used to crash with UnicodeEncodeError. It now shows the escape.
    document = {
        "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/\ud800",
        "AdvancedEventSelectors": [
            {
                "Name": "sns \udfff",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": [TOPIC]},
                    {"Field": "eventName", "Equals": ["Publish"]},
                ],
            }
        ],
    }
    outcome = _run(json.dumps(document).encode(), "--output", "text")
    assert outcome.code == 1, outcome
    assert "trail/\\ud800" in outcome.out and "'sns \\udfff'" in outcome.out, outcome.out
    # JSON holds the same visible escape (the text backslash-u-d-8-0-0): a strict reader
    # refuses a lone surrogate escape, and what it decoded could not be written as UTF-8.
    as_json = _run(json.dumps(document).encode(), "--output", "json")
    assert as_json.out.isascii() and "\\ud800" not in as_json.out.replace("\\\\", "")
    visible = document["TrailARN"].replace("\ud800", "\\ud800")
    assert json.loads(as_json.out)["trailARN"] == visible


def test_error_naming_a_value_with_newlines_stays_one_line() -> None:
    document = {
        "AdvancedEventSelectors": [
            {
                "FieldSelectors": [
                    # Two categories: still an error under the read profile (cannot be judged)
                    {"Field": "eventCategory", "Equals": ["Data", "line1\nline2\x1b[2J"]}
                ]
            }
        ]
    }
    outcome = _run(json.dumps(document).encode(), "--output", "text")
    assert outcome.code == 2 and outcome.out == "", outcome
    assert outcome.err.count("\n") == 1 and outcome.err.endswith("\n"), outcome.err
    assert "line1\\nline2\\x1b[2J" in outcome.err, outcome.err


def test_accept_exclusions_with_an_integer_too_long_is_bad_input() -> None:
    # json.loads raises a plain ValueError (not JSONDecodeError) for an integer of more than
    # 4,300 digits: it used to escape main as a traceback.
    data = json.dumps({"AdvancedEventSelectors": []}).encode()
    outcome = _run(data, "--accept-exclusions", "[" + "1" * 5000 + "]")
    assert outcome.code == 2 and outcome.err.startswith("trailguard: error: --accept-exclusions")
    assert outcome.err.count("\n") == 1, outcome.err


def test_problems_of_reports_what_it_checks() -> None:
    """The fuzz test's own judge can fail: each broken outcome is reported."""
    item = Input("self-test", b"{}", ["check", "-", "--output", "json"])
    assert problems_of(item, Outcome(None, "", "", "Traceback ...\nValueError: x"))
    assert problems_of(item, Outcome(3, "", "x\n", None))
    assert problems_of(item, Outcome(2, "", "a\nb\n", None))
    assert problems_of(item, Outcome(2, "out", "a\n", None))
    assert problems_of(item, Outcome(1, "not json", "", None))
    assert problems_of(item, Outcome(0, '{"compliance": "NON_COMPLIANT"}', "", None))
    assert problems_of(item, Outcome(2, "", "one line\n", None)) == []
    assert problems_of(item, Outcome(2, "", "Traceback (most recent call last):\n", None))
    assert problems_of(item, Outcome(2, "", "one \x1b[2J line\n", None))
    assert problems_of(item, Outcome(2, "", "one \u202e line\n", None))
    text = Input("self-test", b"{}", ["check", "-", "--output", "text"])
    assert problems_of(text, Outcome(0, "COMPLIANT  x\ry\n", "", None))
    assert problems_of(text, Outcome(0, "COMPLIANT  x\\ry\n", "", None)) == []
    assert problems_of(item, Outcome(0, '{"compliance": "COMPLIANT", "x": "\\ud800"}', "", None))
    assert problems_of(Input("duplicate-key", b"{}", ["check"]), Outcome(0, "ok\n", "", None))
