"""Forest plot of any coefficient result: Cox, Fine-Gray, the AFT models, the ghosting model."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from hiring_funnel.plots.common import PALETTE, plain_label, plain_text, target
from hiring_funnel.results import CoefficientResult
from hiring_funnel.schema import HiringFunnelError

__all__ = ["plot_forest"]

_TICKS = (
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.3,
    0.5,
    0.7,
    1.0,
    1.5,
    2.0,
    3.0,
    5.0,
    10.0,
    20.0,
    50.0,
    100.0,
)


def plot_forest(result: CoefficientResult, *, ax: Axes | None = None, **style: Any) -> Axes:
    """Draw each ratio (``estimate``) with its interval on a log axis, 1 marked.

    Parameters
    ----------
    result : CoefficientResult
        From :func:`hiring_funnel.cause_specific_cox`, :func:`hiring_funnel.fine_gray`
        or any other model whose result is a coefficient result; the axis is
        labelled with its ``meta["effect"]``.
    ax : Axes, optional
        Where to draw; the current Axes when not given.
    **style
        Passed to the markers (``color``, ``marker``, ...).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from hiring_funnel.regression import cause_specific_cox
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2, 3, 4, 5, 6, 2, 3, 9, 4],
    ...                    "cause": pd.Categorical(["offer"] * 10),
    ...                    "size": ["big"] * 6 + ["small"] * 4})
    >>> ax = plot_forest(cause_specific_cox(ep, cause="offer", covariates="size"))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['size: small vs big']
    """
    if not isinstance(result, CoefficientResult):
        raise HiringFunnelError(
            f"plot_forest draws a coefficient result, not a {type(result).__name__}",
            hint="make one with hiring_funnel.cause_specific_cox or hiring_funnel.fine_gray",
        )
    ax = target(ax)
    table = result.table
    ref = result.meta.get("reference", {})
    labels = [
        f"{plain_label(term)}: {plain_label(level)} vs {plain_label(ref.get(term, '?'))}"
        if level is not None
        else plain_label(term)
        for term, level in zip(table["term"], table["level"], strict=True)
    ]
    y = np.arange(len(table))[::-1].astype(float)
    colour = style.pop("color", PALETTE[0])
    hr = table["estimate"].to_numpy(dtype=float)
    lo = table["ci_lower"].to_numpy(dtype=float)
    hi = table["ci_upper"].to_numpy(dtype=float)
    ax.hlines(y, lo, hi, color=colour, linewidth=1.6)
    ax.plot(hr, y, linestyle="none", **{"marker": "s", "color": colour, "markersize": 6, **style})
    ax.axvline(1.0, color="#555555", linewidth=0.9, linestyle="--")
    ax.set_xscale("log")
    # Plain ratios ("0.5", "2"), not matplotlib's "5x10^-1" on a log axis.
    finite = np.r_[lo, hi, 1.0][np.isfinite(np.r_[lo, hi, 1.0])]
    low, high = float(finite.min()), float(finite.max())
    ticks = [t for t in _TICKS if low / 1.2 <= t <= high * 1.2]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.7, len(table) - 0.3)
    level = int(round(100 * float(result.meta.get("conf_level", 0.95))))
    ax.set_xlabel(f"{result.effect.capitalize()} (log scale) with {level}% interval")
    ax.set_title(plain_text(result.title()))
    ax.grid(True, axis="x", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax
