"""A job seeker's own tracker comes through whole (issue 12, item 1).

Each fixture is a small wide tracker written here, row by row, in the shape of
the public trackers the issue was found on: no application id column, dates
as typed (M/D/YYYY), a free-text status. The reference for every count is the
fixture itself (how many rows the person typed).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hiring_funnel as hf

HEADER = "Company,Position,Site,Date sent,Status,Date answered\n"

#: Wide mapping with no application id: a row is an application.
MAPPING = {
    "layout": "wide",
    "date_format": "M/D/YYYY",
    "as_of": "2024-10-01",
    "columns": {"company_id": "Company", "channel": "Site"},
    "events": [
        {"event": "applied", "date": "Date sent", "required": True},
        {
            "event": "rejection",
            "date": "Date answered",
            "when": {"column": "Status", "in": ["Rejected"]},
        },
    ],
}


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "tracker.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


SIX_SAME = ["LinkedIn Co,Data Analyst,LinkedIn,8/5/2024,No answer,"] * 6


@pytest.mark.parametrize("engine", [None, "duckdb"])
def test_identical_rows_without_an_id_are_separate_applications(tmp_path: Path, engine) -> None:
    path = write(tmp_path, [*SIX_SAME, "Acme,Analyst,Indeed,8/6/2024,Rejected,8/20/2024"])
    log = hf.read_events(path, mapping=MAPPING, engine=engine)
    if engine:
        log = log.to_event_log()
    assert (log.rows_read, log.rows_loaded, log.rows_quarantined) == (7, 7, 0)
    assert log.exact_duplicates == 0
    assert log.events["application_id"].nunique() == 7
    assert len(hf.episodes(log, "decision")) == 7
    notes = [p for p in log.problems if p.kind == "identical_rows"]
    assert len(notes) == 1 and notes[0].line == 3
    assert "5 row(s) repeat an earlier row exactly" in notes[0].reason
    assert "dedupe = true" in (notes[0].hint or "")


def test_dedupe_drops_them_as_copies(tmp_path: Path) -> None:
    path = write(tmp_path, [*SIX_SAME, "Acme,Analyst,Indeed,8/6/2024,Rejected,8/20/2024"])
    log = hf.read_events(path, mapping={**MAPPING, "dedupe": True})
    assert (log.rows_read, log.rows_loaded, log.rows_quarantined) == (7, 2, 5)
    assert log.exact_duplicates == 5
    assert log.quarantine["kind"].tolist() == ["exact_duplicate"] * 5
    assert not [p for p in log.problems if p.kind == "identical_rows"]


def test_an_id_column_says_identical_rows_are_one_application(tmp_path: Path) -> None:
    path = tmp_path / "tracker.csv"
    path.write_text("Id," + HEADER + "".join(f"a1,{r}\n" for r in SIX_SAME[:3]), encoding="utf-8")
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "application_id": "Id"}}
    log = hf.read_events(path, mapping=mapping)
    assert (log.rows_loaded, log.exact_duplicates) == (1, 2)
    kept = hf.read_events(path, mapping={**mapping, "dedupe": False})
    # Kept, the copies name one application on three rows: conflicting duplicates.
    assert kept.exact_duplicates == 0
    assert set(kept.quarantine["kind"]) == {"conflicting_duplicate"}


def test_dedupe_must_be_true_or_false() -> None:
    with pytest.raises(hf.HiringFunnelError, match="dedupe must be true or false"):
        hf.read_events(pd.DataFrame(), mapping={**MAPPING, "dedupe": "yes"})


def test_the_report_notes_the_identical_rows(tmp_path: Path) -> None:
    from hiring_funnel.report import render_report

    rows = [
        *SIX_SAME,
        *(f"Co{k},Analyst,Indeed,8/{k}/2024,Rejected,9/{k}/2024" for k in range(1, 9)),
    ]
    html, _ = render_report(hf.read_events(write(tmp_path, rows), mapping=MAPPING), min_group=1)
    assert hf.schema.QUARANTINE_KINDS["identical_rows"] in html


def test_rows_left_out_on_purpose_are_skipped_not_quarantined(tmp_path: Path) -> None:
    from hiring_funnel.analyses.summary import counts_line
    from hiring_funnel.report import render_report

    rows = [f"Co{k},Analyst,Indeed,8/{k}/2024,Rejected,9/{k}/2024" for k in range(1, 9)]
    rows += ["Draftco,Analyst,Indeed,,Draft,", "Draftco2,Analyst,Indeed,,Draft,"]
    mapping = {**MAPPING, "events": [dict(MAPPING["events"][0]), MAPPING["events"][1]]}
    mapping["events"][0]["when"] = {"column": "Status", "not_in": ["Draft"]}
    log = hf.read_events(write(tmp_path, rows), mapping=mapping)
    assert (log.rows_read, log.rows_loaded, log.rows_skipped, log.rows_quarantined) == (10, 8, 2, 0)
    assert [p.kind for p in log.problems] == ["skipped"] and log.problems[0].line == 10
    assert counts_line(log) == "tracker.csv: 10 rows read = 8 loaded + 2 skipped + 0 quarantined"
    # Published with k = 5: a small part is "fewer than 5", and then the rows read are not given.
    assert counts_line(log, min_group=5).endswith("8 loaded + fewer than 5 skipped + 0 quarantined")
    html, _ = render_report(log, min_group=1)
    assert "skipped (left out by the mapping)" in html


# -- outcomes with no date ------------------------------------------------------

UNDATED = [
    "A,Analyst,LinkedIn,8/1/2024,Rejected,8/11/2024",  # 10 days
    "B,Analyst,LinkedIn,8/2/2024,Rejected,8/22/2024",  # 20 days
    "C,Analyst,LinkedIn,8/3/2024,Rejected,",  # rejected, date unknown (line 4)
    "D,Analyst,LinkedIn,8/4/2024,No answer,",
]


@pytest.mark.parametrize("engine", [None, "duckdb"])
def test_an_undated_rejection_keeps_its_application(tmp_path: Path, engine) -> None:
    log = hf.read_events(write(tmp_path, UNDATED), mapping=MAPPING, engine=engine)
    if engine:
        log = log.to_event_log()
    assert (log.rows_read, log.rows_loaded, log.rows_quarantined) == (4, 4, 0)
    assert log.meta["undated_outcomes"] == {"count": 1, "rule": "median"}
    rejected = log.events[log.events["event"] == "rejection"].set_index("line")["timestamp"]
    # The median of the dated rejections' waits (10 and 20 days) after applying on 8/3.
    assert rejected[4] == pd.Timestamp("2024-08-18", tz="UTC")
    (note,) = [p for p in log.problems if p.kind == "undated_outcome"]
    assert note.format("tracker.csv").startswith(
        "tracker.csv:4: column 'Date answered': rejection has no date; dated 2024-08-18"
    )
    ep = hf.episodes(log, "decision").set_index("application_id")
    assert ep.loc["row-4", "cause"] == "rejection" and ep.loc["row-4", "duration"] == 15.0


def test_the_mapping_can_date_it_at_the_as_of_date(tmp_path: Path) -> None:
    log = hf.read_events(write(tmp_path, UNDATED), mapping={**MAPPING, "undated": "as_of"})
    rejected = log.events[log.events["event"] == "rejection"].set_index("line")["timestamp"]
    assert rejected[4] == pd.Timestamp("2024-10-01", tz="UTC")
    assert log.meta["undated_outcomes"] == {"count": 1, "rule": "as_of"}


def test_the_median_counts_only_waits_longer_than_what_the_row_records(tmp_path: Path) -> None:
    # Line 4 had an interview on day 15: of the dated waits (10, 20, 30 days) only
    # 20 and 30 came later, so it is dated at day 25; never after the as-of date.
    mapping = {
        **MAPPING,
        "as_of": "2024-09-01",
        "events": [*MAPPING["events"], {"event": "interview", "date": "Interview"}],
    }
    rows = [
        "A,x,L,8/1/2024,Rejected,8/11/2024,",
        "B,x,L,8/1/2024,Rejected,8/21/2024,",
        "C,x,L,8/1/2024,Rejected,8/31/2024,",
        "D,x,L,8/1/2024,Rejected,,8/16/2024",
        "E,x,L,8/20/2024,Rejected,,8/30/2024",
    ]
    path = tmp_path / "tracker.csv"
    path.write_text(HEADER.rstrip("\n") + ",Interview\n" + "\n".join(rows) + "\n")
    log = hf.read_events(path, mapping=mapping)
    rejected = log.events[log.events["event"] == "rejection"].set_index("line")["timestamp"]
    assert rejected[5] == pd.Timestamp("2024-08-26", tz="UTC")
    # Line 6 waited 10 days; the waits after that (20, 30) put it past the as-of date.
    assert rejected[6] == pd.Timestamp("2024-09-01", tz="UTC")


def test_undated_must_be_a_known_rule() -> None:
    with pytest.raises(hf.HiringFunnelError, match="undated must be one of 'median', 'as_of'"):
        hf.read_events(pd.DataFrame(), mapping={**MAPPING, "undated": "guess"})


# -- property: every application row reaches the episodes ------------------------

row = st.tuples(
    st.sampled_from(["Acme", "Beta", "Gamma"]),
    st.integers(0, 60),  # sent: day of August-September 2024
    st.sampled_from(["Rejected", "Offer", "No answer", "Draft"]),
    st.one_of(st.none(), st.integers(0, 30)),  # decided: days after sent, or no date
    st.one_of(st.none(), st.integers(0, 20)),  # interview: days after sent, or none
)

PROPERTY_MAPPING = {
    "layout": "wide",
    "date_format": "M/D/YYYY",
    "as_of": "2024-12-01",
    "columns": {"company_id": "Company"},
    "events": [
        {"event": "applied", "date": "Sent", "when": {"column": "Status", "not_in": ["Draft"]}},
        {"event": "interview", "date": "Interview"},
        {"event": "offer", "date": "Decided", "when": {"column": "Status", "in": ["Offer"]}},
        {"event": "rejection", "date": "Decided", "when": {"column": "Status", "in": ["Rejected"]}},
    ],
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=25))
def test_every_application_row_reaches_the_episodes(rows) -> None:
    # Rows typed by a person, identical ones and undated outcomes included: every row
    # but the drafts (left out by `when`) is an application with a decision-clock episode.
    day0 = pd.Timestamp("2024-08-01")

    def date(days: int | None, after: int = 0) -> str:
        if days is None:
            return ""
        d = day0 + pd.Timedelta(days=after + days)
        return f"{d.month}/{d.day}/{d.year}"

    text = "Company,Sent,Status,Decided,Interview\n" + "".join(
        f"{c},{date(s)},{st_},{date(dec, s) if st_ in ('Rejected', 'Offer') else ''},"
        f"{date(iv, s) if iv is not None and st_ != 'Draft' and (dec is None or iv <= dec) else ''}\n"
        for c, s, st_, dec, iv in rows
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tracker.csv"
        path.write_text(text, encoding="utf-8")
        log = hf.read_events(path, mapping=PROPERTY_MAPPING)
    drafts = sum(r[2] == "Draft" for r in rows)
    assert (log.rows_read, log.rows_loaded, log.rows_skipped, log.rows_quarantined) == (
        len(rows),
        len(rows) - drafts,
        drafts,
        0,
    )
    episodes = hf.episodes(log, "decision")
    assert len(episodes) == len(rows) - drafts
    decided = sum(r[2] in ("Rejected", "Offer") for r in rows)
    assert int(episodes["cause"].notna().sum()) == decided


# -- item 2: categories as people type them ---------------------------------------


def test_when_matches_values_as_people_type_them(tmp_path: Path) -> None:
    rows = [
        "A,x,L,8/1/2024,Rejected,8/11/2024",
        "B,x,L,8/2/2024,rejected ,8/12/2024",
        "C,x,L,8/3/2024, REJECTED,8/13/2024",
        "D,x,L,8/4/2024,Not rejected yet,8/14/2024",
    ]
    log = hf.read_events(write(tmp_path, rows), mapping=MAPPING)
    assert sorted(log.events.loc[log.events["event"] == "rejection", "line"]) == [2, 3, 4]


def test_when_tests_several_columns_with_contains_and_matches(tmp_path: Path) -> None:
    rows = [
        "A,Data Analyst,LinkedIn,8/1/2024,Rejected,8/11/2024",  # all three hold
        "B,Data Analyst,Indeed,8/2/2024,Rejected,8/12/2024",  # site fails
        "C,Engineer,LinkedIn,8/3/2024,Rejected,8/13/2024",  # position fails
        "D,senior data analyst,linkedin ,8/4/2024,Rejected by email,8/14/2024",  # all hold
    ]
    when = [
        {"column": "Status", "matches": r"^rejected\b"},
        {"column": "Position", "contains": "data analyst"},
        {"column": "Site", "in": ["LinkedIn"]},
    ]
    events = [MAPPING["events"][0], {**MAPPING["events"][1], "when": when}]
    log = hf.read_events(write(tmp_path, rows), mapping={**MAPPING, "events": events})
    assert sorted(log.events.loc[log.events["event"] == "rejection", "line"]) == [2, 5]


def test_a_bad_regular_expression_is_one_line_about_the_mapping(tmp_path: Path) -> None:
    events = [
        MAPPING["events"][0],
        {**MAPPING["events"][1], "when": {"column": "Status", "matches": "(un"}},
    ]
    with pytest.raises(
        hf.HiringFunnelError, match=r"when matches '\(un' is not a regular expression"
    ):
        hf.read_events(write(tmp_path, UNDATED), mapping={**MAPPING, "events": events})


SPELLED = [
    "A,x,LinkedIn,8/1/2024,Rejected,8/11/2024",
    "B,x,LinkedIn,8/2/2024,Rejected,8/12/2024",
    "C,x,Linkedin,8/3/2024,Rejected,8/13/2024",
    "D,x,linkedin  ,8/4/2024,Rejected,8/14/2024",
    "E,x,Indeed ,8/5/2024,Rejected,8/15/2024",
    "F,x,indeed,8/6/2024,Rejected,8/16/2024",
]


def spelled_files(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """SPELLED as a long log and an attributes file (DuckDB reads both natively)."""
    events = tmp_path / "events.csv"
    events.write_text(
        "application_id,event,timestamp\n"
        + "".join(f"a{k},applied,2024-08-0{k + 1}\n" for k in range(len(SPELLED)))
    )
    attrs = tmp_path / "attributes.csv"
    sites = [r.split(",")[2] for r in SPELLED]
    attrs.write_text("application_id,site\n" + "".join(f"a{k},{s}\n" for k, s in enumerate(sites)))
    return events, attrs, sites


@pytest.mark.parametrize("engine", [None, "duckdb"])
def test_spellings_that_differ_in_case_or_spaces_are_one_level(tmp_path: Path, engine) -> None:
    # From a tracker's column (pandas) and from an attributes file (DuckDB reads it natively).
    mapping = {**MAPPING, "attributes": {"site": "Site"}}
    if engine is None:
        log = hf.read_events(write(tmp_path, SPELLED), mapping=mapping)
    else:
        events, attrs, _ = spelled_files(tmp_path)
        log = hf.read_events(events, attributes=attrs, as_of="2024-10-01", engine=engine)
        assert log.meta["native"]
        log = log.to_event_log()
    # The most frequent spelling wins; on a tie, the first in sorted order ("Indeed" < "indeed").
    assert sorted(log.attributes["site"]) == ["Indeed"] * 2 + ["LinkedIn"] * 4
    (note,) = [p for p in log.problems if p.kind == "merged_spellings"]
    assert note.column == "site" and note.line is None
    assert "'Linkedin' -> 'LinkedIn', 'linkedin' -> 'LinkedIn'" in note.reason
    assert "'indeed' -> 'Indeed'" in note.reason
    assert log.meta["merged_spellings"] == {"site": 3}


def test_the_report_counts_the_merges_without_naming_them(tmp_path: Path) -> None:
    from hiring_funnel.report import render_report

    log = hf.read_events(
        write(tmp_path, SPELLED), mapping={**MAPPING, "attributes": {"site": "Site"}}
    )
    html, _ = render_report(log, by=["site"], min_group=1)
    assert hf.schema.QUARANTINE_KINDS["merged_spellings"] + ": 3 spelling(s) in 1 column(s)" in html
    assert "Linkedin" not in html and "linkedin" not in html


# -- item 4 and 7: no offer is an upper limit, not certainty ------------------------


def test_no_offer_at_all_gives_an_upper_limit_in_words(tmp_path: Path, capsys) -> None:
    from hiring_funnel.cli import main
    from hiring_funnel.report import render_report

    # 40 applications, every one rejected within the log: nothing is censored, so the
    # limit is the exact binomial one, 1 - 0.025^(1/40) = 8.8% (Clopper-Pearson, 0 of 40).
    rows = [f"Co{k},x,L,8/{1 + k % 28}/2024,Rejected,9/{1 + k % 28}/2024" for k in range(40)]
    path = write(tmp_path, rows)
    mapping = tmp_path / "tracker.mapping.toml"
    mapping.write_text(
        'layout = "wide"\ndate_format = "M/D/YYYY"\nas_of = "2024-10-01"\n'
        '[columns]\ncompany_id = "Company"\n'
        '[[events]]\nevent = "applied"\ndate = "Date sent"\n'
        '[[events]]\nevent = "rejection"\ndate = "Date answered"\n'
        'when = { column = "Status", in = ["Rejected"] }\n'
    )
    assert round(100 * (1 - 0.025 ** (1 / 40)), 1) == 8.8
    assert main(["summary", str(path), "--mapping", str(mapping), "--min-group", "1"]) == 0
    out = capsys.readouterr().out
    assert "No offer in the log yet: at most about 8.8% of applications get one" in out
    html, _ = render_report(hf.read_events(path, mapping=mapping), min_group=1)
    assert "No offer in the log yet: at most about 8.8% of applications get one" in html
    assert "cannot be estimated" not in html and "? to ?" not in html


def test_the_walk_through_of_docs_mappings_does_what_it_says(tmp_path: Path) -> None:
    # The mapping of the walk-through in docs/mappings.md, on a tracker of the shape it
    # describes: drafts skipped, an undated rejection kept and dated, the rest applications.
    import re
    import tomllib

    doc = (Path(__file__).resolve().parents[1] / "docs/mappings.md").read_text()
    block = re.findall(r"```toml\n(.*?)```", doc.split("## Walk-through")[1], re.S)[0]
    mapping = tomllib.loads(re.sub(r"^ {3}", "", block, flags=re.M))
    path = tmp_path / "tracker.csv"
    path.write_text(
        "Company,Role,Applied on,Status,Heard back,Notes\n"
        "A,Analyst,3/14/2024,Rejected,3/20/2024,\n"
        "B,Analyst,3/15/2024,Interview,3/25/2024,called\n"
        "C,Analyst,3/16/2024,Offer,4/2/2024,\n"
        "D,Analyst,3/17/2024,No reply,,\n"
        "E,Analyst,,Draft,,not sent\n"
        "F,Analyst,3/18/2024,Rejected,,no date\n",
        encoding="utf-8",
    )
    log = hf.read_events(path, mapping=mapping)
    assert (log.rows_read, log.rows_loaded, log.rows_skipped, log.rows_quarantined) == (6, 5, 1, 0)
    assert [p.kind for p in log.problems] == ["skipped", "undated_outcome"]
    assert log.meta["undated_outcomes"]["count"] == 1


def test_messages_fit_the_case(tmp_path: Path) -> None:
    # Issue 12, item 8: a tracker with no interviews says so (not a privacy note), and
    # counts agree in number with k = 1.
    import re

    from hiring_funnel.report import render_report

    rows = [f"Co{k},x,L,8/{1 + k % 28}/2024,Rejected,9/{1 + k % 28}/2024" for k in range(20)]
    html, _ = render_report(hf.read_events(write(tmp_path, rows), mapping=MAPPING), min_group=1)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "No interviews were recorded in this log, so there is no wait after one." in text
    assert "From an interview to the next answer Not shown" not in text
    assert not re.search(r"\b1 candidates\b|\b1 candidate were\b", text)


@pytest.mark.parametrize("engine", [None, "duckdb"])
def test_a_column_of_too_many_values_is_not_a_category(tmp_path: Path, engine, monkeypatch) -> None:
    import hiring_funnel.io.spellings as spellings

    monkeypatch.setattr(spellings, "MAX_DISTINCT", 2)  # "LinkedIn", "Linkedin", "linkedin", ...
    events, attrs, sites = spelled_files(tmp_path)
    log = hf.read_events(events, attributes=attrs, as_of="2024-10-01", engine=engine)
    log = log.to_event_log() if engine else log
    assert sorted(log.attributes["site"]) == sorted(sites)
    assert "merged_spellings" not in log.meta
