"""Reader limits (issue 10, "Bounded work"): every file, cell, column count and nesting depth is
bounded, and crossing a bound is one line that names the limit and how to raise it.

Also: output that stays linear in the input (a reason names the first line and a
count, never every line), and dates outside pandas' range on the command line.
"""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import hiring_funnel as hf
from hiring_funnel.cli import main
from hiring_funnel.io.cell_values import parse_timestamps
from hiring_funnel.io.limits import ENV_VARS, Limits
from hiring_funnel.io.load import read_events
from hiring_funnel.io.mapping import load_mapping
from hiring_funnel.io.readers import read_raw
from hiring_funnel.schema import HiringFunnelError

HEADER = "application_id,event,timestamp\n"
ROWS = "a1,applied,2024-03-01\na1,rejection,2024-03-09\na2,applied,2024-03-02\n"


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def one_error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI; it must fail with exactly one stderr line and no traceback."""
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert err.startswith("hiring-funnel: error: ") and err.count("\n") == 1, err
    return err


# --- the limits themselves -------------------------------------------------------


def test_defaults_and_environment() -> None:
    lim = Limits()
    assert (lim.max_cell_chars, lim.max_columns, lim.max_json_depth, lim.max_mapping_bytes) == (
        16 * 1024 * 1024,
        10_000,
        64,
        1024 * 1024,
    )
    env = {ENV_VARS["max_columns"]: "20,000", ENV_VARS["max_json_depth"]: " 128 "}
    assert Limits.from_env(env) == Limits(max_columns=20_000, max_json_depth=128)
    with pytest.raises(HiringFunnelError, match="HIRING_FUNNEL_MAX_COLUMNS must be a whole number"):
        Limits.from_env({"HIRING_FUNNEL_MAX_COLUMNS": "lots"})
    with pytest.raises(HiringFunnelError, match="must be at least 1"):
        Limits.from_env({"HIRING_FUNNEL_MAX_CELL_CHARS": "0"})
    with pytest.raises(HiringFunnelError, match="max_columns must be a whole number"):
        Limits(max_columns=0)


# --- files that are not regular files ------------------------------------------


def special_files(tmp_path: Path) -> dict[str, Path]:
    """A symlink named x.csv to /dev/zero, a FIFO named x.csv, a socket, a folder named x.csv."""
    zero = tmp_path / "zero" / "x.csv"
    zero.parent.mkdir()
    zero.symlink_to("/dev/zero")
    fifo = tmp_path / "fifo" / "x.csv"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    sock_path = tmp_path / "s.csv"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    return {"zero": zero, "fifo": fifo, "socket": sock_path, "folder": folder}


def test_special_files_are_refused_before_reading(tmp_path: Path) -> None:
    files = special_files(tmp_path)
    expected = {
        "zero": "is not a regular file (it is a character device)",
        "fifo": "is not a regular file (it is a FIFO (named pipe))",
        "socket": "is not a regular file (it is a socket)",
        "folder": "is a folder, not a file",
    }
    for key, path in files.items():
        with pytest.raises(HiringFunnelError, match=re.escape(f"{path}: {expected[key]}")):
            read_raw(path)


def test_special_files_in_every_role_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = special_files(tmp_path)
    log = write(tmp_path / "log.csv", HEADER + ROWS)
    mapping_fifo = tmp_path / "m.toml"
    os.mkfifo(mapping_fifo)
    pending_zero = tmp_path / "pending.csv"
    pending_zero.symlink_to("/dev/zero")
    cases = [
        ["validate", str(files["zero"])],
        ["validate", str(files["fifo"])],
        ["summary", str(files["socket"])],
        ["validate", str(log), "--attributes", str(files["zero"])],
        ["validate", str(log), "--mapping", str(mapping_fifo)],
        ["predict", str(log), "--pending", str(pending_zero), "--as-of", "2024-04-01"],
        ["validate", "/dev/zero"],
    ]
    for argv in cases:
        err = one_error_line(capsys, argv)
        assert "is not a regular file" in err, (argv, err)


# --- cells ----------------------------------------------------------------------


def test_cells_over_128_kib_load(tmp_path: Path) -> None:
    # Python's csv module stops at 131,072 characters by default.
    big = "x" * 200_000
    path = write(
        tmp_path / "big.csv",
        "application_id,event,timestamp,note\n"
        f'a1,applied,2024-03-01,"{big}"\na1,offer,2024-03-05,\n',
    )
    log = read_events(path, as_of="2024-04-01")
    assert log.rows_loaded == 2
    assert log.attributes.loc[0, "note"] == big


def test_a_cell_over_the_limit_is_one_line_naming_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path / "big.csv",
        HEADER + "a1,applied,2024-03-01\n" + "a2," + "y" * 5000 + ",2024-03-01\n",
    )
    with pytest.raises(
        HiringFunnelError,
        match=r"big\.csv:3: a cell of the row starting on line 3 is longer than the limit of 1,000 "
        r"characters .*HIRING_FUNNEL_MAX_CELL_CHARS",
    ):
        read_raw(path, limits=Limits(max_cell_chars=1000))
    assert read_raw(path, limits=Limits(max_cell_chars=10_000)).rows_read == 2
    monkeypatch.setenv("HIRING_FUNNEL_MAX_CELL_CHARS", "1000")
    err = one_error_line(capsys, ["validate", str(path)])
    assert "limit of 1,000 characters" in err and "HIRING_FUNNEL_MAX_CELL_CHARS" in err
    jsonl = write(
        tmp_path / "big.jsonl", json.dumps({"application_id": "a", "note": "z" * 5000}) + "\n"
    )
    err = one_error_line(capsys, ["validate", str(jsonl)])
    assert "big.jsonl:1: the value of 'note' is longer than the limit of 1,000" in err


def test_an_unclosed_quote_in_a_huge_file_stops_at_the_cell_limit(tmp_path: Path) -> None:
    path = write(
        tmp_path / "q.csv", HEADER + 'a1,applied,"2024-03-01\n' + "a2,applied,2024\n" * 400
    )
    with pytest.raises(HiringFunnelError, match="or a quote opened there is never closed"):
        read_raw(path, limits=Limits(max_cell_chars=1000))


# --- columns --------------------------------------------------------------------


def test_too_many_columns_in_every_format(tmp_path: Path) -> None:
    lim = Limits(max_columns=10)
    names = [f"c{i}" for i in range(11)]
    frame = pd.DataFrame([[str(i) for i in range(11)]], columns=names)
    csv_path = tmp_path / "w.csv"
    frame.to_csv(csv_path, index=False)
    jsonl_path = write(
        tmp_path / "w.jsonl", json.dumps(dict(zip(names, range(11), strict=True))) + "\n"
    )
    pq_path = tmp_path / "w.parquet"
    frame.to_parquet(pq_path)
    xlsx_path = tmp_path / "w.xlsx"
    frame.to_excel(xlsx_path, index=False)
    message = r"the table has 11 columns, more than the limit of 10 .*HIRING_FUNNEL_MAX_COLUMNS"
    for source in (csv_path, pq_path, xlsx_path, frame):
        with pytest.raises(HiringFunnelError, match=message):
            read_raw(source, limits=lim)
    with pytest.raises(
        HiringFunnelError, match=r"w\.jsonl:1: the lines up to this one have 11 different keys"
    ):
        read_raw(jsonl_path, limits=lim)
    assert read_raw(csv_path, limits=Limits(max_columns=11)).frame.shape == (1, 11)


def test_many_extra_columns_give_one_warning_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = hf.simulate(40, seed=3)
    events = sim.events.drop(columns="line")
    extra = pd.DataFrame(
        {f"x{i}": [str((i * 7 + k) % 5) for k in range(len(events))] for i in range(2000)}
    )
    extra["f0"] = "=1+1"
    extra["f1"] = "@SUM(A1)"
    extra["f2"] = "-x"
    extra["f3"] = "+y"
    path = tmp_path / "wide.csv"
    pd.concat([events.reset_index(drop=True), extra], axis=1).to_csv(path, index=False)
    assert (
        main(["validate", str(path), "--as-of", str(sim.as_of.date() + pd.Timedelta(days=1))]) == 0
    )
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(problems) == 2, out
    assert "2,000 attribute columns ('x0', 'x1', 'x2' and 1,997 more) have applications" in out
    assert f"{4 * len(events):,} cells in 4 columns ('f0', 'f1', 'f2' and 1 more) look like" in out


def test_a_row_of_a_million_fields_adds_one_quarantine_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv", HEADER + "a1,applied,2024-03-01" + ",x" * 100_000 + "\n" + ROWS
    )
    log = read_events(path, as_of="2024-04-01")
    assert log.rows_quarantined == 1
    q = log.quarantine
    assert [c for c in q.columns if c.startswith("extra")] == [
        *(f"extra field {k}" for k in range(1, 6)),
        "extra fields 6 on",
    ]
    assert q.loc[0, "kind"] == "ragged_row"


# --- JSON depth and lists or maps in cells ---------------------------------------------


def deep(n: int) -> str:
    return "[" * n + "]" * n


def test_a_line_nested_100000_deep_is_quarantined_and_the_rest_loads(tmp_path: Path) -> None:
    def line(app: str, event: str, extra: str = "") -> str:
        return (
            f'{{"application_id": "{app}", "event": "{event}", "timestamp": "2024-03-02"{extra}}}'
        )

    # The line's own object is the first level: 63 lists inside it make 64.
    lines = [
        line("a1", "applied"),
        line("a1", "screen", ', "x": ' + deep(100_000)),
        line("a1", "offer"),
        line("a2", "applied", ', "x": ' + deep(64)),
        line("a3", "applied", ', "x": ' + deep(63)),
    ]
    path = write(tmp_path / "deep.jsonl", "\n".join(lines) + "\n")
    log = read_events(path, as_of="2024-04-01")
    assert (log.rows_read, log.rows_loaded, log.rows_quarantined) == (5, 3, 2)
    q = log.quarantine.set_index("line")
    assert q.loc[2, "kind"] == q.loc[4, "kind"] == "bad_json"
    assert "nested deeper than the limit of 64 levels" in q.loc[2, "reason"]
    assert "HIRING_FUNNEL_MAX_JSON_DEPTH" in q.loc[2, "reason"]
    # The limit can be raised; a deep value in a column no one uses costs no row.
    log = read_events(path, as_of="2024-04-01", limits=Limits(max_json_depth=100))
    assert log.rows_quarantined == 1


def test_lists_and_maps_in_used_and_unused_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"application_id": "a1", "event": "applied", "timestamp": "2024-03-01", "tags": ["x", 1]},
        {"application_id": "a1", "event": "offer", "timestamp": "2024-03-09", "tags": {"k": [1]}},
        {"application_id": ["a2"], "event": "applied", "timestamp": "2024-03-02"},
        {"application_id": "a3", "event": {"e": "applied"}, "timestamp": "2024-03-02"},
        {"application_id": "a4", "event": "applied", "timestamp": ["2024-03-02"]},
        {"application_id": "a5", "event": "applied", "timestamp": "2024-03-02", "company_id": [1]},
    ]
    path = write(tmp_path / "n.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    log = read_events(path, as_of="2024-04-01")
    assert (log.rows_loaded, log.rows_quarantined) == (2, 4)
    q = log.quarantine.set_index("line")
    assert set(q["kind"]) == {"nested_value"}
    assert q["column"].to_dict() == {
        3: "application_id",
        4: "event",
        5: "timestamp",
        6: "company_id",
    }
    assert log.attributes.loc[0, "tags"] == '["x",1]'  # the compact JSON text
    for cmd in ("validate", "summary"):
        assert main([cmd, str(path), "--as-of", "2024-04-01"]) == 0
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err and err == ""
    assert main(["summary", str(path), "--as-of", "2024-04-01", "--by", "tags"]) in (0, 1)
    assert "Traceback" not in "".join(capsys.readouterr())
    hf.episodes(log, clock="first_response")


def test_parquet_list_struct_and_map_columns(tmp_path: Path) -> None:
    table = pa.table(
        {
            "application_id": ["a1", "a1", "a2"],
            "event": ["applied", "offer", "applied"],
            "timestamp": ["2024-03-01", "2024-03-05", "2024-03-02"],
            "tags": pa.array([[1, 2], [3], None]),
            "info": pa.array([{"x": 1}, {"x": 2}, None]),
            "scores": pa.array([[("k", 1)], [], None], type=pa.map_(pa.string(), pa.int64())),
            "candidate_id": pa.array([None, None, ["c"]], type=pa.list_(pa.string())),
        }
    )
    path = tmp_path / "n.parquet"
    pq.write_table(table, path)
    log = read_events(path, as_of="2024-04-01")
    assert (log.rows_loaded, log.rows_quarantined) == (2, 1)
    assert log.quarantine.loc[0, "kind"] == "nested_value"
    assert log.quarantine.loc[0, "column"] == "candidate_id"
    attrs = log.attributes.set_index("application_id")
    assert attrs.loc["a1", "tags"] == "[1,2]" and attrs.loc["a1", "info"] == '{"x":1}'
    assert attrs.loc["a1", "scores"] == '[["k",1]]'


# --- mapping files --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = " + deep(100_000) + "\n", "nested deeper than the limit of 64 levels"),
        ("a = " + deep(70) + "\n", "nested deeper than the limit of 64 levels"),
        ("a = " + "{b = " * 2000 + "1" + "}" * 2000 + "\n", "nested deeper than the limit"),
        ("a = " + "9" * 5000 + "\n", "not valid TOML"),
    ],
)
def test_mapping_nesting_and_numbers_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    mapping = write(tmp_path / "m.toml", text)
    log = write(tmp_path / "log.csv", HEADER + ROWS)
    err = one_error_line(capsys, ["validate", str(log), "--mapping", str(mapping)])
    assert message in err
    assert "m.toml" in err


def test_mapping_size_encoding_and_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write(tmp_path / "log.csv", HEADER + ROWS)
    big = write(tmp_path / "big.toml", "# padding\n" * 200_000)
    err = one_error_line(capsys, ["validate", str(log), "--mapping", str(big)])
    assert "more than the limit of 1,048,576" in err and "HIRING_FUNNEL_MAX_MAPPING_BYTES" in err
    with pytest.raises(HiringFunnelError, match="is not valid UTF-8"):
        load_mapping(write(tmp_path / "latin.toml", 'description = "caf\xe9"\n'.encode("latin-1")))
    with pytest.raises(HiringFunnelError, match="is a folder, not a file"):
        load_mapping(tmp_path)
    with pytest.raises(HiringFunnelError, match="is not a regular file"):
        link = tmp_path / "zero.toml"
        link.symlink_to("/dev/zero")
        load_mapping(link)
    for bad in ("encoding = 5", 'delimiter = ";;"', "sheet = true", "as_of = [1]"):
        with pytest.raises(HiringFunnelError, match="must be"):
            load_mapping(write(tmp_path / "x.toml", bad + "\n"))


# --- dates outside pandas' range -------------------------------------------------


@pytest.mark.parametrize("as_of", ["9999-01-01", "1600-01-01", "2262-06-01T00:00:00Z"])
def test_as_of_outside_the_supported_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_of: str
) -> None:
    log = write(tmp_path / "log.csv", HEADER + ROWS)
    for cmd in ("validate", "summary"):
        err = one_error_line(capsys, [cmd, str(log), "--as-of", as_of])
        assert "out of the supported range (years 1678 to 2261)" in err
    mapping = write(tmp_path / "m.toml", f'as_of = "{as_of}"\n')
    err = one_error_line(capsys, ["validate", str(log), "--mapping", str(mapping)])
    assert "out of range (years 1678 to 2261)" in err


def test_day_counts_past_the_range_are_a_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.csv",
        "Company,Date sent,Days\nA,2024-03-01,3\nB,2024-03-01,99999999999\nC,2261-12-01,200\n",
    )
    mapping = {
        "layout": "wide",
        "columns": {"company_id": "Company"},
        "events": [
            {"event": "applied", "date": "Date sent"},
            {"event": "rejection", "date": "Date sent", "plus_days": "Days"},
        ],
    }
    log = read_events(path, mapping=mapping, as_of="2261-12-31")
    q = log.quarantine.set_index("line")
    assert q.loc[3, "reason"] == "the number of days is too large"
    assert q.loc[4, "reason"].startswith("the date plus the days is out of range")
    assert set(q["kind"]) == {"bad_days"}


# --- output linear in the input --------------------------------------------------


def output_per_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> tuple[float, float]:
    quarantine = tmp_path / "q.csv"
    main(["validate", *argv, "--quarantine", str(quarantine)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return len(out.encode()), quarantine.stat().st_size


@pytest.mark.parametrize("layout", ["long", "wide", "attributes"])
def test_output_per_row_is_bounded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: str
) -> None:
    # 4,000 rows of one application gave 184 MB of reasons: each listed every other line.
    n = 4000
    if layout == "long":
        body = "".join(f"a1,applied,2024-03-01T00:00:{k % 60:02d}\n" for k in range(n))
        args = [str(write(tmp_path / "log.csv", HEADER + body)), "--as-of", "2024-04-01"]
    elif layout == "wide":
        body = "".join(f"t1,2024-03-{1 + k % 28:02d},{k}\n" for k in range(n))
        mapping = write(
            tmp_path / "m.toml",
            'layout = "wide"\nattributes = ["n"]\n[columns]\napplication_id = "id"\n'
            '[[events]]\nevent = "applied"\ndate = "sent"\n',
        )
        args = [str(write(tmp_path / "t.csv", "id,sent,n\n" + body)), "--mapping", str(mapping)]
        args += ["--as-of", "2024-04-01"]
    else:
        attrs = write(
            tmp_path / "a.csv", "application_id,n\n" + "".join(f"a1,{k}\n" for k in range(n))
        )
        args = [str(write(tmp_path / "log.csv", HEADER + ROWS)), "--attributes", str(attrs)]
        args += ["--as-of", "2024-04-01"]
    stdout, quarantine = output_per_row(tmp_path, capsys, args)
    # A reason is about a hundred characters, a row of cells a few dozen: a few
    # hundred bytes per row, however many rows share the application.
    assert stdout / n < 400, stdout / n
    assert quarantine / n < 400, quarantine / n


def test_excel_serial_days_to_the_end_of_pandas_range() -> None:
    # A Timedelta holds 106,751 days, fewer than from Excel's day 0 (1899-12-30) to 2262:
    # serial 106,752 raised OutOfBoundsDatetime (found by the fuzz test).
    values = pd.Series([45352.75, 106_752, 132_000, 140_000, 10**400], dtype=object)
    ts, why = parse_timestamps(values, np.arange(2, 7))
    assert ts[:3].tolist() == [
        pd.Timestamp("2024-03-01 18:00", tz="UTC"),
        pd.Timestamp("2192-04-09", tz="UTC"),
        pd.Timestamp("2261-05-26", tz="UTC"),
    ]
    assert why[3] == "Excel date number 140000 is out of range (years 1678 to 2261)"
    assert why[4] == (
        "number 10000000000000000000… (401 digits) is out of the range of Excel dates "
        "(1 to 2958465)"
    )
    text, why = parse_timestamps(
        pd.Series(["106752", "1e400"]), np.arange(2, 4), date_format="excel"
    )
    assert text[0] == pd.Timestamp("2192-04-09", tz="UTC") and why[1].startswith("cannot read")


def test_an_integer_id_too_large_for_a_float_is_an_id(tmp_path: Path) -> None:
    # Found by the slow fuzz run: an id of 400 digits in a DataFrame or a JSON line made
    # pandas infer a type for the attribute table and fail ("int too large to convert
    # to float"). It is an id like any other.
    big = 10**400 + 7  # more than a float holds (1.8e308)
    frame = pd.DataFrame(
        {
            # ints and a None: from a list pandas would infer floats and fail itself
            "application_id": pd.Series([big, big, None], dtype=object),
            "event": ["applied", "rejection", "applied"],
            "timestamp": ["2024-03-01", "2024-03-05", "2024-03-02"],
            "industry": ["retail", "retail", "software"],
        }
    )
    log = read_events(frame, as_of="2024-03-31")
    assert (log.rows_loaded, log.rows_quarantined) == (2, 1)  # the row without an id
    assert str(big) in set(log.events["application_id"])
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in frame.to_dict("records")) + "\n")
    log = read_events(path, as_of="2024-03-31")
    assert log.rows_loaded == 2 and str(big) in set(log.attributes["application_id"])
