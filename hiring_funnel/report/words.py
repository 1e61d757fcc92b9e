"""Numbers as words for the report: percentages, days, intervals (one place, one style)."""

from __future__ import annotations

import math

import pandas as pd

#: Plain names of the clocks, for readers who never heard the word "clock" used this way.
CLOCK_TITLES: dict[str, str] = {
    "first_response": "From applying to the first answer",
    "interview_feedback": "From an interview to the next answer",
    "decision": "From applying to an offer or a rejection",
}
#: What waiting means on each clock ("after 14 days with ...").
SILENCE: dict[str, str] = {
    "first_response": "no answer",
    "interview_feedback": "no news after the interview",
    "decision": "no decision",
}
#: The answers each clock waits for, in words.
ANSWER: dict[str, str] = {
    "first_response": "a first answer",
    "interview_feedback": "news after an interview",
    "decision": "a decision (offer or rejection)",
}
CAUSE_WORDS: dict[str, str] = {
    "offer": "an offer",
    "positive": "a positive answer",
    "rejection": "a rejection",
}

CAUSE_PLURAL: dict[str, str] = {
    "offer": "offers",
    "positive": "positive answers",
    "rejection": "rejections",
}


def missing(value: object) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage: ``pct(0.1234) == '12.3%'``; "–" when not known."""
    if missing(value):
        return "–"
    return f"{100 * float(value):.{digits}f}%"  # type: ignore[arg-type]


def days(value: float | None) -> str:
    """A number of days in words: "1 day", "12 days", "2.5 days"; "–" when not known."""
    if missing(value):
        return "–"
    v = float(value)  # type: ignore[arg-type]
    text = f"{v:,.0f}" if v == round(v) else f"{v:,.1f}"
    return f"{text} day" if text == "1" else f"{text} days"


def number(value: float | None) -> str:
    """A count with thousands separators."""
    if missing(value):
        return "–"
    return f"{float(value):,.0f}"  # type: ignore[arg-type]


#: What a clock with no waits at all lacks, in words ("No interviews were recorded ...").
NOTHING_RECORDED = {
    "first_response": "No application in this log has an application date, so there is no wait to measure.",
    "interview_feedback": "No interviews were recorded in this log, so there is no wait after one.",
    "decision": "No application in this log has an application date, so there is no wait to measure.",
}


def candidates(n: int) -> str:
    """A number of candidates with the noun in agreement: "1 candidate", "5 candidates"."""
    return f"{n:,} candidate" + ("" if n == 1 else "s")


def interval(lower: float | None, upper: float | None, fmt: str = "pct") -> str:
    """A 95% interval as "10.1% to 14.8%" (``fmt="days"``: "9 to 14 days").

    A limit that cannot be computed is said in words, never "?":

    >>> interval(0.1, None), interval(None, None, "days")
    ('10.0% or more (no upper limit can be computed)', 'not computable from so few answers')
    """
    f = pct if fmt == "pct" else (lambda v: days(v).removesuffix(" days").removesuffix(" day"))
    unit = "" if fmt == "pct" else " days"
    if missing(lower) and missing(upper):
        return "not computable from so few answers"
    if missing(upper):
        what = "within the days observed" if fmt != "pct" else "can be computed"
        return f"{f(lower)}{unit} or more (no upper limit {what})"
    if missing(lower):
        return f"up to {f(upper)}{unit}"
    return f"{f(lower)} to {f(upper)}{unit}"


def p_value(p: float) -> str:
    """A p-value as "p = 0.032", or "p < 0.001"."""
    if missing(p):
        return "p not computed"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def date(ts: pd.Timestamp | None) -> str:
    """A timestamp as "2026-11-20 17:00 UTC"; midnight as the date alone."""
    if ts is None or pd.isna(ts):
        return "not recorded"
    t = pd.Timestamp(ts)
    t = t.tz_convert("UTC") if t.tzinfo is not None else t
    return f"{t:%Y-%m-%d}" if (t.hour, t.minute) == (0, 0) else f"{t:%Y-%m-%d %H:%M} UTC"


def late_entry(episodes: pd.DataFrame) -> dict[str, str] | None:
    """A clock's late entry in words: when the log began, waits joined late, waits left out.

    None when no wait entered late and the log records no start.

    >>> ep = pd.DataFrame({"entry": [0.0, 3.0]})
    >>> ep.attrs = {"observed_from": pd.Timestamp("2026-05-01", tz="UTC"),
    ...             "skipped": {"ended before observed_from": 4}}
    >>> late_entry(ep)
    {'date': '2026-05-01', 'late': '1', 'dropped': '4'}
    """
    start = episodes.attrs.get("observed_from")
    late = int((episodes["entry"] > 0).sum())
    if start is None and not late:
        return None
    dropped = int(episodes.attrs.get("skipped", {}).get("ended before observed_from", 0))
    return {
        "date": date(start) if start is not None else "",
        "late": f"{late:,}",
        "dropped": f"{dropped:,}",
    }
