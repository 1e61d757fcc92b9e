"""The canonical layouts: error messages, problems, and coercion of clean frames."""

from __future__ import annotations

import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.schema import (
    EVENT_DTYPE,
    HiringFunnelError,
    Problem,
    as_canonical_events,
    check_events,
)


def test_error_names_file_line_column_and_hint_on_one_line() -> None:
    err = HiringFunnelError("bad\ndate", source="log.csv", line=7, column="When", hint="fix it")
    assert str(err) == "log.csv:7: column 'When': bad date (fix it)"


def test_problem_prefers_its_own_file() -> None:
    assert Problem(3, "x", "oops").format("events.csv") == "events.csv:3: column 'x': oops"
    assert Problem(3, None, "oops", source="attrs.csv").format("events.csv") == "attrs.csv:3: oops"


def test_as_canonical_events_accepts_mixed_iso_and_sets_dtypes() -> None:
    ev = as_canonical_events(
        pd.DataFrame(
            {
                "application_id": ["a", "a"],
                "event": ["applied", "offer"],
                "timestamp": ["2024-03-02", "2024-03-01T09:00:00+02:00"],
            }
        )
    )
    assert ev["event"].dtype == EVENT_DTYPE
    assert str(ev["timestamp"].dt.tz) == "UTC"
    assert ev["timestamp"].iloc[1] == pd.Timestamp("2024-03-01 07:00", tz="UTC")
    assert ev["line"].tolist() == [2, 3]
    check_events(ev)


def test_package_exports_the_data_flow() -> None:
    for name in ("read_events", "episodes", "life_table", "simulate", "summarise", "load_mapping"):
        assert callable(getattr(hf, name))
    with pytest.raises(HiringFunnelError, match="missing the required column"):
        check_events(pd.DataFrame({"application_id": ["a"]}))
