"""Whether a log has fewer than k candidates: the engine's early answer against the full count."""

from __future__ import annotations

from pathlib import Path

import pytest

import hiring_funnel as hf
from hiring_funnel.analyses.summary import _fewer_candidates, counts_line, log_candidates

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def logs():
    return hf.read_events(SAMPLE / "events.csv"), hf.read_events(
        SAMPLE / "events.csv", engine="duckdb"
    )


def test_the_early_answer_is_the_full_count(logs):
    plain, engine = logs
    n = log_candidates(plain)
    assert log_candidates(engine) == n
    # Around the count itself, where the first rows alone cannot settle it.
    for k in (1, 5, n - 1, n, n + 1, 10 * n):
        assert _fewer_candidates(engine, k) == _fewer_candidates(plain, k) == (n < k), k


def test_a_log_of_few_candidates_gives_no_counts():
    frame = hf.simulate(3, seed=1).events
    engine = hf.read_events(frame, engine="duckdb")
    assert log_candidates(engine) < 5
    assert "counts not shown (fewer than 5 candidates)" in counts_line(engine, min_group=5)
