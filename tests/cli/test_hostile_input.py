"""Hostile input to ``check`` and ``plan``: size, duplicate keys, non-JSON constants, values of
the wrong type, other AWS CLI outputs, control characters, and outputs that cannot be written.

Each bad input is exit 2 with exactly one line on standard error naming what is wrong and
where; what is written (verdict, warnings) never holds a raw control character; the exit code
of ``check`` is the verdict's even when its output cannot be written.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selector_data import TOPIC

from trailguard.cli import main
from trailguard.cli.inputs import MAX_INPUT_BYTES

STDIN = "trailguard: error: standard input: "
PIPE = "pipe `aws cloudtrail get-event-selectors --trail-name NAME` instead"
TOO_LARGE = (
    "more than 4,194,304 bytes (4 MiB), the most trailguard reads: a get-event-selectors "
    "response (at most 500 values of up to 2,048 characters) is far smaller"
)
SNS_FIELDS = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": [TOPIC]},
]
COMPLIANT = json.dumps({"AdvancedEventSelectors": [{"FieldSelectors": SNS_FIELDS}]})


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run(*argv: str, stdin: str | bytes = "", command: str = "check") -> Result:
    data = stdin.encode("utf-8", "surrogatepass") if isinstance(stdin, str) else stdin
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main([command, *argv], stdin=stream, stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def error(line: str) -> Result:
    return Result(2, "", line + "\n")


def sns(*extra: dict[str, Any], **selector: Any) -> str:
    return json.dumps(
        {"AdvancedEventSelectors": [{**selector, "FieldSelectors": [*SNS_FIELDS, *extra]}]}
    )


# --- size: refused before it is parsed ---------------------------------------------------------


class CountingStream(io.BytesIO):
    """Standard input's buffer, recording how many bytes were asked for."""

    asked: list[int]

    def read(self, size: int | None = -1) -> bytes:
        self.asked = [*getattr(self, "asked", []), -1 if size is None else size]
        return super().read(size)


class Stdin(io.TextIOBase):
    def __init__(self, buffer: io.BytesIO) -> None:
        self.buffer = buffer


def test_input_over_the_bound_is_refused_without_reading_the_rest() -> None:
    huge = CountingStream(b'{"TrailARN": "' + b"x" * (10 * 1024 * 1024) + b'"}')
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "-"], stdin=Stdin(huge), stdout=out, stderr=err)  # type: ignore[arg-type]
    assert (code, out.getvalue(), err.getvalue()) == (2, "", STDIN + TOO_LARGE + "\n")
    assert huge.asked == [MAX_INPUT_BYTES + 1]
    assert huge.tell() == MAX_INPUT_BYTES + 1


def test_input_of_exactly_the_bound_is_read(tmp_path: Path) -> None:
    padded = COMPLIANT + " " * (MAX_INPUT_BYTES - len(COMPLIANT))
    assert run(stdin=padded) == Result(0, run(stdin=COMPLIANT).out, "")
    path = tmp_path / "big.json"
    path.write_text(padded + " ", encoding="utf-8")
    assert run(str(path)) == error(f"trailguard: error: {path}: {TOO_LARGE}")


def test_text_stream_without_a_buffer_is_bounded_too() -> None:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(COMPLIANT + " " * MAX_INPUT_BYTES)
    assert main(["check"], stdin=stdin, stdout=out, stderr=err) == 2
    assert (out.getvalue(), err.getvalue()) == ("", STDIN + TOO_LARGE + "\n")


# --- duplicate keys and non-JSON constants, with where they are ----------------------------------

STRICT_JSON = [
    (
        '{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", '
        '"Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"], '
        '"Equals": ["AWS::S3::Object"]}]}]}',
        "AdvancedEventSelectors[0].FieldSelectors[1].Equals: duplicate key (JSON readers "
        "disagree on which counts)",
    ),
    (
        '{"AdvancedEventSelectors": [], "AdvancedEventSelectors": [{"FieldSelectors": []}]}',
        "AdvancedEventSelectors: duplicate key (JSON readers disagree on which counts)",
    ),
    (
        '{"ResponseMetadata": {"a b": 1, "a b": 2}, "AdvancedEventSelectors": []}',
        'ResponseMetadata["a b"]: duplicate key (JSON readers disagree on which counts)',
    ),
    (
        '{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventName", '
        '"NotEquals": ["Publish", NaN]}]}]}',
        "AdvancedEventSelectors[0].FieldSelectors[0].NotEquals[1]: NaN is not a JSON value",
    ),
    ('{"TrailARN": Infinity}', "TrailARN: Infinity is not a JSON value"),
    ("-Infinity", "the document: -Infinity is not a JSON value"),
    (
        # The first problem in document order is named.
        '{"x": [NaN], "y": {"k": 1, "k": 2}}',
        "x[0]: NaN is not a JSON value",
    ),
]


@pytest.mark.parametrize(("document", "message"), STRICT_JSON)
def test_duplicate_keys_and_constants_are_refused_where_they_are(
    document: str, message: str
) -> None:
    assert run(stdin=document) == error(STDIN + message)


def test_accept_exclusions_is_read_strictly_too() -> None:
    exclusion = '[{"Field": "resources.ARN", "StartsWith": ["a"], "StartsWith": ["b"]}]'
    assert run("--accept-exclusions", exclusion, stdin=COMPLIANT) == error(
        "trailguard: error: --accept-exclusions: [0].StartsWith: duplicate key (JSON readers "
        "disagree on which counts) (see trailguard check --help)"
    )


# --- values of the wrong type: never an empty list --------------------------------------------


@pytest.mark.parametrize(
    ("value", "got"),
    [("", "a string"), (0, "a number"), ({}, "an object"), (None, "null"), (False, "a boolean")],
)
@pytest.mark.parametrize(
    ("template", "path"),
    [
        ('{"AdvancedEventSelectors": %s}', "AdvancedEventSelectors"),
        ('{"EventSelectors": %s}', "EventSelectors"),
        ('{"EventSelectors": [{"DataResources": %s}]}', "EventSelectors[0].DataResources"),
        (
            '{"EventSelectors": [{"ExcludeManagementEventSources": %s}]}',
            "EventSelectors[0].ExcludeManagementEventSources",
        ),
        (
            '{"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": %s}]}]}',
            "EventSelectors[0].DataResources[0].Values",
        ),
        (
            sns({"Field": "resources.ARN", "NotStartsWith": "VALUE"}).replace('"VALUE"', "%s"),
            "AdvancedEventSelectors[0].FieldSelectors[2] (resources.ARN).NotStartsWith",
        ),
    ],
)
def test_a_wrong_type_where_a_list_belongs_is_an_error(
    template: str, path: str, value: object, got: str
) -> None:
    assert run(stdin=template % json.dumps(value)) == error(
        STDIN + f"{path}: expected a list, got {got}"
    )


def test_read_write_type_null_is_named_as_null() -> None:
    assert run(stdin='{"EventSelectors": [{"ReadWriteType": null}]}') == error(
        STDIN + "EventSelectors[0].ReadWriteType: expected a string, got null"
    )


def test_null_name_and_trail_arn_only_label() -> None:
    document = json.loads(sns(Name=None))
    document["TrailARN"] = None
    assert run("--output", "json", stdin=json.dumps(document)).code == 0


# --- other AWS CLI outputs: what it looks like and what to pipe instead ------------------------

TRAIL = {"Name": "main", "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}
NOT_SELECTORS = [
    ({}, "an empty object with none of the keys TrailARN, EventSelectors, "
         f"AdvancedEventSelectors is not get-event-selectors output; {PIPE}"),
    ({"trailList": [TRAIL]}, f"this looks like describe-trails output; {PIPE}"),
    ({"Trail": TRAIL}, f"this looks like get-trail output; {PIPE}"),
    ({"Trails": [TRAIL], "NextToken": "x"}, f"this looks like list-trails output; {PIPE}"),
    ({"IsLogging": True}, f"this looks like get-trail-status output; {PIPE}"),
    ({"trailARN": TRAIL["TrailARN"], "advancedEventSelectors": []},
     f"this looks like an AWS Config configuration item (camelCase keys); {PIPE}"),
    ({"Selectors": []}, "an object with none of the keys TrailARN, EventSelectors, "
                        f"AdvancedEventSelectors is not get-event-selectors output; {PIPE}"),
    ([{"FieldSelectors": SNS_FIELDS}], "this looks like a list of advanced event selectors; "
     'wrap it as {"AdvancedEventSelectors": [...]}, or ' + PIPE),
    (SNS_FIELDS, f"this looks like a list of field selectors, not a trail's selectors; {PIPE}"),
    ([{"ReadWriteType": "All", "IncludeManagementEvents": True}],
     "this looks like a list of basic event selectors; wrap it as "
     '{"EventSelectors": [...]}, or ' + PIPE),
    ([], "expected a JSON object as printed by 'aws cloudtrail get-event-selectors', got a list"),
]  # fmt: skip


@pytest.mark.parametrize("command", ["check", "plan"])
@pytest.mark.parametrize(("document", "message"), NOT_SELECTORS)
def test_other_outputs_say_what_they_look_like(
    command: str, document: object, message: str
) -> None:
    assert run(stdin=json.dumps(document), command=command) == error(STDIN + message)


@pytest.mark.parametrize(
    "document",
    [
        {"TrailARN": TRAIL["TrailARN"]},  # a trail with nothing configured, as saved
        {"AdvancedEventSelectors": [{"FieldSelectors": SNS_FIELDS}]},  # no ARN
        {"EventSelectors": []},
        {"changed": True, "AdvancedEventSelectors": [{"FieldSelectors": SNS_FIELDS}]},  # plan's
    ],
)
def test_what_was_accepted_is_still_accepted(document: dict[str, Any]) -> None:
    result = run("--output", "json", stdin=json.dumps(document))
    assert (result.code in (0, 1), result.err) == (True, "")
    assert json.loads(result.out)["trailARN"] == document.get("TrailARN")


# --- control characters from the input never reach a terminal raw ------------------------------


def test_trail_arn_with_a_newline_stays_on_its_line() -> None:
    arn = "arn:aws:cloudtrail:us-east-1:111122223333:trail/x\nCOMPLIANT  forged\x1b[2J"
    document = json.loads(sns())
    document["TrailARN"] = arn
    result = run(stdin=json.dumps(document))
    assert result.code == 0
    assert result.out.splitlines()[0] == (
        "COMPLIANT  arn:aws:cloudtrail:us-east-1:111122223333:trail/x\\nCOMPLIANT  "
        "forged\\x1b[2J  (advanced selectors)"
    )
    assert len(result.out.splitlines()) == 2


def test_field_name_with_a_newline_is_one_warning_line() -> None:
    field = "x\ntrailguard: error: forged\u202e"
    result = run(stdin=sns({"Field": field, "Equals": ["v"]}))
    assert result.code == 1
    assert result.err == (
        "warning: standard input: AdvancedEventSelectors[0].FieldSelectors[2] "
        "(x\\ntrailguard: error: forged\\u202e): field 'x\\ntrailguard: error: forged\\u202e' "
        "is not known to trailguard for Data selectors; evaluated as narrowing the selector\n"
    )


def test_value_with_escape_sequences_in_the_text_verdict() -> None:
    value = "arn:aws:sns:us-east-1:111122223333:t\r\x1b[31m\x9b\u2028"
    result = run(stdin=sns({"Field": "resources.ARN", "StartsWith": [value]}))
    assert result.code == 1
    escaped = "arn:aws:sns:us-east-1:111122223333:t\\r\\x1b[31m\\x9b\\u2028"
    assert escaped in result.out
    assert not any(c in result.out for c in "\r\x1b\x9b\u2028")


def test_json_verdict_escapes_what_a_terminal_acts_on() -> None:
    document = json.loads(sns())
    document["TrailARN"] = "arn\x1b\x9b\u202e\ud800"
    result = run("--output", "json", stdin=json.dumps(document))
    assert result.code == 0 and result.out.isascii()
    assert '"trailARN": "arn\\u001b\\u009b\\u202e\\\\ud800",' in result.out
    # JSON escapes decode to the same text; the lone surrogate is the visible text \ud800.
    assert json.loads(result.out)["trailARN"] == "arn\x1b\x9b\u202e\\ud800"


# --- an output that cannot be written does not change the exit code ---------------------------


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(("document", "code"), [(COMPLIANT, 0), (sns(Name="x"), 0), ("{}", 2)])
def test_broken_pipe_keeps_the_verdict_exit_code(document: str, code: int) -> None:
    err = io.StringIO()
    stdin = io.StringIO(document)
    assert main(["check"], stdin=stdin, stdout=ClosedPipe(), stderr=err) == code
    if code == 0:
        assert err.getvalue() == "trailguard: error: cannot write the output: Broken pipe\n"


def test_output_that_is_not_utf8_gets_escapes_not_a_crash() -> None:
    buffer = io.BytesIO()
    latin = io.TextIOWrapper(buffer, encoding="ascii", errors="strict")
    document = json.loads(sns())
    document["TrailARN"] = "arn:é\U0001f600"
    err = io.StringIO()
    code = main(["check"], stdin=io.StringIO(json.dumps(document)), stdout=latin, stderr=err)
    assert (code, err.getvalue()) == (0, "")
    assert buffer.getvalue().decode("ascii").startswith("COMPLIANT  arn:\\xe9\\U0001f600  (")
