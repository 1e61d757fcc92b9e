"""``hiring-funnel mapping suggest FILE``: a starting mapping from a file's headers and dates.

It reads the file as the log is read (:func:`hiring_funnel.io.readers.read_raw`) and
looks at each column: whether its cells are dates (and written month first or
day first), day counts, a handful of repeated values (a status or an
attribute), or an identifier. From that it writes a mapping in TOML with a
comment on every guess: a long layout when a column holds event names and
ids repeat, a wide tracker (one row per application) otherwise. The guesses
are a starting point to check, not an answer; ``docs/mappings.md`` explains
every key. Values are printed only for columns of few repeated values (the
statuses a ``when`` needs), never for identifiers or free text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.io.conditions import value_key
from hiring_funnel.io.readers import read_raw
from hiring_funnel.schema import EVENTS
from hiring_funnel.text import clean_label

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$")
_SLASH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})( \d{1,2}:\d{2}(:\d{2})?)?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
#: Words in a column's name that say which event its dates are (first match wins).
_EVENT_WORDS: tuple[tuple[str, str], ...] = (
    ("reject", "rejection"),
    ("offer", "offer"),
    ("interview", "interview"),
    ("withdr", "withdrawn"),
    ("screen", "screen"),
    ("response", "screen"),
    ("repl", "screen"),
    ("closed", "closed"),
    ("sent", "applied"),
    ("applied", "applied"),
    ("submitted", "applied"),
    ("application", "applied"),
)
#: A column with at most this many distinct values is a category (status or attribute).
_FEW = 15
#: ... and values of at most this many characters (longer ones are notes).
_SHORT = 40


def _texts(values: pd.Series) -> pd.Series:
    return values.dropna().astype(str).str.strip().loc[lambda s: s != ""]


def _date_kind(cells: pd.Series) -> str | None:
    """ "iso", "M/D/YYYY", "D/M/YYYY" or None: how most cells (4 in 5) are dated."""
    if cells.empty:
        return None
    if cells.map(lambda v: bool(_ISO.match(v))).mean() >= 0.8:
        return "iso"
    parts = cells.map(lambda v: _SLASH.match(v))
    if parts.map(bool).mean() < 0.8:
        return None
    first = max(int(m.group(1)) for m in parts if m)
    second = max(int(m.group(2)) for m in parts if m)
    if first > 12 >= second:
        return "D/M/YYYY"
    return "M/D/YYYY" if second > 12 else "M/D/YYYY?"


def _looks_like(name: str) -> str | None:
    key = value_key(name)
    for word, event in _EVENT_WORDS:
        if word in key:
            return event
    return None


def describe_columns(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per column: its name, kind (date, days, category, id, text) and details."""
    out = []
    n = len(frame)
    for name in frame.columns:
        cells = _texts(frame[name])
        info: dict[str, Any] = {"name": str(name), "filled": len(cells), "rows": n}
        distinct = cells.nunique()
        fmt = _date_kind(cells)
        if fmt is not None:
            info.update(kind="date", format=fmt, distinct=distinct)
        elif len(cells) and cells.map(lambda v: bool(_NUMBER.match(v))).mean() >= 0.9:
            info.update(kind="number")
        elif (
            0 < distinct <= _FEW
            and distinct < max(2, len(cells))
            and cells.str.len().max() <= _SHORT
        ):
            info.update(kind="category", values=sorted(cells.unique(), key=value_key))
        elif len(cells) and distinct >= 0.9 * len(cells):
            info.update(kind="id" if len(cells) == n else "text")
        else:
            info.update(kind="text")
        out.append(info)
    return out


def suggest_mapping(path: str | Path, *, encoding: str | None = None) -> str:
    """The suggested mapping of the file at ``path``, as TOML text with comments."""
    raw = read_raw(path, encoding=encoding)
    cols = describe_columns(raw.frame)
    name = Path(path).name
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for c in cols:
        by_kind.setdefault(c["kind"], []).append(c)
    dates = by_kind.get("date", [])
    events_col = next(
        (
            c
            for c in by_kind.get("category", [])
            if sum(value_key(v).replace(" ", "_") in EVENTS for v in c["values"]) >= 2
        ),
        None,
    )
    lines = [
        f"# Suggested by `hiring-funnel mapping suggest {name}`: a starting point, not an answer.",
        "# Check every line against the file; docs/mappings.md explains each key.",
    ]
    formats = {c["format"] for c in dates if c["format"] != "iso"}
    fmt_line = []
    if formats:
        fmt = sorted(formats)[-1]
        why = {
            "M/D/YYYY": "a day above 12 in the second place: month first",
            "D/M/YYYY": "a day above 12 in the first place: day first",
            "M/D/YYYY?": "no day above 12 seen: check whether the dates are month or day first",
        }[fmt]
        fmt_line = [f'date_format = "{fmt.rstrip("?")}"  # {why}']
    as_of = next(
        (
            c
            for c in dates
            if c["distinct"] == 1
            and any(w in value_key(c["name"]) for w in ("current", "export", "as of", "today"))
        ),
        None,
    )
    # Long: a column of event names and one column of dates; otherwise a wide tracker.
    if events_col is not None and len([c for c in dates if c is not as_of]) == 1:
        lines += _long(events_col, dates, by_kind, fmt_line)
    else:
        lines += _wide(dates, by_kind, fmt_line, as_of)
    return "\n".join(lines) + "\n"


def _long(
    events_col: dict[str, Any],
    dates: list[dict[str, Any]],
    by_kind: dict[str, list[dict[str, Any]]],
    fmt_line: list[str],
) -> list[str]:
    ids = by_kind.get("text", []) + by_kind.get("id", [])
    app = next((c for c in ids if "app" in value_key(c["name"])), ids[0] if ids else None)
    out = ['layout = "long"  # a column of event names, one row per event', *fmt_line, ""]
    out += ["[columns]"]
    out.append(
        f"application_id = {_q(app['name'])}"
        if app
        else '# application_id = "..."  # which column names the application?'
    )
    out += [f"event = {_q(events_col['name'])}", f"timestamp = {_q(dates[0]['name'])}"]
    unknown = [v for v in events_col["values"] if value_key(v).replace(" ", "_") not in EVENTS]
    if unknown:
        out += ["", "[event_values]  # the values that are not already event names"]
        out += [f"# ??? = [{_q(v)}]" for v in unknown]
        out.append(f"# events: {', '.join(EVENTS)}")
    return out


def _wide(
    dates: list[dict[str, Any]],
    by_kind: dict[str, list[dict[str, Any]]],
    fmt_line: list[str],
    as_of: dict[str, Any] | None,
) -> list[str]:
    out = ['layout = "wide"  # one row per application, a column per date', *fmt_line]
    if as_of is not None:
        out.append(f"as_of = {{ column = {_q(as_of['name'])} }}  # the same date on every row")
    else:
        out.append('# as_of = "YYYY-MM-DD"  # the day the file was exported (default: today)')
    ids = by_kind.get("id", [])
    app = next((c for c in ids if "id" in value_key(c["name"]).split()), None)
    out += ["", "[columns]"]
    if app:
        out.append(f"application_id = {_q(app['name'])}")
    else:
        out.append("# no id column: each row is its own application (identical rows are kept)")
    company = next(
        (c for c in by_kind.get("text", []) + ids if "company" in value_key(c["name"])), None
    )
    if company:
        out.append(f"company_id = {_q(company['name'])}")
    categories = by_kind.get("category", [])
    if categories:
        out += ["", "[attributes]  # columns of a few repeated values: breakdowns and covariates"]
        for c in categories:
            attr = re.sub(r"[^a-z0-9]+", "_", value_key(c["name"])).strip("_") or "attribute"
            out.append(f"{attr} = {_q(c['name'])}  # {_values(c)}")
    dated = [c for c in dates if c is not as_of]
    applied = next((c for c in dated if _looks_like(c["name"]) == "applied"), None)
    if applied is None and dated:
        applied = dated[0]
    for c in dated:
        event = _looks_like(c["name"]) if c is not applied else "applied"
        out += [""]
        block = [
            "[[events]]",
            f'event = "{event or "???"}"',
            f"date = {_q(c['name'])}",
        ]
        if event == "applied":
            block.append("required = true")
        if event is None:
            out.append(
                f"# {_q(c['name'])} holds dates: which event are they? ({', '.join(EVENTS)})"
            )
            block = ["# " + b for b in block]
        out += block
    status = next(
        (
            c
            for c in categories
            if any(w in value_key(c["name"]) for w in ("status", "response", "result", "outcome"))
        ),
        None,
    )
    numbers = by_kind.get("number", [])
    days = next((c for c in numbers if "reject" in value_key(c["name"])), None)
    rejected = [v for v in (status or {}).get("values", []) if "reject" in value_key(v)]
    if status is not None and rejected and applied is not None:
        out += [
            "",
            "# An outcome written as a status is an event with a `when` (check the values):",
            "[[events]]",
            'event = "rejection"',
            f"date = {_q(applied['name'])}",
            *(
                [f"plus_days = {_q(days['name'])}  # days from the date to the rejection"]
                if days
                else []
            ),
            f"when = {{ column = {_q(status['name'])}, in = [{', '.join(_q(v) for v in rejected)}] }}",
        ]
    elif categories:
        out += [
            "",
            "# An outcome written as a status (rejected, offer) is an event with a `when`:",
            "# [[events]]",
            '# event = "rejection"',
            '# date = "..."  # its date, or the application date plus a column of days:',
            '# plus_days = "..."',
            f'# when = {{ column = {_q((status or categories[0])["name"])}, in = ["..."] }}',
        ]
    for c in numbers:
        if c is not days:
            out.append(f"# {_q(c['name'])} holds numbers: days to add to a date? (plus_days)")
    return out


def _q(text: str) -> str:
    """A TOML basic string (control characters escaped, so it stays on its line)."""
    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def _values(c: dict[str, Any]) -> str:
    shown = [clean_label(v) for v in c["values"][:8]]  # one line: never a line break
    more = f", ... ({len(c['values'])} values)" if len(c["values"]) > 8 else ""
    return ", ".join(shown) + more
