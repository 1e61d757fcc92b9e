"""Lists of stage changes: ``[[history]]`` entries and the ``[stages]`` table of a wide mapping.

An applicant-tracking system records the path of an application as a list
inside its record: Lever's ``stageChanges`` (``toStageId``, ``updatedAt``),
Ashby's ``applicationHistory`` (``title``, ``enteredStageAt``), Greenhouse's
scheduled interviews and offers nested under their application (or joined to
it from files of their own: :mod:`hiring_funnel.io.joins`). In a CSV the list
is its JSON text in one cell (:mod:`hiring_funnel.io.jsoncells`).
A ``[[history]]`` entry turns each item of such a list into one event::

    [[history]]
    list = "stageChanges"        # the column (or dotted path) holding the list
    stage = "toStageId"          # the item's stage: looked up in [stages]
    date = "updatedAt"           # the item's date (or a list: the first filled one)

    [[history]]
    list = "offers"
    event = "offer"              # or a fixed event for every item
    date = ["sent_at", "created_at"]
    when = { column = "status", not_in = ["deprecated"] }   # conditions on the item

    [stages]                     # event = the stage names (or ids) that mean it
    screen = ["Phone Screen", "Recruiter Screen"]
    interview = ["Onsite"]
    ignore = ["Application Review"]   # stages that are no event

Keys of an item are dotted paths inside it (``"start.date_time"``); a key that
starts with ``../`` reads the record the list is in (``"../archiveReason.reasonType"``:
a condition on the application, for each of its items). Without
``list`` the entry reads one item per record from the record's own columns
(Lever's ``archived.reason`` dated by ``archived.archivedAt``). ``other`` names
the event of a stage the table does not list (``"ignore"`` skips it); without
it such an item quarantines its application, with the stage and the item in the
reason, so that a stage the table does not know is never lost in silence (kind
``unknown_event``). Stage names are compared as clean labels, case ignored.

Examples
--------
>>> stages = parse_stages({"screen": ["Phone Screen"], "ignore": "Review"}, "m")
>>> stages["phone screen"], stages["review"]
('screen', None)
>>> (h,) = parse_history([{"list": "stageChanges", "stage": "toStageId", "date": "updatedAt"}], "m")
>>> h.list, h.stage, h.date
('stageChanges', 'toStageId', ('updatedAt',))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.conditions import Condition, parse_when
from hiring_funnel.io.paths import get_path
from hiring_funnel.io.readers import RawTable, short_repr
from hiring_funnel.schema import EVENTS, HiringFunnelError
from hiring_funnel.text import clean_label

__all__ = ["History", "history_columns", "history_parts", "parse_history", "parse_stages"]

_KEYS = {"list", "event", "stage", "date", "when", "other"}
IGNORE = "ignore"
#: An item key that reads the record the list is in.
PARENT = "../"


@dataclass(frozen=True)
class History:
    """One ``[[history]]`` entry: where its items are and what each one means."""

    list: str | None
    date: tuple[str, ...]
    event: str | None = None
    stage: str | None = None
    when: tuple[Condition, ...] = ()
    #: The event of a stage the [stages] table does not list; "ignore" skips it.
    other: str | None = None


def stage_key(value: object) -> str:
    """How a stage name is compared: a clean label, case-folded."""
    return clean_label(value).casefold()


def parse_stages(table: Any, name: str) -> dict[str, str | None]:
    """The ``[stages]`` table as stage key -> event (None: the stage is no event)."""
    if not isinstance(table, dict):
        raise HiringFunnelError(f"stages must be a table, not {short_repr(table)}", source=name)
    out: dict[str, str | None] = {}
    for event, names in table.items():
        if event not in EVENTS and event != IGNORE:
            raise HiringFunnelError(
                f"[stages] has unknown event {short_repr(event)}",
                source=name,
                hint=f"use {', '.join(EVENTS)} or ignore",
            )
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(s, str) for s in names):
            raise HiringFunnelError(
                f"[stages] {event} must be a stage name or a list of them", source=name
            )
        for stage in names:
            key = stage_key(stage)
            meant = None if event == IGNORE else event
            if key in out and out[key] != meant:
                raise HiringFunnelError(
                    f"[stages] names stage {short_repr(stage)} under two events",
                    source=name,
                    hint="keep it under one",
                )
            out[key] = meant
    return out


def parse_history(entries: Any, name: str) -> tuple[History, ...]:
    """The ``[[history]]`` entries, checked."""
    if not isinstance(entries, list):
        raise HiringFunnelError("history must be a list of [[history]] tables", source=name)
    return tuple(_entry(e, i, name) for i, e in enumerate(entries, start=1))


def _entry(entry: Any, i: int, name: str) -> History:
    def fail(msg: str, hint: str | None = None) -> HiringFunnelError:
        return HiringFunnelError(f"[[history]] entry {i}: {msg}", source=name, hint=hint)

    if not isinstance(entry, dict):
        raise fail(f"must be a table, not {short_repr(entry)}")
    unknown = set(entry) - _KEYS
    if unknown:
        raise fail(
            f"unknown key {short_repr(sorted(unknown)[0])}", f"use {', '.join(sorted(_KEYS))}"
        )
    if ("event" in entry) == ("stage" in entry):
        raise fail("give either event (one event for every item) or stage (looked up in [stages])")
    if "event" in entry and entry["event"] not in EVENTS:
        raise fail(f"event must be one of {', '.join(EVENTS)}")
    other = entry.get("other")
    if other is not None and other not in EVENTS and other != IGNORE:
        raise fail(f"other must be one of {', '.join(EVENTS)} or ignore")
    date = entry.get("date")
    if isinstance(date, str):
        date = [date]
    if not (isinstance(date, list) and date and all(isinstance(d, str) for d in date)):
        raise fail("date must be a key of the item or a list of keys")
    for key in ("list", "stage"):
        if key in entry and not isinstance(entry[key], str):
            raise fail(f"{key} must be a column name (or a dotted path)")
    when: tuple[Condition, ...] = ()
    if "when" in entry:
        when = parse_when(entry["when"], f"[[history]] entry {i}")
    return History(
        list=entry.get("list"),
        date=tuple(date),
        event=entry.get("event"),
        stage=entry.get("stage"),
        when=when,
        other=other,
    )


def history_columns(history: tuple[History, ...]) -> tuple[list[str], list[str]]:
    """The columns the entries read from the record: (lists, columns of single items)."""
    lists = [h.list for h in history if h.list is not None]
    single = []
    for h in history:
        keys = list(h.date) + ([h.stage] if h.stage else []) + [c.column for c in h.when]
        if h.list is None:
            single += keys
        else:
            single += [k.removeprefix(PARENT) for k in keys if k.startswith(PARENT)]
    return lists, single


def history_parts(
    raw: RawTable, base: pd.DataFrame, history: tuple[History, ...], stages: dict[str, str | None]
) -> list[pd.DataFrame]:
    """The events of every ``[[history]]`` entry, one frame per entry, in the columns of
    the wide layout's parts (:func:`hiring_funnel.io.mapped.apply_mapping`)."""
    frame = raw.frame.reset_index(drop=True)
    parts = []
    for h in history:
        pos, items, bad = _items(raw, frame, h)
        keys = list(dict.fromkeys(list(h.date) + ([h.stage] if h.stage else []) + _when_keys(h)))
        cells = pd.DataFrame(
            {
                k: pd.Series(
                    frame[k.removeprefix(PARENT)].to_numpy(dtype=object)[pos], dtype=object
                )
                if k.startswith(PARENT) and h.list
                else pd.Series([_value(it, k, h) for it in items], dtype=object)
                for k in keys
            }
        )
        take = np.ones(len(items), dtype=bool)
        for condition in h.when if items else ():
            take &= condition.test(cells[condition.column])
        date = np.full(len(items), None, dtype=object)
        date_col = np.full(len(items), None, dtype=object)
        for key in reversed(h.date):  # the first filled key wins: written last
            filled = np.array([_filled(v) for v in cells[key]], dtype=bool)
            date[filled] = cells[key].to_numpy(dtype=object)[filled]
            date_col[filled] = key
        numbers = [n for n, _ in items]
        events, why, kind, stage = _events(cells, numbers, h, stages, bad)
        keep = take & ~((events == None) & (why == None))  # noqa: E711 (ignored stages)
        part = base.iloc[pos[keep]].reset_index(drop=True).copy()
        where = f"{h.list}[{{}}]." if h.list else ""
        item_no = np.array(numbers, dtype=object)[keep] if items else []
        part["event"] = events[keep]
        part["timestamp"] = date[keep]
        part["source_column_timestamp"] = [
            where.format(n) + str(c or h.date[0])
            for n, c in zip(item_no, date_col[keep], strict=True)
        ]
        if h.stage:
            part["stage"] = stage[keep]
        part["plus_days"] = np.nan
        part["plus_days_reason"] = None
        part["plus_days_column"] = None
        part["event_source_column"] = h.list or h.stage
        part["history_reason"] = why[keep]
        part["history_kind"] = kind[keep]
        parts.append(part)
    return parts


def _when_keys(h: History) -> list[str]:
    return [c.column for c in h.when]


def _value(item: tuple[int, Any], key: str, h: History) -> Any:
    found = get_path(item[1], key) if h.list else item[1].get(key)
    return json.dumps(found) if isinstance(found, list | dict) else found


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _items(
    raw: RawTable, frame: pd.DataFrame, h: History
) -> tuple[np.ndarray, list[tuple[int, Any]], dict[int, str]]:
    """Row positions, (1-based item number, item) pairs, and why an item is unusable."""
    if h.list is None:
        cols = list(dict.fromkeys(list(h.date) + ([h.stage] if h.stage else []) + _when_keys(h)))
        records = frame[cols].to_dict("records")
        return np.arange(len(frame)), [(1, r) for r in records], {}
    pos: list[int] = []
    items: list[tuple[int, Any]] = []
    bad: dict[int, str] = {}
    if h.list not in frame.columns:  # no record has the list: no items
        return np.zeros(0, dtype=np.int64), items, bad
    nested = set(raw.nested.get(h.list, np.zeros(0, dtype=np.int64)).tolist())
    column = frame[h.list].to_numpy(dtype=object)
    for p, cell in enumerate(column):
        if cell is None or (isinstance(cell, float) and cell != cell):
            continue
        value = json.loads(cell) if p in nested else cell
        if not isinstance(value, list):
            bad[len(items)] = f"{h.list!r} holds {short_repr(value)}, not a list"
            pos.append(p)
            items.append((1, {}))
            continue
        for n, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                bad[len(items)] = f"item {n} of {h.list!r} is {short_repr(item)}, not an object"
            pos.append(p)
            items.append((n, item if isinstance(item, dict) else {}))
    return np.asarray(pos, dtype=np.int64), items, bad


def _events(
    cells: pd.DataFrame,
    numbers: list[int],
    h: History,
    stages: dict[str, str | None],
    bad: dict[int, str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per item: the event (None: none), why it is unusable (None: it is not) and the kind
    of that problem, and its stage name."""
    n = len(cells)
    events = np.full(n, h.event, dtype=object)
    why = np.full(n, None, dtype=object)
    kind = np.full(n, "unknown_event", dtype=object)
    stage = np.full(n, None, dtype=object)
    if h.stage is not None:
        for k, value in enumerate(cells[h.stage]):
            if not _filled(value):
                if h.list is None:  # a record without the value (not archived): no event
                    events[k] = None
                    continue
                why[k] = f"item {numbers[k]} of {h.list!r} has no {h.stage!r}"
                kind[k] = "missing_event"
                continue
            stage[k] = str(value).strip()
            key = stage_key(value)
            if key in stages:
                events[k] = stages[key]
            elif h.other is not None:
                events[k] = None if h.other == IGNORE else h.other
            else:
                events[k] = None
                where = f"item {numbers[k]} of {h.list!r}" if h.list else repr(h.stage)
                why[k] = (
                    f"stage {short_repr(str(value).strip(), 80)} ({where}) is not in the "
                    "mapping's [stages] table"
                )
    for k, reason in bad.items():
        events[k], why[k], kind[k] = None, reason, "other"
    return events, why, kind, stage
