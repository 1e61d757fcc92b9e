"""The headline pictures: still hope after s days of silence, and the outcome mix by answer day."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from hiring_funnel.plots.common import (
    CAUSE_PHRASE,
    PALETTE,
    check_kind,
    count,
    finish_time_axis,
    legend,
    nothing_to_draw,
    percent_axis,
    pick_groups,
    plain_label,
    plain_text,
    target,
    time_max,
    unit_words,
)
from hiring_funnel.results import EstimateResult


def plot_still_hope(
    result: EstimateResult,
    *,
    ax: Axes | None = None,
    ci: bool = True,
    at_risk: bool = True,
    groups: Sequence[str] | None = None,
    colors: Sequence[str] | None = None,
    title: str | None = None,
    **style: Any,
) -> Axes:
    """The still-hope curve: after s days of silence, the chance the cause still comes by day τ.

    The estimate is drawn against s with its interval as a band; the y axis is
    in percent. Under the plot, the number of applications still waiting after
    s days: the curve rests on fewer of them the further right it goes.

    Parameters
    ----------
    result : EstimateResult
        From :func:`hiring_funnel.estimators.still_hope`, or
        :func:`hiring_funnel.still_hope_from` (the chance from a stage of the
        funnel, against the days since applying; its ``at_risk`` counts the
        applications in that stage on day s).
    ax : Axes, optional
        Where to draw; ``plt.gca()`` when None.
    ci : bool
        Shade the pointwise confidence interval.
    at_risk : bool
        Draw the "still waiting" counts under the axes (the table's
        ``at_risk``, read as in :func:`plot_survival`).
    groups : sequence of str, optional
        Which groups to draw, in this order; all by default.
    colors : sequence of str, optional
        Colours per group; :data:`PALETTE` by default.
    title : str, optional
        Replaces the default title.
    **style
        Passed to :meth:`Axes.plot`.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from hiring_funnel.estimators import still_hope
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 3.0, 5.0],
    ...                    "cause": pd.Categorical(["rejection", "offer", None, "offer"])})
    >>> plot_still_hope(still_hope(ep, cause="offer")).get_title()
    'Chance of an offer by day 5 after s days of silence'
    """
    stage = result.meta.get("stage") if getattr(result, "kind", "") == "still_hope_from" else None
    check_kind(result, "still_hope" if stage is None else "still_hope_from")
    ax = target(ax)
    meta = result.meta
    cause = str(meta.get("cause", "the cause"))
    plural, singular = unit_words(meta)
    table = result.table
    names = pick_groups(table, groups) if not table.empty else []
    # still_hope keeps a horizon per group; still_hope_from one for the whole log.
    given: Any = meta.get("horizon")
    horizon: dict[str, float] = (
        dict(given or {}) if stage is None else dict.fromkeys(names, float(given))
    )
    taus = {float(horizon[n]) for n in names if n in horizon}
    one_tau = len(taus) == 1
    by_day = f"by {singular} {taus.pop():g}" if one_tau else "by the horizon τ"
    phrase = CAUSE_PHRASE.get(cause, repr(cause))
    default_title = plain_text(
        f"Chance of {phrase} {by_day} after s {plural} of silence"
        if stage is None
        else f"Chance of {phrase} {by_day} when still {stage} on {singular} s"
    )
    xlabel = (
        f"{plural.capitalize()} already waited without an answer (s)"
        if stage is None
        else f"{plural.capitalize()} since applying (s), still {stage}"
    )
    title = default_title if title is None else title
    if table.empty:
        return nothing_to_draw(ax, result, title)
    palette = list(colors or PALETTE)
    rows = []
    for i, name in enumerate(names):
        sub = table[table["group"] == name].sort_values("time")
        colour = palette[i % len(palette)]
        s = sub["time"].to_numpy(dtype=float)
        label = name if one_tau else f"{name} (τ = {horizon.get(name, float('nan')):g})"
        ax.plot(
            s,
            sub["estimate"].to_numpy(dtype=float),
            **{
                "color": colour,
                "label": plain_label(label),
                "linewidth": 1.8,
                "marker": "o" if len(s) <= 30 else None,
                "markersize": 4,
                **style,
            },
        )
        if ci:
            ax.fill_between(
                s,
                sub["ci_lower"].to_numpy(dtype=float),
                sub["ci_upper"].to_numpy(dtype=float),
                color=colour,
                alpha=0.18,
                linewidth=0,
            )
        rows.append((name, colour, sub))
    percent_axis(ax, top=None)
    ax.set_ylabel(plain_text(f"Chance of {CAUSE_PHRASE.get(cause, repr(cause))} still coming"))
    tmax = time_max(table, None)
    finish_time_axis(
        ax,
        meta,
        tmax,
        rows if at_risk else None,
        "Still waiting after s" if stage is None else f"Still {stage} on s",
        xlabel=xlabel,
    )
    ax.set_title(title)
    legend(ax, result, len(names) > 1 or not one_tau, loc="best")
    return ax


def plot_outcome_mix(
    result: EstimateResult,
    *,
    ax: Axes | None = None,
    groups: Sequence[str] | None = None,
    annotate: bool = True,
    colors: Sequence[str] | None = None,
    title: str | None = None,
    **style: Any,
) -> Axes:
    """Bars of the share of answers that are the cause, per band of answer days.

    One bar per band (side by side per group), a Wilson interval as an error
    bar, and the number of answers in the band written over each bar: a share
    of 3 answers is not a share of 300. A band with no answers keeps its place
    on the axis and says "n = 0".

    Parameters
    ----------
    result : EstimateResult
        From :func:`hiring_funnel.estimators.outcome_mix`.
    ax : Axes, optional
        Where to draw; ``plt.gca()`` when None.
    groups : sequence of str, optional
        Which groups to draw, in this order; all by default.
    annotate : bool
        Write the number of answers ("n = 25") over each bar.
    colors : sequence of str, optional
        Colours per group; :data:`PALETTE` by default.
    title : str, optional
        Replaces the default title.
    **style
        Passed to :meth:`Axes.bar`.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from hiring_funnel.estimators import outcome_mix
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [0.0, 2.0, 2.0, 9.0],
    ...                    "cause": pd.Categorical(["offer", "rejection", "offer", "rejection"])})
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()  # a fresh figure: gca() may hold an earlier plot
    >>> ax = plot_outcome_mix(outcome_mix(ep, cause="offer", bins=[0, 7, 30]), ax=ax)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['0-6 days', '7-29 days']
    """
    check_kind(result, "outcome_mix")
    ax = target(ax)
    meta = result.meta
    cause = str(meta.get("cause", "the cause"))
    plural, _ = unit_words(meta)
    phrase = CAUSE_PHRASE.get(cause, repr(cause))
    default_title = plain_text(f"Share of answers that are {phrase}, by {plural} until the answer")
    title = default_title if title is None else title
    table = result.table
    if table.empty:
        return nothing_to_draw(ax, result, title)
    labels: dict[float, str] = {float(k): str(v) for k, v in (meta.get("labels") or {}).items()}
    starts = sorted(set(labels) | set(table["time"].astype(float)))
    names = pick_groups(table, groups)
    palette = list(colors or PALETTE)
    width = 0.8 / len(names)
    x = np.arange(len(starts), dtype=float)
    top = 0.0
    for i, name in enumerate(names):
        sub = table[table["group"] == name].set_index("time").reindex(starts)
        pos = x - 0.4 + width * (i + 0.5)
        est = sub["estimate"].to_numpy(dtype=float)
        lower = sub["ci_lower"].to_numpy(dtype=float)
        upper = sub["ci_upper"].to_numpy(dtype=float)
        ax.bar(
            pos,
            np.nan_to_num(est),
            **{
                "width": width * 0.9,
                "color": palette[i % len(palette)],
                "label": plain_label(name),
                **style,
            },
        )
        ax.errorbar(
            pos,
            est,
            yerr=np.clip(np.vstack([est - lower, upper - est]), 0.0, None),  # rounding at 0
            fmt="none",
            ecolor="#333333",
            elinewidth=1,
            capsize=3,
        )
        top = max(top, float(np.nanmax(upper)) if np.isfinite(upper).any() else 0.0)
        if annotate:
            for p, n, hi in zip(pos, sub["events"].to_numpy(dtype=float), upper, strict=True):
                n = 0.0 if np.isnan(n) else n
                ax.annotate(
                    f"n = {count(n)}",
                    (p, 0.0 if np.isnan(hi) else hi),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize="x-small",
                    rotation=90 if len(names) > 2 else 0,
                    gid="n_label",
                )
    ax.set_xticks(x)
    ax.set_xticklabels([plain_label(labels.get(s, f"{s:g}+")) for s in starts])
    if len(starts) > 5:
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
            tick.set_horizontalalignment("right")
    # Room over the highest interval for its "n = ..." label (taller when rotated).
    room = 0.0 if not annotate else (0.25 if len(names) > 2 else 0.1)
    ax.set_ylim(0.0, min(1.0, top / (1.0 - room)) if top > 0 else 1.0)
    percent_axis(ax, top=None)
    ax.set_ylabel(plain_text(f"Share of answers that are {phrase}"))
    ax.set_xlabel(f"{plural.capitalize()} until the answer")
    ax.set_title(title)
    legend(ax, result, len(names) > 1, loc="upper left", outside=True)
    return ax


# -- shared pieces ---------------------------------------------------------------------
