"""Reading raw tables: decoding, splitting, line numbers, and guarded CSV output.

Line numbers are counted by hand from the literal file contents written in
each test (the header is line 1).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hiring_funnel.io.readers import read_raw
from hiring_funnel.schema import HiringFunnelError

HEADER = "application_id,event,timestamp\n"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


# --- decoding ---------------------------------------------------------------


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = write(
        tmp_path, "bom.csv", b"\xef\xbb\xbf" + (HEADER + "a1,applied,2024-03-01\n").encode()
    )
    raw = read_raw(path)
    assert list(raw.frame.columns) == ["application_id", "event", "timestamp"]


def test_non_utf8_byte_names_line_and_character(tmp_path: Path) -> None:
    # "é" in cp1252 is 0xe9; it is the 7th character of line 3 ("a2,Café,...").
    content = (HEADER + "a1,applied,2024-03-01\na2,Caf\u00e9,2024-03-02\n").encode("cp1252")
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(
        HiringFunnelError, match=r"x\.csv:3: byte 0xe9 at character 7 is not valid UTF-8"
    ):
        read_raw(path)
    with pytest.raises(HiringFunnelError, match=r"--encoding cp1252"):
        read_raw(path)


def test_named_encoding_decodes(tmp_path: Path) -> None:
    content = (HEADER + "a1,Caf\u00e9,2024-03-02\n").encode("cp1252")
    raw = read_raw(write(tmp_path, "x.csv", content), encoding="cp1252")
    assert raw.frame.loc[0, "event"] == "Café"


def test_named_encoding_that_does_not_fit_names_the_line(tmp_path: Path) -> None:
    content = (HEADER + "a1,Caf\u00e9,2024-03-02\n").encode("cp1252")
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(
        HiringFunnelError, match=r"x\.csv:2: byte 0xe9 at character .* cannot be decoded as ascii"
    ):
        read_raw(path, encoding="ascii")


def test_unknown_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", HEADER + "a,b,c\n")
    with pytest.raises(HiringFunnelError, match="unknown encoding 'klingon'"):
        read_raw(path, encoding="klingon")


@pytest.mark.parametrize(
    ("codec", "name"),
    [
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
def test_other_unicode_boms_are_refused_with_a_hint(tmp_path: Path, codec: str, name: str) -> None:
    # Python's "utf-16"/"utf-32" codecs write the BOM; write it by hand per byte order.
    text = HEADER + "a1,applied,2024-03-01\n"
    content = ("\ufeff" + text).encode(codec)
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(
        HiringFunnelError, match=rf"x\.csv:1: the file is {name} .*--encoding {name.lower()}"
    ):
        read_raw(path)
    raw = read_raw(path, encoding=name.lower())
    assert raw.frame.loc[0, "application_id"] == "a1"


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  "])
def test_empty_and_whitespace_files(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(HiringFunnelError, match=r"x\.csv: the file is empty"):
        read_raw(write(tmp_path, "x.csv", content))


def test_not_found_folder_and_unknown_type(tmp_path: Path) -> None:
    with pytest.raises(HiringFunnelError, match=r"nope\.csv: file not found"):
        read_raw(tmp_path / "nope.csv")
    with pytest.raises(HiringFunnelError, match="is a folder, not a file"):
        read_raw(tmp_path)
    with pytest.raises(HiringFunnelError, match=r"unknown file type '\.xls' \(use \.csv"):
        read_raw(write(tmp_path, "x.xls", "x"))


# --- CSV --------------------------------------------------------------------


def test_header_only(tmp_path: Path) -> None:
    with pytest.raises(
        HiringFunnelError, match=r"x\.csv:1: the file has a header but no data rows"
    ):
        read_raw(write(tmp_path, "x.csv", HEADER))


def test_line_numbers_are_physical_start_lines(tmp_path: Path) -> None:
    content = (
        HEADER
        + 'a1,applied,"2024-03-01\n\nstill the same cell"\n'  # lines 2-4
        + "\n"  # line 5, blank
        + "a2,applied,2024-03-02\n"  # line 6
        + ",,\n"  # line 7, only delimiters: blank
        + "a3,applied,2024-03-03\n"  # line 8
    )
    raw = read_raw(write(tmp_path, "x.csv", content))
    assert raw.line.tolist() == [2, 6, 8]
    assert raw.blank_lines == 2
    assert raw.frame.loc[0, "timestamp"] == "2024-03-01\n\nstill the same cell"
    assert raw.rows_read == 3


def test_crlf_line_numbers(tmp_path: Path) -> None:
    content = HEADER.replace("\n", "\r\n") + "a1,applied,x\r\n\r\na2,applied,y\r\n"
    raw = read_raw(write(tmp_path, "x.csv", content))
    assert raw.line.tolist() == [2, 4]
    assert raw.frame["timestamp"].tolist() == ["x", "y"]  # no stray \r


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    raw = read_raw(write(tmp_path, "x.csv", "\n\n" + HEADER + "a1,applied,x\n"))
    assert list(raw.frame.columns) == ["application_id", "event", "timestamp"]
    assert raw.line.tolist() == [4]


def test_ragged_rows_are_rejected_with_their_cells(tmp_path: Path) -> None:
    content = HEADER + "a1,applied,x,extra\na2,applied\na3,applied,z\n"
    raw = read_raw(write(tmp_path, "x.csv", content))
    assert raw.line.tolist() == [4]
    assert [(line, reason) for line, reason, _ in raw.rejected] == [
        (2, "row has 4 fields but the header has 3"),
        (3, "row has 2 fields but the header has 3"),
    ]
    assert raw.rejected[0][2] == {
        "application_id": "a1",
        "event": "applied",
        "timestamp": "x",
        "extra field 1": "extra",
    }
    assert raw.rejected[1][2] == {"application_id": "a2", "event": "applied"}
    assert raw.rows_read == 3


def test_trailing_empty_fields_are_not_ragged(tmp_path: Path) -> None:
    # Spreadsheets write a delimiter for every formatted but empty column.
    raw = read_raw(write(tmp_path, "x.csv", HEADER + "a1,applied,x,,\n"))
    assert raw.rejected == [] and raw.frame.shape == (1, 3)


def test_header_names_are_stripped_and_blank_names_numbered(tmp_path: Path) -> None:
    raw = read_raw(write(tmp_path, "x.csv", " application_id ,event,,Paid? \na,b,c,d\n"))
    assert list(raw.frame.columns) == ["application_id", "event", "column 3", "Paid?"]


def test_duplicate_header_names_are_fatal(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "application_id,event,timestamp,event \na,b,c,d\n")
    with pytest.raises(
        HiringFunnelError,
        match=r"x\.csv:1: duplicate column name 'event' in the header \(columns 2 and 4\) \(rename one",
    ):
        read_raw(path)


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [(";", ".csv"), ("\t", ".tsv"), ("|", ".txt"), ("\t", ".csv")]
)
def test_delimiter_is_sniffed_from_the_header(tmp_path: Path, delimiter: str, suffix: str) -> None:
    content = delimiter.join(["application_id", "event", "company_id"]) + "\n"
    content += delimiter.join(["a1", "applied", "Acme, Inc."]) + "\n"
    raw = read_raw(write(tmp_path, "x" + suffix, content))
    assert raw.frame.loc[0, "company_id"] == "Acme, Inc."


def test_explicit_delimiter_wins(tmp_path: Path) -> None:
    raw = read_raw(write(tmp_path, "x.csv", "a;b,c\n1;2,3\n"), delimiter=",")
    assert list(raw.frame.columns) == ["a;b", "c"]


def test_unclosed_quote_names_the_line_it_opens_on(tmp_path: Path) -> None:
    content = HEADER + 'a1,applied,x\na2,applied,"y\na3,applied,z\na4,applied,w\n'
    with pytest.raises(
        HiringFunnelError,
        match=r"x\.csv:3: a quoted cell opened in the row on line 3 is never closed",
    ):
        read_raw(write(tmp_path, "x.csv", content))


def test_text_after_a_closing_quote(tmp_path: Path) -> None:
    content = HEADER + 'a1,applied,"x" y\n'
    with pytest.raises(HiringFunnelError, match=r"x\.csv:2: text follows the closing quote"):
        read_raw(write(tmp_path, "x.csv", content))


# --- JSON Lines -------------------------------------------------------------


def test_jsonl_lines_and_rejects(tmp_path: Path) -> None:
    content = (
        '{"application_id": "a1", "event": "applied"}\n'  # 1
        "\n"  # 2, blank
        '{"application_id": "a2", "event": }\n'  # 3, invalid
        "[1, 2]\n"  # 4, not an object
        '{"application_id": "a3", "stage": "x\u2028y"}\r\n'  # 5, U+2028 is text
    )
    raw = read_raw(write(tmp_path, "x.jsonl", content))
    assert raw.line.tolist() == [1, 5]
    assert raw.blank_lines == 1
    assert [(line, reason.split(":")[0]) for line, reason, _ in raw.rejected] == [
        (3, "not valid JSON"),
        (4, "a line must hold one JSON object"),
    ]
    assert raw.rejected[0][2] == {"text": '{"application_id": "a2", "event": }'}
    assert raw.frame.loc[1, "stage"] == "x\u2028y"
    assert raw.rows_read == 4


def test_jsonl_keeps_types(tmp_path: Path) -> None:
    raw = read_raw(write(tmp_path, "x.ndjson", '{"a": 1, "b": null, "c": "2"}\n'))
    assert raw.frame.loc[0, "a"] == 1 and raw.frame.loc[0, "c"] == "2"
    assert pd.isna(raw.frame.loc[0, "b"])


# --- Excel and Parquet ------------------------------------------------------


def make_xlsx(path: Path, rows: list[list[object]], title: str = "Sheet") -> Path:
    import openpyxl  # a core dependency (.xlsx input): never skipped

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_lines_are_excel_row_numbers(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "x.xlsx",
        [
            [None],  # row 1 empty: the header is on row 2
            ["application_id", "event", "timestamp"],
            ["a1", "applied", dt.datetime(2024, 3, 1)],
            [None, None, None],  # row 4 blank
            ["a2", "applied", 45352],
        ],
    )
    raw = read_raw(path)
    assert raw.line.tolist() == [3, 5]
    assert raw.blank_lines == 1
    assert raw.frame.loc[0, "timestamp"] == dt.datetime(2024, 3, 1)
    assert raw.frame.loc[1, "timestamp"] == 45352


def test_xlsx_sheet_choice(tmp_path: Path) -> None:
    import openpyxl  # a core dependency (.xlsx input): never skipped

    book = openpyxl.Workbook()
    book.active.append(["x"])
    book.active.append([1])
    other = book.create_sheet("log")
    other.append(["y"])
    other.append([2])
    path = tmp_path / "x.xlsx"
    book.save(path)
    assert read_raw(path).frame.columns.tolist() == ["x"]
    assert read_raw(path, sheet="log").frame.columns.tolist() == ["y"]
    assert read_raw(path, sheet=1).frame.columns.tolist() == ["y"]
    with pytest.raises(HiringFunnelError, match="no sheet 'nope' in the workbook"):
        read_raw(path, sheet="nope")


def test_xlsx_errors(tmp_path: Path) -> None:
    with pytest.raises(
        HiringFunnelError, match=r"x\.xlsx:1: the sheet has a header but no data rows"
    ):
        read_raw(make_xlsx(tmp_path / "x.xlsx", [["application_id", "event"]]))
    with pytest.raises(HiringFunnelError, match="the workbook's first sheet is empty"):
        read_raw(make_xlsx(tmp_path / "e.xlsx", []))
    with pytest.raises(HiringFunnelError, match=r"y\.xlsx:2: duplicate column name 'a'"):
        read_raw(make_xlsx(tmp_path / "y.xlsx", [[None], ["a", "a"], [1, 2]]))
    with pytest.raises(HiringFunnelError, match="cannot read as an Excel workbook"):
        read_raw(write(tmp_path, "z.xlsx", "not a zip"))


def test_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"application_id": ["a1", "a2"], "n": [1, 2]})
    frame.to_parquet(tmp_path / "x.parquet")
    raw = read_raw(tmp_path / "x.parquet")
    assert raw.line.tolist() == [1, 2]  # no header line in Parquet: row positions
    assert raw.frame["application_id"].tolist() == ["a1", "a2"]
    frame.iloc[:0].to_parquet(tmp_path / "e.parquet")
    with pytest.raises(HiringFunnelError, match="the file has no data rows"):
        read_raw(tmp_path / "e.parquet")
    with pytest.raises(HiringFunnelError, match="cannot read as Parquet"):
        read_raw(write(tmp_path, "bad.parquet", "not parquet"))


def test_dataframe_input() -> None:
    raw = read_raw(pd.DataFrame({"a": [1, 2], 3: ["x", "y"]}, index=[10, 20]))
    assert raw.line.tolist() == [1, 2]
    assert raw.frame.columns.tolist() == ["a", "3"]
    assert raw.frame.index.tolist() == [0, 1]
    with pytest.raises(HiringFunnelError, match="the DataFrame has no rows"):
        read_raw(pd.DataFrame({"a": []}))
    with pytest.raises(HiringFunnelError, match="duplicate column name 'a'"):
        read_raw(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_line_array_dtype(tmp_path: Path) -> None:
    raw = read_raw(write(tmp_path, "x.csv", HEADER + "a,b,c\n"))
    assert raw.line.dtype == np.int64
