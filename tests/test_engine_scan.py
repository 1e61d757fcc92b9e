"""The byte scan's plain columns, and the SQL that trusts them, against Python's own reading.

:func:`hiring_funnel.engine.ingest_scan.scan_csv` says which columns hold only
plain cells; the engine then reads those cells without ``str.strip()`` and
without the formula check. The first tests check the claim against the csv
module and the very Python functions the pandas path uses; the last ones
check that the engine's reading of files whose columns are plain, odd or
mixed equals ``read_events``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_engine_ingest import assert_same, compare_reads

from hiring_funnel.engine.ingest import read_events_engine
from hiring_funnel.engine.ingest_raw import RAGGED_MULTILINE
from hiring_funnel.engine.ingest_scan import NotPlain, scan_csv
from hiring_funnel.io.cell_values import MISSING_TOKENS, looks_like_formula
from hiring_funnel.io.load import read_events

_PLAIN = ["a1", "x", "Zürich", "n/a", "none", "NULL", "3", "1,5", "a b", "q'q", ""]
_ODD = [" a", "a ", "=1+1", "-3", "+4", "@x", "é", "\u00a0a", "x\u3000", '"a"', "\ta"]


def _cell(value: str) -> str:
    if any(c in value for c in ',"\n') or value.startswith('"'):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    width = draw(st.integers(1, 5))
    odd_columns = draw(st.sets(st.integers(0, width - 1)))
    rows = [[f"h{j}" for j in range(width)]]
    for _ in range(draw(st.integers(1, 8))):
        row = []
        for j in range(width):
            pool = _ODD + _PLAIN if j in odd_columns else _PLAIN
            row.append(draw(st.sampled_from(pool)))
        rows.append(row)
    lines = [",".join(_cell(c) for c in row) for row in rows]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(1, len(lines))), "")  # an empty line
    return "\n".join(lines) + ("\n" if draw(st.booleans()) else ""), rows


@settings(max_examples=300, deadline=None)
@given(table=tables(), chunk=st.sampled_from([3, 7, 64, 1 << 20]))
def test_plain_columns_hold_only_cells_strip_and_formulas_leave_alone(
    table: tuple[str, list[list[str]]], chunk: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    text, _ = table
    path = tmp_path_factory.mktemp("scan") / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    scan = scan_csv(path, ",", 1 << 20, chunk=chunk)
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    width = max(len(r) for r in records)
    for j in range(width):
        cells = [r[j] for r in records if len(r) > j]
        formula = looks_like_formula(pd.Series(cells, dtype=object))
        sound = all(c.strip() == c for c in cells) and not formula.any()
        if scan.plain(j):
            assert sound, (j, cells)
        if scan.tokenless(j):
            assert sound and not any(c and c.casefold() in MISSING_TOKENS for c in cells)
        # Unquoted cells of printable ASCII that start with none of '"=@+- are all plain.
        if all(c == "" or c in _PLAIN and not any(x in c for x in ',"') for c in cells):
            assert scan.plain(j), (j, cells)
            if not any(c[:1] in ("n", "N") for c in cells):
                assert scan.tokenless(j), (j, cells)


def test_a_carriage_return_makes_no_column_plain(tmp_path: Path) -> None:
    path = tmp_path / "crlf.csv"
    path.write_bytes(b"a,b\r\nx,y\r\n")
    scan = scan_csv(path, ",", 1 << 20)
    assert scan.odd is None and not scan.plain(0)


def test_a_last_cell_without_line_feed_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "end.csv"
    path.write_bytes(b"a,b\nx,y ")
    scan = scan_csv(path, ",", 1 << 20)
    assert scan.plain(0) and not scan.plain(1)


def test_a_quoted_cell_is_not_plain(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes(b'a,b\nx,"y"\n')
    scan = scan_csv(path, ",", 1 << 20)
    assert scan.plain(0) and not scan.plain(1)


# --- the engine's reading of plain, odd and mixed columns equals read_events ---

_IDS = ["a1", "a2", "a3", " a4", "a5 ", "n/a", "", "é1", "-7"]
_EVENTS = ["applied", "rejection", "offer", "screen", " offer", "Applied ", "=HYPERLINK()", ""]
_DATES = [
    "2024-03-01",
    "2024-03-02T10:00:00Z",
    "2024-03-04T23:30:00-05:00",
    " 2024-03-03T12:00:00Z",
    "2024-03-03T12:00:00Z ",
    "2024-02-30",
    "NULL",
    "",
]
_STAGE = ["x", "-3", "+1", "@a", "a b", " ", "Zürich", "none", ""]
_HC = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@st.composite
def logs(draw: st.DrawFn) -> str:
    # Each column is plain in some examples (its first values only) and odd in others.
    pools = [_IDS, _IDS[::-1], _EVENTS, _DATES, _STAGE, _STAGE[::-1]]
    cut = [draw(st.sampled_from([2, 3, len(p)])) for p in pools]
    lines = ["application_id,candidate_id,event,timestamp,stage,team"]
    for _ in range(draw(st.integers(1, 10))):
        lines.append(
            ",".join(draw(st.sampled_from(p[:k])) for p, k in zip(pools, cut, strict=True))
        )
    if draw(st.booleans()):
        lines.append(lines[-1])  # an exact copy
    if draw(st.booleans()):
        lines.append(",,,,,")  # a row of blank cells
    return "\n".join(lines) + "\n"


@settings(
    max_examples=25,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=_HC,
)
@given(text=logs())
def test_plain_odd_and_mixed_columns_read_as_read_events(text: str, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(text.encode("utf-8"))
    # Any error: the same one-line error.
    compare_reads(path, tmp_path, errors=Exception, as_of="2024-06-01")


def test_not_plain_csv_still_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b'a,b\nx,y"z\n')
    with pytest.raises(NotPlain):
        scan_csv(path, ",", 1 << 20)


def test_ragged_rows_and_a_line_break_in_the_last_record_fall_back(tmp_path: Path) -> None:
    # The quoted line break is in the last record, so no record starts on a later
    # line than the one before it would: the scan must see the break itself.
    path = tmp_path / "log.csv"
    path.write_bytes(
        b"application_id,event,timestamp,stage\r\na1,applied,2024-03-01,x\r\n"
        b'a9,applied\r\na1,offer,2024-03-05,"two\nlines"\r\n'
    )
    assert scan_csv(path, ",", 1 << 20).multiline
    engine = read_events_engine(str(path), as_of="2024-06-01")
    assert engine.meta["fallback"] == RAGGED_MULTILINE
    assert_same(engine, read_events(str(path), as_of="2024-06-01"))


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_scan_of_a_large_file_shows_progress_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hiring_funnel.engine import connect, ingest_raw

    folder = tmp_path / "private-folder"
    folder.mkdir()
    path = folder / "log.csv"
    path.write_bytes(b"a,b\n" + b"x,y\n" * 1000)
    monkeypatch.setattr(ingest_raw, "PROGRESS_BYTES", 100)
    db = connect("duckdb", progress=True).con
    shown = _Terminal(tty=True)
    with ingest_raw.scan_progress(db, path, shown) as report:
        assert report is not None
        scan_csv(path, ",", 1 << 20, chunk=1000, progress=report)
    text = shown.getvalue()
    assert "checking the lines of log.csv: " in text and "100%" in text
    assert "private-folder" not in text and text.endswith("\r")
    for stream, on in ((_Terminal(tty=False), True), (_Terminal(tty=True), False)):
        db = connect("duckdb", progress=on).con
        with ingest_raw.scan_progress(db, path, stream) as report:
            assert report is None
        assert stream.getvalue() == ""
    monkeypatch.setattr(ingest_raw, "PROGRESS_BYTES", 1 << 30)
    with ingest_raw.scan_progress(connect("duckdb", progress=True).con, path, shown) as report:
        assert report is None


def test_progress_counts_every_byte_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n" + b"x,y\n" * 50)
    seen: list[int] = []
    scan_csv(path, ",", 1 << 20, chunk=64, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == path.stat().st_size
