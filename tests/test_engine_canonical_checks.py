"""The canonical reader's checks (engine/canonical.py) give the pandas path's answers.

``check_canonical`` is Ibis expressions only, so the engine under them does not
change them: here they run on DuckDB through Ibis (fast, Hypothesis-generated
logs); tests/test_engine_canonical.py runs them on Spark in ``local[1]``. The
reference is ``read_events`` on the same rows written as CSV (the pandas path,
pinned to R in tests/test_against_r.py): the same rows loaded, the same lines
quarantined with the same kinds, in the same order of checks (exact copies,
cells, as-of date, conflicting duplicates, conflicting outcomes, events before
their application).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hiring_funnel as hf
from hiring_funnel.engine.canonical import check_canonical

AS_OF = "2024-06-01"
IDS = ["a1", "a2", "a3", "a4", " a1", ""]
EVENTS = [*hf.schema.EVENTS, "offer", "rejection", "applied", "lunch", "", " Screen"]
DATES = [
    "2024-03-01",
    "2024-03-02",
    "2024-03-02 09:30",
    "2024-03-05",
    "2024-03-09",
    "",
    "not a date",
    "2024-07-01",  # after the as-of date
]

#: A log where each check fires, and the kinds its lines are quarantined with.
SMALL_LOG = pd.DataFrame(
    [
        ("a1", "applied", "2024-03-01"),
        ("a1", "applied", "2024-03-01"),  # exact copy of line 2
        ("a1", "rejection", "2024-03-05"),
        ("a2", "applied", "2024-03-02"),
        ("a2", "offer", "2024-03-03"),  # conflicting outcomes
        ("a2", "rejection", "2024-03-04"),  # conflicting outcomes
        ("a3", "applied", "2024-03-02"),
        ("a3", "offer", "2024-03-03"),  # conflicting duplicates
        ("a3", "offer", "2024-03-05"),  # conflicting duplicates
        ("a4", "applied", "2024-03-10"),
        ("a4", "screen", "2024-03-09"),  # before its application
        ("a4", "screen", "2024-07-01"),  # after the as-of date
        ("", "x", "2024-03-01"),  # missing id
        ("a5", "applied", "2024-03-01"),
        ("a5", "offer", "2024-03-02"),  # conflicting duplicates ...
        ("a5", "offer", "2024-03-03"),
        ("a5", "rejection", "2024-03-04"),  # ... so the rejection is the one outcome left
    ],
    columns=["application_id", "event", "timestamp"],
)
SMALL_LOG_KINDS = {
    3: "exact_duplicate",
    6: "conflicting_outcomes",
    7: "conflicting_outcomes",
    9: "conflicting_duplicate",
    10: "conflicting_duplicate",
    12: "before_application",
    13: "after_as_of",
    14: "missing_id",
    16: "conflicting_duplicate",
    17: "conflicting_duplicate",
}


rows = st.lists(
    # A row of empty cells is a blank line of the CSV (skipped there), so none is drawn.
    st.tuples(st.sampled_from(IDS), st.sampled_from(EVENTS), st.sampled_from(DATES)).filter(any),
    min_size=1,
    max_size=40,
)


def compare(
    frame: pd.DataFrame, con: Any = None, table: Callable[[pd.DataFrame], Any] = ibis.memtable
) -> None:
    """check_canonical on ``con`` (DuckDB by default; lines as a column) against
    read_events of the CSV; ``table`` puts a frame on the engine."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        frame.to_csv(path, index=False)
        ref = hf.read_events(path, as_of=AS_OF)
    lined = frame.assign(line=range(2, len(frame) + 2))
    con = ibis.duckdb.connect() if con is None else con
    log = check_canonical(con, table(lined), "events.csv", as_of=AS_OF)
    assert (log.rows_read, log.rows_loaded, log.rows_quarantined, log.exact_duplicates) == (
        ref.rows_read,
        ref.rows_loaded,
        ref.rows_quarantined,
        ref.exact_duplicates,
    )
    q = log.quarantine.to_pandas().sort_values("line")
    assert list(zip(q["line"], q["kind"], strict=True)) == list(
        zip(ref.quarantine["line"], ref.quarantine["kind"], strict=True)
    )
    copies = q["kind"] == "exact_duplicate"
    assert (
        q.loc[copies, "reason"].tolist()
        == ref.quarantine.loc[ref.quarantine["kind"] == "exact_duplicate", "reason"].tolist()
    )
    got = log.events.to_pandas().sort_values("line").reset_index(drop=True)
    want = ref.events.sort_values("line").reset_index(drop=True)
    assert got["line"].tolist() == want["line"].tolist()
    assert got["application_id"].tolist() == want["application_id"].astype(str).tolist()
    assert got["event"].tolist() == want["event"].astype(str).tolist()
    stamps = want["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None)
    assert got["timestamp"].tolist() == stamps.tolist()


def test_every_check_on_a_small_log() -> None:
    compare(SMALL_LOG)
    lined = SMALL_LOG.assign(line=range(2, len(SMALL_LOG) + 2))
    log = check_canonical(ibis.duckdb.connect(), ibis.memtable(lined), "e", as_of=AS_OF)
    q = log.quarantine.to_pandas().sort_values("line")
    assert dict(zip(q["line"], q["kind"], strict=True)) == SMALL_LOG_KINDS


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_generated_logs_equal_read_events(data: list[tuple[str, str, str]]) -> None:
    compare(pd.DataFrame(data, columns=["application_id", "event", "timestamp"]))


def test_without_a_line_column_copies_are_still_counted() -> None:
    frame = pd.DataFrame(
        {
            "application_id": ["a", "a", "a", "b"],
            "event": ["applied", "applied", "applied", "applied"],
            "timestamp": ["2024-03-01"] * 4,
        }
    )
    log = check_canonical(ibis.duckdb.connect(), ibis.memtable(frame), "e", as_of=AS_OF)
    assert (log.rows_loaded, log.rows_quarantined, log.exact_duplicates) == (2, 2, 2)
    assert set(log.quarantine.to_pandas()["reason"]) == {"exact copy of an earlier row"}
