"""The real tracker log loads with the bundled mapping, and its counts match a hand count.

The file is ``data/real-logs/timhanneman/Merged.csv`` (MIT; see
``data/real-logs/README.md``), shipped with the project so that a fresh clone
needs nothing beside it; it is the file published in ``../shared/data/real-logs``.

The expected values are not taken from our code: :func:`hand_count` reads the
file with the standard ``csv`` module and counts rows by the tracker's own
columns, following the rules written in ``hiring_funnel/mappings/timhanneman.toml``
(and in the real-logs README):

- one application per data row: the tracker has no id column, so rows that
  repeat an earlier row cell for cell are kept as applications of their own
  (line 171 repeats line 169; issue 12: identical rows are separate
  applications unless an id or ``dedupe = true`` says they are copies);
- a rejection where ``Time to Rejection`` is filled, except on the "Position
  Removed" row, where that column dates the removal of the posting (closed);
- an interview where ``Date Interview`` is filled;
- a screen where ``Date of 1st Response`` is filled and ``Response?`` says the
  application went on (Interview, "Inter + Rejec", Offer);
- an offer where ``Job Offer`` is "Yes";
- still open: no rejection, no offer, not closed;
- the as-of date is ``Current Date`` (3/13/2023 18:51:27, the same on every row).

The lead's independent count, for the record: 177 data rows, 1 exact duplicate,
176 applications, 58 rejections, 13 screens, 9 interviews, 2 offers, 1 closed,
115 still open. Under issue 12's rule the repeated row (a "Ghosted" application)
is an application too: 177 applications, 116 still open, the rest unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from hiring_funnel.io.load import read_events
from hiring_funnel.schema import EventLog

ROOT = Path(__file__).resolve().parents[1]
MERGED = ROOT / "data/real-logs/timhanneman/Merged.csv"
#: Where the published logs lie beside a checkout of the project (on CI, not on users' machines).
PUBLISHED = ROOT.parent / "shared/data/real-logs/timhanneman"


def test_the_real_log_ships_with_the_project_as_published() -> None:
    assert MERGED.exists() and (MERGED.parent / "LICENSE").exists()
    assert "MIT License" in (MERGED.parent / "LICENSE").read_text()
    # the folder's own LICENSE is the same licence, for whoever opens data/real-logs first
    assert (MERGED.parent.parent / "LICENSE").read_bytes() == (
        MERGED.parent / "LICENSE"
    ).read_bytes()
    if PUBLISHED.exists():  # the copy is byte for byte the published file and its licence
        for name in ("Merged.csv", "LICENSE"):
            assert (MERGED.parent / name).read_bytes() == (PUBLISHED / name).read_bytes()


POSITIVE_LABELS = {"Interview", "Inter + Rejec", "Offer"}


@dataclass(frozen=True)
class HandCount:
    """Source lines of the rows that have each thing, counted from the raw cells."""

    data_rows: int
    duplicates: dict[int, int]  # line -> the earlier line it repeats
    rows: dict[int, dict[str, str]]  # line -> cells, every data row
    first_response: set[int]
    rejection: set[int]
    screen: set[int]
    interview: set[int]
    offer: set[int]
    closed: set[int]
    open: set[int]
    as_of: set[str]

    @property
    def applications(self) -> set[int]:
        return set(self.rows)


def hand_count() -> HandCount:
    """Count the tracker with the csv module only (see the module docstring)."""
    rows: dict[int, dict[str, str]] = {}  # physical start line -> cells
    seen: dict[tuple[str, ...], int] = {}
    duplicates: dict[int, int] = {}
    with MERGED.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader)]  # "Paid? " has a trailing space
        end = reader.line_num
        for record in reader:
            start, end = end + 1, reader.line_num
            if tuple(record) in seen:
                duplicates[start] = seen[tuple(record)]
            else:
                seen[tuple(record)] = start
            rows[start] = dict(zip(header, record, strict=True))

    def filled(row: dict[str, str], col: str) -> bool:
        return row[col].strip() != ""

    def when(test: Callable[[dict[str, str]], bool]) -> set[int]:
        return {line for line, row in rows.items() if test(row)}

    closed = when(lambda r: r["Response?"] == "Position Removed")
    rejected = when(lambda r: filled(r, "Time to Rejection")) - closed
    offered = when(lambda r: r["Job Offer"] == "Yes")
    return HandCount(
        data_rows=len(rows),
        duplicates=duplicates,
        rows=rows,
        first_response=when(lambda r: filled(r, "Date of 1st Response")),
        rejection=rejected,
        screen=when(
            lambda r: filled(r, "Date of 1st Response") and r["Response?"] in POSITIVE_LABELS
        ),
        interview=when(lambda r: filled(r, "Date Interview")),
        offer=offered,
        closed=closed,
        open=set(rows) - rejected - offered - closed,
        as_of={r["Current Date"] for r in rows.values()},
    )


@pytest.fixture(scope="module")
def log() -> EventLog:
    return read_events(MERGED, mapping="timhanneman")


@pytest.fixture(scope="module")
def hand() -> HandCount:
    return hand_count()


def lines_with(log: EventLog, event: str) -> set[int]:
    # The tracker has no id column: the mapping keys each application by its
    # source line ("row-169"), so events can be matched to rows of the file.
    ids = log.events.loc[log.events["event"] == event, "application_id"]
    return {int(i.removeprefix("row-")) for i in ids}


def test_hand_count_matches_the_leads_count(hand: HandCount) -> None:
    # Two independent counts agreeing is the point of this test file.
    assert hand.data_rows == 177
    assert hand.duplicates == {171: 169}
    assert len(hand.applications) == 177
    assert len(hand.first_response) == 64
    assert len(hand.rejection) == 58
    assert len(hand.screen) == 13
    assert len(hand.interview) == 9
    assert len(hand.offer) == 2
    assert len(hand.closed) == 1
    assert len(hand.open) == 116
    assert hand.as_of == {"3/13/2023 18:51:27"}


def test_rows_add_up(log: EventLog, hand: HandCount) -> None:
    assert log.rows_read == hand.data_rows == 177
    assert log.rows_read == log.rows_loaded + log.rows_quarantined
    assert (log.rows_loaded, log.rows_quarantined, log.exact_duplicates) == (177, 0, 0)
    assert log.quarantine.empty


def test_applications(log: EventLog, hand: HandCount) -> None:
    assert lines_with(log, "applied") == hand.applications
    assert log.events["application_id"].nunique() == 177


@pytest.mark.parametrize("event", ["rejection", "screen", "interview", "offer", "closed"])
def test_events_are_on_the_rows_the_hand_count_says(
    log: EventLog, hand: HandCount, event: str
) -> None:
    assert lines_with(log, event) == getattr(hand, event)


def test_every_event_is_once_per_application(log: EventLog) -> None:
    assert not log.events.duplicated(["application_id", "event"]).any()


def test_first_responses(log: EventLog, hand: HandCount) -> None:
    # Every row with a "Date of 1st Response" yields a response event, except
    # the "Position Removed" row, whose answer was the posting's removal.
    responded = set().union(
        *(lines_with(log, e) for e in ("screen", "interview", "offer", "rejection"))
    )
    assert responded == hand.first_response - hand.closed
    assert len(responded) == 63


def test_still_open(log: EventLog, hand: HandCount) -> None:
    ended = set().union(*(lines_with(log, e) for e in ("rejection", "offer", "closed")))
    assert lines_with(log, "applied") - ended == hand.open
    assert len(hand.open) == 116


def test_as_of(log: EventLog) -> None:
    assert log.as_of == pd.Timestamp("2023-03-13 18:51:27", tz="UTC")


def test_rejection_dates_are_date_sent_plus_days(log: EventLog, hand: HandCount) -> None:
    rows = hand.rows
    got = log.events[log.events["event"] == "rejection"]
    for app, ts in zip(got["application_id"], got["timestamp"], strict=True):
        row = rows[int(app.removeprefix("row-"))]
        sent = dt.datetime.strptime(row["Date sent"], "%m/%d/%Y")
        expected = sent + dt.timedelta(days=float(row["Time to Rejection"]))
        assert ts == pd.Timestamp(expected, tz="UTC"), app


def test_application_dates(log: EventLog, hand: HandCount) -> None:
    rows = hand.rows
    got = log.events[log.events["event"] == "applied"]
    expected = {
        f"row-{line}": pd.Timestamp(dt.datetime.strptime(r["Date sent"], "%m/%d/%Y"), tz="UTC")
        for line, r in rows.items()
    }
    assert dict(zip(got["application_id"], got["timestamp"], strict=True)) == expected


def test_attributes(log: EventLog, hand: HandCount) -> None:
    rows = hand.rows
    attrs = log.attributes.set_index("application_id")
    assert len(attrs) == 177
    for line, row in rows.items():
        for name, column in [("company_type", "Company Type"), ("response_label", "Response?")]:
            got, cell = attrs.loc[f"row-{line}", name], row[column].strip()
            # An empty cell is a missing attribute (<NA>), not an empty string.
            assert (pd.isna(got) and cell == "") or got == cell, (line, name)


def test_no_problems_but_the_note_on_the_repeated_row(log: EventLog, hand: HandCount) -> None:
    assert [(p.line, p.kind) for p in log.problems] == [(171, "identical_rows")]
    assert "line 171 repeats line 169" in log.problems[0].reason
    assert hand.duplicates == {171: 169}
