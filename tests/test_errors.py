"""HiringFunnelError: a ValueError whose place and kind are fields, not text to parse."""

from __future__ import annotations

import pickle

import pytest

import hiring_funnel as hf
from hiring_funnel.schema import HiringFunnelError


def test_except_value_error_catches_it() -> None:
    with pytest.raises(ValueError, match="not a date"):
        raise HiringFunnelError("not a date", file="log.csv", line=3)
    assert issubclass(hf.HiringFunnelError, ValueError)


def test_fields_are_set() -> None:
    err = HiringFunnelError(
        "not a date", file="log.csv", line=3, column="applied", code="bad_date", hint="use ISO"
    )
    assert (err.message, err.file, err.line, err.column, err.code, err.hint) == (
        "not a date",
        "log.csv",
        3,
        "applied",
        "bad_date",
        "use ISO",
    )
    bare = HiringFunnelError("--seed must be a non-negative integer")
    assert (bare.file, bare.line, bare.column, bare.code, bare.hint) == (None,) * 5


def test_source_is_the_older_name_of_file() -> None:
    err = HiringFunnelError("file not found", source="log.csv")
    assert err.file == "log.csv" and err.source == "log.csv"
    assert HiringFunnelError("x", file="a.csv").source == "a.csv"
    assert HiringFunnelError("x", file="a.csv", source="a.csv").file == "a.csv"
    with pytest.raises(AttributeError):
        err.source = "other.csv"  # type: ignore[misc]
    with pytest.raises(TypeError, match="not both"):
        HiringFunnelError("x", file="a.csv", source="b.csv")


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({}, "bad"),
        ({"file": "a.csv"}, "a.csv: bad"),
        ({"source": "a.csv", "line": 4}, "a.csv:4: bad"),
        ({"line": 4}, "bad"),  # a line without its file is not printed
        ({"column": "x"}, "column 'x': bad"),
        (
            {"file": "a.csv", "line": 2, "column": "x", "hint": "fix it"},
            "a.csv:2: column 'x': bad (fix it)",
        ),
        ({"code": "row_value"}, "bad"),  # the code is for programs, not in the text
    ],
)
def test_the_one_line_text_is_unchanged(kwargs: dict[str, object], text: str) -> None:
    err = HiringFunnelError("bad", **kwargs)  # type: ignore[arg-type]
    assert str(err) == text
    assert err.args == (text,)


def test_line_breaks_and_controls_stay_out_of_the_text() -> None:
    err = HiringFunnelError("bad\nvalue", file="a\u2028b.csv", hint="\x1b[31mred")
    assert str(err) == "a b.csv: bad value ( [31mred)"


def test_a_pickled_error_keeps_its_fields() -> None:
    # Errors cross process boundaries (a worker of a pool): the fields go with them.
    err = HiringFunnelError(
        "x", file="a.csv", line=2, column="c", code="bad_date", hint="h", data={"day": 4}
    )
    back = pickle.loads(pickle.dumps(err))
    assert dict(back.data) == {"day": 4}
    assert type(back) is HiringFunnelError and str(back) == str(err)
    assert (back.file, back.line, back.column, back.code, back.hint) == (
        "a.csv",
        2,
        "c",
        "bad_date",
        "h",
    )


def test_a_reading_error_carries_its_file() -> None:
    with pytest.raises(ValueError) as info:
        hf.read_events("no/such/events.csv")
    assert isinstance(info.value, HiringFunnelError)
    assert info.value.file is not None and info.value.file.endswith("events.csv")


def test_a_models_error_carries_its_facts_as_data() -> None:
    """What a program needs to word the error itself is in code and data, not in the text."""
    import pandas as pd

    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": [1.0, 2, 3, 4, 5, 6],
            "cause": pd.Categorical(["offer", "offer", None, "offer", None, None]),
            "size": ["a", "a", "b", "b", "c", "c"],
        }
    )
    with pytest.raises(HiringFunnelError) as info:
        hf.cause_specific_cox(ep, cause="offer", covariates=["size"])
    assert info.value.code == "separation"
    assert dict(info.value.data) == {"column": "size", "level": "c", "cause": "offer"}
    with pytest.raises(TypeError):
        info.value.data["level"] = "d"  # type: ignore[index]
