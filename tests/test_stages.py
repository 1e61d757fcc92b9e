"""Tests of hiring_funnel.analyses.stages: stage_counts and quarantine_reasons.

The hand-made log's counts are worked out by hand in the comments next to it;
on the bundled sample the counts are checked against an independent count
written with plain Python loops over the CSV rows, and against the
``decision`` clock's causes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hiring_funnel as hf
from hiring_funnel.analyses.stages import (
    FUNNEL_COLUMNS,
    QUARANTINE_REASON_COLUMNS,
    quarantine_reasons,
    stage_counts,
)
from hiring_funnel.schema import EVENTS, HiringFunnelError, as_canonical_events

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def make_log(rows) -> pd.DataFrame:
    return as_canonical_events(pd.DataFrame(rows, columns=["application_id", "event", "timestamp"]))


def as_dict(table: pd.DataFrame, kind: str) -> dict[str, int]:
    sub = table[table["kind"] == kind]
    return dict(zip(sub["step"], sub["applications"].astype(int), strict=True))


# a: applied, screen, interview, offer          -> reached all; ended offer
# b: applied, interview (no screen), rejection  -> reached answered, screen, interview; ended rejection
# c: applied, follow_up                          -> follow_up is no answer; still open
# d: applied, screen, withdrawn, rejection       -> answered, screen; first ending withdrawn
# e: applied, closed                             -> no answer; ended closed
# f: applied, offer and withdrawn on one stamp   -> answered, screen, interview, offer; tie: offer first
# g: applied, rejection after the as-of date     -> rejection ignored: still open, not answered
# h: screen only, no applied                     -> not counted at all
# i: applied                                     -> still open
HAND = [
    ("a", "applied", "2024-03-01 09:00"),
    ("a", "screen", "2024-03-03 09:00"),
    ("a", "interview", "2024-03-08 09:00"),
    ("a", "offer", "2024-03-20 09:00"),
    ("b", "applied", "2024-03-01 10:00"),
    ("b", "interview", "2024-03-04 10:00"),
    ("b", "rejection", "2024-03-09 10:00"),
    ("c", "applied", "2024-03-02 09:00"),
    ("c", "follow_up", "2024-03-12 09:00"),
    ("d", "applied", "2024-03-02 11:00"),
    ("d", "screen", "2024-03-05 11:00"),
    ("d", "withdrawn", "2024-03-06 11:00"),
    ("d", "rejection", "2024-03-10 11:00"),
    ("e", "applied", "2024-03-03 09:00"),
    ("e", "closed", "2024-03-25 09:00"),
    ("f", "applied", "2024-03-03 12:00"),
    ("f", "offer", "2024-03-15 12:00"),
    ("f", "withdrawn", "2024-03-15 12:00"),
    ("g", "applied", "2024-03-04 09:00"),
    ("g", "rejection", "2024-04-15 09:00"),
    ("h", "screen", "2024-03-05 09:00"),
    ("i", "applied", "2024-03-28 09:00"),
]
AS_OF = "2024-03-31"


def test_hand_made_log() -> None:
    table = stage_counts(make_log(HAND), as_of=AS_OF)
    assert list(table.columns) == list(FUNNEL_COLUMNS)
    # applied: a b c d e f g i = 8 (h has no application)
    # answered: a b d f = 4; screen or later: a b d f = 4 (b had an interview, f an offer)
    # interview or later: a b f = 3; offer: a f = 2
    assert as_dict(table, "reached") == {
        "applied": 8,
        "answered": 4,
        "screen": 4,
        "interview": 3,
        "offer": 2,
    }
    # offer: a f; rejection: b; withdrawn: d (before its rejection); closed: e; open: c g i
    assert as_dict(table, "ended") == {
        "offer": 2,
        "rejection": 1,
        "withdrawn": 1,
        "closed": 1,
        "still open": 3,
    }
    assert table["share_of_applied"].iloc[0] == 1.0
    assert table.loc[table["step"] == "still open", "share_of_applied"].item() == 3 / 8
    assert table.attrs["applications_without_applied"] == 1


def test_as_of_defaults_to_the_latest_event() -> None:
    # Without as_of, g's rejection (the latest event) is inside the log.
    table = stage_counts(make_log(HAND))
    assert as_dict(table, "ended")["rejection"] == 2
    assert as_dict(table, "ended")["still open"] == 2


def test_event_log_supplies_as_of() -> None:
    log = hf.read_events(pd.DataFrame(HAND, columns=["application_id", "event", "timestamp"]))
    cut = hf.read_events(
        pd.DataFrame(HAND[:-1], columns=["application_id", "event", "timestamp"]),
        as_of="2024-03-31",
    )
    assert as_dict(stage_counts(log), "reached")["applied"] == 8
    # g's rejection is after the as-of date: quarantined by read_events, so g is open.
    assert cut.rows_quarantined == 1
    assert as_dict(stage_counts(cut), "ended")["still open"] == 2  # c and g (i left out)


def test_events_before_the_application_do_not_count() -> None:
    log = make_log([("a", "screen", "2024-03-01"), ("a", "applied", "2024-03-02")])
    assert as_dict(stage_counts(log), "reached") == {
        "applied": 1,
        "answered": 0,
        "screen": 0,
        "interview": 0,
        "offer": 0,
    }


def test_an_event_after_the_application_counts_though_one_came_before() -> None:
    # a: a screen before applying (does not count) and one after it (counts); b: an
    # offer only before applying. By hand: a screened and still open, b applied only.
    log = make_log(
        [
            ("a", "screen", "2024-03-01"),
            ("a", "applied", "2024-03-02"),
            ("a", "screen", "2024-03-05"),
            ("b", "offer", "2024-03-01"),
            ("b", "applied", "2024-03-03"),
        ]
    )
    reached = as_dict(stage_counts(log), "reached")
    assert reached == {"applied": 2, "answered": 1, "screen": 1, "interview": 0, "offer": 0}
    assert as_dict(stage_counts(log), "ended")["still open"] == 2


def test_empty_log() -> None:
    table = stage_counts(make_log([]))
    assert table["applications"].sum() == 0
    assert table["share_of_applied"].isna().all()


def test_needs_canonical_events() -> None:
    with pytest.raises(HiringFunnelError, match="timestamp"):
        stage_counts(pd.DataFrame({"application_id": ["a"], "event": ["applied"]}))


def _loop_counts(path: Path, as_of: pd.Timestamp) -> tuple[dict[str, int], dict[str, int]]:
    """An independent count: plain Python over the CSV rows, no pandas grouping."""
    per_app: dict[str, dict[str, pd.Timestamp]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            when = pd.Timestamp(row["timestamp"])
            if when > as_of:
                continue
            seen = per_app.setdefault(row["application_id"], {})
            if row["event"] not in seen or when < seen[row["event"]]:
                seen[row["event"]] = when
    reached = {"applied": 0, "answered": 0, "screen": 0, "interview": 0, "offer": 0}
    ended = {"offer": 0, "rejection": 0, "withdrawn": 0, "closed": 0, "still open": 0}
    for seen in per_app.values():
        if "applied" not in seen:
            continue
        reached["applied"] += 1
        if any(e in seen for e in ("screen", "interview", "offer", "rejection")):
            reached["answered"] += 1
        if any(e in seen for e in ("screen", "interview", "offer")):
            reached["screen"] += 1
        if any(e in seen for e in ("interview", "offer")):
            reached["interview"] += 1
        if "offer" in seen:
            reached["offer"] += 1
        endings = [(seen[e], i, e) for i, e in enumerate(ended) if e in seen]
        ended[min(endings)[2] if endings else "still open"] += 1
    return reached, ended


@pytest.fixture(scope="module")
def sample() -> hf.EventLog:
    return hf.read_events(
        SAMPLE / "events.csv",
        attributes=SAMPLE / "attributes.csv",
        mapping=SAMPLE / "mapping.toml",
    )


def test_sample_against_a_loop(sample: hf.EventLog) -> None:
    assert sample.as_of is not None
    reached, ended = _loop_counts(SAMPLE / "events.csv", sample.as_of)
    table = stage_counts(sample)
    assert as_dict(table, "reached") == reached
    assert as_dict(table, "ended") == ended
    # The numbers the notebooks quote, pinned so a change to the simulator shows.
    assert reached["applied"] == 5000
    assert ended["still open"] == 2082


def test_sample_agrees_with_the_decision_clock(sample: hf.EventLog) -> None:
    ended = as_dict(stage_counts(sample), "ended")
    ep = hf.episodes(sample, "decision")
    assert ended["offer"] == (ep["cause"] == "offer").sum()
    assert ended["rejection"] == (ep["cause"] == "rejection").sum()
    assert ended["withdrawn"] + ended["closed"] + ended["still open"] == ep["cause"].isna().sum()
    still = ep[ep["cause"].isna() & (ep["end"] == sample.as_of)]
    assert ended["still open"] == len(still)


@st.composite
def random_logs(draw) -> pd.DataFrame:
    """Up to 25 applications with 1-6 random events each on days 0-40 of March 2024."""
    rows = []
    for i in range(draw(st.integers(0, 25))):
        for event in draw(st.lists(st.sampled_from(EVENTS), min_size=1, max_size=6)):
            day = draw(st.integers(0, 40))
            rows.append(
                (f"a{i}", event, pd.Timestamp("2024-03-01", tz="UTC") + pd.Timedelta(days=day))
            )
    return make_log(rows)


@settings(max_examples=60, deadline=None)
@given(random_logs(), st.randoms(use_true_random=False))
def test_properties(log: pd.DataFrame, rnd) -> None:
    table = stage_counts(log, as_of="2024-03-25")
    reached = table[table["kind"] == "reached"]["applications"].to_numpy()
    ended = table[table["kind"] == "ended"]["applications"].to_numpy()
    # The funnel never widens (answered >= screen holds: screens are answers).
    assert np.all(np.diff(reached) <= 0)
    # Every application ends one way or is still open.
    assert ended.sum() == reached[0]
    # Reaching the offer stage is at least ending with an offer.
    assert reached[-1] >= ended[0]
    order = list(range(len(log)))
    rnd.shuffle(order)
    again = stage_counts(log.iloc[order].reset_index(drop=True), as_of="2024-03-25")
    pd.testing.assert_frame_equal(table, again)


# -- quarantine_reasons -----------------------------------------------------------

MESSY = pd.DataFrame(
    {
        "application_id": ["a1", "a1", "a1", "a2", "a2", "a3", "a3", None, "a4", "a4", "a5"],
        "event": [
            "applied",
            "interview",
            "interview",  # line 3: exact copy of line 2
            "applied",
            "ghosted",  # line 5: unknown event
            "applied",
            "rejection",  # line 7: no 30 February
            "applied",  # line 8: no application id
            "applied",
            "rejection",  # line 10: before its application
            "offer",  # line 11: a second unreadable date, "soon"
        ],
        "timestamp": [
            "2024-03-01",
            "2024-03-05",
            "2024-03-05",
            "2024-03-02",
            "2024-03-09",
            "2024-03-03",
            "2024-02-30",
            "2024-03-06",
            "2024-03-07",
            "2024-03-01",
            "soon",
        ],
    }
)


def test_quarantine_reasons_of_a_messy_log() -> None:
    log = hf.read_events(MESSY, as_of="2024-03-31")
    table = quarantine_reasons(log)
    assert list(table.columns) == list(QUARANTINE_REASON_COLUMNS)
    # DataFrame rows are numbered from line 1.
    got = {r.reason: (r.rows, r.example_line) for r in table.itertuples()}
    assert got == {
        "unreadable date": (2, 7),
        "exact duplicate": (1, 3),
        "unknown event": (1, 5),
        "missing application id": (1, 8),
        "dated before its application": (1, 10),
    }
    assert table["rows"].sum() == log.rows_quarantined == 6
    assert table["reason"].iloc[0] == "unreadable date"  # most rows first
    assert table["share_of_read"].iloc[0] == 2 / 11
    assert table["hint"].str.len().gt(0).all()
    assert (
        table.loc[table["reason"] == "unknown event", "example"]
        .item()
        .startswith("unknown event 'ghosted'")
    )


def test_quarantine_reasons_include_the_attributes_file(tmp_path: Path) -> None:
    attrs = tmp_path / "attributes.csv"
    attrs.write_text("application_id,size\na1,big\na1,small\n,big\n", encoding="utf-8")
    log = hf.read_events(MESSY.iloc[:2], attributes=attrs, as_of="2024-03-31")
    table = quarantine_reasons(log)
    assert set(table["file"]) == {str(attrs)}  # the file the rows came from, not the events
    assert dict(zip(table["reason"], table["rows"], strict=True)) == {
        "conflicting duplicate": 2,
        "missing application id": 1,
    }
    assert table["share_of_read"].sum() == 1.0


def test_no_quarantine_on_the_sample(sample: hf.EventLog) -> None:
    table = quarantine_reasons(sample)
    assert table.empty
    assert list(table.columns) == list(QUARANTINE_REASON_COLUMNS)


def test_quarantine_reasons_needs_an_event_log() -> None:
    with pytest.raises(HiringFunnelError, match="needs an EventLog"):
        quarantine_reasons(MESSY)  # type: ignore[arg-type]
