"""plot_states: stacked state occupation, what is drawn, where, with which labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from reference.multistate_data import paths

import hiring_funnel as hf
from hiring_funnel.estimators.transitions import (
    state_occupation,
    still_hope_from,
    transition_probabilities,
)
from hiring_funnel.plots import plot_states, plot_still_hope
from hiring_funnel.plots.states import STACK_ORDER
from hiring_funnel.schema import HiringFunnelError


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_stacked_areas_add_up_to_one_in_the_stack_order() -> None:
    result = state_occupation(paths("sample"))
    fig, ax = plt.subplots()
    assert plot_states(result, ax=ax) is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == list(STACK_ORDER)[::-1]  # top to bottom, as stacked
    assert len(ax.collections) == len(STACK_ORDER)
    # The top of the last area is 100% everywhere: the states add up.
    top = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert top.max() == pytest.approx(1.0)
    assert ax.get_ylim() == (0.0, 1.0)
    # The offer area (bottom) reaches R's pinned occupation at the last day.
    last = result.table[result.table["time"] == result.table["time"].max()]
    offer = float(last.loc[last["cause"] == "offer", "estimate"].iloc[0])
    assert ax.collections[0].get_paths()[0].vertices[:, 1].max() == pytest.approx(offer)
    # The legend sits outside the axes (right of them).
    assert ax.get_legend().get_bbox_to_anchor().x0 > ax.bbox.x1 - 1
    assert ax.get_xlabel() == "Days since applying"


def test_transition_probabilities_start_at_their_day() -> None:
    result = transition_probabilities(paths("toy"), from_state="screened", waited=2)
    ax = hf.EstimateResult.plot(result)
    assert ax.get_xlim()[0] == 2.0
    assert "screened" in ax.get_title()


def test_labels_are_plain_text_and_other_results_are_refused() -> None:
    result = state_occupation(paths("toy"))
    ax = plot_states(result, title="Ba$$in funnel", colors={"offer": "#000000"})
    assert ax.get_title() == r"Ba\$\$in funnel"
    assert ax.collections[0].get_facecolor()[0][:3].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(HiringFunnelError, match="plot_states draws"):
        plot_states(still_hope_from(paths("toy"), stage="applied", waited=[0]))
    with pytest.raises(
        HiringFunnelError, match="plot_still_hope draws a still_hope result, not a state_occupation"
    ):
        plot_still_hope(state_occupation(paths("toy")))


def test_still_hope_from_draws_its_estimates_against_the_days_since_applying() -> None:
    result = still_hope_from(paths("sample"), stage="interviewed", waited=[0, 7, 14], horizon=60)
    fig, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    line = ax.get_lines()[0]
    assert line.get_xdata().tolist() == [0.0, 7.0, 14.0]
    assert line.get_ydata().tolist() == result.table["estimate"].tolist()
    assert ax.get_title() == "Chance of an offer by day 60 when still interviewed on day s"
    assert ax.get_xlabel() == "Days since applying (s), still interviewed"
    # still_hope's own plot is unchanged.
    ep = hf.episodes(hf.read_events("data/sample/events.csv"), "first_response")
    title = hf.still_hope(ep, cause="positive", waited=[0, 7], horizon=30).plot().get_title()
    assert title == "Chance of a positive answer by day 30 after s days of silence"
