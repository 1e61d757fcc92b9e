"""Column mappings: loading from dict/TOML, checking their shape, and applying them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hiring_funnel.io.conditions import Condition
from hiring_funnel.io.mapping import (
    BUNDLED,
    Mapped,
    Mapping,
    WideEvent,
    apply_mapping,
    load_mapping,
)
from hiring_funnel.io.readers import read_raw
from hiring_funnel.schema import HiringFunnelError


def apply(frame: pd.DataFrame, mapping: dict[str, Any]) -> Mapped:
    return apply_mapping(read_raw(frame), load_mapping(mapping))


# --- loading ----------------------------------------------------------------


def test_no_mapping_is_the_canonical_long_layout() -> None:
    m = load_mapping(None)
    assert m == Mapping()
    assert (m.layout, m.timezone, m.date_format, m.columns) == ("long", "UTC", None, {})


def test_dict_mapping() -> None:
    m = load_mapping(
        {
            "columns": {"application_id": "App", "event": "Status"},
            "event_values": {"rejection": ["Declined", " REJECTED "], "offer": "Hired"},
            "attributes": ["Salary", "Remote"],
            "date_format": "D/M/YYYY",
            "timezone": "Europe/Berlin",
        }
    )
    assert m.columns == {"application_id": "App", "event": "Status"}
    # Source values are matched stripped and case-folded.
    assert m.event_values == {"declined": "rejection", "rejected": "rejection", "hired": "offer"}
    assert m.attributes == {"Salary": "Salary", "Remote": "Remote"}
    assert (m.date_format, m.timezone, m.source) == ("D/M/YYYY", "Europe/Berlin", "<mapping>")


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        'layout = "long"\nas_of = 2024-04-01T00:00:00Z\n[columns]\ntimestamp = "Changed on"\n',
        encoding="utf-8",
    )
    m = load_mapping(path)
    assert m.columns == {"timestamp": "Changed on"}
    assert m.source == str(path)
    assert m.as_of is not None and m.as_of.startswith("2024-04-01")


def test_bundled_mapping_by_name() -> None:
    m = load_mapping("timhanneman")
    assert m.source == "timhanneman" and m.layout == "wide"
    assert m.as_of_column == "Current Date" and m.date_format == "M/D/YYYY"
    assert [e.event for e in m.events] == [
        "applied",
        "screen",
        "interview",
        "rejection",
        "closed",
        "offer",
    ]
    assert m.events[-1] == WideEvent(
        event="offer",
        date=("Date Interview", "Date of 1st Response"),
        when=(Condition("Job Offer", "in", ("Yes",)),),
    )
    assert m.events[0].required and not m.events[1].required
    assert (BUNDLED / "timhanneman.toml").exists()


def test_mapping_file_errors(tmp_path: Path) -> None:
    with pytest.raises(HiringFunnelError, match=r"nope\.toml: mapping file not found"):
        load_mapping(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("layout = \n", encoding="utf-8")
    with pytest.raises(HiringFunnelError, match=r"bad\.toml: not valid TOML"):
        load_mapping(bad)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('description = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(
        HiringFunnelError,
        match=r"latin\.toml:1: cannot read the mapping: byte 0xe9 is not valid UTF-8",
    ):
        load_mapping(latin)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"colums": {}}, r"unknown key 'colums' \(known keys: as_of, attributes, columns"),
        ({"layout": "tall"}, "layout must be 'long' or 'wide', not 'tall'"),
        ({"columns": "App"}, "columns must be a table \\[columns\\], not 'App'"),
        (
            {"columns": {"id": "App"}},
            r"\[columns\] has unknown canonical name 'id' \(use application_id",
        ),
        (
            {"columns": {"event": 3}},
            r"\[columns\] event must be a column name or \{ value = \.\.\. \}",
        ),
        ({"columns": {"event": {"val": "x"}}}, r"\[columns\] event must be a column name"),
        ({"event_values": ["offer"]}, "event_values must be a table"),
        (
            {"event_values": {"hired": ["Hired"]}},
            r"\[event_values\] has unknown event 'hired' \(use applied",
        ),
        (
            {"event_values": {"offer": 3}},
            r"\[event_values\] offer must be a string or a list of strings",
        ),
        (
            {"event_values": {"offer": []}},
            r"\[event_values\] offer must be a string or a list of strings",
        ),
        ({"attributes": "Salary"}, "attributes must be a list of column names or a table"),
        ({"attributes": {"salary": 3}}, "attributes must be a list of column names or a table"),
        ({"events": {"event": "applied"}}, "events must be a list of \\[\\[events\\]\\] tables"),
        ({"date_format": "YYYY"}, r"unknown date_format 'YYYY' \(use ISO8601"),
        ({"date_format": 3}, "date_format must be a string, not 3"),
        ({"timezone": "Mars/Olympus"}, r"unknown timezone 'Mars/Olympus' \(use an IANA name"),
        ({"as_of": {"col": "x"}}, r"as_of must be a date or \{ column = \"\.\.\.\" \}"),
    ],
)
def test_bad_mappings_name_the_mapping_and_the_key(mapping: dict[str, Any], message: str) -> None:
    with pytest.raises(HiringFunnelError, match="^<mapping>: " + message):
        load_mapping(mapping)


WIDE: dict[str, Any] = {"layout": "wide"}


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([], "a wide mapping needs an \\[\\[events\\]\\] entry for 'applied'"),
        (
            [{"event": "screen", "date": "D"}],
            "a wide mapping needs an \\[\\[events\\]\\] entry for 'applied'",
        ),
        (["applied"], r"\[\[events\]\] entry 1 must be a table, not 'applied'"),
        (
            [{"event": "applied", "date": "D", "if": 1}],
            r"\[\[events\]\] entry 1 has unknown key 'if'",
        ),
        (
            [{"event": "hired", "date": "D"}],
            r"\[\[events\]\] entry 1: event must be one of applied",
        ),
        ([{"event": "applied"}], r"\[\[events\]\] entry 1 \(applied\) has no 'date' column"),
        (
            [{"event": "applied", "date": 5}],
            r"\[\[events\]\] entry 1 \(applied\): date must be a column or a list",
        ),
        (
            [{"event": "applied", "date": []}],
            r"\[\[events\]\] entry 1 \(applied\): date must be a column or a list",
        ),
        (
            [{"event": "applied", "date": "D", "plus_days": 3}],
            r"\[\[events\]\] entry 1 \(applied\): plus_days must be",
        ),
        (
            [{"event": "applied", "date": "D", "when": "x"}],
            r"\[\[events\]\] entry 1 \(applied\): when must be",
        ),
        (
            [{"event": "applied", "date": "D", "when": {"column": "S", "is": ["x"]}}],
            r"\[\[events\]\] entry 1 \(applied\): when has unknown key 'is'",
        ),
        (
            [{"event": "applied", "date": "D", "when": {"column": "S", "in": 3}}],
            r"\[\[events\]\] entry 1 \(applied\): when in must be a text or a list of texts",
        ),
        (
            [{"event": "applied", "date": "D", "when": {"in": ["x"]}}],
            r"\[\[events\]\] entry 1 \(applied\): when needs a column",
        ),
    ],
)
def test_bad_wide_events(events: list[Any], message: str) -> None:
    with pytest.raises(HiringFunnelError, match="^<mapping>: " + message):
        load_mapping({**WIDE, "events": events})


def test_when_accepts_a_single_string() -> None:
    m = load_mapping(
        {
            **WIDE,
            "events": [{"event": "applied", "date": "D", "when": {"column": "S", "in": "Sent"}}],
        }
    )
    assert m.events[0].when == (Condition("S", "in", ("Sent",)),)


# --- long layout ------------------------------------------------------------


def test_long_mapping_renames_and_translates() -> None:
    frame = pd.DataFrame(
        {
            "App": ["a1", " a1 ", "a2", "a3"],
            "Status": ["Submitted", "declined", "Follow-Up", "  OFFER "],
            "Changed on": ["2024-03-01", "2024-03-09", "2024-03-05", "2024-03-20"],
            "Salary": ["1", "2", "3", "4"],
        }
    )
    mapped = apply(
        frame,
        {
            "columns": {"application_id": "App", "event": "Status", "timestamp": "Changed on"},
            "event_values": {"applied": "Submitted", "rejection": ["Declined"]},
        },
    )
    ev = mapped.events
    assert ev["event"].tolist() == ["applied", "rejection", "follow_up", "offer"]
    assert ev["application_id"].tolist() == ["a1", "a1", "a2", "a3"]  # stripped
    assert ev["reason"].isna().all()
    assert ev["line"].tolist() == [1, 2, 3, 4]
    # Columns not used for events are attributes.
    assert mapped.attributes.columns.tolist() == ["application_id", "line", "Salary"]


def test_constant_column() -> None:
    frame = pd.DataFrame(
        {"application_id": ["a"], "event": ["applied"], "timestamp": ["2024-03-01"]}
    )
    mapped = apply(frame, {"columns": {"candidate_id": {"value": "me"}}})
    assert mapped.events["candidate_id"].tolist() == ["me"]


def test_cell_problems_become_reasons() -> None:
    frame = pd.DataFrame(
        {
            "application_id": ["a1", "", "a3", "a4", "a5"],
            "event": ["applied", "applied", "ghosted", "-", "applied"],
            "timestamp": ["2024-03-01", "2024-03-01", "2024-03-01", "2024-03-01", "N/A"],
        }
    )
    ev = apply(frame, {}).events
    assert ev["reason"].tolist() == [
        None,
        "missing application id",
        "unknown event 'ghosted' (expected one of applied, follow_up, screen, interview, offer, "
        "rejection, withdrawn, closed)",
        "missing event name",
        "missing timestamp",
    ]
    assert ev["reason_column"].tolist() == [None, "application_id", "event", "event", "timestamp"]


def test_the_first_problem_of_a_row_is_its_reason() -> None:
    frame = pd.DataFrame({"application_id": [""], "event": ["ghosted"], "timestamp": ["soon"]})
    assert apply(frame, {}).events["reason"].tolist() == ["missing application id"]


def test_missing_required_column_lists_the_file_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("App,event,timestamp\na,applied,2024-03-01\n", encoding="utf-8")
    with pytest.raises(
        HiringFunnelError,
        match=r"x\.csv:1: missing required column 'application_id' \(the file has: App, event, timestamp; "
        r"name it in a mapping \[columns\]\)",
    ):
        apply_mapping(read_raw(path), load_mapping(None))


def test_mapping_names_a_column_the_file_lacks() -> None:
    frame = pd.DataFrame(
        {"application_id": ["a"], "event": ["applied"], "timestamp": ["2024-03-01"]}
    )
    with pytest.raises(
        HiringFunnelError,
        match=r"the mapping names column 'Status', which the file does not have \(the file has: application_id",
    ):
        apply(frame, {"columns": {"event": "Status"}})


# --- wide layout ------------------------------------------------------------


TRACKER = pd.DataFrame(
    {
        "Company": ["Acme", "Beta", "Gamma", "Delta"],
        "Sent": ["2024-03-01", "2024-03-02", "2024-03-03", ""],
        "Reply": ["2024-03-05", "", "2024-03-04", ""],
        "Interview": ["", "", "2024-03-10", ""],
        "Days": ["10", "", "x", ""],
        "Outcome": ["Rejected", "Ghosted", "Offer", "Ghosted"],
    }
)
TRACKER_MAPPING: dict[str, Any] = {
    "layout": "wide",
    "columns": {"company_id": "Company"},
    "attributes": {"outcome": "Outcome"},
    "events": [
        {"event": "applied", "date": "Sent"},
        {"event": "screen", "date": "Reply", "when": {"column": "Outcome", "in": ["Offer"]}},
        {
            "event": "rejection",
            "date": "Sent",
            "plus_days": "Days",
            "when": {"column": "Outcome", "not_in": ["Offer"]},
        },
        {
            "event": "offer",
            "date": ["Interview", "Reply"],
            "when": {"column": "Outcome", "in": ["Offer"]},
        },
    ],
}


def test_wide_mapping_yields_events_per_row() -> None:
    mapped = apply(TRACKER, TRACKER_MAPPING)
    ev = mapped.events
    got = sorted(
        (int(line), event, None if pd.isna(ts) else ts.strftime("%Y-%m-%d"), reason)
        for line, event, ts, reason in zip(
            ev["line"], ev["event"], ev["timestamp"], ev["reason"], strict=True
        )
    )
    assert got == [
        (1, "applied", "2024-03-01", None),
        # Acme: rejected 10 days after it was sent
        (1, "rejection", "2024-03-11", None),
        (2, "applied", "2024-03-02", None),
        # Gamma: the offer takes the first filled of Interview, Reply
        (3, "applied", "2024-03-03", None),
        (3, "offer", "2024-03-10", None),
        (3, "screen", "2024-03-04", None),
        # Delta: 'applied' is required, so a missing date is a problem, not "no event"
        (4, "applied", None, "missing timestamp"),
    ]
    # Without an id column, the source line keys the application.
    assert sorted(set(ev["application_id"])) == ["row-1", "row-2", "row-3", "row-4"]
    assert ev.loc[ev["event"] == "offer", "source_column_timestamp"].tolist() == ["Interview"]
    assert mapped.attributes["outcome"].tolist() == ["Rejected", "Ghosted", "Offer", "Ghosted"]


def test_wide_bad_day_count_is_a_reason() -> None:
    frame = TRACKER.assign(Outcome=["Rejected", "Ghosted", "Rejected", "Ghosted"])
    ev = apply(frame, TRACKER_MAPPING).events
    bad = ev[ev["reason"].notna() & (ev["line"] == 3)]
    assert bad[["event", "reason", "reason_column"]].values.tolist() == [
        ["rejection", "not a number of days: 'x'", "Days"]
    ]


def test_wide_positive_condition_without_a_date_is_a_problem() -> None:
    # "when ... in" says the event happened; an empty date is then missing, not absent.
    frame = TRACKER.assign(Reply=["", "", "", ""])
    ev = apply(frame, TRACKER_MAPPING).events
    screen = ev[(ev["event"] == "screen")]
    assert screen[["line", "reason"]].values.tolist() == [[3, "missing timestamp"]]


def test_as_of_from_a_column_and_from_a_value() -> None:
    frame = TRACKER.assign(Export=["2024-04-01 10:00", "2024-04-02 09:00", "", "N/A"])
    mapped = apply(frame, {**TRACKER_MAPPING, "as_of": {"column": "Export"}})
    assert mapped.as_of == pd.Timestamp("2024-04-02 09:00", tz="UTC")  # the latest
    mapped = apply(TRACKER, {**TRACKER_MAPPING, "as_of": "2024-04-01T12:00:00+02:00"})
    assert mapped.as_of == pd.Timestamp("2024-04-01 10:00", tz="UTC")
    mapped = apply(TRACKER, {**TRACKER_MAPPING, "as_of": "4/1/2024", "date_format": "M/D/YYYY"})
    assert mapped.as_of == pd.Timestamp("2024-04-01", tz="UTC")


def test_bad_as_of_value() -> None:
    with pytest.raises(
        HiringFunnelError, match=r"<mapping>: as_of 'soon' is not a date: .* \(write it as ISO 8601"
    ):
        apply(TRACKER, {**TRACKER_MAPPING, "as_of": "soon"})


def test_wide_mapping_with_id_column() -> None:
    frame = TRACKER.assign(Id=["t1", "t2", "t3", "t4"])
    ev = apply(frame, {**TRACKER_MAPPING, "columns": {"application_id": "Id"}}).events
    assert sorted(set(ev["application_id"])) == ["t1", "t2", "t3", "t4"]


def test_empty_attribute_list_means_no_attributes() -> None:
    frame = pd.DataFrame(
        {"application_id": ["a"], "event": ["applied"], "timestamp": ["2024-03-01"], "x": ["1"]}
    )
    mapped = apply(frame, {"attributes": []})
    assert mapped.attributes.columns.tolist() == ["application_id", "line"]


def test_a_line_column_is_not_an_attribute() -> None:
    # EventLog.events has a "line" column; read back in, it is not an attribute,
    # and the line numbers are those of the new input (row positions).
    frame = pd.DataFrame(
        {
            "application_id": ["a1", "a1"],
            "event": ["applied", "offer"],
            "timestamp": ["2024-03-01", "2024-03-05"],
            "line": [7, 9],
            "size": ["big", "big"],
        }
    )
    mapped = apply(frame, {})
    assert mapped.attributes.columns.tolist() == ["application_id", "line", "size"]
    assert mapped.attributes["line"].tolist() == [1, 2]
