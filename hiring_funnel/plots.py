"""Pictures of the estimators' results: one function per kind of result.

Every function takes an :class:`~hiring_funnel.estimators.EstimateResult`,
draws on ``ax`` (or on ``plt.gca()`` when none is given) with the
object-oriented API and returns the Axes. Nothing here shows a window or writes
a file: that is the report's and the CLI's job (CONVENTIONS.md, item 5).

Group names, cause names and band labels come from the user's data and are
passed through :func:`plain_text`, because matplotlib reads text between two
``$`` as mathematics ("Ba$$in" would lose its dollars, "$5 to $10" would turn
into italics or fail to render).

The number-at-risk table and the legend of a stacked plot are drawn outside the
axes; save with ``bbox_inches="tight"`` or make the figure with
``layout="constrained"`` so they are not cut off (Jupyter's inline backend
already saves tightly).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from hiring_funnel.estimators._result import EstimateResult
from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "PALETTE",
    "plain_text",
    "plot_cumulative_incidence",
    "plot_outcome_mix",
    "plot_still_hope",
    "plot_survival",
]

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every
#: common colour-vision deficiency. Blue and vermillion come first because the
#: usual two causes (offer or positive, rejection) should be the most distinct
#: pair; the yellow, weakest on white, comes last.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
_LINESTYLES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (3, 1, 1, 1, 1, 1)), (0, (8, 3)))
_REMAINDER_COLOUR = "#DDDDDD"
#: Legends that would hide data (many groups, stacked areas) go right of the axes.
_OUTSIDE: dict[str, Any] = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "frameon": False}
_PLOT_FOR = {
    "kaplan_meier": "plot_survival",
    "cumulative_incidence": "plot_cumulative_incidence",
    "still_hope": "plot_still_hope",
    "outcome_mix": "plot_outcome_mix",
}
_UNITS = {"days": ("days", "day"), "business_days": ("business days", "business day")}
_SINCE = {"first_response": "since applying", "interview_feedback": "since the interview"}
_CAUSE_PHRASE = {
    "offer": "an offer",
    "positive": "a positive answer",
    "rejection": "a rejection",
    "screen": "a screen",
    "interview": "an interview invitation",
}


def plain_text(text: object) -> str:
    """Return ``text`` so that matplotlib draws it as it is, never as mathematics.

    Every data-derived string (group, cause, company, band label) goes through
    this before it reaches a legend, tick label, table cell or title.

    Examples
    --------
    >>> plain_text("Ba$$in")
    'Ba\\\\$\\\\$in'
    """
    return str(text).replace("$", r"\$")


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
    >>> ax = plot_survival(kaplan_meier(ep))
    >>> ax.get_ylabel()
    'Still waiting for any answer'
    """
    _check_kind(result, "kaplan_meier")
    ax = _target(ax)
    by = _by_text(result.meta)
    default_title = "Chance of still waiting for any answer" + (f", by {by}" if by else "")
    title = default_title if title is None else title
    table = result.table
    if table.empty:
        return _nothing_to_draw(ax, result, title)
    names = _pick_groups(table, groups)
    palette = list(colors or PALETTE)
    tmax = _time_max(table, max_time)
    rows = []
    for i, name in enumerate(names):
        sub = table[table["group"] == name].sort_values("time")
        colour = palette[i % len(palette)]
        band = 0.18 if ci else None
        _step_curve(ax, sub, 1.0, band, **{"color": colour, "label": plain_text(name), **style})
        rows.append((name, colour, sub))
    _percent_axis(ax, top=1.0)
    ax.set_ylabel("Still waiting for any answer")
    _finish_time_axis(ax, result.meta, tmax, rows if at_risk else None, "Number at risk")
    ax.set_title(title)
    _legend(ax, result, len(names) > 1, loc="upper right")
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
    >>> ax = plot_cumulative_incidence(cumulative_incidence(ep), stacked=True)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['offer', 'rejection', 'still waiting']
    """
    _check_kind(result, "cumulative_incidence")
    ax = _target(ax)
    table = result.table
    by = _by_text(result.meta)
    if stacked:
        default_title = "How applications end"
    else:
        default_title = "Cumulative incidence by cause" + (f", by {by}" if by else "")
    if table.empty:
        return _nothing_to_draw(ax, result, default_title if title is None else title)
    names = _pick_groups(table, groups)
    known = _all_causes(result)
    chosen = list(causes) if causes is not None else known
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise HiringFunnelError(
            f"unknown cause(s) {unknown} for plot_cumulative_incidence",
            hint=f"the result has causes {known}",
        )
    palette = list(colors or PALETTE)
    colour_of = {c: palette[i % len(palette)] for i, c in enumerate(chosen)}
    tmax = _time_max(table, max_time)
    if stacked:
        if len(names) != 1:
            raise HiringFunnelError(
                f"stacked=True draws one group, and this result has {len(names)}",
                hint=f"pass groups=[name] with one of {names}",
            )
        sub = table[table["group"] == names[0]]
        _stacked_areas(ax, sub, chosen, colour_of, complete=set(chosen) == set(known), **style)
        if by:
            default_title += f": {by} {plain_text(names[0])}"
        ax.legend(fontsize="small", **_OUTSIDE)
        rows = [(names[0], "black", sub)]
    else:
        rows = []
        for gi, name in enumerate(names):
            sub = table[table["group"] == name]
            dash = _LINESTYLES[gi % len(_LINESTYLES)]
            for cause in chosen:
                one = sub[sub["cause"] == cause].sort_values("time")
                if one.empty:
                    continue
                band = (0.15 if len(names) == 1 else 0.08) if ci else None
                label = plain_text(cause if len(names) == 1 else f"{cause}, {name}")
                look = {"color": colour_of[cause], "linestyle": dash, "label": label, **style}
                _step_curve(ax, one, 0.0, band, **look)
            rows.append((name, "black", sub))
        _cause_group_legend(ax, result, chosen, colour_of, names)
    _percent_axis(ax, top=1.0 if stacked else None)
    ax.set_ylabel("Answered, by cause" if not stacked else "Share of applications")
    _finish_time_axis(ax, result.meta, tmax, rows if at_risk else None, "Number at risk")
    ax.set_title(default_title if title is None else title)
    return ax


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
        From :func:`hiring_funnel.estimators.still_hope`.
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
    >>> plot_still_hope(still_hope(ep, "offer")).get_title()
    'Chance of an offer by day 5 after s days of silence'
    """
    _check_kind(result, "still_hope")
    ax = _target(ax)
    meta = result.meta
    cause = str(meta.get("cause", "the cause"))
    plural, singular = _unit_words(meta)
    horizon: dict[str, float] = dict(meta.get("horizon") or {})
    table = result.table
    names = _pick_groups(table, groups) if not table.empty else []
    taus = {float(horizon[n]) for n in names if n in horizon}
    one_tau = len(taus) == 1
    by_day = f"by {singular} {taus.pop():g}" if one_tau else "by the horizon τ"
    default_title = plain_text(
        f"Chance of {_CAUSE_PHRASE.get(cause, repr(cause))} {by_day} after s {plural} of silence"
    )
    title = default_title if title is None else title
    if table.empty:
        return _nothing_to_draw(ax, result, title)
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
                "label": plain_text(label),
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
    _percent_axis(ax, top=None)
    ax.set_ylabel(plain_text(f"Chance of {_CAUSE_PHRASE.get(cause, repr(cause))} still coming"))
    tmax = _time_max(table, None)
    _finish_time_axis(
        ax,
        meta,
        tmax,
        rows if at_risk else None,
        "Still waiting after s",
        xlabel=f"{plural.capitalize()} already waited without an answer (s)",
    )
    ax.set_title(title)
    _legend(ax, result, len(names) > 1 or not one_tau, loc="best")
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
    >>> ax = plot_outcome_mix(outcome_mix(ep, "offer", bins=[0, 7, 30]))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['0-6 days', '7-29 days']
    """
    _check_kind(result, "outcome_mix")
    ax = _target(ax)
    meta = result.meta
    cause = str(meta.get("cause", "the cause"))
    plural, _ = _unit_words(meta)
    phrase = _CAUSE_PHRASE.get(cause, repr(cause))
    default_title = plain_text(f"Share of answers that are {phrase}, by {plural} until the answer")
    title = default_title if title is None else title
    table = result.table
    if table.empty:
        return _nothing_to_draw(ax, result, title)
    labels: dict[float, str] = {float(k): str(v) for k, v in (meta.get("labels") or {}).items()}
    starts = sorted(set(labels) | set(table["time"].astype(float)))
    names = _pick_groups(table, groups)
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
                "label": plain_text(name),
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
                    f"n = {_count(n)}",
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
    ax.set_xticklabels([plain_text(labels.get(s, f"{s:g}+")) for s in starts])
    if len(starts) > 5:
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
            tick.set_horizontalalignment("right")
    # Room over the highest interval for its "n = ..." label (taller when rotated).
    room = 0.0 if not annotate else (0.25 if len(names) > 2 else 0.1)
    ax.set_ylim(0.0, min(1.0, top / (1.0 - room)) if top > 0 else 1.0)
    _percent_axis(ax, top=None)
    ax.set_ylabel(plain_text(f"Share of answers that are {phrase}"))
    ax.set_xlabel(f"{plural.capitalize()} until the answer")
    ax.set_title(title)
    _legend(ax, result, len(names) > 1, loc="upper left", outside=True)
    return ax


# -- shared pieces ---------------------------------------------------------------------


def _target(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only here: importing the package must not pick a backend

    return plt.gca()


def _check_kind(result: object, kind: str) -> None:
    name = _PLOT_FOR[kind]
    if not isinstance(result, EstimateResult):
        raise HiringFunnelError(
            f"{name} draws an EstimateResult, not a {type(result).__name__}",
            hint=f"make one with hiring_funnel.estimators.{kind}",
        )
    if result.kind != kind:
        other = _PLOT_FOR.get(result.kind)
        raise HiringFunnelError(
            f"{name} draws a {kind} result, not a {result.kind} result",
            hint=f"use {other} for it" if other else f"make one with {kind}",
        )


def _nothing_to_draw(ax: Axes, result: EstimateResult, title: str) -> Axes:
    reasons = [f"{k}: {v}" for k, v in result.not_estimable.items()]
    if len(reasons) > 6:
        reasons = [*reasons[:6], f"... and {len(reasons) - 6} more"]
    note = "\n".join(["Nothing to draw: no curve is estimable.", *reasons])
    ax.text(
        0.5,
        0.5,
        plain_text(note),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize="small",
        gid="empty_note",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return ax


def _pick_groups(table: pd.DataFrame, groups: Sequence[str] | None) -> list[str]:
    present = [str(g) for g in pd.unique(table["group"])]
    if groups is None:
        return present
    chosen = [str(g) for g in groups]
    missing = [g for g in chosen if g not in present]
    if missing or not chosen:
        raise HiringFunnelError(
            f"no group(s) {missing} in this result" if missing else "groups= is empty",
            hint=f"the result has groups {present}",
        )
    return chosen


def _all_causes(result: EstimateResult) -> list[str]:
    """Causes in the estimator's order, including any left out as not estimable."""
    seen: list[str] = []
    for per_group in (result.meta.get("events") or {}).values():
        seen += [c for c in per_group if c not in seen]
    seen += [str(c) for c in pd.unique(result.table["cause"]) if c not in seen]
    return seen


def _by_text(meta: dict[str, Any]) -> str:
    return plain_text(" / ".join(str(b) for b in meta.get("by") or []))


def _unit_words(meta: dict[str, Any]) -> tuple[str, str]:
    unit = meta.get("unit")
    if unit is None:
        return "days", "day"  # the clocks' default unit
    return _UNITS.get(str(unit), (plain_text(unit), plain_text(unit)))


def _time_label(meta: dict[str, Any]) -> str:
    plural, _ = _unit_words(meta)
    clock = meta.get("clock")
    if clock in _SINCE:
        return f"{plural.capitalize()} {_SINCE[clock]}"
    # The decision clock may start at applying or at the first interview, and
    # the result does not say which.
    return f"{plural.capitalize()} waited" + (f" ({plain_text(clock)} clock)" if clock else "")


def _time_max(table: pd.DataFrame, max_time: float | None) -> float:
    if max_time is not None:
        if not max_time > 0:
            raise HiringFunnelError(f"max_time must be positive, not {max_time!r}")
        return float(max_time)
    return max(float(table["time"].max()), 1.0)


def _percent_axis(ax: Axes, top: float | None) -> None:
    # Round steps (5%, 10%, 20%), never matplotlib's 2.5 (12.5%, 17.5%).
    ax.yaxis.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(_percent))
    if top is not None:
        ax.set_ylim(0.0, top)
    else:
        ax.set_ylim(bottom=0.0)
    ax.grid(True, axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)


def _percent(y: float, _pos: int | None = None) -> str:
    # "20%", not PercentFormatter's "20.0%" on axes under 50%; a decimal only where needed.
    v = round(100 * y, 6)
    decimals = next((d for d in (0, 1, 2) if round(v, d) == v), 3)
    return f"{v:.{decimals}f}%"


def _count(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


def _at_risk_at(sub: pd.DataFrame, ticks: np.ndarray) -> np.ndarray:
    """Number at risk at day t: ``at_risk`` of the first row at or after t; 0 after the last."""
    per_time = sub.drop_duplicates("time").sort_values("time")
    times = per_time["time"].to_numpy(dtype=float)
    counts = np.append(per_time["at_risk"].to_numpy(dtype=float), 0.0)
    return counts[np.searchsorted(times, ticks, side="left")]


def _finish_time_axis(
    ax: Axes,
    meta: dict[str, Any],
    tmax: float,
    rows: list[tuple[str, str, pd.DataFrame]] | None,
    heading: str,
    xlabel: str | None = None,
) -> None:
    """Pin the x range and ticks, label the axis, and draw the at-risk table under it.

    The ticks are fixed (not left to the locator) so that the table's columns
    stay under them, and there are only as many as the widest count fits
    side by side in the axes' width.
    """
    size = _tick_font_points()
    widest = max([len(f"{tmax:g}")] + [len(_count(sub["at_risk"].max())) for *_, sub in rows or []])
    width = ax.bbox.width / ax.figure.dpi * 72
    nbins = int(np.clip(width // (0.65 * size * widest + 12.0), 2, 7))
    locator = MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], integer=True)
    ticks = np.asarray(locator.tick_values(0.0, tmax), dtype=float)
    ticks = ticks[(ticks >= 0) & (ticks <= tmax + 1e-9)]
    ax.set_xlim(0.0, tmax)
    ax.set_xticks(ticks)
    ax.set_xlabel(xlabel or _time_label(meta))
    if rows:
        _at_risk_table(ax, rows, ticks, heading)


def _tick_font_points() -> float:
    return float(FontProperties(size=mpl.rcParams["xtick.labelsize"]).get_size_in_points())


def _at_risk_table(
    ax: Axes, rows: list[tuple[str, str, pd.DataFrame]], ticks: np.ndarray, heading: str
) -> None:
    rc = mpl.rcParams
    size = _tick_font_points()
    line = 1.5 * size
    # Below the tick labels and the x label: their heights follow from rcParams.
    top = (
        rc["xtick.major.size"]
        + rc["xtick.major.pad"]
        + 1.4 * size
        + ax.xaxis.labelpad
        + 1.4 * float(ax.xaxis.label.get_fontsize())
        + 0.6 * size
    )
    counts = [_at_risk_at(sub, ticks) for _, _, sub in rows]
    cells = [[_count(n) for n in row] for row in counts]
    # The count under tick 0 is centred on the axis edge; the row labels end
    # left of its half width.
    widest = max((len(c[0]) for c in cells if c), default=1)
    label_gap = 0.3 * size * widest + 6.0
    dpi = ax.figure.dpi_scale_trans
    blend = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    ax.text(
        0.0,
        0.0,
        heading,
        transform=ax.transAxes + transforms.ScaledTranslation(-label_gap / 72, -top / 72, dpi),
        ha="right",
        va="top",
        fontsize=size,
        fontweight="bold",
        gid="at_risk_heading",
    )
    for i, ((name, colour, _), row) in enumerate(zip(rows, cells, strict=True)):
        drop = -(top + (i + 1) * line) / 72
        ax.text(
            0.0,
            0.0,
            plain_text(name),
            transform=ax.transAxes + transforms.ScaledTranslation(-label_gap / 72, drop, dpi),
            ha="right",
            va="top",
            color=colour,
            fontsize=size,
            gid="at_risk_label",
        )
        for t, cell in zip(ticks, row, strict=True):
            ax.text(
                float(t),
                0.0,
                cell,
                transform=blend + transforms.ScaledTranslation(0.0, drop, dpi),
                ha="center",
                va="top",
                fontsize=size,
                gid="at_risk",
            )


def _legend(
    ax: Axes, result: EstimateResult, show: bool, loc: str, *, outside: bool = False
) -> None:
    extra = _not_estimable_handles(result)
    # Once a group is missing, the ones drawn need their names even if one is left.
    show = show or bool(extra and result.meta.get("by"))
    if not show and not extra:
        return
    handles, labels = ax.get_legend_handles_labels()
    if not show:
        handles, labels = [], []
    handles += [h for h, _ in extra]
    labels += [lab for _, lab in extra]
    where = _OUTSIDE if outside else {"loc": loc}
    ax.legend(handles, labels, title=_by_text(result.meta) or None, fontsize="small", **where)


def _not_estimable_handles(result: EstimateResult) -> list[tuple[Any, str]]:
    invisible = Line2D([], [], linestyle="none")
    return [(invisible, plain_text(f"not estimable: {key}")) for key in result.not_estimable][:4]


def _cause_group_legend(
    ax: Axes,
    result: EstimateResult,
    causes: list[str],
    colour_of: dict[str, str],
    names: list[str],
) -> None:
    if len(names) == 1:
        _legend(ax, result, True, loc="best")
        return
    # Colour = cause, line style = group: one entry per cause and per group
    # instead of one per (cause, group) pair.
    handles: list[Any] = [Line2D([], [], color=colour_of[c], linewidth=2) for c in causes]
    labels = [plain_text(c) for c in causes]
    handles += [
        Line2D([], [], color="#555555", linestyle=_LINESTYLES[i % len(_LINESTYLES)])
        for i in range(len(names))
    ]
    labels += [plain_text(n) for n in names]
    for h, lab in _not_estimable_handles(result):
        handles.append(h)
        labels.append(lab)
    by = _by_text(result.meta)
    ax.legend(
        handles,
        labels,
        fontsize="small",
        title=f"cause (colour),\n{by} (line)" if by else None,
        title_fontsize="small",
        **_OUTSIDE,
    )


def _step_curve(
    ax: Axes, sub: pd.DataFrame, start: float, band: float | None, **style: Any
) -> None:
    """A step curve from (0, start) through the table's rows, with its interval in steps."""
    t = np.r_[0.0, sub["time"].to_numpy(dtype=float)]
    y = np.r_[start, sub["estimate"].to_numpy(dtype=float)]
    ax.step(t, y, where="post", **{"linewidth": 1.8, **style})
    if band is not None:
        ax.fill_between(
            t,
            np.r_[start, sub["ci_lower"].to_numpy(dtype=float)],
            np.r_[start, sub["ci_upper"].to_numpy(dtype=float)],
            step="post",
            color=style.get("color"),
            alpha=band,
            linewidth=0,
        )


def _stacked_areas(
    ax: Axes,
    sub: pd.DataFrame,
    causes: list[str],
    colour_of: dict[str, str],
    complete: bool,
    **style: Any,
) -> None:
    wide = (
        sub.pivot_table(index="time", columns="cause", values="estimate", aggfunc="first")
        .reindex(columns=causes)
        .sort_index()
        .ffill()
        .fillna(0.0)  # a cause with no answers in this group: incidence 0
    )
    t = np.r_[0.0, wide.index.to_numpy(dtype=float)]
    base = np.zeros(len(t))
    for cause in causes:
        layer = np.r_[0.0, wide[cause].to_numpy(dtype=float)]
        ax.fill_between(
            t,
            base,
            base + layer,
            step="post",
            **{
                "color": colour_of[cause],
                "alpha": 0.85,
                "linewidth": 0,
                "label": plain_text(cause),
                **style,
            },
        )
        base = base + layer
    ax.fill_between(
        t,
        base,
        np.ones(len(t)),
        step="post",
        color=_REMAINDER_COLOUR,
        linewidth=0,
        label="still waiting" if complete else "still waiting, or another cause",
    )
