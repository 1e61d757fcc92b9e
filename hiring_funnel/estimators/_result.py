"""Frozen result objects that hold a tidy table and render themselves in a notebook."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: The fixed columns of every estimate table (CONVENTIONS.md, item 3); the
#: confidence level lives in ``meta``, never in a column name.
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "group",
    "time",
    "cause",
    "estimate",
    "ci_lower",
    "ci_upper",
    "at_risk",
    "events",
)

_TITLES = {
    "kaplan_meier": "Kaplan-Meier: chance of still waiting for any answer",
    "cumulative_incidence": "Aalen-Johansen cumulative incidence, by cause",
    "still_hope": "Still hope: chance the cause still happens after waiting",
    "outcome_mix": "Outcome mix: share of answers in each band of days that are this cause",
    "waiting_quantiles": "Quantiles of the wait for any answer (Kaplan-Meier)",
    "restricted_mean_wait": "Restricted mean wait for any answer, up to a horizon",
}


@dataclass(frozen=True)
class EstimateResult:
    """One estimator's output: a tidy ``table`` and its ``meta`` data.

    Attributes
    ----------
    kind : str
        Which estimator made it (``"kaplan_meier"``, ``"cumulative_incidence"``, ...).
    table : DataFrame
        For curves (Kaplan-Meier, cumulative incidence, still hope, outcome
        mix): the columns :data:`ESTIMATE_COLUMNS` plus ``std_error`` (on the
        estimate's own scale), one row per group, time and cause. Summaries
        of a curve have their own fixed columns, named in their docstrings
        (``waiting_quantiles``: one row per group and probability).
    meta : dict
        ``n`` (episodes per group), ``events`` (per group and cause),
        ``conf_level``, ``variance`` (the variance method), ``interval`` (the
        scale of the interval), ``by``, ``groups`` (the ``by`` values of each
        group label), ``as_of``, ``not_estimable`` (group or curve -> reason)
        for curves left out of the table, and ``notes``: caveats a reader
        should see (e.g. a curve carried past its last day).
    """

    kind: str
    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def not_estimable(self) -> dict[str, str]:
        """Curves left out of the table, with the reason (e.g. no events in the group)."""
        return dict(self.meta.get("not_estimable", {}))

    def _repr_html_(self) -> str:
        title = html.escape(_TITLES.get(self.kind, self.kind))
        level = self.meta.get("conf_level")
        facts = [f"{int(round(100 * level))}% intervals" if level else ""]
        for key in ("variance", "interval"):
            if self.meta.get(key):
                facts.append(f"{key}: {html.escape(str(self.meta[key]))}")
        if self.meta.get("as_of") is not None:
            facts.append(f"as of {html.escape(str(self.meta['as_of']))}")
        notes = "".join(
            f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>"
            for k, v in self.not_estimable.items()
        )
        notes_html = f"<p>Not estimable:</p><ul>{notes}</ul>" if notes else ""
        caveats = "".join(f"<li>{html.escape(str(n))}</li>" for n in self.meta.get("notes", []))
        notes_html += f"<p>Notes:</p><ul>{caveats}</ul>" if caveats else ""
        shown = (
            self.table
            if len(self.table) <= 20
            else pd.concat([self.table.head(10), self.table.tail(10)])
        )
        more = (
            f"<p>{len(self.table):,} rows; first and last 10 shown.</p>"
            if len(self.table) > 20
            else ""
        )
        return (
            f"<div><strong>{title}</strong><p>{'; '.join(f for f in facts if f)}</p>"
            f"{notes_html}{shown.to_html(index=False, float_format=lambda x: f'{x:.4g}')}{more}</div>"
        )
