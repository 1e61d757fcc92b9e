"""What a cell's text means: missing, a date, a day count, a number; vectorised.

Every parser returns the parsed values and, per cell, the reason it could not be
parsed (``None`` where it could), so that validation can quarantine the row and
say why instead of dropping it.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "DATE_FORMATS",
    "MISSING_TOKENS",
    "NUMBER",
    "as_float",
    "excel_dates",
    "is_missing",
    "looks_like_formula",
    "normalise_format",
    "number_text",
    "parse_days",
    "parse_numbers",
    "parse_timestamps",
]

#: Cell values read as missing, compared after stripping and case-folding.
MISSING_TOKENS: frozenset[str] = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "-", "--", "#n/a", "nat", "missing"}
)
#: Date formats a mapping may name, besides any strftime pattern with ``%``.
DATE_FORMATS = ("ISO8601", "M/D/YYYY", "D/M/YYYY", "excel", "unix_ms")

_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_ISO_TZ = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")
_DMY = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
# 01-03-2024 is as ambiguous as 01/03/2024; ISO dates start with four digits.
_SLASHED = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
#: A number as text: optional sign, thousands separated by commas or not, decimals.
NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (its 1900 leap-year bug included)


def is_missing(values: pd.Series) -> pd.Series:
    """True where a cell is empty or a missing token such as "N/A" or "-".

    Examples
    --------
    >>> is_missing(pd.Series(["x", "N/A", " - ", None])).tolist()
    [False, True, True, True]
    """
    out = values.isna().to_numpy(copy=True)
    idx = np.flatnonzero(~out)
    if len(idx):
        vals = values.to_numpy()[idx]
        out[idx] = [isinstance(v, str) and v.strip().casefold() in MISSING_TOKENS for v in vals]
    return pd.Series(out, index=values.index)


def looks_like_formula(values: pd.Series) -> pd.Series:
    """True for text that a spreadsheet would run as a formula (``=HYPERLINK(...)``)."""
    text = values.map(lambda v: v.strip() if isinstance(v, str) else "")
    first = text.str[:1]
    return (first.isin(["=", "@"]) | (first.isin(["+", "-"]) & ~text.str.match(NUMBER))) & (
        text.str.len() > 1
    )


def parse_timestamps(
    values: pd.Series,
    lines: np.ndarray,
    *,
    date_format: str | None = None,
    timezone: str = "UTC",
    source: str = "<input>",
    column: str = "timestamp",
) -> tuple[pd.Series, pd.Series]:
    """Parse date cells to UTC timestamps.

    Returns ``(timestamps, reasons)``: timestamps are ``datetime64[ns, UTC]``
    with NaT where a cell is missing or unreadable; ``reasons`` holds a message
    for unreadable cells and None elsewhere. Naive times are read in
    ``timezone``; times with an offset are converted. Datetime objects (Excel,
    Parquet) are taken as they are, numbers in an Excel file as serial dates.

    Raises
    ------
    HiringFunnelError
        When ``date_format`` is None and a cell is written day/month/year or
        month/day/year: such a file is ambiguous, and guessing would shift dates
        by months without a word.

    Examples
    --------
    >>> ts, why = parse_timestamps(pd.Series(["2023-03-01", "3/1/2023"]), np.array([2, 3]),
    ...                            date_format="M/D/YYYY")
    >>> ts.dt.strftime("%Y-%m-%d").tolist(), why.tolist()
    (['2023-03-01', '2023-03-01'], [None, None])
    """
    values = values.reset_index(drop=True)
    n = len(values)
    out = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]")
    why = pd.Series([None] * n, dtype=object)
    missing = is_missing(values).to_numpy()
    fmt = normalise_format(date_format)

    is_dt = values.map(lambda v: isinstance(v, dt.datetime | dt.date)).to_numpy() & ~missing
    is_num = values.map(
        lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool)
    ).to_numpy()
    is_num &= ~missing
    is_str = values.map(lambda v: isinstance(v, str)).to_numpy() & ~missing

    if is_dt.any():
        out[is_dt] = _datetimes_to_utc(values[is_dt], timezone)
    if is_num.any() and fmt == "unix_ms":  # milliseconds since 1970 UTC (Lever)
        out[is_num] = _unix_ms(values[is_num])
        why[np.flatnonzero(is_num)[out[is_num].isna().to_numpy()]] = (
            "a number of milliseconds since 1970 out of range (years 1678 to 2261)"
        )
    elif is_num.any():
        if fmt == "excel" or fmt is None:
            nums = values[is_num]
            days = pd.Series([as_float(v) for v in nums], index=nums.index, dtype=float)
            ok = (days > 0) & (days < 2_958_466)  # Excel's range: 1900-01-01 to 9999-12-31
            out[is_num] = _localize(excel_dates(days.where(ok)), timezone)
            why[np.flatnonzero(is_num)[~ok.to_numpy()]] = [
                f"number {number_text(v)} is out of the range of Excel dates (1 to 2958465)"
                for v in nums[~ok]
            ]
        else:
            why[is_num] = "a number where a date is expected"

    if is_str.any():
        text = values[is_str].str.strip()
        if fmt is None and text.str.match(_SLASHED).any():
            first = int(np.flatnonzero(is_str)[text.str.match(_SLASHED).to_numpy()][0])
            raise HiringFunnelError(
                f"date {text.iloc[int(np.argmax(text.str.match(_SLASHED).to_numpy()))]!r} could be "
                "month/day/year or day/month/year",
                source=source,
                line=int(lines[first]),
                column=column,
                hint='say which: set date_format = "M/D/YYYY" or "D/M/YYYY" in a mapping file '
                "and pass it with --mapping",
            )
        parsed = _parse_text(text, fmt, timezone)
        out[is_str] = parsed
        bad = parsed.isna().to_numpy()
        if bad.any():
            expected = {
                None: "YYYY-MM-DD",
                "ISO8601": "YYYY-MM-DD",
                "M/D/YYYY": "M/D/YYYY",
                "D/M/YYYY": "D/M/YYYY",
                "excel": "an Excel serial number",
                "unix_ms": "milliseconds since 1970",
            }.get(fmt, fmt)
            idx = np.flatnonzero(is_str)[bad]
            why[idx] = [_explain(v, fmt, timezone, str(expected)) for v in text[bad]]
    other = ~(missing | is_dt | is_num | is_str)
    why[other] = [f"cannot read {v!r} as a date" for v in values[other]]
    # A present cell must never become NaT without a reason: validation would
    # then load an event with no date.
    lost = out.isna().to_numpy() & ~missing & why.isna().to_numpy()
    why[lost] = [
        f"date {v} is out of range (years 1678 to 2261)"
        if isinstance(v, dt.date)
        else f"Excel date number {number_text(v)} is out of range (years 1678 to 2261)"
        if isinstance(v, int | float | np.number) and not isinstance(v, bool)
        else f"cannot read {v!r} as a date"
        for v in values[lost]
    ]
    return out, why


#: Excel serial days past this are after 2262-04-11, the last day pandas can hold.
_EXCEL_LAST = (pd.Timestamp.max.value - _EXCEL_EPOCH.value) / (86_400 * 10**9)
_DAYS_STEP = 100_000.0  # below pd.Timedelta's limit of 106,751 days


def excel_dates(days: pd.Series) -> pd.Series:
    """Excel serial day numbers as naive timestamps; NaT where missing or past pandas' range.

    A Timedelta holds at most 106,751 days, fewer than from Excel's day 0 to
    2262, so the days are added in two steps.
    """
    days = pd.to_numeric(days, errors="coerce").astype(float)
    days = days.where((days >= 0) & (days <= _EXCEL_LAST))
    first = days.clip(upper=_DAYS_STEP)
    return _EXCEL_EPOCH + pd.to_timedelta(first, unit="D") + pd.to_timedelta(days - first, unit="D")


def as_float(value: object) -> float:
    """A number as a float; inf for an integer too large for one (JSON allows 4,300 digits)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return float("inf") if int(value) > 0 else float("-inf")  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return float("nan")


def number_text(value: object) -> str:
    """A number for a message: ``%g`` where it fits a float, else its first digits."""
    number = as_float(value)
    if np.isfinite(number) or isinstance(value, float):
        return f"{number:g}"
    text = str(value)
    return text if len(text) <= 20 else text[:20] + f"… ({len(text):,} digits)"


def _explain(value: str, fmt: str | None, timezone: str, expected: str) -> str:
    """Why a date cell that looks like ``expected`` still could not be read."""
    ymd = _date_parts(value, fmt)
    if ymd is None:
        return f"cannot read {value!r} as a date (expected {expected})"
    try:
        dt.date(*ymd)
    except ValueError:
        return f"no such date: {value!r}"
    # pandas holds nanoseconds in 64 bits: 1677-09-21 to 2262-04-11.
    if not 1678 <= ymd[0] <= 2261:
        return f"date {value!r} is out of range (years 1678 to 2261)"
    if not _ISO_TZ.search(value) and _parse_text(pd.Series([value]), fmt, "UTC").notna().all():
        return (
            f"local time {value!r} is skipped or repeated in {timezone} by a daylight-saving change"
        )
    return f"cannot read {value!r} as a date (expected {expected})"


def _date_parts(value: str, fmt: str | None) -> tuple[int, int, int] | None:
    """Year, month and day of a cell shaped like an ISO or slashed date, else None."""
    if _ISO.match(value):
        return int(value[:4]), int(value[5:7]), int(value[8:10])
    if fmt in ("M/D/YYYY", "D/M/YYYY"):
        found = re.match(_DMY, value)
        if found:
            a, b, year = (int(g) for g in found.groups()[:3])
            return (year, a, b) if fmt == "M/D/YYYY" else (year, b, a)
    return None


def normalise_format(date_format: str | None) -> str | None:
    """The canonical name of a mapping's ``date_format`` (aliases folded), or None."""
    if date_format is None:
        return None
    key = date_format.strip()
    aliases = {
        "iso": "ISO8601",
        "iso8601": "ISO8601",
        "iso 8601": "ISO8601",
        "excel": "excel",
        "unix_ms": "unix_ms",
        "m/d/yyyy": "M/D/YYYY",
        "mm/dd/yyyy": "M/D/YYYY",
        "d/m/yyyy": "D/M/YYYY",
        "dd/mm/yyyy": "D/M/YYYY",
    }
    if key.casefold() in aliases:
        return aliases[key.casefold()]
    if "%" in key:
        return key
    raise HiringFunnelError(
        f"unknown date_format {date_format!r}",
        hint="use ISO8601, M/D/YYYY, D/M/YYYY, excel, unix_ms, or a strftime pattern such as %d.%m.%Y",
    )


def _unix_ms(values: pd.Series) -> pd.Series:
    """Milliseconds since 1970-01-01 UTC as timestamps; NaT out of pandas' range."""
    ms = pd.to_numeric(values, errors="coerce").astype(float)
    ok = ms.abs() < 9.2e15  # pandas holds nanoseconds in 64 bits: about +-292 years
    out = pd.to_datetime(ms.where(ok), unit="ms", utc=True)
    return out.astype("datetime64[ns, UTC]")


def _parse_text(text: pd.Series, fmt: str | None, timezone: str) -> pd.Series:
    res = _parse_text_as(text, fmt, timezone)
    if fmt not in (None, "ISO8601"):
        # ISO 8601 cells cannot be misread whatever date_format says, and
        # trackers edited by hand mix them with the declared format.
        iso = res.isna() & text.str.match(_ISO)
        if iso.any():
            res = res.copy()  # a fresh frame: the result of .dt is read-only
            res[iso] = _parse_text_as(text[iso], "ISO8601", timezone)
    return res


def _parse_text_as(text: pd.Series, fmt: str | None, timezone: str) -> pd.Series:
    if fmt in (None, "ISO8601"):
        iso = text.str.match(_ISO)
        res = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
        aware = iso & text.str.contains(_ISO_TZ) & text.str.contains(r"[T ]\d{2}:|Z$", regex=True)
        naive = iso & ~aware
        if aware.any():
            res[aware] = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
        if naive.any():
            res[naive] = _localize(
                pd.to_datetime(text[naive], format="ISO8601", errors="coerce"), timezone
            )
        return res
    if fmt in ("M/D/YYYY", "D/M/YYYY"):
        parts = text.str.extract(_DMY).astype(float)
        month, day = (parts[0], parts[1]) if fmt == "M/D/YYYY" else (parts[1], parts[0])
        frame = pd.DataFrame(
            {
                "year": parts[2],
                "month": month,
                "day": day,
                "hour": parts[3].fillna(0),
                "minute": parts[4].fillna(0),
                "second": parts[5].fillna(0),
            }
        )
        ok = frame[["year", "month", "day"]].notna().all(axis=1)
        stamp = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        if ok.any():
            stamp[ok] = pd.to_datetime(frame[ok], errors="coerce")
        return _localize(stamp, timezone)
    if fmt == "excel":
        num = pd.to_numeric(text, errors="coerce")
        return _localize(excel_dates(num), timezone)
    if fmt == "unix_ms":
        return _unix_ms(text)
    return _localize(pd.to_datetime(text, format=fmt, errors="coerce"), timezone)


def _localize(stamp: pd.Series, timezone: str) -> pd.Series:
    stamp = pd.to_datetime(stamp)
    if stamp.dt.tz is not None:
        return stamp.dt.tz_convert("UTC")
    # Nonexistent/ambiguous local times (DST changes) become NaT, then "cannot read".
    return stamp.dt.tz_localize(timezone, nonexistent="NaT", ambiguous="NaT").dt.tz_convert("UTC")


def _datetimes_to_utc(values: pd.Series, timezone: str) -> pd.Series:
    """Datetime objects (Excel, Parquet, DataFrames) in UTC; naive ones are in ``timezone``.

    Aware and naive objects, or objects in several time zones, may share a
    column; converting them in one call would turn all but one kind into NaT.
    """
    aware = values.map(lambda v: getattr(v, "tzinfo", None) is not None).to_numpy()
    res = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if aware.any():
        res[aware] = pd.to_datetime(list(values[aware]), utc=True, errors="coerce")
    if (~aware).any():
        naive = pd.to_datetime(values[~aware].map(pd.Timestamp), errors="coerce")
        res[~aware] = _localize(naive, timezone)
    return res


def parse_days(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse day counts such as ``16``, ``"16"`` or ``"1,234"``.

    Returns ``(days, reasons)``: float days with NaN where missing or bad, and
    a reason for bad cells (not a number, negative).

    Examples
    --------
    >>> days, why = parse_days(pd.Series(["16", "1,234", "-2", "x", ""]))
    >>> days.tolist()[:2], why.tolist()[2:]
    ([16.0, 1234.0], ['negative number of days: -2', "not a number of days: 'x'", None])
    """
    values = values.reset_index(drop=True)
    missing = is_missing(values).to_numpy()
    text = values.map(lambda v: str(v).strip() if not isinstance(v, float | int) else v)
    num = pd.Series(np.nan, index=values.index)
    why = pd.Series([None] * len(values), dtype=object)
    for i in map(int, np.flatnonzero(~missing)):
        v = text.iloc[i]
        if isinstance(v, int | float):
            num.iloc[i] = as_float(v)
        elif NUMBER.match(v):
            num.iloc[i] = float(v.replace(",", ""))
        else:
            why.iloc[i] = f"not a number of days: {values.iloc[i]!r}"
    neg = (num < 0).to_numpy()
    why[neg] = [f"negative number of days: {values.iloc[i]}" for i in np.flatnonzero(neg)]
    num[neg] = np.nan
    return num, why


def parse_numbers(values: pd.Series) -> pd.Series | None:
    """The column as numbers when every non-missing cell is one (``"55,000"`` too), else None."""
    missing = is_missing(values)
    present = values[~missing]
    if present.empty:
        return None
    if present.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).all():
        out = pd.Series(np.nan, index=values.index)
        out[~missing] = [as_float(v) for v in present]
        return out
    text = present.map(str).str.strip()
    if not text.str.match(NUMBER).all():
        return None
    out = pd.Series(np.nan, index=values.index)
    out[~missing] = text.str.replace(",", "", regex=False).astype(float)
    return out
