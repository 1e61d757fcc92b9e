"""The report's "every stage of the funnel" section: where applications are, and hope from each stage.

The multi-state model (:func:`hiring_funnel.state_paths`,
:func:`hiring_funnel.state_occupation`, :func:`hiring_funnel.still_hope_from`)
read through the report's privacy rule (:mod:`hiring_funnel.report.privacy`):
the picture stops on the last day on which at least ``min_group`` distinct
candidates are still followed in an open stage (the clocks' tail cutoff,
applied to each candidate's longest path), the chances of an offer use that
day as their horizon, and a chance from a stage on a day is shown only when
the applications in that stage then come from at least ``min_group``
candidates.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.estimators.transitions import state_occupation, still_hope_from
from hiring_funnel.plots.states import plot_states
from hiring_funnel.report import words as f
from hiring_funnel.report.figures import svg_data_url
from hiring_funnel.report.privacy import candidate_key, tail_cutoff
from hiring_funnel.schema import EventLog, HiringFunnelError
from hiring_funnel.states import TRANSIENT, state_paths

#: Days since applying at which the chances from each stage are given.
WAITED = (0.0, 7.0, 14.0, 30.0)

_STAGE_WORDS = {
    "applied": "No answer yet",
    "screened": "Screened",
    "interviewed": "Interviewed",
}


def stages_section(log: EventLog, *, min_group: int) -> dict[str, Any]:
    """The section's figure, table of chances and sentences (a ``notice`` when nothing may be shown).

    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(3000, seed=4)
    >>> log = EventLog(events=sim.events, attributes=sim.attributes, quarantine=pd.DataFrame(),
    ...                rows_read=0, rows_loaded=0, as_of=sim.as_of)
    >>> section = stages_section(log, min_group=5)
    >>> [row["stage"] for row in section["rows"]]
    ['No answer yet', 'Screened', 'Interviewed']
    """
    try:
        paths = state_paths(log)
    except HiringFunnelError as exc:  # a log the clocks read but the stages cannot
        return {"notice": f"The stages could not be followed: {exc.message}"}
    if paths.empty:
        return {"notice": "No application to follow through the stages."}
    cutoff = _cutoff(paths, min_group)
    if np.isnan(cutoff):
        return {
            "notice": f"Not shown: the log holds fewer than {min_group} candidates (see Privacy)."
        }
    occupation = state_occupation(paths)
    table = occupation.table
    shown_part = dataclasses.replace(occupation, table=table[table["time"] <= cutoff])
    figure = svg_data_url(
        lambda ax: plot_states(shown_part, ax=ax, max_time=cutoff, title=""), height=3.2
    )
    horizon = cutoff
    rows = []
    waited = [s for s in WAITED if s < horizon]
    who = candidate_key(paths).to_numpy()
    for stage in TRANSIENT:
        hope = still_hope_from(paths, stage=stage, waited=waited, horizon=horizon)
        by_day = hope.table.set_index("time")
        cells = []
        for s in waited:
            there = (
                (paths["from_state"] == stage).to_numpy()
                & (paths["start"].to_numpy() <= s)
                & (paths["stop"].to_numpy() > s)
            )
            if len(set(who[there])) < min_group or s not in by_day.index:
                cells.append({"share": "not shown", "ci": "", "n": ""})
                continue
            r = by_day.loc[s]
            cells.append(
                {
                    "share": f.pct(r["estimate"]),
                    "ci": f.interval(r["ci_lower"], r["ci_upper"]),
                    "n": f.number(int(there.sum())),
                }
            )
        rows.append({"stage": _STAGE_WORDS[stage], "cells": cells})
    return {
        "figure": figure,
        "rows": rows,
        "waited": [f"day {s:g}" for s in waited],
        "horizon": f"{horizon:g}",
        "notice": None,
    }


def _cutoff(paths: pd.DataFrame, min_group: int) -> float:
    """The last day on which ``min_group`` candidates are still followed (each application to its last stop)."""
    last = paths.groupby("application_id", sort=False, observed=True).agg(
        duration=("stop", "max"), candidate_id=("candidate_id", "first")
    )
    return tail_cutoff(last.reset_index(), min_group=min_group)
