"""Pictures of the estimators' results: one function per kind of result.

Every function takes an :class:`~hiring_funnel.estimators.EstimateResult`,
draws on ``ax`` (or on ``plt.gca()`` when none is given) with the
object-oriented API and returns the Axes. Nothing here shows a window or writes
a file: that is the report's and the CLI's job (CONVENTIONS.md, item 5).

Group names, cause names and band labels come from the user's data and are
passed through :func:`plain_text` (titles) or :func:`plain_label` (legends,
ticks, at-risk rows), because matplotlib reads text between two ``$`` as
mathematics ("Ba$$in" would lose its dollars, "$5 to $10" would turn into
italics or fail to render), a control character such as the escape of a
terminal colour makes the SVG invalid XML, and a label of thousands of
characters would push the plot off the figure. Labels are shortened to
:data:`hiring_funnel.text.LABEL_WIDTH` characters.

The number-at-risk table and the legend of a stacked plot are drawn outside the
axes; save with ``bbox_inches="tight"`` or make the figure with
``layout="constrained"`` so they are not cut off (Jupyter's inline backend
already saves tightly).
"""

from hiring_funnel.plots.common import PALETTE, plain_label, plain_text
from hiring_funnel.plots.curves import plot_cumulative_incidence, plot_survival
from hiring_funnel.plots.hope import plot_outcome_mix, plot_still_hope
from hiring_funnel.plots.states import plot_states

__all__ = [
    "PALETTE",
    "plain_label",
    "plain_text",
    "plot_cumulative_incidence",
    "plot_outcome_mix",
    "plot_states",
    "plot_still_hope",
    "plot_survival",
]
