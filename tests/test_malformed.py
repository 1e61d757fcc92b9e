"""The malformed-input corpus (issue 2, item 2): what a user sees for each bad file.

Every file in ``tests/malformed/`` is one row of :data:`CASES`: the exit code of
``hiring-funnel validate``, and either the one-line error (fatal files) or the
row counts and the reason each quarantined line gets. The expected values were
worked out by reading each file by hand; the comments beside the cases say how.
``tests/malformed/README.md`` describes the files.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from hiring_funnel.cli import main
from hiring_funnel.io.load import read_events
from hiring_funnel.schema import QUARANTINE_COLUMNS, QUARANTINE_KINDS, EventLog

CORPUS = Path(__file__).parent / "malformed"


@dataclass(frozen=True)
class Case:
    """One run of ``hiring-funnel validate FILE ARGS`` and what it must show."""

    file: str
    args: tuple[str, ...] = ()
    exit: int = 0
    # Fatal files: the line the error names (None: the file as a whole) and
    # fragments of the one-line message.
    error_line: int | None = None
    error: tuple[str, ...] = ()
    # Where the error says it is when not in `file`: a mapping file, or ""
    # for a bad argument, which has no place in any file.
    error_where: str | None = None
    # Usable files: rows read, loaded, quarantined, and a fragment of the
    # reason of every quarantined line (exactly these lines, no others).
    read: int = 0
    loaded: int = 0
    reasons: dict[int, str] = field(default_factory=dict)
    # Rows a wide mapping's `when` leaves out on purpose: counted, never quarantined.
    skipped: int = 0
    # Fragments that must appear among the printed problems (warnings).
    problems: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        """How the one-line error starts: the program, then the file and line."""
        where = self.error_where
        if where is None:
            where = self.file if self.error_line is None else f"{self.file}:{self.error_line}"
        return f"hiring-funnel: error: {where}: " if where else "hiring-funnel: error: "

    @property
    def id(self) -> str:
        return self.file + ("" if not self.args else " " + " ".join(self.args))


def mapping(name: str) -> tuple[str, str]:
    return ("--mapping", f"{name}.mapping.toml")


CASES: list[Case] = [
    # --- decoding -----------------------------------------------------------
    # "Café" in cp1252 is the single byte 0xe9 on line 4 (header is line 1).
    Case(
        "cp1252.csv",
        exit=1,
        error_line=4,
        error=("byte 0xe9", "is not valid UTF-8", "--encoding cp1252"),
    ),
    Case("cp1252.csv", ("--encoding", "cp1252"), read=4, loaded=4),
    Case("utf8_bom.csv", read=3, loaded=3),
    Case(
        "utf16_bom.csv",
        exit=1,
        error_line=1,
        error=("UTF-16", "not UTF-8", "--encoding utf-16"),
    ),
    Case("utf16_bom.csv", ("--encoding", "utf-16"), read=4, loaded=4),
    # --- structure ----------------------------------------------------------
    Case("empty.csv", exit=1, error=("the file is empty",)),
    Case("whitespace_only.csv", exit=1, error=("the file is empty",)),
    Case("header_only.csv", exit=1, error_line=1, error=("header but no data rows",)),
    Case(
        "duplicate_header.csv",
        exit=1,
        error_line=1,
        error=("duplicate column name 'event'", "columns 2 and 4", "rename one"),
    ),
    Case(
        "missing_column.csv",
        exit=1,
        error_line=1,
        error=("missing required column 'timestamp'", "the file has: application_id, event, date"),
    ),
    # The quote opens on line 2 and is never closed, so lines 2-4 would be one cell.
    Case("unclosed_quote.csv", exit=1, error_line=2, error=("never closed", "close the quote")),
    Case("stray_quote.csv", exit=1, error_line=3, error=("text follows the closing quote",)),
    # Line 3 has 5 fields, line 4 has 2; the header has 3.
    Case(
        "ragged.csv",
        read=5,
        loaded=3,
        reasons={
            3: "row has 5 fields but the header has 3",
            4: "row has 2 fields but the header has 3",
        },
    ),
    # a1's applied row spans physical lines 2-4, so the bad row is line 7.
    Case("quoted_newline.csv", read=4, loaded=3, reasons={7: "cannot read 'not a date'"}),
    # CRLF endings; line 3 is empty and line 5 is ",,": neither is a row.
    Case("crlf_blank_lines.csv", read=4, loaded=3, reasons={7: "no such date: '2024-02-30'"}),
    Case("tabs.tsv", read=3, loaded=3),
    Case("semicolon.csv", read=3, loaded=3),
    # Line 2 lacks its closing brace; line 3 is blank; line 5 is a list.
    Case(
        "bad_line.jsonl",
        read=4,
        loaded=2,
        reasons={2: "not valid JSON", 5: "a line must hold one JSON object"},
    ),
    Case("line_separator.jsonl", read=2, loaded=2),
    # Every row is bad: all quarantined, and the exit code says nothing is usable.
    Case(
        "all_ragged.csv",
        exit=1,
        read=2,
        reasons={2: "row has 2 fields but the header has 3", 3: "row has 4 fields"},
    ),
    # No valid line means no columns seen; the rows are still quarantined one by one.
    Case(
        "all_invalid.jsonl",
        exit=1,
        read=2,
        reasons={
            1: "not valid JSON: Expecting ',' delimiter",
            2: "not valid JSON: Expecting property name",
        },
    ),
    # ... also when the mapping names attributes that no valid line could give.
    Case(
        "all_invalid.jsonl",
        mapping("all_invalid"),
        exit=1,
        read=2,
        reasons={1: "not valid JSON", 2: "not valid JSON"},
    ),
    # Row 5 (a2 screen) holds -5, which is no Excel date.
    Case(
        "excel_serial.xlsx",
        read=5,
        loaded=4,
        reasons={5: "number -5 is out of the range of Excel dates"},
    ),
    # --- duplicates ---------------------------------------------------------
    # Lines 5 and 6 repeat line 3 cell for cell.
    Case(
        "exact_duplicate.csv",
        read=5,
        loaded=3,
        reasons={5: "exact duplicate of line 3", 6: "exact duplicate of line 3"},
    ),
    # a1 has an offer (3) and a rejection (4); a2 has two rejections (6, 7).
    Case(
        "conflicting_outcomes.csv",
        read=8,
        loaded=4,
        reasons={
            3: "conflicting outcomes: application 'a1' has both an offer and a rejection",
            4: "conflicting outcomes: application 'a1'",
            6: "conflicting duplicates: 'rejection' of application 'a2'",
            7: "conflicting duplicates: 'rejection' of application 'a2'",
        },
    ),
    # Tracker rows 2 and 4 both say id t1 but disagree on the outcome.
    Case(
        "conflicting_ids_wide.csv",
        mapping("conflicting_ids_wide"),
        read=4,
        loaded=2,
        reasons={
            2: "conflicting duplicates: application id 't1' is on 2 rows with other values "
            "(first on line 2)",
            4: "conflicting duplicates: application id 't1' is on 2 rows with other values "
            "(first on line 2)",
        },
    ),
    # --- dates --------------------------------------------------------------
    Case(
        "bad_dates.csv",
        read=6,
        loaded=2,
        reasons={
            3: "no such date: '2024-13-45'",
            4: "cannot read 'yesterday' as a date (expected YYYY-MM-DD)",
            6: "no such date: '2024-02-30'",
            7: "date '2999-01-01' is out of range",
        },
    ),
    Case(
        "ambiguous_slash.csv",
        exit=1,
        error_line=3,
        error=(
            "column 'timestamp'",
            "'03/04/2024' could be month/day/year or day/month/year",
            'date_format = "M/D/YYYY" or "D/M/YYYY"',
        ),
    ),
    Case(
        "dash_dates.csv",
        exit=1,
        error_line=3,
        error=("'01-03-2024' could be month/day/year or day/month/year", "date_format"),
    ),
    Case("dmy.csv", mapping("dmy"), read=3, loaded=3),
    Case("mixed_iso_mdy.csv", mapping("mixed_iso_mdy"), read=3, loaded=3),
    Case("timezone.csv", read=4, loaded=4),
    # 02:30 on 2024-03-31 does not exist in Berlin (clocks jump from 02:00 to 03:00).
    Case("dst_gap.csv", mapping("dst_gap"), read=3, loaded=2, reasons={3: "daylight-saving"}),
    # Beta's rejection is "Date sent" + (-3) days.
    Case(
        "negative_days.csv",
        mapping("negative_days"),
        read=3,
        loaded=2,
        reasons={3: "negative number of days: -3"},
    ),
    Case(
        "response_before_application.csv",
        read=4,
        loaded=3,
        reasons={3: "rejection dated 2024-03-01, before its application (2024-03-10, line 2)"},
    ),
    Case(
        "future_events.csv",
        read=3,
        loaded=2,
        reasons={3: "dated 2200-01-01 00:00 UTC, after today"},
    ),
    # The mapping's as_of is 2024-04-01 00:00 UTC: only the 04-02 rejection is late...
    Case(
        "after_as_of.csv",
        mapping("after_as_of"),
        read=4,
        loaded=3,
        reasons={3: "after the as-of date (2024-04-01 00:00 UTC)"},
    ),
    # ... and --as-of overrides it: with 2024-03-31 00:00 the screen at 23:59 is late too.
    Case(
        "after_as_of.csv",
        (*mapping("after_as_of"), "--as-of", "2024-03-31"),
        read=4,
        loaded=2,
        reasons={
            3: "after the as-of date (2024-03-31 00:00 UTC)",
            5: "dated 2024-03-31 23:59 UTC, after the as-of date",
        },
    ),
    Case(
        "after_as_of.csv",
        ("--as-of", "yesterday"),
        exit=1,
        error_where="",
        error=("as_of 'yesterday' is not a date", "ISO 8601"),
    ),
    # --- cells --------------------------------------------------------------
    # Four cells of `stage` start with = @ or -: lines 2, 4, 5 and 6.
    Case(
        "formula.csv",
        read=5,
        loaded=4,
        reasons={5: "cannot read 'not a date'"},
        problems=("column 'stage': 4 cell(s) look like spreadsheet formulas",),
    ),
    Case("thousands.csv", read=4, loaded=4),
    Case(
        "missing_tokens.csv",
        read=5,
        loaded=3,
        reasons={3: "missing timestamp", 5: "missing timestamp"},
    ),
    # "Follow-Up" is follow_up written another way; "ghosted" and "Phone Screen" are no events.
    Case(
        "unknown_event.csv",
        read=6,
        loaded=4,
        reasons={3: "unknown event 'ghosted'", 5: "unknown event 'Phone Screen'"},
    ),
    Case(
        "event_values.csv",
        mapping("event_values"),
        read=5,
        loaded=4,
        reasons={6: "unknown event 'Ghosted'"},
    ),
    # Line 3 has an empty id, line 4 has "N/A".
    Case(
        "missing_id.csv",
        read=4,
        loaded=2,
        reasons={3: "missing application id", 4: "missing application id"},
    ),
    # --- mappings and attribute files ---------------------------------------
    Case(
        "wide_when_skips.csv",
        mapping("wide_when_skips"),
        read=3,
        loaded=2,
        skipped=1,
        problems=("1 row(s) skipped: the mapping's [[events]] 'when' conditions",),
    ),
    Case(
        "bad_timezone.csv",
        mapping("bad_timezone"),
        exit=1,
        error_where="bad_timezone.mapping.toml",
        error=("unknown timezone 'Mars/Olympus_Mons'", "IANA name"),
    ),
    # Attribute line 5 has no id; a9 has no events.
    Case(
        "attributes_file.csv",
        ("--attributes", "attributes_file.attributes.csv"),
        read=3,
        loaded=3,
        problems=(
            "attributes_file.attributes.csv:5: missing application id",
            "1 attribute row(s) name applications that have no events",
        ),
    ),
]


def run(case: Case, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["validate", case.file, *case.args, *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _in_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    # Relative paths, so messages read "ragged.csv:3: ..." as a user would see them.
    monkeypatch.chdir(CORPUS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_validate_outcome(case: Case, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    quarantine_csv = tmp_path / "quarantine.csv"
    extra = () if case.error else ("--quarantine", str(quarantine_csv))
    code, out, err = run(case, capsys, *extra)
    assert "Traceback" not in out + err
    assert code == case.exit, out + err
    if case.error:
        # One line on stderr, naming the file and (where known) the line.
        assert out == ""
        assert err.endswith("\n") and err.count("\n") == 1, err
        assert err.startswith(case.prefix), err
        for fragment in case.error:
            assert fragment in err, err
        return
    quarantined = len(case.reasons)
    skipped = f"{case.skipped} skipped + " if case.skipped else ""
    assert (
        f"{case.file}: {case.read} rows read = {case.loaded} loaded + {skipped}"
        f"{quarantined} quarantined" in out
    )
    assert case.read == case.loaded + case.skipped + quarantined  # the table must add up
    q = pd.read_csv(quarantine_csv, dtype=str, keep_default_na=False)
    q = q[q["file"] == case.file]  # an --attributes file's rows are counted apart
    assert q["line"].astype(int).tolist() == sorted(case.reasons)
    for line, reason in zip(q["line"].astype(int), q["reason"], strict=True):
        assert case.reasons[line] in reason
    for fragment in case.problems:
        assert fragment in out, out
    if case.exit:  # read, but nothing usable: said on stderr, besides the counts
        assert err == f"{case.file}: no usable rows; nothing can be analysed\n"
    else:
        assert err == ""


def test_every_corpus_file_has_a_case() -> None:
    data = {
        p.name
        for p in CORPUS.iterdir()
        if p.suffix in {".csv", ".tsv", ".jsonl", ".xlsx"}
        and not p.name.endswith(".attributes.csv")
    }
    covered = {c.file for c in CASES}
    assert data == covered
    for toml in CORPUS.glob("*.mapping.toml"):
        stem = toml.name.removesuffix(".mapping.toml")
        assert any(c.file.startswith(stem + ".") and toml.name in c.args for c in CASES), toml.name
    assert len(data) >= 25


def test_exact_duplicates_are_counted_in_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(Case("exact_duplicate.csv"), capsys)
    assert code == 0
    assert "2 quarantined, 2 of them exact duplicates" in out


def test_validate_counts_the_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(Case("conflicting_outcomes.csv"), capsys)
    assert code == 0
    assert (
        "quarantined by kind: conflicting_duplicate 2 (conflicting duplicates of one application "
        "or event); conflicting_outcomes 2 (an application with both an offer and a rejection)\n"
    ) in out


# --- what the loaded files hold --------------------------------------------


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_timezone_offsets_become_utc() -> None:
    log = read_events("timezone.csv")
    got = dict(zip(log.events["line"], log.events["timestamp"], strict=True))
    assert got == {
        2: utc("2024-03-01 07:00"),  # 09:00+02:00
        3: utc("2024-03-09 04:30"),  # 23:30-05:00 is 04:30 the next day
        4: utc("2024-03-02 12:00"),  # Z
        5: utc("2024-03-04 10:00"),  # no offset: read in the default time zone, UTC
    }


def test_day_first_mapping_reads_day_first() -> None:
    log = read_events("dmy.csv", mapping="dmy.mapping.toml")
    got = dict(zip(log.events["line"], log.events["timestamp"], strict=True))
    assert got == {2: utc("2024-03-01"), 3: utc("2024-03-13"), 4: utc("2024-03-02")}


def test_month_first_mapping_still_reads_iso_cells() -> None:
    log = read_events("mixed_iso_mdy.csv", mapping="mixed_iso_mdy.mapping.toml")
    got = dict(zip(log.events["line"], log.events["timestamp"], strict=True))
    assert got == {2: utc("2024-03-01"), 3: utc("2024-03-12"), 4: utc("2023-12-31 18:30")}


def test_dst_gap_mapping_reads_other_local_times() -> None:
    log = read_events("dst_gap.csv", mapping="dst_gap.mapping.toml")
    got = dict(zip(log.events["line"], log.events["timestamp"], strict=True))
    # Berlin is UTC+1 in March before the change and UTC+2 in July.
    assert got == {2: utc("2024-03-29 08:00"), 4: utc("2024-07-01 10:00")}


def test_excel_serial_dates() -> None:
    log = read_events("excel_serial.xlsx")
    got = dict(zip(log.events["line"], log.events["timestamp"], strict=True))
    # Excel day 45352 is 2024-03-01 (days since 1899-12-30); .75 of a day is 18:00.
    assert got == {
        2: utc("2024-03-01"),
        3: utc("2024-03-08 18:00"),
        4: utc("2024-03-02 09:30"),
        6: utc("2024-03-03"),
    }
    salary = log.attributes.set_index("application_id")["salary"]
    assert salary["a1"] == 55000.0 and salary.isna()[["a2", "a3"]].all()


def test_committed_workbook_matches_its_script() -> None:
    import openpyxl  # a core dependency (.xlsx input): never skipped

    spec = importlib.util.spec_from_file_location(
        "make_excel_serial", CORPUS / "make_excel_serial.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    book = openpyxl.load_workbook(CORPUS / "excel_serial.xlsx")
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows == [script.HEADER, *script.ROWS]


def test_thousands_separators_in_attributes() -> None:
    log = read_events("thousands.csv")
    salary = log.attributes.set_index("application_id")["salary"]
    assert salary.to_dict() == {"a1": 55000.0, "a2": 1250000.5, "a3": 900.0}


def test_missing_tokens_are_missing() -> None:
    log = read_events("missing_tokens.csv")
    attrs = log.attributes.set_index("application_id")
    # a1's salary is "N/A" on both rows, a2's is "-"; a3's is "60,000".
    assert attrs["salary"].isna()[["a1", "a2"]].all() and attrs.loc["a3", "salary"] == 60000.0
    channel = dict(zip(log.events["application_id"], log.events["channel"], strict=True))
    assert channel["a1"] == "LinkedIn" and pd.isna(channel["a2"]) and pd.isna(channel["a3"])


def test_attribute_file_values() -> None:
    log = read_events("attributes_file.csv", attributes="attributes_file.attributes.csv")
    attrs = log.attributes.set_index("application_id")
    assert attrs["salary"]["a1"] == 55000.0 and attrs["salary"]["a3"] == 1200.0
    assert pd.isna(attrs["salary"]["a2"]) and pd.isna(attrs["remote"]["a2"])
    assert pd.isna(attrs["industry"]["a3"])
    assert sorted(attrs.index) == ["a1", "a2", "a3"]  # a9 has no events
    counts = log.meta["attributes"]
    # 5 rows: a1, a2, a3 loaded; a9 loaded too (then unmatched); the id-less row quarantined.
    assert counts["rows_read"] == counts["rows_loaded"] + counts["rows_quarantined"] == 5
    assert counts["rows_quarantined"] == 1 and counts["rows_unmatched"] == 1
    q = log.quarantine
    assert q[["file", "line", "reason"]].values.tolist() == [
        ["attributes_file.attributes.csv", 5, "missing application id"]
    ]


def test_cp1252_with_encoding_decodes_text() -> None:
    log = read_events("cp1252.csv", encoding="cp1252")
    assert "Café Noir" in set(log.events["company_id"])


def test_bom_is_not_part_of_the_first_column() -> None:
    log = read_events("utf8_bom.csv")
    assert sorted(set(log.events["application_id"])) == ["a1", "a2"]


def test_quoted_newline_keeps_physical_start_lines() -> None:
    log = read_events("quoted_newline.csv")
    assert sorted(log.events["line"]) == [2, 5, 6]
    stage = log.events.set_index("line")["stage"]
    assert stage[2] == "applied via\nthe careers page,\nwith a cover letter"


def test_semicolon_file_keeps_commas_in_cells() -> None:
    log = read_events("semicolon.csv")
    assert set(log.events["company_id"]) == {"Acme, Inc.", "Beta"}


def test_tsv_keeps_commas_in_cells() -> None:
    log = read_events("tabs.tsv")
    assert log.events.set_index("line")["stage"][3] == "onsite, day 1"


def test_jsonl_line_separator_inside_a_string() -> None:
    log = read_events("line_separator.jsonl")
    assert log.events.set_index("line")["stage"][1] == "line\u2028separator"


def test_formula_cells_load_and_are_guarded_in_the_quarantine_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = read_events("formula.csv")
    stage = log.events.set_index("line")["stage"]
    assert stage[2] == '=HYPERLINK("http://x","y")'  # kept as text, never evaluated
    assert any("look like spreadsheet formulas" in p.reason for p in log.problems)
    out_csv = tmp_path / "q.csv"
    assert main(["validate", "formula.csv", "--quarantine", str(out_csv)]) == 0
    capsys.readouterr()
    text = out_csv.read_text(encoding="utf-8")
    # Line 5's stage cell is the formula; the CSV quotes it because of the commas.
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in text
    assert "\n=" not in text and ",=" not in text and ',"=' not in text


def test_negative_days_quarantine_csv_guards_the_number(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_csv = tmp_path / "q.csv"
    assert (
        main(
            [
                "validate",
                "negative_days.csv",
                *mapping("negative_days"),
                "--quarantine",
                str(out_csv),
            ]
        )
        == 0
    )
    capsys.readouterr()
    q = pd.read_csv(out_csv, dtype=str)
    assert q.loc[0, "Days to rejection"] == "'-3"  # a leading - would start a formula


# --- the real command, in a separate process --------------------------------


@pytest.mark.parametrize(
    ("file", "code", "fragment"),
    [
        ("cp1252.csv", 1, "cp1252.csv:4: byte 0xe9"),
        ("unclosed_quote.csv", 1, "unclosed_quote.csv:2: a quoted cell"),
        ("ambiguous_slash.csv", 1, "could be month/day/year"),
        ("ragged.csv", 0, None),
    ],
)
def test_subprocess_prints_no_traceback(file: str, code: int, fragment: str | None) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hiring_funnel.cli", "validate", file],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == code
    assert "Traceback" not in proc.stdout + proc.stderr
    if fragment is None:
        assert proc.stderr == ""
        assert "5 rows read = 3 loaded + 2 quarantined" in proc.stdout
    else:
        assert proc.stdout == ""
        assert proc.stderr.startswith("hiring-funnel: error: ") and proc.stderr.count("\n") == 1
        assert fragment in proc.stderr


# --- kinds: what a report may publish about each problem (issue 10) ------------


def read_case(case: Case) -> EventLog:
    args = dict(zip(case.args[::2], case.args[1::2], strict=True))
    return read_events(
        case.file,
        mapping=args.get("--mapping"),
        attributes=args.get("--attributes"),
        encoding=args.get("--encoding"),
        as_of=args.get("--as-of"),
    )


@pytest.mark.parametrize("case", [c for c in CASES if not c.error], ids=lambda c: c.id)
def test_every_known_reason_has_its_kind(case: Case) -> None:
    # Every reason of the corpus is a known one, so none may fall back to "other";
    # a report publishes QUARANTINE_KINDS[kind], never the reason (which holds values).
    log = read_case(case)
    assert list(log.quarantine.columns[:5]) == list(QUARANTINE_COLUMNS)
    kinds = log.quarantine["kind"].tolist() + [p.kind for p in log.problems]
    assert all(k in QUARANTINE_KINDS and k != "other" for k in kinds), list(
        zip(log.quarantine["reason"], log.quarantine["kind"], strict=True)
    )
    # The quarantine row and the problem of one line agree on the kind.
    by_line = {(p.source or log.source, p.line): p.kind for p in log.problems if p.line}
    for file, line, kind in log.quarantine[["file", "line", "kind"]].itertuples(index=False):
        assert by_line[(file, line)] == kind


def test_kinds_of_the_corpus_reasons() -> None:
    # Pinned by hand: each fragment of a reason in CASES and the kind it must get.
    expected = {
        "row has": "ragged_row",
        "not valid JSON": "bad_json",
        "a line must hold one JSON object": "bad_json",
        "out of the range of Excel dates": "bad_date",
        "exact duplicate": "exact_duplicate",
        "conflicting outcomes": "conflicting_outcomes",
        "conflicting duplicates": "conflicting_duplicate",
        "no such date": "bad_date",
        "cannot read": "bad_date",
        "is out of range": "bad_date",
        "daylight-saving": "bad_date",
        "negative number of days": "bad_days",
        "before its application": "before_application",
        "after today": "after_as_of",
        "after the as-of date": "after_as_of",
        "missing timestamp": "missing_date",
        "unknown event": "unknown_event",
        "missing application id": "missing_id",
    }
    seen: set[str] = set()
    for case in CASES:
        if case.error:
            continue
        log = read_case(case)
        for reason, kind in zip(log.quarantine["reason"], log.quarantine["kind"], strict=True):
            fragment = next(f for f in expected if f in reason)
            assert kind == expected[fragment], (case.id, reason, kind)
            seen.add(fragment)
    assert seen == set(expected)
    formula = read_case(next(c for c in CASES if c.file == "formula.csv"))
    assert {p.kind for p in formula.problems if "formulas" in p.reason} == {"formula"}
    attrs = read_case(next(c for c in CASES if c.file == "attributes_file.csv"))
    assert {p.kind for p in attrs.problems if p.line is None} == {"unmatched_attributes"}
