"""Presets for ATS exports (issue 14, item 1): Greenhouse, Lever and Ashby.

Each fixture in tests/fixtures/ats/ is written field by field from the vendor's
documented schema (its README cites the pages). The expected events below are
derived by hand from the fixture, one line per event, with the field each
comes from.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hiring_funnel.cli import main
from hiring_funnel.io.load import read_events
from hiring_funnel.schema import HiringFunnelError

ATS = Path(__file__).parent / "fixtures" / "ats"
GREENHOUSE = ATS / "greenhouse" / "applications.json"
# A CSV written from it by make_csv.py: nested objects as dotted columns, lists
# as their JSON text in one cell.
GREENHOUSE_CSV = ATS / "greenhouse" / "applications.csv"
LEVER = ATS / "lever" / "opportunities"
ASHBY = ATS / "ashby" / "applications"
AS_OF = "2024-06-30"
PLANTED = ("Ada Planted", "ada.planted@example.com", "Planted")

# Greenhouse, by hand from applications.json:
GREENHOUSE_EVENTS = [
    ("4100001", "applied", "2024-03-04 14:02:11"),  # applied_at; still open
    ("4100002", "applied", "2024-03-05 10:00:00"),
    ("4100002", "screen", "2024-03-12 15:00:00"),  # "Recruiter Phone Screen", start.date_time
    ("4100002", "interview", "2024-03-20 00:00:00"),  # "Culture Fit", all day: start.date
    ("4100002", "rejection", "2024-03-27 09:30:00"),  # rejected_at, "We rejected them"
    ("4100003", "applied", "2024-03-06 08:15:00"),
    ("4100003", "screen", "2024-03-11 13:00:00"),
    ("4100003", "interview", "2024-03-18 16:00:00"),  # Technical Interview
    ("4100003", "interview", "2024-03-25 17:30:00"),  # Executive Interview
    ("4100003", "offer", "2024-04-02 00:00:00"),  # sent_at (a date), accepted
    ("4100004", "applied", "2024-03-07 12:00:00"),
    ("4100004", "screen", "2024-03-14 10:00:00"),
    ("4100004", "withdrawn", "2024-03-21 11:00:00"),  # "They rejected us"
    ("4100005", "applied", "2024-03-08 09:00:00"),
    ("4100005", "rejection", "2024-03-09 08:00:00"),
    ("4100006", "applied", "2024-03-11 07:45:00"),
    ("4100006", "screen", "2024-03-15 14:00:00"),
    ("4100006", "offer", "2024-04-11 00:00:00"),  # version 2; version 1 is deprecated
    ("4100007", "applied", "2024-03-12 16:20:00"),
    ("4100007", "interview", "2024-03-19 09:00:00"),  # "Take-Home Review": not in [stages], other
    ("4100008", "applied", "2024-03-13 11:11:00"),
    ("4100008", "rejection", "2024-04-02 10:00:00"),  # rejection_reason null
]
GREENHOUSE_REASONS = {
    "4100002": ("Lacking skill(s)/qualification(s)", "We rejected them"),
    "4100004": ("Accepted another offer", "They rejected us"),
    "4100005": ("Not in NYC", "We rejected them"),
}

# Lever, by hand from opportunities/page-*.json with my-lever.toml (milliseconds as UTC):
OPP = "1f2e3d4c-000{}-4a5b-8c7d-00000000000{}"
LEVER_EVENTS = [
    (OPP.format(1, 1), "applied", "2024-04-01 09:00:00"),  # createdAt; applicant-new is ignored
    (OPP.format(2, 2), "applied", "2024-04-02 10:00:00"),
    (OPP.format(2, 2), "screen", "2024-04-05 12:00:00"),  # stage 5c476846 (Recruiter Screen)
    (OPP.format(2, 2), "rejection", "2024-04-12 15:00:00"),  # archived: Underqualified
    (OPP.format(3, 3), "applied", "2024-04-03 08:30:00"),
    (OPP.format(3, 3), "screen", "2024-04-06 09:00:00"),
    (OPP.format(3, 3), "interview", "2024-04-15 14:00:00"),  # stage ba3541af (On-site)
    (OPP.format(3, 3), "offer", "2024-04-22 11:00:00"),  # Lever's fixed stage id "offer"
    (OPP.format(4, 4), "applied", "2024-04-04 13:00:00"),  # archived as Hired: no event
    (OPP.format(4, 4), "screen", "2024-04-08 10:00:00"),
    (OPP.format(4, 4), "withdrawn", "2024-04-10 16:00:00"),  # archived: Withdrew
    (OPP.format(5, 5), "applied", "2024-04-05 11:00:00"),  # a lead: lead-* stages ignored
    (OPP.format(5, 5), "screen", "2024-04-11 15:00:00"),
    (OPP.format(6, 6), "applied", "2024-04-08 09:30:00"),
    (OPP.format(6, 6), "rejection", "2024-04-09 09:30:00"),
]

# Ashby, by hand from applications/page-*.json:
A = "a2000000-0000-4000-8000-00000000000{}"
ASHBY_EVENTS = [
    (A.format(1), "applied", "2024-05-01 09:00:00"),  # createdAt; Application Review ignored
    (A.format(2), "applied", "2024-05-02 10:00:00"),
    (A.format(2), "screen", "2024-05-06 14:00:00"),  # Recruiter Screen, enteredStageAt
    (A.format(2), "rejection", "2024-05-10 09:00:00"),  # Archived, RejectedByOrg
    (A.format(3), "applied", "2024-05-03 08:00:00"),
    (A.format(3), "screen", "2024-05-07 10:00:00"),
    (A.format(3), "interview", "2024-05-14 15:00:00"),  # Technical Interview
    (A.format(3), "interview", "2024-05-21 13:00:00"),  # Onsite
    (A.format(3), "offer", "2024-05-28 12:00:00"),  # Offer; Hired is ignored
    (A.format(4), "applied", "2024-05-04 12:00:00"),
    (A.format(4), "screen", "2024-05-08 11:00:00"),
    (A.format(4), "withdrawn", "2024-05-13 16:00:00"),  # Archived, RejectedByCandidate
    (A.format(5), "applied", "2024-05-06 09:30:00"),
    (A.format(5), "rejection", "2024-05-07 09:30:00"),
    (A.format(6), "applied", "2024-05-07 14:00:00"),
    (A.format(6), "screen", "2024-05-09 10:00:00"),
    (A.format(6), "interview", "2024-05-16 10:00:00"),
]


def triples(log: object) -> list[tuple[str, str, str]]:
    ev = log.events  # type: ignore[attr-defined]
    out = zip(
        ev["application_id"].astype(str),
        ev["event"].astype(str),
        ev["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        strict=True,
    )
    return sorted(out)


@pytest.mark.parametrize(
    ("source", "mapping", "expected"),
    [
        (GREENHOUSE, "greenhouse", GREENHOUSE_EVENTS),
        (LEVER, str(ATS / "lever" / "my-lever.toml"), LEVER_EVENTS),
        (ASHBY, "ashby", ASHBY_EVENTS),
    ],
    ids=["greenhouse", "lever", "ashby"],
)
def test_the_events_come_out_as_derived_by_hand(
    source: Path, mapping: str, expected: list[tuple[str, str, str]]
) -> None:
    log = read_events(source, mapping=mapping, as_of=AS_OF)
    assert triples(log) == sorted(expected)
    assert log.rows_quarantined == 0 and not log.problems


def test_greenhouse_rejection_reasons_and_stages() -> None:
    log = read_events(GREENHOUSE, mapping="greenhouse", as_of=AS_OF)
    attrs = log.attributes.set_index("application_id")
    got = {
        app: (row["rejection_reason"], row["rejection_type"])
        for app, row in attrs.iterrows()
        if pd.notna(row["rejection_reason"])
    }
    assert got == GREENHOUSE_REASONS
    ev = log.events
    (stage,) = ev.loc[(ev["application_id"] == "4100007") & (ev["event"] == "interview"), "stage"]
    assert stage == "Take-Home Review"
    assert attrs.loc["4100003", "source"] == "Referral"


def test_ashby_archive_reasons_are_attributes() -> None:
    attrs = read_events(ASHBY, mapping="ashby", as_of=AS_OF).attributes.set_index("application_id")
    assert attrs.loc[A.format(4), "archive_reason"] == "Accepted another offer"
    assert attrs.loc[A.format(4), "archive_reason_type"] == "RejectedByCandidate"


def _records(source: Path) -> list[dict[str, object]]:
    if source.is_dir():
        out: list[dict[str, object]] = []
        for page in sorted(source.glob("page-*.json")):
            data = json.loads(page.read_text())
            out += data.get("data") or data.get("results")
        return out
    return json.loads(source.read_text())


@pytest.mark.parametrize(
    ("source", "mapping"),
    [
        (GREENHOUSE, "greenhouse"),
        (LEVER, str(ATS / "lever" / "my-lever.toml")),
        (ASHBY, "ashby"),
    ],
    ids=["greenhouse", "lever", "ashby"],
)
def test_array_json_lines_and_pages_give_the_same_events(
    source: Path, mapping: str, tmp_path: Path
) -> None:
    records = _records(source)
    array = tmp_path / "all.json"
    array.write_text(json.dumps(records, indent=1))
    lines = tmp_path / "all.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in records))
    pages = tmp_path / "pages"
    pages.mkdir()
    # Pages 1, 2 and 10: natural order, so page 10 is read last.
    for k, chunk in zip((1, 2, 10), (records[:2], records[2:5], records[5:]), strict=True):
        (pages / f"page-{k}.json").write_text(json.dumps(chunk))
    expected = triples(read_events(source, mapping=mapping, as_of=AS_OF))
    for form in (array, lines, pages):
        assert triples(read_events(form, mapping=mapping, as_of=AS_OF)) == expected, form


def test_a_user_override_of_the_stage_table_changes_the_event(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "greenhouse"\n[stages]\ninterview = ["Recruiter Phone Screen"]\n')
    log = read_events(GREENHOUSE, mapping=mine, as_of=AS_OF)
    got = triples(log)
    assert ("4100002", "interview", "2024-03-12 15:00:00") in got
    assert not any(e == "screen" for _, e, _ in got)
    # A dict works too, and the rest of the preset is kept.
    log = read_events(
        GREENHOUSE,
        mapping={"extends": "greenhouse", "stages": {"screen": ["Culture Fit"]}},
        as_of=AS_OF,
    )
    assert ("4100002", "screen", "2024-03-20 00:00:00") in triples(log)
    assert len(log.events) == len(GREENHOUSE_EVENTS)


def test_lever_stages_the_table_does_not_name_quarantine_their_opportunity() -> None:
    # The bare preset knows Lever's fixed stage ids only: the account's own
    # stage ids are named in the reason, and the opportunity is quarantined.
    log = read_events(LEVER, mapping="lever", as_of=AS_OF)
    assert log.rows_read == 6 and log.rows_quarantined == 4
    assert set(log.quarantine["kind"]) == {"unknown_event"}
    reasons = [p.reason for p in log.problems]
    assert all("5c476846-962c-4bcc-b299-89a7a8f909be" in r and "[stages]" in r for r in reasons)
    assert all(p.hint for p in log.problems)
    # Without its Hired reason, an archived opportunity is a rejection (Lever's rule).
    assert ("1f2e3d4c-0006-4a5b-8c7d-000000000006", "rejection", "2024-04-09 09:30:00") in triples(
        log
    )


def test_bad_json_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "applications.json"
    bad.write_text('[\n {"id": 1, "applied_at": "2024-03-01"},\n {"id": 2,, }\n]\n')
    with pytest.raises(HiringFunnelError) as info:
        read_events(bad, mapping="greenhouse")
    assert info.value.file == str(bad) and info.value.line == 3
    assert "\n" not in str(info.value)
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "page-1.json").write_text("[]")
    (pages / "page-2.json").write_text('{"data": [}')
    with pytest.raises(HiringFunnelError, match="page-2.json:1: not valid JSON"):
        read_events(pages, mapping="lever")


def test_a_missing_required_field_is_quarantined_with_its_line(tmp_path: Path) -> None:
    records = _records(GREENHOUSE)
    del records[1]["applied_at"]
    path = tmp_path / "applications.json"
    path.write_text(json.dumps(records, indent=1))
    log = read_events(path, mapping="greenhouse", as_of=AS_OF)
    assert log.rows_quarantined == 1
    (problem,) = [p for p in log.problems if p.kind == "missing_date"]
    assert problem.column == "applied_at" and problem.line is not None
    # A column no record has at all is an error naming the file.
    for r in records:
        r.pop("applied_at", None)
    path.write_text(json.dumps(records))
    with pytest.raises(HiringFunnelError, match="applied_at"):
        read_events(path, mapping="greenhouse")


def test_planted_names_never_reach_the_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    for source, mapping in (
        (GREENHOUSE, "greenhouse"),
        (GREENHOUSE_CSV, "greenhouse"),
        (LEVER, str(ATS / "lever" / "my-lever.toml")),
        (ASHBY, "ashby"),
    ):
        log = read_events(source, mapping=mapping, as_of=AS_OF)
        text = log.events.to_csv() + log.attributes.to_csv()
        assert not any(p in text for p in PLANTED), source
        assert main(["summary", str(source), "--mapping", mapping, "--min-group", "1"]) == 0
        out = capsys.readouterr()
        assert not any(p in out.out + out.err for p in PLANTED), source


def test_cli_summary_with_a_bundled_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(GREENHOUSE), "--mapping", "greenhouse", "--min-group", "1"]) == 0
    out = capsys.readouterr().out
    assert "8" in out  # eight applications


def test_the_engine_path_reads_a_preset_through_read_events(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    copy = tmp_path / "ashby"
    shutil.copytree(ASHBY, copy)
    log = read_events(copy, mapping="ashby", as_of=AS_OF, engine="duckdb")
    assert "fallback" in log.meta
    assert triples(log.to_event_log()) == sorted(ASHBY_EVENTS)


def test_a_bad_history_entry_is_a_mapping_error() -> None:
    with pytest.raises(HiringFunnelError, match=r"\[\[history\]\] entry 1: give either event"):
        read_events(
            GREENHOUSE,
            mapping={
                "extends": "greenhouse",
                "history": [{"list": "offers", "date": "sent_at"}],
            },
        )
    with pytest.raises(HiringFunnelError, match=r"\[stages\] has unknown event 'hired'"):
        read_events(GREENHOUSE, mapping={"extends": "greenhouse", "stages": {"hired": ["Hired"]}})


def _greenhouse_make_csv() -> object:
    spec = importlib.util.spec_from_file_location("make_csv", ATS / "greenhouse" / "make_csv.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _without_lines(log: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events and attributes, without the source lines (a CSV row's line is not a JSON line's)."""
    ev = log.events.drop(columns=["line"]).reset_index(drop=True)  # type: ignore[attr-defined]
    attrs = log.attributes.reset_index(drop=True)  # type: ignore[attr-defined]
    return ev, attrs.drop(columns=[c for c in ("line",) if c in attrs])


def test_the_csv_fixture_is_what_make_csv_writes() -> None:
    records = json.loads(GREENHOUSE.read_text(encoding="utf-8"))
    text = _greenhouse_make_csv().csv_text(records)  # type: ignore[attr-defined]
    assert GREENHOUSE_CSV.read_text(encoding="utf-8") == text
    header = text.split("\n", 1)[0].split(",")
    assert {"rejection_reason.type.name", "source.public_name", "current_stage.name"} <= set(header)
    assert {"jobs", "scheduled_interviews", "offers"} <= set(header)


def test_greenhouse_csv_gives_the_same_events_and_attributes_as_json() -> None:
    from_json = read_events(GREENHOUSE, mapping="greenhouse", as_of=AS_OF)
    from_csv = read_events(GREENHOUSE_CSV, mapping="greenhouse", as_of=AS_OF)
    assert from_csv.rows_quarantined == 0 and not from_csv.problems
    assert triples(from_csv) == sorted(GREENHOUSE_EVENTS)
    ev_json, attrs_json = _without_lines(from_json)
    ev_csv, attrs_csv = _without_lines(from_csv)
    pd.testing.assert_frame_equal(ev_csv, ev_json)
    pd.testing.assert_frame_equal(attrs_csv, attrs_json)
    text = from_csv.events.to_csv() + from_csv.attributes.to_csv()
    assert not any(p in text for p in PLANTED)


def test_a_csv_cell_that_is_not_json_quarantines_its_row(tmp_path: Path) -> None:
    frame = pd.read_csv(GREENHOUSE_CSV, dtype=str, keep_default_na=False)
    frame.loc[2, "scheduled_interviews"] = '[{"id": 1,, }]'  # line 4 (the header is line 1)
    frame.loc[4, "jobs"] = "Data Analyst"  # jobs.0.name walks into it: line 6
    frame.loc[5, "offers"] = "[" * 70 + "]" * 70  # deeper than max_json_depth: line 7
    frame.loc[6, "offers"] = ""  # an empty cell is a list with no items
    path = tmp_path / "applications.csv"
    frame.to_csv(path, index=False)
    log = read_events(path, mapping="greenhouse", as_of=AS_OF)
    assert (log.rows_read, log.rows_quarantined) == (8, 3)
    got = {(p.line, p.column, p.kind) for p in log.problems}
    assert got == {
        (4, "scheduled_interviews", "bad_json"),
        (6, "jobs", "bad_json"),
        (7, "offers", "bad_json"),
    }
    (deep,) = [p for p in log.problems if p.line == 7]
    assert "HIRING_FUNNEL_MAX_JSON_DEPTH" in deep.reason and "\n" not in deep.reason
    assert list(log.quarantine["line"]) == [4, 6, 7]
    # The other rows keep every event: 4100007 (line 8) has its interview still.
    assert ("4100007", "interview", "2024-03-19 09:00:00") in triples(log)


def test_json_text_in_a_json_file_stays_text(tmp_path: Path) -> None:
    # In a JSON file a string is a string: a path into it is a missing value.
    records = _records(GREENHOUSE)
    records[0]["jobs"] = '[{"name": "Data Analyst"}]'
    path = tmp_path / "applications.json"
    path.write_text(json.dumps(records))
    log = read_events(path, mapping="greenhouse", as_of=AS_OF)
    assert log.rows_quarantined == 0
    attrs = log.attributes.set_index("application_id")
    assert pd.isna(attrs.loc["4100001", "job"]) and attrs.loc["4100002", "job"] == "Data Analyst"


# Harvest's three endpoints as separate files (make_split.py): the items of
# scheduled_interviews.json and offers.json join their applications by application_id.
GREENHOUSE_SPLIT = ATS / "greenhouse" / "split"


def _load_script(name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, ATS / "greenhouse" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_split_fixture_is_what_make_split_writes() -> None:
    records = json.loads(GREENHOUSE.read_text(encoding="utf-8"))
    texts = _load_script("make_split").texts(records)  # type: ignore[attr-defined]
    assert sorted(p.name for p in GREENHOUSE_SPLIT.iterdir()) == sorted(texts)
    for name, text in texts.items():
        assert (GREENHOUSE_SPLIT / name).read_text(encoding="utf-8") == text, name
    apps = json.loads(texts["applications.json"])
    assert not any("scheduled_interviews" in a or "offers" in a for a in apps)


def test_the_split_folder_gives_the_same_events_as_the_nested_file() -> None:
    nested = read_events(GREENHOUSE, mapping="greenhouse", as_of=AS_OF)
    split = read_events(GREENHOUSE_SPLIT, mapping="greenhouse", as_of=AS_OF)
    assert split.rows_read == 8 and split.rows_quarantined == 0 and not split.problems
    assert triples(split) == sorted(GREENHOUSE_EVENTS)
    for a, b in zip(_without_lines(split), _without_lines(nested), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert split.meta["joins"]["scheduled_interviews"] == {
        "source": str(GREENHOUSE_SPLIT / "scheduled_interviews.json"),
        "items": 8,
        "joined": 8,
        "unmatched": 0,
    }
    assert split.meta["joins"]["offers"]["joined"] == 3
    # The quarantine and the problems name the applications' file itself.
    assert split.source == str(GREENHOUSE_SPLIT / "applications.json")


def test_pages_and_json_lines_in_the_split_folder(tmp_path: Path) -> None:
    parts = {
        n: json.loads((GREENHOUSE_SPLIT / f"{n}.json").read_text())
        for n in ("applications", "scheduled_interviews", "offers")
    }
    (tmp_path / "applications").mkdir()
    for k, chunk in ((1, parts["applications"][:3]), (2, parts["applications"][3:])):
        (tmp_path / "applications" / f"page-{k}.json").write_text(json.dumps(chunk, indent=1))
    (tmp_path / "scheduled_interviews.jsonl").write_text(
        "".join(json.dumps(i) + "\n" for i in parts["scheduled_interviews"])
    )
    (tmp_path / "offers").mkdir()
    (tmp_path / "offers" / "page-1.json").write_text(json.dumps(parts["offers"][:1]))
    (tmp_path / "offers" / "page-2.json").write_text(json.dumps(parts["offers"][1:]))
    log = read_events(tmp_path, mapping="greenhouse", as_of=AS_OF)
    assert triples(log) == sorted(GREENHOUSE_EVENTS) and not log.problems
    assert main(["summary", str(tmp_path), "--mapping", "greenhouse", "--min-group", "1"]) == 0


def test_items_that_name_no_application_are_counted_with_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(GREENHOUSE_SPLIT, tmp_path / "split")
    folder = tmp_path / "split"
    interviews = json.loads((folder / "scheduled_interviews.json").read_text())
    stray = dict(interviews[0], id=1, application_id=4199999)
    interviews.append(stray)
    (folder / "scheduled_interviews.jsonl").write_text(
        "".join(json.dumps(i) + "\n" for i in interviews) + "[1, 2]\n"
    )
    (folder / "scheduled_interviews.json").unlink()
    offers = json.loads((folder / "offers.json").read_text())
    offers.insert(0, {k: v for k, v in offers[0].items() if k != "application_id"})
    (folder / "offers.json").write_text(json.dumps(offers, indent=1))
    log = read_events(folder, mapping="greenhouse", as_of=AS_OF)
    assert triples(log) == sorted(GREENHOUSE_EVENTS)
    assert log.rows_read == 8 and log.rows_quarantined == 0
    by_kind = {(p.kind, p.source): p for p in log.problems}
    gone = by_kind["unmatched_items", str(folder / "scheduled_interviews.jsonl")]
    assert gone.line == 9 and gone.column == "application_id" and "4199999" in gone.reason
    assert gone.reason.startswith("1 item(s)")
    bad = by_kind["bad_json", str(folder / "scheduled_interviews.jsonl")]
    assert bad.line == 10
    missing = by_kind["unmatched_items", str(folder / "offers.json")]
    assert missing.line == 2 and "the first has no 'application_id'" in missing.reason
    assert log.meta["joins"]["scheduled_interviews"]["unmatched"] == 1
    assert log.meta["joins"]["offers"] == {
        "source": str(folder / "offers.json"),
        "items": 4,
        "joined": 3,
        "unmatched": 1,
    }
    text = "\n".join(p.format(log.source) for p in log.problems)
    assert "scheduled_interviews.jsonl:9:" in text and not any(p in text for p in PLANTED)


def test_a_bad_join_is_a_mapping_error(tmp_path: Path) -> None:
    with pytest.raises(HiringFunnelError, match=r"\[\[join\]\] entry 1: unknown key 'list'"):
        read_events(GREENHOUSE, mapping={"extends": "greenhouse", "join": [{"list": "x"}]})
    with pytest.raises(HiringFunnelError, match=r"entry 1: file must be a name"):
        read_events(
            GREENHOUSE,
            mapping={"extends": "greenhouse", "join": [{"file": "../x", "key": "id"}]},
        )
    shutil.copytree(GREENHOUSE_SPLIT, tmp_path / "split")
    (tmp_path / "split" / "offers.jsonl").write_text("{}\n")
    with pytest.raises(HiringFunnelError, match="offers.json, offers.jsonl"):
        read_events(tmp_path / "split", mapping="greenhouse")


def test_join_items_are_reported_when_no_record_can_be_read(tmp_path: Path) -> None:
    (tmp_path / "applications.json").write_text("[1,\n 2]\n")
    shutil.copy(GREENHOUSE_SPLIT / "offers.json", tmp_path / "offers.json")
    log = read_events(tmp_path, mapping="greenhouse", as_of=AS_OF)
    assert log.rows_read == 2 and log.rows_quarantined == 2
    (gone,) = [p for p in log.problems if p.kind == "unmatched_items"]
    assert gone.source == str(tmp_path / "offers.json") and gone.reason.startswith("3 item(s)")
