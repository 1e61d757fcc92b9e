"""read_events end to end: formats, arguments, attribute files, and row accounting."""

from __future__ import annotations

import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hiring_funnel as hf
from hiring_funnel.cli import main
from hiring_funnel.io.load import read_events
from hiring_funnel.schema import HiringFunnelError

LOG = pd.DataFrame(
    {
        "application_id": ["a1", "a1", "a2", "a3", "a3"],
        "event": ["applied", "rejection", "applied", "applied", "screen"],
        "timestamp": [
            "2024-03-01",
            "2024-03-08T10:30:00Z",
            "2024-03-02",
            "2024-03-03",
            "2024-03-05",
        ],
        "channel": ["LinkedIn", "LinkedIn", "", "Referral", "Referral"],
    }
)


def canonical(events: pd.DataFrame) -> list[tuple[object, ...]]:
    return sorted(
        (str(a), str(e), t.isoformat(), None if pd.isna(c) else str(c))
        for a, e, t, c in zip(
            events["application_id"],
            events["event"],
            events["timestamp"],
            events["channel"],
            strict=True,
        )
    )


EXPECTED = [
    ("a1", "applied", "2024-03-01T00:00:00+00:00", "LinkedIn"),
    ("a1", "rejection", "2024-03-08T10:30:00+00:00", "LinkedIn"),
    ("a2", "applied", "2024-03-02T00:00:00+00:00", None),
    ("a3", "applied", "2024-03-03T00:00:00+00:00", "Referral"),
    ("a3", "screen", "2024-03-05T00:00:00+00:00", "Referral"),
]


def test_dataframe() -> None:
    log = read_events(LOG)
    assert canonical(log.events) == EXPECTED
    assert log.source == "<DataFrame>" and log.rows_read == log.rows_loaded == 5


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet", ".xlsx"])
def test_every_format_gives_the_same_events(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"log{suffix}"
    if suffix == ".csv":
        LOG.to_csv(path, index=False)
    elif suffix == ".tsv":
        LOG.to_csv(path, index=False, sep="\t")
    elif suffix == ".jsonl":
        LOG.to_json(path, orient="records", lines=True)
    elif suffix == ".parquet":
        LOG.to_parquet(path)
    else:
        LOG.to_excel(path, index=False)
    log = read_events(path)
    assert canonical(log.events) == EXPECTED
    assert log.source == str(path)
    first_line = {".csv": 2, ".tsv": 2, ".jsonl": 1, ".parquet": 1, ".xlsx": 2}[suffix]
    assert sorted(log.events["line"]) == list(range(first_line, first_line + 5))


def test_mapping_by_dict_path_and_name(tmp_path: Path) -> None:
    frame = LOG.rename(columns={"event": "Status"})
    mapping_file = tmp_path / "m.toml"
    mapping_file.write_text('[columns]\nevent = "Status"\n', encoding="utf-8")
    assert (
        canonical(read_events(frame, mapping={"columns": {"event": "Status"}}).events) == EXPECTED
    )
    assert canonical(read_events(frame, mapping=mapping_file).events) == EXPECTED
    with pytest.raises(HiringFunnelError, match="no-such-mapping: mapping file not found"):
        read_events(frame, mapping="no-such-mapping")


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2024-03-06", "2024-03-06 00:00"),  # naive: UTC
        ("2024-03-06T02:00:00+02:00", "2024-03-06 00:00"),
        (pd.Timestamp("2024-03-06 00:00"), "2024-03-06 00:00"),
        (pd.Timestamp("2024-03-05 19:00", tz="America/New_York"), "2024-03-06 00:00"),
    ],
)
def test_as_of_argument(as_of: str | pd.Timestamp, expected: str) -> None:
    log = read_events(LOG, as_of=as_of)
    assert log.as_of == pd.Timestamp(expected, tz="UTC")
    # Only the 03-08 rejection is after 03-06 00:00 UTC.
    assert log.quarantine["line"].tolist() == [2]
    assert (
        log.quarantine["reason"]
        .iloc[0]
        .startswith("dated 2024-03-08 10:30 UTC, after the as-of date")
    )


def test_as_of_argument_overrides_the_mapping() -> None:
    log = read_events(LOG, mapping={"as_of": "2024-03-02"}, as_of="2024-04-01")
    assert log.as_of == pd.Timestamp("2024-04-01", tz="UTC") and log.rows_quarantined == 0
    log = read_events(LOG, mapping={"as_of": "2024-03-02"})
    assert log.as_of == pd.Timestamp("2024-03-02", tz="UTC") and log.rows_quarantined == 3


@pytest.mark.parametrize("as_of", ["yesterday", "", "2024-02-30"])
def test_bad_as_of_argument(as_of: str) -> None:
    with pytest.raises(
        HiringFunnelError, match=rf"^as_of '{as_of}' is not a date \(write it as ISO 8601"
    ):
        read_events(LOG, as_of=as_of)


def test_encoding_argument(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(
        "application_id,event,timestamp,stage\na1,applied,2024-03-01,Zürich\n".encode("cp1252")
    )
    with pytest.raises(HiringFunnelError, match=r"x\.csv:2: byte 0xfc"):
        read_events(path)
    assert read_events(path, encoding="cp1252").events["stage"].tolist() == ["Zürich"]
    assert read_events(path, mapping={"encoding": "cp1252"}).events["stage"].tolist() == ["Zürich"]


# --- attribute files ----------------------------------------------------------


def test_attribute_file(tmp_path: Path) -> None:
    path = tmp_path / "attrs.csv"
    path.write_text(
        "application_id,salary,remote\n"
        'a1,"55,000",yes\n'  # 2
        "a2,N/A,-\n"  # 3
        'a1,"55,000",yes\n'  # 4: exact copy of 2
        "a3,100,no\n"  # 5: a3 twice with different values
        "a3,200,no\n"  # 6
        ",1,no\n"  # 7: no id
        "a9,1,no\n"  # 8: no events for a9
        "a2,1\n",  # 9: ragged
        encoding="utf-8",
    )
    log = read_events(LOG, attributes=path)
    attrs = log.attributes.set_index("application_id")
    assert attrs.index.tolist() == ["a1", "a2", "a3"]
    assert attrs.loc["a1", "salary"] == 55000.0 and attrs.loc["a1", "remote"] == "yes"
    assert pd.isna(attrs.loc["a2", "salary"]) and pd.isna(attrs.loc["a2", "remote"])
    assert pd.isna(attrs.loc["a3", "salary"])  # both a3 rows were quarantined
    q = log.quarantine[log.quarantine["file"] == str(path)]
    assert dict(zip(q["line"], q["reason"], strict=True)) == {
        4: "exact duplicate of an earlier row",
        5: "conflicting duplicates: application id 'a3' is on 2 rows (first on line 5)",
        6: "conflicting duplicates: application id 'a3' is on 2 rows (first on line 5)",
        7: "missing application id",
        9: "row has 2 fields but the header has 3",
    }
    assert q.set_index("line").loc[9, "application_id"] == "a2"  # a ragged row keeps its cells
    counts = log.meta["attributes"]
    assert counts == {
        "source": str(path),
        "rows_read": 8,
        "rows_loaded": 3,  # a1, a2, a9
        "rows_quarantined": 5,
        "rows_unmatched": 1,  # a9
        "ids_cleaned": 0,
    }
    # The events file's own counts are unchanged.
    assert (log.rows_read, log.rows_loaded, log.rows_quarantined) == (5, 5, 0)
    messages = [p.format(log.source) for p in log.problems]
    assert f"{path}:7: missing application id" in messages
    # Lines of attrs.csv are printed with attrs.csv's name, not the log's.
    assert all(p.source == str(path) for p in log.problems if p.line is not None)


def test_attribute_dataframe_and_missing_id_column() -> None:
    attrs = pd.DataFrame({"application_id": ["a1", "a2"], "size": ["1,000", "50"]})
    size = read_events(LOG, attributes=attrs).attributes.set_index("application_id")["size"]
    assert size[["a1", "a2"]].tolist() == [1000.0, 50.0] and pd.isna(size["a3"])
    with pytest.raises(
        HiringFunnelError,
        match=r"missing required column 'application_id' \(the file has: id, size",
    ):
        read_events(LOG, attributes=pd.DataFrame({"id": ["a1"], "size": [1]}))


# --- row accounting, as a property --------------------------------------------

HEADER = "application_id,event,timestamp,stage"


@dataclass(frozen=True)
class Row:
    kind: str
    text: str  # as written, without the final newline; may span lines
    ragged: bool = False
    bad: bool = False  # must be quarantined whatever else happens


ids = st.sampled_from(["a1", "a2", "a3", "a4"])
events = st.sampled_from(
    ["applied", "screen", "interview", "follow_up", "offer", "rejection", "withdrawn"]
)
dates = st.dates(
    min_value=pd.Timestamp("2024-01-01").date(), max_value=pd.Timestamp("2024-12-31").date()
).map(lambda d: d.isoformat())
stages = st.sampled_from(["", "phone", "onsite", '"multi\nline"', '"with, comma"', "=HYPERLINK()"])

good = st.builds(lambda i, e, d, s: Row("good", f"{i},{e},{d},{s}"), ids, events, dates, stages)
bad_date = st.builds(
    lambda i, e, d: Row("bad date", f"{i},{e},{d},", bad=True),
    ids,
    events,
    st.sampled_from(["soon", "2024-02-30", "2024-13-01", "N/A", "2999-01-01"]),
)
missing_id = st.builds(
    lambda i, e, d: Row("missing id", f"{i},{e},{d},", bad=True),
    st.sampled_from(["", "N/A", "-"]),
    events,
    dates,
)
unknown_event = st.builds(
    lambda i, e, d: Row("unknown event", f"{i},{e},{d},", bad=True),
    ids,
    st.sampled_from(["ghosted", "hired", "Phone Screen"]),
    dates,
)
ragged = st.builds(
    lambda i, e, d, more: Row(
        "ragged", f"{i},{e},{d},s,extra" if more else f"{i},{e}", ragged=True, bad=True
    ),
    ids,
    events,
    dates,
    st.booleans(),
)
blank = st.just(Row("blank", ""))
DUPLICATE = Row("duplicate", "")  # replaced by a copy of an earlier row
row_kinds = st.one_of(
    good, good, bad_date, missing_id, unknown_event, ragged, blank, st.just(DUPLICATE)
)


def build(rows: list[Row]) -> tuple[str, dict[int, Row]]:
    """The CSV text and, per data line (the physical line a record starts on), its row."""
    lines = [HEADER]
    data: dict[int, Row] = {}
    written: list[Row] = []
    line_no = 1  # the header
    for row in rows:
        if row is DUPLICATE:
            if not written:
                continue
            row = written[len(lines) % len(written)]
        lines.append(row.text)
        start = line_no + 1
        line_no += 1 + row.text.count("\n")  # a quoted newline takes a physical line
        if row.kind != "blank":
            data[start] = row
            written.append(row)
    return "\n".join(lines) + "\n", data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row_kinds, min_size=1, max_size=14))
def test_every_row_is_loaded_or_quarantined(rows: list[Row]) -> None:
    text, data = build(rows)
    if not data:
        return  # only blank lines: a header-only file, which is fatal (tested elsewhere)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        path.write_text(text, encoding="utf-8")
        log = read_events(path, as_of="2025-01-01")

    assert log.rows_read == len(data)
    assert log.rows_read == log.rows_loaded + log.rows_quarantined
    loaded = set(log.events["line"])
    quarantined = log.quarantine["line"].tolist()
    assert len(quarantined) == len(set(quarantined)) == log.rows_quarantined
    assert len(loaded) == log.rows_loaded
    assert loaded.isdisjoint(quarantined)
    assert loaded | set(quarantined) == set(data)

    reason = dict(zip(log.quarantine["line"], log.quarantine["reason"], strict=True))
    first_copy: dict[str, int] = {}
    for line, row in sorted(data.items()):
        if row.bad:
            assert line in reason, (line, row)
        if row.ragged:
            assert "fields but the header has 4" in reason[line]
            continue
        if row.text in first_copy:
            assert reason[line] == f"exact duplicate of line {first_copy[row.text]}"
        else:
            first_copy[row.text] = line
    assert log.exact_duplicates == sum(r.startswith("exact duplicate") for r in reason.values())


# --- ids cleaned of invisible characters, and said so (issue 10) ------------------

INVISIBLE = ["\u200b", "\ufeff", "\u202e", "\u2066", "\u200d", "\u2069"]


def plant(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """Put one invisible character before, after or inside the id of each row in ``rows``."""
    out = values.astype(object).copy()
    for k, i in enumerate(rows):
        v, c = out.iat[i], INVISIBLE[k % len(INVISIBLE)]
        out.iat[i] = [c + v, v + c, v[:2] + c + v[2:]][k % 3]
    return out


def test_invisible_characters_and_unicode_forms_do_not_split_applications(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Issue 10: 300 applications became 304 and answers were orphaned.
    sim = hf.simulate(300, seed=11)
    events = sim.events.drop(columns="line").reset_index(drop=True)
    # Some ids hold an accent, written composed (NFC) on most rows.
    accented = events["application_id"].str.replace("A0000", "Aé00", regex=False)
    events["application_id"] = accented
    attributes = sim.attributes.assign(
        application_id=sim.attributes["application_id"].str.replace("A0000", "Aé00", regex=False)
    )
    clean = read_events(events, attributes=attributes, as_of=sim.as_of)
    assert clean.meta["ids_cleaned"] == 0
    assert not any(p.kind == "cleaned_ids" for p in clean.problems)

    rng = np.random.default_rng(5)
    dirty = events.copy()
    rows = rng.choice(len(dirty), 150, replace=False)
    dirty["application_id"] = plant(dirty["application_id"], rows)
    nfd = dirty["application_id"].str.contains("é", regex=False).to_numpy()
    nfd[rng.random(len(nfd)) < 0.5] = False
    dirty.loc[nfd, "application_id"] = [
        unicodedata.normalize("NFD", v) for v in dirty.loc[nfd, "application_id"]
    ]
    dirty["candidate_id"] = plant(dirty["candidate_id"], rows[:40])
    dirty["company_id"] = plant(dirty["company_id"], rows[40:60])
    dirty["event"] = dirty["event"].astype(object)
    offers = dirty["event"] == "offer"
    dirty.loc[offers, "event"] = "offer\u200b"  # an event name is cleaned too
    dirty_attrs = attributes.copy()
    dirty_attrs["application_id"] = plant(dirty_attrs["application_id"], np.arange(0, 300, 7))
    log = read_events(dirty, attributes=dirty_attrs, as_of=sim.as_of)

    assert log.events["application_id"].nunique() == 300
    keep = ["application_id", "event", "timestamp", "candidate_id", "company_id"]
    pd.testing.assert_frame_equal(log.events[keep], clean.events[keep])
    pd.testing.assert_frame_equal(log.attributes, clean.attributes)
    # Every answer still belongs to its application: the episodes are the same.
    for clock in ("first_response", "decision"):
        pd.testing.assert_frame_equal(
            hf.episodes(log, clock=clock), hf.episodes(clean, clock=clock)
        )
    # Cells, not rows: a row may hold a planted character in more than one id.
    ids = ["application_id", "candidate_id", "company_id"]
    planted = np.column_stack([(dirty[c] != events[c]).to_numpy() for c in ids])
    expected_ids = int(planted.sum())
    assert log.meta["ids_cleaned"] == expected_ids
    assert log.meta["attributes"]["ids_cleaned"] == len(range(0, 300, 7))
    [problem] = [p for p in log.problems if p.kind == "cleaned_ids" and p.source is None]
    assert problem.line == int(np.flatnonzero(planted.any(axis=1))[0]) + 1  # lines are 1-based
    assert problem.reason.startswith(f"{expected_ids:,} id cell(s) held invisible characters")

    path = tmp_path / "events.csv"
    dirty.to_csv(path, index=False)
    assert main(["validate", str(path), "--as-of", str(sim.as_of)]) == 0
    out = capsys.readouterr().out
    assert "applications: 300;" in out
    assert f"{expected_ids:,} id cell(s) held invisible characters" in out
