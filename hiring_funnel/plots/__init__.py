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

from hiring_funnel.plots._common import PALETTE, plain_text
from hiring_funnel.plots.curves import plot_cumulative_incidence, plot_survival
from hiring_funnel.plots.hope import plot_outcome_mix, plot_still_hope

__all__ = [
    "PALETTE",
    "plain_text",
    "plot_cumulative_incidence",
    "plot_outcome_mix",
    "plot_still_hope",
    "plot_survival",
]
