"""Shared pieces of the plots: palette, plain text, axes, legends, the number-at-risk table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from hiring_funnel.results import EstimateResult, kind_of
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.text import LABEL_WIDTH, clean_label, short_label

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
LINESTYLES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (3, 1, 1, 1, 1, 1)), (0, (8, 3)))
_REMAINDER_COLOUR = "#DDDDDD"
#: Legends that would hide data (many groups, stacked areas) go right of the axes.
OUTSIDE: dict[str, Any] = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "frameon": False}
_UNITS = {"days": ("days", "day"), "business_days": ("business days", "business day")}
_SINCE = {"first_response": "since applying", "interview_feedback": "since the interview"}
CAUSE_PHRASE = {
    "offer": "an offer",
    "positive": "a positive answer",
    "rejection": "a rejection",
    "screen": "a screen",
    "interview": "an interview invitation",
}


def plain_text(text: object, width: int | None = None) -> str:
    """Return ``text`` so that matplotlib draws it as it is, never as mathematics.

    Every data-derived string (group, cause, company, band label) goes through
    this before it reaches a legend, tick label, table cell or title. Control
    and invisible characters are removed line by line
    (:func:`hiring_funnel.text.clean_label`: an escape character makes the SVG
    invalid XML), and with ``width`` each line is shortened to that many
    characters (:func:`hiring_funnel.text.short_label`).

    Examples
    --------
    >>> plain_text("Ba$$in")
    'Ba\\\\$\\\\$in'
    >>> plain_text("\\x1b[31mred", width=3)
    '[3…'
    """
    lines = str(text).split("\n")
    cleaned = [clean_label(line) if width is None else short_label(line, width) for line in lines]
    return "\n".join(cleaned).replace("$", r"\$")


def plain_label(text: object) -> str:
    """:func:`plain_text` for a label from the data (legend, tick, at-risk row): shortened too."""
    return plain_text(text, LABEL_WIDTH)


def target(ax: Axes | None) -> Axes:
    """The Axes to draw on: ``ax``, or the current Axes of pyplot when it is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only here: importing the package must not pick a backend

    return plt.gca()


def check_kind(result: object, kind: str) -> None:
    """Raise unless ``result`` is an :class:`~hiring_funnel.results.EstimateResult` of ``kind``."""
    mine, theirs = kind_of(kind), kind_of(getattr(result, "kind", ""))
    name = mine.plot_name if mine else kind
    if not isinstance(result, EstimateResult):
        raise HiringFunnelError(
            f"{name} draws an EstimateResult, not a {type(result).__name__}",
            hint=f"make one with hiring_funnel.estimators.{kind}",
        )
    if result.kind != kind:
        other = theirs.plot_name if theirs else None
        raise HiringFunnelError(
            f"{name} draws a {kind} result, not a {result.kind} result",
            hint=f"use {other} for it" if other else f"make one with {kind}",
        )


def nothing_to_draw(ax: Axes, result: EstimateResult, title: str) -> Axes:
    """Say on ``ax`` why no curve is estimable, and return it."""
    reasons = [f"{k}: {v}" for k, v in result.not_estimable.items()]
    if len(reasons) > 6:
        reasons = [*reasons[:6], f"... and {len(reasons) - 6} more"]
    note = "\n".join(["Nothing to draw: no curve is estimable.", *reasons])
    ax.text(
        0.5,
        0.5,
        plain_text(note, 80),
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


def pick_groups(table: pd.DataFrame, groups: Sequence[str] | None) -> list[str]:
    """The groups of ``table`` to draw: all of them, or those asked for (which must exist)."""
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


def all_causes(result: EstimateResult) -> list[str]:
    """Causes in the estimator's order, including any left out as not estimable."""
    seen: list[str] = []
    for per_group in (result.meta.get("events") or {}).values():
        seen += [c for c in per_group if c not in seen]
    seen += [str(c) for c in pd.unique(result.table["cause"]) if c not in seen]
    return seen


def by_text(meta: dict[str, Any]) -> str:
    """The breakdown columns of a result, joined for a title."""
    return " / ".join(plain_label(b) for b in meta.get("by") or [])


def unit_words(meta: dict[str, Any]) -> tuple[str, str]:
    """The plural and singular words of the result's time unit."""
    unit = meta.get("unit")
    if unit is None:
        return "days", "day"  # the clocks' default unit
    return _UNITS.get(str(unit), (plain_text(unit), plain_text(unit)))


def _time_label(meta: dict[str, Any]) -> str:
    plural, _ = unit_words(meta)
    clock = meta.get("clock")
    if clock in _SINCE:
        return f"{plural.capitalize()} {_SINCE[clock]}"
    # The decision clock may start at applying or at the first interview, and
    # the result does not say which.
    return f"{plural.capitalize()} waited" + (f" ({plain_text(clock)} clock)" if clock else "")


def time_max(table: pd.DataFrame, max_time: float | None) -> float:
    """The end of the time axis: ``max_time``, or the last time of the table (at least 1)."""
    if max_time is not None:
        if not max_time > 0:
            raise HiringFunnelError(f"max_time must be positive, not {max_time!r}")
        return float(max_time)
    return max(float(table["time"].max()), 1.0)


def percent_axis(ax: Axes, top: float | None) -> None:
    # Round steps (5%, 10%, 20%), never matplotlib's 2.5 (12.5%, 17.5%).
    """Show the y axis in percent, from 0 to ``top`` (or matplotlib's top)."""
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


def count(n: float) -> str:
    """A count as text: thousands separated, one decimal if it is not whole."""
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


def _at_risk_at(sub: pd.DataFrame, ticks: np.ndarray) -> np.ndarray:
    """Number at risk at day t: ``at_risk`` of the first row at or after t; 0 after the last."""
    per_time = sub.drop_duplicates("time").sort_values("time")
    times = per_time["time"].to_numpy(dtype=float)
    counts = np.append(per_time["at_risk"].to_numpy(dtype=float), 0.0)
    return counts[np.searchsorted(times, ticks, side="left")]


def finish_time_axis(
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
    widest = max([len(f"{tmax:g}")] + [len(count(sub["at_risk"].max())) for *_, sub in rows or []])
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
    cells = [[count(n) for n in row] for row in counts]
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
            plain_label(name),
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


def legend(
    ax: Axes, result: EstimateResult, show: bool, loc: str, *, outside: bool = False
) -> None:
    """Draw the legend of a result, with the groups that are not estimable."""
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
    where = OUTSIDE if outside else {"loc": loc}
    ax.legend(handles, labels, title=by_text(result.meta) or None, fontsize="small", **where)


def _not_estimable_handles(result: EstimateResult) -> list[tuple[Any, str]]:
    invisible = Line2D([], [], linestyle="none")
    return [(invisible, plain_label(f"not estimable: {key}")) for key in result.not_estimable][:4]


def cause_group_legend(
    ax: Axes,
    result: EstimateResult,
    causes: list[str],
    colour_of: dict[str, str],
    names: list[str],
) -> None:
    """The legend of a plot whose colours are causes and line styles groups."""
    if len(names) == 1:
        legend(ax, result, True, loc="best")
        return
    # Colour = cause, line style = group: one entry per cause and per group
    # instead of one per (cause, group) pair.
    handles: list[Any] = [Line2D([], [], color=colour_of[c], linewidth=2) for c in causes]
    labels = [plain_label(c) for c in causes]
    handles += [
        Line2D([], [], color="#555555", linestyle=LINESTYLES[i % len(LINESTYLES)])
        for i in range(len(names))
    ]
    labels += [plain_label(n) for n in names]
    for h, lab in _not_estimable_handles(result):
        handles.append(h)
        labels.append(lab)
    by = by_text(result.meta)
    ax.legend(
        handles,
        labels,
        fontsize="small",
        title=f"cause (colour),\n{by} (line)" if by else None,
        title_fontsize="small",
        **OUTSIDE,
    )


def step_curve(ax: Axes, sub: pd.DataFrame, start: float, band: float | None, **style: Any) -> None:
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


def fill_layers(
    ax: Axes,
    t: np.ndarray,
    layers: list[tuple[str, np.ndarray]],
    colour_of: Mapping[str, str],
    alpha: float,
    **style: Any,
) -> np.ndarray:
    """Stack ``layers`` (name, height at each of ``t``) bottom up as step areas; the top."""
    base = np.zeros(len(t))
    for name, layer in layers:
        ax.fill_between(
            t,
            base,
            base + layer,
            step="post",
            **{
                "color": colour_of[name],
                "alpha": alpha,
                "linewidth": 0,
                "label": plain_label(name),
                **style,
            },
        )
        base = base + layer
    return base


def stacked_areas(
    ax: Axes,
    sub: pd.DataFrame,
    causes: list[str],
    colour_of: dict[str, str],
    complete: bool,
    **style: Any,
) -> None:
    """Draw one group's cumulative incidences as stacked areas, one per cause."""
    wide = (
        sub.pivot_table(index="time", columns="cause", values="estimate", aggfunc="first")
        .reindex(columns=causes)
        .sort_index()
        .ffill()
        .fillna(0.0)  # a cause with no answers in this group: incidence 0
    )
    t = np.r_[0.0, wide.index.to_numpy(dtype=float)]
    layers = [(cause, np.r_[0.0, wide[cause].to_numpy(dtype=float)]) for cause in causes]
    base = fill_layers(ax, t, layers, colour_of, 0.85, **style)
    ax.fill_between(
        t,
        base,
        np.ones(len(t)),
        step="post",
        color=_REMAINDER_COLOUR,
        linewidth=0,
        label="still waiting" if complete else "still waiting, or another cause",
    )
