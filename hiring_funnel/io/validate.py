"""Validation that never loses a row silently.

Every problem is found in one pass. A row that cannot be used goes to the
quarantine table with its source line, the column, the reason and the kind of
problem (a key of :data:`hiring_funnel.schema.QUARANTINE_KINDS`, which is what
a report may publish); the counts always satisfy ``rows_read == rows_loaded +
rows_quarantined``. In a wide tracker one row yields several events, and a row
with one bad event is quarantined whole: half an application would look like a
different story (an application whose rejection date is unreadable would look
still open).

Output is linear in the input (issue 10): a reason names at most the first line
and a count, never every line of a group (4,000 rows of one application gave
184 MB of reasons), and warnings about many columns are one line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.cellcodes import CodedCells, code_cells
from hiring_funnel.io.mapped import Mapped
from hiring_funnel.io.problems import (
    COLUMNS_NAMED,
    Bad,
    column_names,
    hint_for,
    identical_rows_problem,
    ids_cleaned_problem,
    quarantine_frame,
    skipped_problem,
)
from hiring_funnel.io.readers import RawTable, short_repr
from hiring_funnel.io.undated import date_undated, split_undated
from hiring_funnel.schema import (
    EVENT_DTYPE,
    ONCE_ONLY,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    EventLog,
    Problem,
)

__all__ = ["attribute_table", "validate"]


def validate(
    raw: RawTable,
    mapped: Mapped,
    *,
    layout: str = "long",
    as_of: pd.Timestamp | None = None,
    now: pd.Timestamp | None = None,
    dedupe: bool = True,
    undated: str = "median",
) -> EventLog:
    """Check mapped events, quarantine unusable rows, and build the :class:`EventLog`.

    ``as_of`` (the export date) is the latest moment an event may carry;
    without one, events dated after ``now`` (today) are quarantined as dated
    in the future. ``dedupe`` (the mapping's, :attr:`Mapping.drops_copies`):
    rows that repeat an earlier row exactly are quarantined as copies; without
    it they are kept (in a wide tracker with no id column, each is its own
    application) and one problem says how many there are. ``undated``: how a
    wide tracker's outcome with no date is dated (:mod:`hiring_funnel.io.undated`);
    its application is kept.
    """
    events = mapped.events.copy()
    bad: Bad = {}

    def quarantine(lines: Any, column: Any, reasons: Any, kind: str | Any) -> None:
        lines = np.asarray(lines, dtype=np.int64)
        cols = _spread(column, len(lines))
        rs = _spread(reasons, len(lines))
        kinds = _spread(kind, len(lines))
        for line, col, reason, k in zip(lines, cols, rs, kinds, strict=True):
            bad.setdefault(int(line), []).append(
                (None if col is None else str(col), str(reason), str(k))
            )

    # Exact copies of an earlier row: counted, dropped, and reported.
    cells = code_cells(raw.frame)
    dup_pos, first_pos = cells.duplicate_rows()
    identical = [] if dedupe else [identical_rows_problem(raw.line, dup_pos, first_pos)]
    if not dedupe:
        dup_pos = np.zeros_like(dup_pos)
    quarantine(
        raw.line[dup_pos],
        None,
        [f"exact duplicate of line {k}" for k in raw.line[first_pos[dup_pos]]],
        "exact_duplicate",
    )
    exact = int(dup_pos.sum())
    events = events[~events["line"].isin(raw.line[dup_pos])]

    # Outcomes a tracker records without a date: dated below, not quarantined.
    events, no_date = split_undated(events) if layout == "wide" else (events, events.iloc[:0])

    # Cells that could not be read.
    has_reason = events["reason"].notna()
    quarantine(
        events.loc[has_reason, "line"],
        events.loc[has_reason, "reason_column"].tolist(),
        events.loc[has_reason, "reason"].tolist(),
        events.loc[has_reason, "reason_kind"].tolist(),
    )
    events = _drop_lines(events, bad)

    limit = as_of if as_of is not None else (now or pd.Timestamp.now(tz="UTC"))
    late = events["timestamp"] > limit
    what = "the as-of date" if as_of is not None else "today"
    quarantine(
        events.loc[late, "line"],
        events.loc[late, "source_column_timestamp"].tolist(),
        [
            f"dated {t:%Y-%m-%d %H:%M} UTC, after {what} ({limit:%Y-%m-%d %H:%M} UTC)"
            for t in events.loc[late, "timestamp"]
        ],
        "after_as_of",
    )
    events = _drop_lines(events, bad)
    placed, unplaced, dated = date_undated(events, _drop_lines(no_date, bad), undated, limit)
    quarantine(
        unplaced["line"],
        unplaced["source_column_timestamp"].tolist(),
        "missing timestamp (an outcome whose application has no dated event)",
        "missing_date",
    )
    events = pd.concat([events, placed], ignore_index=True) if len(placed) else events

    _conflicts(events, layout, quarantine)
    events = _drop_lines(events, bad)
    _before_application(events, quarantine)
    events = _drop_lines(events, bad)

    # A wide mapping's `when` may leave a row out on purpose (say, a draft the
    # tracker keeps): such a row is skipped, counted, and named in one problem.
    # A row that yields no event for another reason (no date for any event) is
    # quarantined with the reason.
    silent = np.setdiff1d(raw.line, mapped.events["line"].to_numpy())
    on_purpose = np.isin(silent, mapped.when_excluded)
    skipped = silent[on_purpose]
    quarantine(
        silent[~on_purpose],
        None,
        "the mapping yields no event for this row (no date for any of its [[events]])",
        "no_event",
    )

    for line, reason, _ in raw.rejected:
        bad.setdefault(line, []).append((None, reason, raw.rejected_kind.get(line, "other")))

    problems = [
        Problem(line, col, reason, hint_for(reason), kind=kind)
        for line in sorted(bad)
        for col, reason, kind in bad[line][:1]
    ]
    problems += _warnings(raw, cells, events, mapped) + [p for p in identical if p is not None]
    problems += dated
    if len(skipped):
        problems.append(skipped_problem(len(skipped), int(skipped.min())))
    quarantined = quarantine_frame(raw, bad)
    loaded_lines = events["line"].nunique()
    if loaded_lines + len(skipped) + len(quarantined) != raw.rows_read:
        raise AssertionError(  # a bug, not a user error: rows must add up
            f"rows do not add up: {raw.rows_read} read, {loaded_lines} loaded, "
            f"{len(skipped)} skipped, {len(quarantined)} quarantined"
        )
    canonical = _canonical(events)
    attributes = _attributes(
        mapped, cells, set(canonical["application_id"]), set(canonical["line"]), problems
    )
    return EventLog(
        events=canonical,
        attributes=attributes,
        quarantine=quarantined,
        rows_read=raw.rows_read,
        rows_loaded=int(loaded_lines),
        rows_quarantined=len(quarantined),
        rows_skipped=len(skipped),
        exact_duplicates=exact,
        problems=tuple(sorted(problems, key=lambda p: (p.line or 0, p.reason))),
        source=raw.source,
        as_of=as_of,
        meta={
            "blank_lines": raw.blank_lines,
            "kind": raw.kind,
            "ids_cleaned": mapped.ids_cleaned,
            **(
                {"undated_outcomes": {"count": len(placed), "rule": undated}} if len(placed) else {}
            ),
        },
    )


def _spread(value: Any, n: int) -> list[Any]:
    if isinstance(value, list | np.ndarray | pd.Series):
        return list(value)
    return [value] * n


def _drop_lines(events: pd.DataFrame, bad: Bad) -> pd.DataFrame:
    return events[~events["line"].isin(list(bad))]


def _conflicts(events: pd.DataFrame, layout: str, quarantine: Any) -> None:
    if layout == "wide":
        # One row per application: two different rows with one id disagree.
        rows = events[["application_id", "line"]].drop_duplicates()
        per_app = rows.groupby("application_id", sort=False)["line"]
        n, first = per_app.transform("size"), per_app.transform("min")
        many = (n > 1).to_numpy()
        quarantine(
            rows.loc[many, "line"],
            None,
            [
                f"conflicting duplicates: application id {short_repr(app, 80)} is on {k:,} rows "
                f"with other values (first on line {f})"
                for app, k, f in zip(
                    rows.loc[many, "application_id"], n[many], first[many], strict=True
                )
            ],
            "conflicting_duplicate",
        )
        return
    once = events[events["event"].isin(ONCE_ONLY)]
    per_event = once.groupby(["application_id", "event"], sort=False)["line"]
    counts, first = per_event.transform("size"), per_event.transform("min")
    many = (counts > 1).to_numpy()
    quarantine(
        once.loc[many, "line"],
        once.loc[many, "source_column_timestamp"].tolist(),
        [
            f"conflicting duplicates: {event!r} of application {short_repr(app, 80)} recorded "
            f"on {k:,} rows (first on line {f})"
            for app, event, k, f in zip(
                once.loc[many, "application_id"],
                once.loc[many, "event"],
                counts[many],
                first[many],
                strict=True,
            )
        ],
        "conflicting_duplicate",
    )
    # Each outcome is on one row here, so a reason names at most two lines.
    outcome = once[once["event"].isin(["offer", "rejection"]) & (counts == 1)]
    both = outcome.groupby("application_id")["event"].transform("nunique") > 1
    for app, grp in outcome[both].groupby("application_id"):
        lines = ", ".join(
            f"{e} on line {k}" for e, k in zip(grp["event"], grp["line"], strict=True)
        )
        quarantine(
            grp["line"],
            grp["event_source_column"].tolist(),
            f"conflicting outcomes: application {short_repr(app, 80)} has both an offer and a "
            f"rejection ({lines})",
            "conflicting_outcomes",
        )


def _before_application(events: pd.DataFrame, quarantine: Any) -> None:
    applied = events[events["event"] == "applied"].drop_duplicates("application_id")
    start = events["application_id"].map(applied.set_index("application_id")["timestamp"])
    # Int64: an application with no 'applied' row maps to <NA>, which would make
    # the whole column float and the reason say "line 10.0".
    start_line = (
        events["application_id"].map(applied.set_index("application_id")["line"]).astype("Int64")
    )
    early = (events["event"] != "applied") & (events["timestamp"] < start)
    quarantine(
        events.loc[early, "line"],
        events.loc[early, "source_column_timestamp"].tolist(),
        [
            f"{e} dated {t:%Y-%m-%d}, before its application ({s:%Y-%m-%d}, line {k})"
            for e, t, s, k in zip(
                events.loc[early, "event"],
                events.loc[early, "timestamp"],
                start[early],
                start_line[early],
                strict=True,
            )
        ],
        "before_application",
    )


def _warnings(
    raw: RawTable, cells: CodedCells, events: pd.DataFrame, mapped: Mapped
) -> list[Problem]:
    out = []
    counts, first = cells.formula_counts()
    hit = np.flatnonzero(counts)
    formula_hint = "they are never evaluated, and are guarded in CSV output"
    if 0 < len(hit) <= COLUMNS_NAMED:
        for j in hit:
            out.append(
                Problem(
                    int(raw.line[first[j]]),
                    cells.columns[j],
                    f"{int(counts[j])} cell(s) look like spreadsheet formulas; kept as plain text",
                    formula_hint,
                    kind="formula",
                )
            )
    elif len(hit):
        out.append(
            Problem(
                int(raw.line[first[hit].min()]),
                None,
                f"{int(counts.sum()):,} cells in {len(hit):,} columns "
                f"({column_names([cells.columns[j] for j in hit])}) look like spreadsheet "
                "formulas; kept as plain text",
                formula_hint,
                kind="formula",
            )
        )
    orphans = set(events["application_id"]) - set(
        events.loc[events["event"] == "applied", "application_id"]
    )
    if orphans:
        first_line = int(events.loc[events["application_id"].isin(orphans), "line"].min())
        out.append(
            Problem(
                first_line,
                None,
                f"{len(orphans)} application(s) have events but no 'applied' event; "
                "they give no episode on clocks that start at the application",
                kind="no_applied",
            )
        )
    if mapped.ids_cleaned and mapped.ids_cleaned_at is not None:
        line, column = mapped.ids_cleaned_at
        out.append(ids_cleaned_problem(mapped.ids_cleaned, line, column))
    return out


def _canonical(events: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "application_id": events["application_id"].astype("string"),
            "event": events["event"].astype(EVENT_DTYPE),
            "timestamp": events["timestamp"].astype("datetime64[ns, UTC]"),
        }
    )
    for col in OPTIONAL_COLUMNS:
        out[col] = events[col].astype("string")
    out["line"] = events["line"].astype("int64")
    out = out.sort_values(["timestamp", "application_id", "event", "line"], kind="stable")
    return out[list(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) + ["line"]].reset_index(drop=True)


def _attributes(
    mapped: Mapped,
    cells: CodedCells,
    loaded: set[str],
    loaded_lines: set[int],
    problems: list[Problem],
) -> pd.DataFrame:
    """One row per loaded application; numbers with thousands separators become numbers.

    Only loaded rows count: a quarantined row's cells are not used, attributes
    included. The first present value of each application is used; columns in
    which an application has several are reported (one line for many columns).
    The attribute cells are the raw table's, already coded (``cells``): the
    rows of ``mapped.attributes`` are the raw rows in order.
    """
    attrs = mapped.attributes
    app = attrs["application_id"].map(lambda v: str(v).strip() if v is not None else v)
    keep = (app.isin(loaded) & attrs["line"].isin(loaded_lines)).to_numpy()
    value_cols = [c for c in attrs.columns if c not in ("application_id", "line")]
    values = None
    if keep.any():  # (a JSON Lines file with no valid line has no cells at all)
        where = {c: j for j, c in enumerate(cells.columns)}
        sources = [where[str(mapped.attribute_sources[c])] for c in value_cols]
        values = cells.take(np.flatnonzero(keep), sources)
    # Every loaded line has its row here, so every loaded application is in the table.
    table, varies = attribute_table(app[keep].to_numpy(dtype=object), values, value_cols)
    counts = varies.sum(axis=0)
    many = [str(value_cols[j]) for j in np.flatnonzero(counts)]
    if 0 < len(many) <= COLUMNS_NAMED:
        for j in np.flatnonzero(counts):
            col = str(value_cols[j])
            problems.append(
                Problem(
                    None,
                    col,
                    f"{int(counts[j])} application(s) have "
                    f"more than one value of {col!r}; the first one is used",
                    kind="varying_attribute",
                )
            )
    elif many:
        problems.append(
            Problem(
                None,
                None,
                f"{len(many):,} attribute columns ({column_names(many)}) have applications "
                "with more than one value; the first one is used",
                kind="varying_attribute",
            )
        )
    return table


def attribute_table(
    app: np.ndarray, cells: CodedCells | None, names: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per distinct ``app`` (sorted): the first present value of each column, typed.

    ``app`` gives the application of each row of ``cells``; ``names`` the
    output name of each column. Returns the table (``application_id`` then the
    columns, numbers as float, other text as ``string``) and a boolean array
    (applications x columns) of where an application had more than one
    distinct value.
    """
    codes, apps = pd.factorize(app, sort=True)
    if len(apps) == 0 or cells is None:
        empty = pd.DataFrame({c: pd.Series([], dtype="string") for c in names})
        empty.insert(0, "application_id", pd.Series([], dtype="string"))
        return empty, np.zeros((0, len(names)), dtype=bool)
    firsts, varies = cells.firsts_by_group(codes, len(apps))
    table = cells.typed_frame(firsts)
    table.columns = list(names)
    ids = pd.DataFrame({"application_id": pd.array(np.asarray(apps, dtype=object), dtype="string")})
    # concat, not insert: inserting into a frame of thousands of columns copies it.
    return pd.concat([ids, table], axis=1), varies
