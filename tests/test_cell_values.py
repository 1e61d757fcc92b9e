"""Single cells: missing tokens, formulas, dates, day counts and numbers.

Expected dates are computed with the standard library (``datetime``,
``zoneinfo``) or written out by hand, never with the pandas calls under test.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from hiring_funnel.io.cell_values import (
    MISSING_TOKENS,
    is_missing,
    looks_like_formula,
    parse_days,
    parse_numbers,
    parse_timestamps,
)
from hiring_funnel.schema import HiringFunnelError

UTC = dt.UTC


def parse(
    values: list[object], date_format: str | None = None, timezone: str = "UTC"
) -> tuple[list[object], list[object]]:
    ts, why = parse_timestamps(
        pd.Series(values, dtype=object),
        np.arange(2, len(values) + 2),
        date_format=date_format,
        timezone=timezone,
        source="x.csv",
        column="when",
    )
    return [None if pd.isna(t) else t.to_pydatetime() for t in ts], why.tolist()


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- missing and formulas ---------------------------------------------------


@pytest.mark.parametrize("token", sorted(MISSING_TOKENS))
def test_missing_tokens_in_any_case_and_padding(token: str) -> None:
    assert is_missing(pd.Series([token, f"  {token.upper()} "])).tolist() == [True, True]


def test_missing_values_and_non_missing() -> None:
    values = pd.Series([None, np.nan, pd.NA, "x", 0, "0", "n/a/b", "—"], dtype=object)
    assert is_missing(values).tolist() == [True, True, True, False, False, False, False, False]


def test_missing_keeps_the_index() -> None:
    assert is_missing(pd.Series(["", "x"], index=[7, 9])).index.tolist() == [7, 9]


@pytest.mark.parametrize(
    ("value", "formula"),
    [
        ('=HYPERLINK("http://x","y")', True),
        ("  =1+1", True),
        ("@SUM(A1:A2)", True),
        ("-5 days", True),
        ("+x", True),
        ("-5", False),
        ("+1,234.5", False),
        ("=", False),  # a lone sign is no formula
        ("a=b", False),
        (-5, False),
        (None, False),
    ],
)
def test_looks_like_formula(value: object, formula: bool) -> None:
    assert looks_like_formula(pd.Series([value], dtype=object)).tolist() == [formula]


# --- timestamps: ISO 8601 ---------------------------------------------------


def test_iso_dates_times_and_offsets() -> None:
    got, why = parse(
        [
            "2024-03-01",
            "2024-03-01 09:15",
            "2024-03-01T09:15:30",
            "2024-03-01T09:15:30.250",
            "2024-03-01T09:15Z",
            "2024-03-01T09:15:00+02:00",
            "2024-03-01T23:30:00-0500",
            " 2024-03-01 ",
        ]
    )
    assert why == [None] * 8
    assert got == [
        utc(2024, 3, 1),
        utc(2024, 3, 1, 9, 15),
        utc(2024, 3, 1, 9, 15, 30),
        utc(2024, 3, 1, 9, 15, 30, 250000),
        utc(2024, 3, 1, 9, 15),
        utc(2024, 3, 1, 7, 15),  # 09:15 at +02:00
        utc(2024, 3, 2, 4, 30),  # 23:30 at -05:00 is the next day in UTC
        utc(2024, 3, 1),
    ]


def test_naive_times_are_read_in_the_given_timezone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    got, why = parse(
        ["2024-01-15 12:00", "2024-07-15 12:00", "2024-07-15T12:00Z"], timezone="Europe/Berlin"
    )
    assert why == [None] * 3
    assert got == [
        dt.datetime(2024, 1, 15, 12, tzinfo=berlin).astimezone(UTC),  # 11:00 UTC (CET)
        dt.datetime(2024, 7, 15, 12, tzinfo=berlin).astimezone(UTC),  # 10:00 UTC (CEST)
        utc(2024, 7, 15, 12),  # an explicit offset wins over the time zone
    ]
    assert got[0] == utc(2024, 1, 15, 11) and got[1] == utc(2024, 7, 15, 10)


@pytest.mark.parametrize(
    "local",
    [
        "2024-03-31 02:30",  # skipped: Berlin clocks jump from 02:00 to 03:00
        "2024-10-27 02:30",  # repeated: clocks go back from 03:00 to 02:00
    ],
)
def test_daylight_saving_gaps_and_repeats_are_reported(local: str) -> None:
    got, why = parse([local], timezone="Europe/Berlin")
    assert got == [None]
    assert (
        why[0]
        == f"local time {local!r} is skipped or repeated in Europe/Berlin by a daylight-saving change"
    )


def test_missing_cells_have_no_reason() -> None:
    got, why = parse(["", "N/A", None, "-"])
    assert got == [None] * 4 and why == [None] * 4


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("yesterday", "cannot read 'yesterday' as a date (expected YYYY-MM-DD)"),
        ("2024-3-1", "cannot read '2024-3-1' as a date (expected YYYY-MM-DD)"),
        ("2024-02-30", "no such date: '2024-02-30'"),
        ("2023-02-29", "no such date: '2023-02-29'"),  # 2023 is no leap year
        ("2024-13-01", "no such date: '2024-13-01'"),
        ("2999-01-01", "date '2999-01-01' is out of range (years 1678 to 2261)"),
        ("1500-01-01", "date '1500-01-01' is out of range (years 1678 to 2261)"),
    ],
)
def test_bad_iso_cells(cell: str, reason: str) -> None:
    got, why = parse([cell, "2024-03-01"])
    assert got == [None, utc(2024, 3, 1)]
    assert why == [reason, None]


def test_leap_day_is_a_date() -> None:
    assert parse(["2024-02-29"]) == ([utc(2024, 2, 29)], [None])


# --- timestamps: slashed dates ----------------------------------------------


@pytest.mark.parametrize(
    "cell", ["03/04/2024", "3/4/2024", "13/03/2024", "03.04.2024", "03-04-2024", "3/4/24"]
)
def test_slashed_dates_without_a_format_are_fatal(cell: str) -> None:
    with pytest.raises(HiringFunnelError) as info:
        parse(["2024-03-01", cell])
    message = str(info.value)
    assert message.startswith(
        f"x.csv:3: column 'when': date {cell!r} could be month/day/year or day/month/year"
    )
    assert 'set date_format = "M/D/YYYY" or "D/M/YYYY" in a mapping file' in message


def test_month_first_and_day_first() -> None:
    cells = ["3/4/2024", "03/04/2024 18:51:27", "12/1/2023 7:05"]
    assert parse(cells, "M/D/YYYY") == (
        [utc(2024, 3, 4), utc(2024, 3, 4, 18, 51, 27), utc(2023, 12, 1, 7, 5)],
        [None] * 3,
    )
    assert parse(cells, "D/M/YYYY") == (
        [utc(2024, 4, 3), utc(2024, 4, 3, 18, 51, 27), utc(2023, 1, 12, 7, 5)],
        [None] * 3,
    )


@pytest.mark.parametrize("alias", ["m/d/yyyy", "MM/DD/YYYY", " M/D/YYYY "])
def test_format_aliases(alias: str) -> None:
    assert parse(["3/4/2024"], alias)[0] == [utc(2024, 3, 4)]


def test_slashed_bad_cells() -> None:
    got, why = parse(["2/30/2024", "13/1/2024", "3/4/24", "soon"], "M/D/YYYY")
    assert got == [None] * 4
    assert why == [
        "no such date: '2/30/2024'",
        "no such date: '13/1/2024'",
        "cannot read '3/4/24' as a date (expected M/D/YYYY)",
        "cannot read 'soon' as a date (expected M/D/YYYY)",
    ]


def test_iso_cells_are_read_whatever_the_format() -> None:
    # ISO 8601 cannot be misread, and hand-edited trackers mix it in.
    assert parse(["2024-03-12", "3/1/2024"], "M/D/YYYY") == (
        [utc(2024, 3, 12), utc(2024, 3, 1)],
        [None, None],
    )
    assert parse(["2024-03-12"], "D/M/YYYY") == ([utc(2024, 3, 12)], [None])
    assert parse(["2024-03-12"], "%d.%m.%Y") == ([utc(2024, 3, 12)], [None])


def test_strftime_pattern() -> None:
    got, why = parse(["01.03.2024", "1.3.2024", "2024/03/01"], "%d.%m.%Y")
    assert got[:2] == [utc(2024, 3, 1), utc(2024, 3, 1)]
    assert got[2] is None and why[2] == "cannot read '2024/03/01' as a date (expected %d.%m.%Y)"


def test_unknown_format() -> None:
    with pytest.raises(
        HiringFunnelError, match=r"unknown date_format 'YYYY' \(use ISO8601, M/D/YYYY"
    ):
        parse(["2024"], "YYYY")


# --- timestamps: Excel and Python objects ------------------------------------


def excel(days: float) -> dt.datetime:
    # Excel's day 0 is 1899-12-30 once its fictitious 1900-02-29 is counted.
    return dt.datetime(1899, 12, 30, tzinfo=UTC) + dt.timedelta(days=days)


def test_excel_serial_numbers() -> None:
    got, why = parse([45352, 45359.75, np.int64(1), 0, -5, 3e6])
    assert got[:3] == [excel(45352), excel(45359.75), excel(1)]
    assert got[0] == utc(2024, 3, 1) and got[1] == utc(2024, 3, 8, 18)
    assert got[2] == utc(1899, 12, 31)
    assert got[3:] == [None] * 3
    assert why[3:] == [
        "number 0 is out of the range of Excel dates (1 to 2958465)",
        "number -5 is out of the range of Excel dates (1 to 2958465)",
        "number 3e+06 is out of the range of Excel dates (1 to 2958465)",
    ]


def test_excel_serial_text_with_excel_format() -> None:
    assert parse(["45352", "45352.5"], "excel")[0] == [excel(45352), excel(45352.5)]


def test_numbers_with_a_text_format_are_reported() -> None:
    got, why = parse([45352], "M/D/YYYY")
    assert got == [None] and why == ["a number where a date is expected"]


def test_datetime_objects() -> None:
    got, why = parse(
        [
            dt.datetime(2024, 3, 1, 9, 30),
            dt.date(2024, 3, 2),
            pd.Timestamp("2024-03-03 12:00", tz="Europe/Berlin"),
        ]
    )
    assert why == [None] * 3
    assert got == [utc(2024, 3, 1, 9, 30), utc(2024, 3, 2), utc(2024, 3, 3, 11)]


def test_naive_datetime_objects_in_a_timezone() -> None:
    got, _ = parse([dt.datetime(2024, 7, 1, 12)], timezone="Europe/Berlin")
    assert got == [utc(2024, 7, 1, 10)]


def test_other_objects_are_reported() -> None:
    got, why = parse([True, ["2024-03-01"]])
    assert got == [None, None]
    assert why == ["cannot read True as a date", "cannot read ['2024-03-01'] as a date"]


def test_result_is_utc_and_positional() -> None:
    ts, why = parse_timestamps(pd.Series(["2024-03-01", "x"], index=[10, 11]), np.array([2, 3]))
    assert str(ts.dtype) == "datetime64[ns, UTC]"
    assert ts.index.tolist() == [0, 1] and why.index.tolist() == [0, 1]


# --- day counts and numbers -------------------------------------------------


def test_parse_days() -> None:
    days, why = parse_days(
        pd.Series(
            ["16", " 0 ", "1,234", "2.5", 7, 3.0, "-3", -1, "x", "", "N/A", None], dtype=object
        )
    )
    got = [None if np.isnan(d) else d for d in days]
    assert got == [16.0, 0.0, 1234.0, 2.5, 7.0, 3.0, None, None, None, None, None, None]
    assert why.tolist() == [
        None,
        None,
        None,
        None,
        None,
        None,
        "negative number of days: -3",
        "negative number of days: -1",
        "not a number of days: 'x'",
        None,
        None,
        None,
    ]


def test_parse_numbers_with_thousands_separators() -> None:
    got = parse_numbers(
        pd.Series(["55,000", "1,234,567.89", "900", " 12 ", "-7", "N/A", None], dtype=object)
    )
    assert got is not None
    assert got.tolist()[:5] == [55000.0, 1234567.89, 900.0, 12.0, -7.0]
    assert got.isna().tolist()[5:] == [True, True]


@pytest.mark.parametrize(
    "values",
    [
        ["55,000", "remote"],  # a word: the column is text
        ["1,2"],  # a decimal comma is not a thousands separator: left as text
        ["12,34,567"],  # Indian grouping is not read as a number either
        ["N/A", "-"],  # nothing present
    ],
)
def test_parse_numbers_leaves_text_alone(values: list[str]) -> None:
    assert parse_numbers(pd.Series(values, dtype=object)) is None


def test_parse_numbers_of_numeric_objects() -> None:
    got = parse_numbers(pd.Series([1, 2.5, None], dtype=object))
    assert got is not None and got.tolist()[:2] == [1.0, 2.5] and np.isnan(got.iloc[2])


def test_mixed_time_zones_among_objects() -> None:
    # One column may hold naive, UTC and Berlin objects; none may be lost.
    got, why = parse(
        [
            dt.datetime(2024, 3, 1, 12),
            pd.Timestamp("2024-03-01 12:00", tz="UTC"),
            pd.Timestamp("2024-03-01 12:00", tz="America/New_York"),
        ]
    )
    assert why == [None] * 3
    assert got == [utc(2024, 3, 1, 12), utc(2024, 3, 1, 12), utc(2024, 3, 1, 17)]


def test_no_present_cell_becomes_nat_without_a_reason() -> None:
    got, why = parse([dt.datetime(9999, 1, 1), "2024-03-01"])
    assert got == [None, utc(2024, 3, 1)]
    assert why == ["date 9999-01-01 00:00:00 is out of range (years 1678 to 2261)", None]
