"""Curves over days waited: Kaplan-Meier and cumulative incidence (with the number at risk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes

from hiring_funnel.plots.common import (
    LINESTYLES,
    OUTSIDE,
    PALETTE,
    all_causes,
    by_text,
    cause_group_legend,
    check_kind,
    finish_time_axis,
    legend,
    nothing_to_draw,
    percent_axis,
    pick_groups,
    plain_label,
    stacked_areas,
    step_curve,
    target,
    time_max,
)
from hiring_funnel.results import EstimateResult
from hiring_funnel.schema import HiringFunnelError


def plot_survival(
    result: EstimateResult,
    *,
    ax: Axes | None = None,
    ci: bool = True,
    at_risk: bool = True,
    groups: Sequence[str] | None = None,
    max_time: float | None = None,
    colors: Sequence[str] | None = None,
    title: str | None = None,
    **style: Any,
) -> Axes:
    """Kaplan-Meier step curves: the chance of still waiting for any answer.

    One curve per group, starting at 100% on day 0, with the pointwise
    interval shaded in steps (``where="post"``, as the estimate itself), and
    under the plot the number still at risk at the tick days.

    Parameters
    ----------
    result : EstimateResult
        From :func:`hiring_funnel.estimators.kaplan_meier`.
    ax : Axes, optional
        Where to draw; ``plt.gca()`` when None.
    ci : bool
        Shade the pointwise confidence interval.
    at_risk : bool
        Draw the number-at-risk table under the axes: one row per group, one
        column per x tick; the count at day t is the at-risk number of the first
        table row at or after t (0 after the last row).
    groups : sequence of str, optional
        Which groups to draw, in this order; all by default.
    max_time : float, optional
        Right end of the time axis; the last day seen by default.
    colors : sequence of str, optional
        Colours per group; :data:`PALETTE` by default.
    title : str, optional
        Replaces the default title.
    **style
        Passed to :meth:`Axes.step` for every curve (``linewidth``, ...).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from hiring_funnel.estimators import kaplan_meier
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 2.0, 4.0],
    ...                    "cause": pd.Categorical(["rejection", None, "offer", None])})
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()  # a fresh figure: gca() may hold an earlier plot
    >>> ax = plot_survival(kaplan_meier(ep), ax=ax)
    >>> ax.get_ylabel()
    'Still waiting for any answer'
    """
    check_kind(result, "kaplan_meier")
    ax = target(ax)
    by = by_text(result.meta)
    default_title = "Chance of still waiting for any answer" + (f", by {by}" if by else "")
    title = default_title if title is None else title
    table = result.table
    if table.empty:
        return nothing_to_draw(ax, result, title)
    names = pick_groups(table, groups)
    palette = list(colors or PALETTE)
    tmax = time_max(table, max_time)
    rows = []
    for i, name in enumerate(names):
        sub = table[table["group"] == name].sort_values("time")
        colour = palette[i % len(palette)]
        band = 0.18 if ci else None
        step_curve(ax, sub, 1.0, band, **{"color": colour, "label": plain_label(name), **style})
        rows.append((name, colour, sub))
    percent_axis(ax, top=1.0)
    ax.set_ylabel("Still waiting for any answer")
    finish_time_axis(ax, result.meta, tmax, rows if at_risk else None, "Number at risk")
    ax.set_title(title)
    legend(ax, result, len(names) > 1, loc="upper right")
    return ax


def plot_cumulative_incidence(
    result: EstimateResult,
    *,
    ax: Axes | None = None,
    stacked: bool = False,
    causes: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    ci: bool = True,
    at_risk: bool = True,
    max_time: float | None = None,
    colors: Sequence[str] | None = None,
    title: str | None = None,
    **style: Any,
) -> Axes:
    """Cumulative incidence per cause: the chance the answer has come, and was this one.

    Colour means cause and line style means group, on one set of axes. Small
    multiples would need a grid of axes, which a function that draws on one
    ``ax`` cannot own, and they put groups on separate scales the eye has to
    compare across panels; here the question "do big companies reject sooner?"
    is one glance at two lines of one colour. For more than three or four
    groups, draw small multiples yourself: one call per axes with
    ``groups=[name]``.

    ``stacked=True`` draws one group as stacked areas: the first cause at the
    bottom, the next on top of it, and the rest up to 100% is "still waiting"
    (1 - S(t), since the incidences sum to one minus the Kaplan-Meier). It
    answers "how do applications end?" at every day. Intervals are not drawn on
    stacked areas: a band on a stacked edge would mix the uncertainty of all
    the layers below it.

    Parameters
    ----------
    result : EstimateResult
        From :func:`hiring_funnel.estimators.cumulative_incidence`.
    ax : Axes, optional
        Where to draw; ``plt.gca()`` when None.
    stacked : bool
        Stacked areas for one group (pass ``groups=[name]`` when the result
        has several).
    causes : sequence of str, optional
        Which causes to draw, in this order (bottom to top when stacked).
    groups : sequence of str, optional
        Which groups to draw, in this order; all by default.
    ci : bool
        Shade the pointwise confidence interval (lines only).
    at_risk : bool
        Draw the number-at-risk table under the axes, as in :func:`plot_survival`.
    max_time : float, optional
        Right end of the time axis; the last day seen by default.
    colors : sequence of str, optional
        Colours per cause; :data:`PALETTE` by default.
    title : str, optional
        Replaces the default title.
    **style
        Passed to :meth:`Axes.step` (lines) or :meth:`Axes.fill_between` (stacked).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from hiring_funnel.estimators import cumulative_incidence
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 2.0, 4.0],
    ...                    "cause": pd.Categorical(["rejection", None, "offer", None])})
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()  # a fresh figure: gca() may hold an earlier plot
    >>> ax = plot_cumulative_incidence(cumulative_incidence(ep), stacked=True, ax=ax)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['offer', 'rejection', 'still waiting']
    """
    check_kind(result, "cumulative_incidence")
    ax = target(ax)
    table = result.table
    by = by_text(result.meta)
    if stacked:
        default_title = "How applications end"
    else:
        default_title = "Cumulative incidence by cause" + (f", by {by}" if by else "")
    if table.empty:
        return nothing_to_draw(ax, result, default_title if title is None else title)
    names = pick_groups(table, groups)
    known = all_causes(result)
    chosen = list(causes) if causes is not None else known
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise HiringFunnelError(
            f"unknown cause(s) {unknown} for plot_cumulative_incidence",
            hint=f"the result has causes {known}",
        )
    palette = list(colors or PALETTE)
    colour_of = {c: palette[i % len(palette)] for i, c in enumerate(chosen)}
    tmax = time_max(table, max_time)
    if stacked:
        if len(names) != 1:
            raise HiringFunnelError(
                f"stacked=True draws one group, and this result has {len(names)}",
                hint=f"pass groups=[name] with one of {names}",
            )
        sub = table[table["group"] == names[0]]
        stacked_areas(ax, sub, chosen, colour_of, complete=set(chosen) == set(known), **style)
        if by:
            default_title += f": {by} {plain_label(names[0])}"
        ax.legend(fontsize="small", **OUTSIDE)
        rows = [(names[0], "black", sub)]
    else:
        rows = []
        for gi, name in enumerate(names):
            sub = table[table["group"] == name]
            dash = LINESTYLES[gi % len(LINESTYLES)]
            for cause in chosen:
                one = sub[sub["cause"] == cause].sort_values("time")
                if one.empty:
                    continue
                band = (0.15 if len(names) == 1 else 0.08) if ci else None
                label = (
                    plain_label(cause)
                    if len(names) == 1
                    else f"{plain_label(cause)}, {plain_label(name)}"
                )
                look = {"color": colour_of[cause], "linestyle": dash, "label": label, **style}
                step_curve(ax, one, 0.0, band, **look)
            rows.append((name, "black", sub))
        cause_group_legend(ax, result, chosen, colour_of, names)
    percent_axis(ax, top=1.0 if stacked else None)
    ax.set_ylabel("Answered, by cause" if not stacked else "Share of applications")
    finish_time_axis(ax, result.meta, tmax, rows if at_risk else None, "Number at risk")
    ax.set_title(default_title if title is None else title)
    return ax
