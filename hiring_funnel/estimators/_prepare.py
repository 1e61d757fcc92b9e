"""From an episode frame (or a life table) to per-group count arrays for the kernels."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.lifetable import life_table
from hiring_funnel.schema import HiringFunnelError


@dataclass(frozen=True)
class GroupCounts:
    """One group's life table as arrays: time, at risk, events (all and per cause), censored."""

    label: str
    time: np.ndarray
    n: np.ndarray
    d: np.ndarray
    dk: np.ndarray  # (causes, times)
    censored: np.ndarray

    @property
    def size(self) -> float:
        """Episodes in the group (each ends once: by an event or a censoring)."""
        return float(self.d.sum() + self.censored.sum())


@dataclass(frozen=True)
class Prepared:
    groups: list[GroupCounts]
    causes: list[str]
    by: list[str]
    labels: pd.DataFrame  # index: group label; columns: the by values
    attrs: dict[str, Any]


def check_conf_level(conf_level: float) -> None:
    if not 0.0 < conf_level < 1.0:
        raise HiringFunnelError(
            f"conf_level must be between 0 and 1, not {conf_level!r}", hint="e.g. 0.95"
        )


def prepare(
    data: pd.DataFrame, by: str | Sequence[str] | None = None, *, weights: str | None = None
) -> Prepared:
    """Accept episodes or a life table; return the counts per group.

    A life table (it has an ``at_risk`` column) is used as it is, so the
    estimators can read one computed elsewhere (DuckDB, Spark); episodes are
    tabulated with :func:`hiring_funnel.lifetable.life_table` first.
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    if not isinstance(data, pd.DataFrame):
        raise HiringFunnelError(
            f"expected episodes or a life table (a DataFrame), not {type(data).__name__}"
        )
    if "at_risk" in data.columns:
        table = data
        table_by = list(table.attrs.get("by", by_cols))
        missing = [c for c in by_cols if c not in table.columns]
        if missing or (table_by and sorted(table_by) != sorted(by_cols)):
            raise HiringFunnelError(
                f"the life table is grouped by {table_by}, not {by_cols}",
                hint="pass the same by= used to build the life table, or pass episodes",
            )
    else:
        table = life_table(data, by=by_cols or None, weights=weights)
    causes = [c.removeprefix("events_") for c in table.columns if c.startswith("events_")]
    if not causes:
        raise HiringFunnelError(
            "the life table has no events_<cause> columns", hint="build it with life_table"
        )
    cause_cols = [f"events_{c}" for c in causes]
    label = group_labels(table, by_cols)
    # Group rows are contiguous and sorted by time (life_table's contract).
    starts = (
        np.flatnonzero(np.r_[True, label[1:] != label[:-1]]) if len(label) else np.zeros(0, int)
    )
    ends = np.r_[starts[1:], len(label)]
    time = table["time"].to_numpy(dtype=float)
    n = table["at_risk"].to_numpy(dtype=float)
    d = table["events"].to_numpy(dtype=float)
    dk = np.stack([table[c].to_numpy(dtype=float) for c in cause_cols])
    cens = table["censored"].to_numpy(dtype=float)
    groups = [
        GroupCounts(str(label[a]), time[a:b], n[a:b], d[a:b], dk[:, a:b], cens[a:b])
        for a, b in zip(starts, ends, strict=True)
    ]
    # Indexed by the label, so a group column may itself be called "group".
    labels = (
        table[by_cols].iloc[starts].set_axis(pd.Index(label[starts], name="group"))
        if by_cols
        else pd.DataFrame(index=pd.Index(["all"], name="group"))
    )
    attrs = {k: table.attrs.get(k) for k in ("clock", "unit", "as_of")}
    return Prepared(groups, causes, by_cols, labels, attrs)


def group_labels(table: pd.DataFrame, by_cols: list[str]) -> np.ndarray:
    """The label of each row's group: its ``by`` values joined by " / ", or "all"."""
    if not by_cols:
        return np.full(len(table), "all", dtype=object)
    keys = table[by_cols].astype("string").fillna("(missing)")
    label = keys.agg(" / ".join, axis=1) if len(by_cols) > 1 else keys[by_cols[0]]
    return label.to_numpy(dtype=object)


def base_meta(prep: Prepared, kind: str, conf_level: float, **extra: Any) -> dict[str, Any]:
    """Metadata every result carries: sizes, events per cause, level, grouping, as-of."""
    return {
        "kind": kind,
        "n": {g.label: g.size for g in prep.groups},
        "events": {
            g.label: dict(zip(prep.causes, g.dk.sum(axis=1).tolist(), strict=True))
            for g in prep.groups
        },
        "conf_level": conf_level,
        "by": prep.by,
        "groups": prep.labels,
        "as_of": prep.attrs.get("as_of"),
        "clock": prep.attrs.get("clock"),
        "unit": prep.attrs.get("unit"),
        "not_estimable": {},
        "notes": [],
        **extra,
    }


def note_not_estimable(meta: dict[str, Any], key: str, reason: str) -> None:
    """Record a curve left out of the table, and say so: never a silent zero or NaN."""
    meta["not_estimable"][key] = reason
    warnings.warn(f"{key}: not estimable: {reason}", UserWarning, stacklevel=3)


def resolve_cause(prep: Prepared, cause: str) -> int:
    if cause not in prep.causes:
        raise HiringFunnelError(
            f"unknown cause {cause!r}", hint=f"the episodes have causes {prep.causes}"
        )
    return prep.causes.index(cause)
