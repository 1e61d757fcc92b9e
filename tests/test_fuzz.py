"""Fuzzing the readers and the command line (issue 10, "One line, never a traceback").

Hypothesis starts from small valid logs (CSV, JSON Lines, Parquet, .xlsx, a
DataFrame) and mappings (TOML and dicts) and mutates them: flipped bytes,
truncation, inserted quotes, delimiters, newlines, NULs, invisible characters,
huge cells, deep nesting, lists and maps in cells, wrong types, odd dates. Each
input goes to :func:`hiring_funnel.read_events` and to ``hiring-funnel validate``
and ``summary`` in-process. The only acceptable outcomes:

- ``read_events`` returns an :class:`EventLog` whose rows add up and whose kinds
  are known, or raises :class:`HiringFunnelError`;
- the CLI exits 0 or 1, prints no traceback, and on stderr at most one line,
  which is ``hiring-funnel: error: ...`` or validate's "no usable rows".

Anything else (any other exception, a second stderr line) fails the test.
The default run is derandomized and small (seconds); the ``slow`` tests run
many more examples (CI runs ``-m slow``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiring_funnel.cli import main
from hiring_funnel.io.load import read_events
from hiring_funnel.io.mapping import load_mapping
from hiring_funnel.schema import QUARANTINE_KINDS, EventLog, HiringFunnelError

AS_OF = "2024-04-01"

SEED = pd.DataFrame(
    {
        "application_id": ["a1", "a1", "a1", "a2", "a2", "a3", "a3", "a4", "a4"],
        "event": [
            "applied",
            "screen",
            "offer",
            "applied",
            "rejection",
            "applied",
            "interview",
            "applied",
            "withdrawn",
        ],
        "timestamp": [
            "2024-03-01",
            "2024-03-04T10:00:00Z",
            "2024-03-20",
            "2024-03-02",
            "2024-03-09",
            "2024-03-03",
            "2024-03-10",
            "2024-03-05",
            "2024-03-15",
        ],
        "candidate_id": ["c1", "c1", "c1", "c2", "c2", "c1", "c1", "c3", "c3"],
        "company_id": ["Acme", "Acme", "Acme", "Beta", "Beta", "Gamma", "Gamma", "Acme", "Acme"],
        "stage": ["", "phone", "", "", "", "", "onsite", "", ""],
        "industry": ["tech", "tech", "tech", "retail", "retail", "tech", "tech", "", ""],
        "salary": ["55,000", "55,000", "55,000", "N/A", "N/A", "60000", "60000", "", ""],
    }
)

WIDE_CSV = (
    "Company,Date sent,Outcome,Days to answer\n"
    "Acme,2024-03-01,Rejected,9\n"
    "Beta,2024-03-02,Offer,20\n"
    "Gamma,2024-03-03,,\n"
)
WIDE_TOML = """layout = "wide"
attributes = { outcome = "Outcome" }
as_of = "2024-04-01"

[columns]
company_id = "Company"

[[events]]
event = "applied"
date = "Date sent"

[[events]]
event = "rejection"
date = "Date sent"
plus_days = "Days to answer"
when = { column = "Outcome", in = ["Rejected"] }

[[events]]
event = "offer"
date = "Date sent"
plus_days = "Days to answer"
when = { column = "Outcome", in = ["Offer"] }
"""
LONG_TOML = """as_of = "2024-04-01"
date_format = "ISO8601"
timezone = "Europe/Berlin"

[columns]
application_id = "application_id"
event = "event"
timestamp = "timestamp"

[event_values]
offer = ["Hired", "offer"]
rejection = ["Declined"]
"""
JSONL_TOML = """attributes = ["industry", "salary"]
as_of = { column = "timestamp" }

[columns]
candidate_id = "candidate_id"
stage = { value = "online" }
"""

# --- mutations -------------------------------------------------------------------

TOKENS = [
    '"',
    '""',
    ",",
    ";",
    "\t",
    "|",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\u200b",
    "\ufeff",
    "\u202e",
    "\u2028",
    "e\u0301",
    "\x1b[31m",
    "[",
    "]",
    "{",
    "}",
    "=HYPERLINK()",
    "-",
    "N/A",
    "9999-01-01",
    "0000-00-00",
    "1677-01-01",
    "03/04/2024",
    "1e999",
    "9" * 5000,
    "\\",
    "'",
    "x" * 200_000,
    "[" * 3000,
    "{" * 3000,
    '{"a": ' * 200,
    "applied",
    "offer",
    "application_id",
    "line",
    "kind",
]


@st.composite
def mutated_bytes(draw: st.DrawFn, text: str | bytes) -> bytes:
    """``text`` (as UTF-8) with a few random edits (inserts, flips, deletions, truncation)."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    text = raw.decode("utf-8", "replace")
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data)))
        op = draw(
            st.sampled_from(["insert", "insert", "insert", "flip", "delete", "repeat", "cut"])
        )
        if op == "insert":
            data[pos:pos] = draw(st.sampled_from(TOKENS)).encode("utf-8")
        elif op == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 20))]
        elif op == "repeat":
            start = text.find("\n") + 1
            line = text[start : text.find("\n", start) + 1].encode("utf-8")
            data[pos:pos] = line * draw(st.integers(2, 60))
        elif op == "cut":
            del data[pos:]
    return bytes(data)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(TOKENS),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**400), 10**400),
        st.floats(allow_nan=False),
        st.text(max_size=8),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
cell_values = st.one_of(scalars, json_values)
COLUMN_KINDS = [
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2024, 12, 31)),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.integers(-5, 5), max_size=3),
    st.fixed_dictionaries({"x": st.integers(-5, 5), "y": st.text(max_size=3)}),
    st.none(),
    st.sampled_from(["applied", "offer", "rejection", "a1", "a2", "N/A", ""]),
]


@st.composite
def mutated_frame(draw: st.DrawFn, values: st.SearchStrategy[Any] = cell_values) -> pd.DataFrame:
    """The seed log with a few cells replaced, rows dropped or repeated, a column renamed."""
    frame = SEED.copy().astype(object)
    if draw(st.integers(0, 2)) == 0:
        # A whole column of one kind of value, so that Parquet and Excel store a
        # typed column (timestamps of odd years, lists, structs, integers).
        col = draw(st.sampled_from(list(frame.columns)))
        kind = draw(st.sampled_from(COLUMN_KINDS))
        column = draw(st.lists(kind, min_size=len(frame), max_size=len(frame)))
        frame[col] = pd.Series(column, dtype=object)
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0, len(frame) - 1))
        col = draw(st.sampled_from(list(frame.columns)))
        frame.iat[row, frame.columns.get_loc(col)] = draw(values)
    if draw(st.booleans()):
        rows = draw(st.lists(st.integers(0, len(frame) - 1), min_size=1, max_size=30))
        frame = frame.iloc[rows].reset_index(drop=True)
    if draw(st.integers(0, 4)) == 0:
        old = draw(st.sampled_from(list(frame.columns)))
        new = draw(st.sampled_from(["line", "kind", "reason", "", "application_id ", "x"]))
        if new not in frame.columns:
            frame = frame.rename(columns={old: new})
    return frame


# --- what every input must give ------------------------------------------------------


def check_log(read: Callable[[], EventLog]) -> None:
    """``read()`` returns a consistent EventLog or raises HiringFunnelError; nothing else."""
    try:
        log = read()
    except HiringFunnelError as exc:
        assert "\n" not in str(exc)
        return
    assert log.rows_read == log.rows_loaded + log.rows_quarantined
    assert set(log.quarantine["kind"]) <= set(QUARANTINE_KINDS)
    assert {p.kind for p in log.problems} <= set(QUARANTINE_KINDS)
    if "attributes" in log.meta:
        a = log.meta["attributes"]
        assert a["rows_read"] == a["rows_loaded"] + a["rows_quarantined"]


def check_cli(*argv: str, commands: tuple[str, ...] = ("validate", "summary")) -> None:
    for command in commands:
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            code = main([command, *argv])
        stderr = err.getvalue()
        assert code in (0, 1), (command, argv, code, stderr)
        assert "Traceback" not in out.getvalue() + stderr
        lines = stderr.splitlines()
        assert len(lines) <= 1, stderr
        if lines:
            assert lines[0].startswith("hiring-funnel: error: ") or lines[0].endswith(
                "no usable rows; nothing can be analysed"
            ), stderr
            assert code == 1


def run_file(
    suffix: str, data: bytes, *, mapping: str | None = None, attributes: bytes | None = None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"log{suffix}"
        path.write_bytes(data)
        args = [str(path), "--as-of", AS_OF]
        mapping_path = attributes_path = None
        if mapping is not None:
            mapping_path = Path(folder) / "m.toml"
            mapping_path.write_text(mapping, encoding="utf-8")
            args += ["--mapping", str(mapping_path)]
        if attributes is not None:
            attributes_path = Path(folder) / "attributes.csv"
            attributes_path.write_bytes(attributes)
            args += ["--attributes", str(attributes_path)]
        check_log(
            lambda: read_events(path, mapping=mapping_path, attributes=attributes_path, as_of=AS_OF)
        )
        check_cli(*args)


def as_jsonl(frame: pd.DataFrame) -> str:
    return "".join(json.dumps(r, default=str) + "\n" for r in frame.to_dict("records"))


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as Parquet; each column typed as Arrow infers it, or as text where it cannot."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for col in frame.columns:
        values = list(frame[col])
        try:
            arrays.append(pa.array(values))
        except Exception:  # mixed types, or integers beyond 64 bits: Arrow needs one type
            arrays.append(pa.array([None if v is None else str(v) for v in values]))
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns]), buffer)
    return buffer.getvalue()


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as a workbook; what openpyxl cannot write is written as text."""
    import openpyxl

    def cell(v: Any) -> Any:
        if isinstance(v, list | dict):
            v = json.dumps(v)
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
            v = str(v)  # Excel numbers are doubles; openpyxl cannot write larger integers
        if isinstance(v, float) and v != v:
            return None
        if isinstance(v, str):
            # openpyxl refuses control characters; Excel cells hold at most 32,767.
            return "".join(ch for ch in v if ch >= " " or ch in "\t\n\r")[:32_000]
        return v

    rows = [[cell(v) for v in row] for row in frame.itertuples(index=False)]
    for as_text in (False, True):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append([cell(str(c)) for c in frame.columns])
        for row in rows:
            sheet.append([cell(str(v)) if as_text and v is not None else v for v in row])
        buffer = io.BytesIO()
        try:
            book.save(buffer)
            return buffer.getvalue()
        except Exception:  # dates or numbers openpyxl cannot write: all as text
            continue
    raise AssertionError("openpyxl cannot write even text")


FUZZ = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FUZZ, max_examples=300)
SEED_CSV = SEED.to_csv(index=False)


# --- the tests: a fast derandomized run, and a slow one with many more examples ---------


def fuzz_csv(data: bytes) -> None:
    run_file(".csv", data)


def fuzz_tsv_with_mapping(data: bytes) -> None:
    run_file(
        ".tsv", SEED.to_csv(index=False, sep="\t").encode(), mapping=data.decode("utf-8", "replace")
    )


def fuzz_attributes(data: bytes) -> None:
    run_file(".csv", SEED_CSV.encode(), attributes=data)


def fuzz_jsonl(data: bytes) -> None:
    run_file(".jsonl", data)


def fuzz_jsonl_mapping(data: bytes, mapping: bytes) -> None:
    run_file(".jsonl", data, mapping=mapping.decode("utf-8", "replace"))


def fuzz_wide(csv: bytes, mapping: bytes) -> None:
    run_file(".csv", csv, mapping=mapping.decode("utf-8", "replace"))


def fuzz_frame(frame: pd.DataFrame) -> None:
    check_log(lambda: read_events(frame, as_of=AS_OF))
    attributes = frame.drop(columns=["event", "timestamp"], errors="ignore")
    check_log(lambda: read_events(SEED, attributes=attributes, as_of=AS_OF))


def fuzz_parquet(frame: pd.DataFrame, damage: bytes | None) -> None:
    data = parquet_bytes(frame)
    run_file(".parquet", data if damage is None else damage)


def fuzz_xlsx(frame: pd.DataFrame, damage: bytes | None) -> None:
    run_file(".xlsx", xlsx_bytes(frame) if damage is None else damage)


def fuzz_mapping_dict(mapping: dict[str, Any]) -> None:
    check_log(lambda: read_events(SEED, mapping=mapping, as_of=AS_OF))
    with contextlib.suppress(HiringFunnelError):
        load_mapping(mapping)


def mapping_dicts() -> st.SearchStrategy[dict[str, Any]]:
    base = {
        "layout": "long",
        "as_of": AS_OF,
        "columns": {"application_id": "application_id", "event": "event"},
        "event_values": {"offer": ["Hired"]},
        "attributes": ["industry"],
        "events": [],
    }
    keys = st.sampled_from(
        [*base, "date_format", "timezone", "encoding", "delimiter", "sheet", "bogus"]
    )
    return st.builds(
        lambda edits: {**base, **dict(edits)},
        st.lists(st.tuples(keys, st.one_of(json_values, scalars)), max_size=3),
    )


CASES: list[tuple[str, Callable[..., None], tuple[st.SearchStrategy[Any], ...]]] = [
    ("csv", fuzz_csv, (mutated_bytes(SEED_CSV),)),
    (
        "attributes_csv",
        fuzz_attributes,
        (mutated_bytes(SEED.drop(columns=["event", "timestamp"]).to_csv(index=False)),),
    ),
    ("tsv_mapping", fuzz_tsv_with_mapping, (mutated_bytes(LONG_TOML),)),
    ("jsonl", fuzz_jsonl, (mutated_bytes(as_jsonl(SEED)),)),
    (
        "jsonl_values",
        lambda f: fuzz_jsonl(as_jsonl(f).encode()),
        (mutated_frame(),),
    ),
    ("wide", fuzz_wide, (mutated_bytes(WIDE_CSV), mutated_bytes(WIDE_TOML))),
    (
        "jsonl_mapping",
        fuzz_jsonl_mapping,
        (mutated_bytes(as_jsonl(SEED)), st.just(JSONL_TOML.encode()) | mutated_bytes(JSONL_TOML)),
    ),
    ("frame", fuzz_frame, (mutated_frame(),)),
    (
        "parquet",
        fuzz_parquet,
        (
            mutated_frame(),
            st.none() | mutated_bytes(parquet_bytes(SEED)),
        ),
    ),
    ("xlsx", fuzz_xlsx, (mutated_frame(), st.none() | mutated_bytes(xlsx_bytes(SEED)))),
    ("mapping_dict", fuzz_mapping_dict, (mapping_dicts(),)),
]


def make_test(fuzz: Callable[..., None], strategies: tuple[Any, ...], config: settings) -> Any:
    @config
    @given(st.tuples(*strategies))
    def test(args: tuple[Any, ...]) -> None:
        fuzz(*args)

    return test


@pytest.mark.parametrize(("name", "fuzz", "strategies"), CASES, ids=[c[0] for c in CASES])
def test_fuzz(name: str, fuzz: Callable[..., None], strategies: tuple[Any, ...]) -> None:
    make_test(fuzz, strategies, FUZZ)()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "fuzz", "strategies"), CASES, ids=[c[0] for c in CASES])
def test_fuzz_many(name: str, fuzz: Callable[..., None], strategies: tuple[Any, ...]) -> None:
    make_test(fuzz, strategies, SLOW)()
