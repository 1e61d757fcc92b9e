"""The funnel over time: stacked state occupation (or transition probabilities) of the multi-state model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from hiring_funnel.plots.common import (
    OUTSIDE,
    PALETTE,
    fill_layers,
    finish_time_axis,
    percent_axis,
    plain_text,
    target,
    time_max,
    unit_words,
)
from hiring_funnel.results import EstimateResult
from hiring_funnel.schema import HiringFunnelError

#: Bottom to top: the absorbing states (they only grow), then the stages back to applied.
STACK_ORDER: tuple[str, ...] = (
    "offer",
    "rejection",
    "withdrawn/closed",
    "interviewed",
    "screened",
    "applied",
)
#: One colour per state: offer and rejection the palette's most distinct pair,
#: applications still waiting for anything in light grey.
STATE_COLOURS: dict[str, str] = {
    "offer": PALETTE[0],
    "rejection": PALETTE[1],
    "withdrawn/closed": "#999999",
    "interviewed": PALETTE[2],
    "screened": PALETTE[5],
    "applied": "#DDDDDD",
}
_KINDS = ("state_occupation", "transition_probabilities")


def plot_states(
    result: EstimateResult,
    *,
    ax: Axes | None = None,
    max_time: float | None = None,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
    **style: Any,
) -> Axes:
    """Stacked areas of the chance of being in each state, by days since applying.

    At every day the areas add up to 100%: offers, rejections and
    withdrawn/closed applications at the bottom (they only grow), then the
    applications interviewed, screened and still at ``applied``. Steps change
    on the transition days (``step="post"``, as the estimate). The legend
    sits right of the axes, listing the states top to bottom as stacked.

    Parameters
    ----------
    result : EstimateResult
        From :func:`hiring_funnel.estimators.transitions.state_occupation`,
        or :func:`~hiring_funnel.estimators.transitions.transition_probabilities`
        (drawn from its day s on).
    ax : Axes, optional
        Where to draw; ``plt.gca()`` when None.
    max_time : float, optional
        Right end of the time axis; the last transition day by default.
    colors : mapping of state to colour, optional
        Replaces :data:`STATE_COLOURS` for the states it names.
    title : str, optional
        Replaces the default title.
    **style
        Passed to every :meth:`Axes.fill_between` (``alpha``, ...).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from hiring_funnel.estimators.transitions import state_occupation
    >>> paths = pd.DataFrame({"application_id": ["a", "a", "b", "c"],
    ...     "from_state": ["applied", "screened", "applied", "applied"],
    ...     "to_state": ["screened", "offer", "rejection", "censored"],
    ...     "start": [0.0, 2.0, 0.0, 0.0], "stop": [2.0, 5.0, 3.0, 9.0]})
    >>> fig, ax = plt.subplots()  # its own figure: plt.gca() may hold another doctest's plot
    >>> ax = plot_states(state_occupation(paths), ax=ax)
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['applied', 'screened']
    """
    if not isinstance(result, EstimateResult) or result.kind not in _KINDS:
        got = getattr(result, "kind", type(result).__name__)
        raise HiringFunnelError(
            f"plot_states draws a state_occupation or transition_probabilities result, not {got}",
            hint="make one with hiring_funnel.state_occupation(hiring_funnel.state_paths(events))",
        )
    ax = target(ax)
    colour_of = {**STATE_COLOURS, **(colors or {})}
    table = result.table
    wide = (
        table.pivot_table(index="time", columns="cause", values="estimate", aggfunc="first")
        .reindex(columns=list(STACK_ORDER))
        .sort_index()
        .fillna(0.0)
    )
    start = float(wide.index[0])
    t = wide.index.to_numpy(dtype=float)
    tmax = time_max(table, max_time)
    # Carry the last estimate to the right end of the axis.
    if tmax > t[-1]:
        t = np.r_[t, tmax]
        wide = wide.reindex(list(wide.index) + [tmax]).ffill()
    layers = [(state, wide[state].to_numpy(dtype=float)) for state in STACK_ORDER]
    fill_layers(ax, t, layers, colour_of, 0.9, **style)
    percent_axis(ax, 1.0)
    finish_time_axis(ax, result.meta, tmax, None, "")
    plural, _ = unit_words(result.meta)
    if result.kind == "transition_probabilities":
        ax.set_xlim(start, tmax)
        ax.set_xlabel(f"{plural.capitalize()} since applying (from {start:g})")
        default = f"From {plain_text(result.meta.get('start'))} at day {start:g}: state by day"
    else:
        ax.set_xlabel(f"{plural.capitalize()} since applying")
        default = "State of the applications, by day"
    ax.set_ylabel("Share of applications")
    # Listed top to bottom, as the areas are stacked.
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], fontsize="small", **OUTSIDE)
    ax.set_title(plain_text(title) if title is not None else default)
    return ax
