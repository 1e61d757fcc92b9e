"""The report's figures: matplotlib drawings made into inline SVG images.

Each figure is drawn with the package's plot functions on a fresh
:class:`~matplotlib.figure.Figure` (no pyplot, so no window and no global
state) and saved as SVG with text kept as text (``svg.fonttype = "none"``):
labels stay searchable and selectable in the HTML and the PDF, matplotlib's
SVG writer escapes them as XML, and the plot functions have already passed
every label from the data through :func:`hiring_funnel.plots.plain_text`, so a
label such as ``Ba$$in`` is drawn as it is, never as mathematics.

The SVG goes into the page as a ``data:`` URL of an ``<img>``: nothing is
fetched from anywhere, and an image cannot run scripts or clash with the ids
of another figure.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hiring_funnel.estimators import EstimateResult

#: Width of a full-width figure in inches (A4 text width is about 6.7 inches).
WIDTH = 7.0

_RC: Any = {  # matplotlib types rc keys as literals; these are checked at run time
    "svg.fonttype": "none",  # text as <text>, not as glyph outlines
    "svg.hashsalt": "hiring_funnel",  # the same data give the same SVG, byte for byte
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8.0,
}


@contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(_RC):
        yield


def svg_data_url(draw: Callable[[Axes], object], *, height: float = 3.4) -> str:
    """Draw on one Axes of a new figure and return the figure as a ``data:image/svg+xml`` URL.

    Examples
    --------
    >>> url = svg_data_url(lambda ax: ax.plot([0, 1], [1, 0]))
    >>> url.startswith("data:image/svg+xml;base64,")
    True
    """
    with _style():
        fig = Figure(figsize=(WIDTH, height))
        ax = fig.add_subplot()
        draw(ax)
        return _url(fig)


def svg_panels_url(
    draws: Sequence[Callable[[Axes], object]], *, height: float = 3.4, width: float = WIDTH
) -> str:
    """Panels side by side sharing the vertical axis (tick labels on the first only), as a URL.

    ``width`` is the width of the panels; labels drawn left of the first one
    widen the picture (``bbox_inches="tight"``), so pass less than
    :data:`WIDTH` when they are long.

    Examples
    --------
    >>> url = svg_panels_url([lambda ax: ax.plot([0, 1]), lambda ax: ax.plot([1, 0])])
    >>> url.startswith("data:image/svg+xml;base64,")
    True
    """
    with _style():
        fig = Figure(figsize=(width, height))
        axes = fig.subplots(
            1, len(draws), sharey=True, squeeze=False, gridspec_kw={"wspace": 0.15}
        )[0]
        for ax, draw in zip(axes, draws, strict=True):
            draw(ax)
        for ax in axes[1:]:
            ax.tick_params(axis="y", labelleft=False)
        return _url(fig)


def _url(fig: Figure) -> str:
    buffer = io.BytesIO()
    # bbox_inches="tight" keeps the number-at-risk rows and outside legends in the picture.
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def svg_text(url: str) -> str:
    """The SVG source behind a URL made by :func:`svg_data_url` (for tests and debugging)."""
    return base64.b64decode(url.split(",", 1)[1]).decode("utf-8")


def draw_chances(
    ax: Axes,
    rows: list[tuple[str, float, float, float]],
    *,
    title: str,
    xlabel: str,
) -> Axes:
    """Dots with 95% whiskers, one row per segment (largest on top): a chance per segment.

    ``rows`` holds (label, estimate, lower, upper) with shares in [0, 1]; the
    labels come from the data and are drawn as plain text.
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from hiring_funnel.plots import PALETTE, plain_label, plain_text

    y = list(range(len(rows)))[::-1]
    est = [r[1] for r in rows]
    lower = [r[1] - r[2] if r[2] == r[2] else 0.0 for r in rows]  # NaN != NaN
    upper = [r[3] - r[1] if r[3] == r[3] else 0.0 for r in rows]
    ax.errorbar(
        est,
        y,
        xerr=[lower, upper],
        fmt="o",
        color=PALETTE[0],
        ecolor="#555555",
        elinewidth=1.2,
        capsize=3,
        markersize=6,
    )
    ax.set_yticks(y)
    ax.set_yticklabels([plain_label(r[0]) for r in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    top = max([r[3] for r in rows if r[3] == r[3]] + est + [0.01])
    ax.set_xlim(0.0, min(1.0, top * 1.1))
    ax.xaxis.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:.3g}%"))
    ax.grid(True, axis="x", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_title(plain_text(title))
    ax.set_xlabel(plain_text(xlabel))
    return ax


def cut_tail(result: EstimateResult, cutoff: float | dict[str, float]) -> EstimateResult:
    """The result with the rows after the cutoff day (per group when a dict) dropped.

    A curve whose last row before the cutoff is earlier than the cutoff gets
    one more row on the cutoff day, with its last estimate and the number
    still at risk that day (that of the first row dropped: no one left in
    between), so that the at-risk row under a figure gives the true number up
    to the cutoff instead of 0 past the curve's last step.
    """
    table = result.table
    limit = table["group"].map(cutoff) if isinstance(cutoff, dict) else cutoff
    keep = (table["time"] <= limit).to_numpy()
    kept, dropped = table[keep], table[~keep]
    keys = ["group", "cause"] if "cause" in table.columns else ["group"]
    extra = []
    if len(kept) and len(dropped):
        last = kept.sort_values("time").groupby(keys, sort=False, observed=True).tail(1)
        first_after = dropped.sort_values("time").groupby(keys, sort=False, observed=True).head(1)
        after = first_after.set_index(keys)["at_risk"]
        for row in last.itertuples(index=False):
            key = tuple(getattr(row, k) for k in keys)
            key = key[0] if len(keys) == 1 else key
            day = cutoff[row.group] if isinstance(cutoff, dict) else cutoff
            if row.time < day and key in after.index:
                pad = row._asdict()
                pad.update(time=float(day), at_risk=float(after[key]))
                if "events" in pad:
                    pad["events"] = 0.0
                extra.append(pad)
    out = pd.concat([kept, pd.DataFrame(extra, columns=table.columns)]) if extra else kept
    out = out.sort_values([*keys[:1], "time"], kind="stable").reset_index(drop=True)
    return dataclasses.replace(result, table=out)
