"""Plots: what is drawn, where, with which labels, and that data text stays plain text.

The number-at-risk checks read the counts back from the text artists under the
axes and compare them with the estimator's table by the rule the plots promise:
the count at tick t is ``at_risk`` of the first table row at or after t, and 0
after the last row.
"""

from __future__ import annotations

import dataclasses
import io
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

import hiring_funnel as hf
from hiring_funnel.estimators import (
    cumulative_incidence,
    kaplan_meier,
    outcome_mix,
    still_hope,
)
from hiring_funnel.plots import (
    plain_text,
    plot_cumulative_incidence,
    plot_outcome_mix,
    plot_still_hope,
    plot_survival,
)
from hiring_funnel.plots.common import _percent, count
from hiring_funnel.schema import HiringFunnelError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
SIZES = ["1-50", "5000+", "501-5000", "51-500"]
ODD_LABELS = ["Ba$$in", "<img src=x onerror=alert(1)>", "$5 to $10 pay"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def log() -> hf.EventLog:
    return hf.read_events(
        SAMPLE / "events.csv",
        attributes=SAMPLE / "attributes.csv",
        mapping=SAMPLE / "mapping.toml",
    )


@pytest.fixture(scope="module")
def first(log) -> pd.DataFrame:
    return hf.episodes(log, "first_response")


@pytest.fixture(scope="module")
def decision(log) -> pd.DataFrame:
    return hf.episodes(log, "decision")


@pytest.fixture(scope="module")
def odd(first) -> pd.DataFrame:
    """The sample's first-response episodes with hostile group names."""
    ep = first.copy()
    ep["team"] = np.array(ODD_LABELS, dtype=object)[np.arange(len(ep)) % len(ODD_LABELS)]
    return ep


def fresh_axes() -> Axes:
    _, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    return ax


def texts(ax: Axes, gid: str) -> list[Text]:
    return [t for t in ax.texts if t.get_gid() == gid]


def shown(text: str) -> str:
    """What matplotlib draws for ``text``: plain text with ``\\$`` unescaped, or fail on mathtext."""
    assert not cbook.is_math_text(text), f"{text!r} would be drawn as mathematics"
    return text.replace(r"\$", "$")


def fill_collections(ax: Axes) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def legend_texts(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [shown(t.get_text()) for t in legend.get_texts()]


def read_at_risk(ax: Axes) -> dict[str, dict[float, float]]:
    """The number-at-risk table as drawn: row label -> {tick time: count}.

    A count belongs to the row whose label sits at the same height on the page.
    """
    ax.figure.canvas.draw()

    def height(t: Text) -> float:
        return round(float(t.get_transform().transform(t.get_position())[1]), 3)

    rows = {height(t): shown(t.get_text()) for t in texts(ax, "at_risk_label")}
    table: dict[str, dict[float, float]] = {name: {} for name in rows.values()}
    for t in texts(ax, "at_risk"):
        table[rows[height(t)]][float(t.get_position()[0])] = float(t.get_text().replace(",", ""))
    return table


def expected_at_risk(result, group: str, ticks) -> dict[float, float]:
    sub = result.table[result.table["group"] == group]
    out = {}
    for t in ticks:
        later = sub[sub["time"] >= t]
        # As drawn: a count that is not whole (weights, last-day shares) shows one decimal.
        value = float(later["at_risk"].iloc[0]) if len(later) else 0.0
        out[float(t)] = float(count(value).replace(",", ""))
    return out


def check_at_risk(ax: Axes, result) -> None:
    drawn = read_at_risk(ax)
    ticks = ax.get_xticks()
    assert set(drawn) == set(result.table["group"])
    for group, row in drawn.items():
        assert sorted(row) == sorted(float(t) for t in ticks)
        assert row == expected_at_risk(result, group, ticks)


# -- Kaplan-Meier ----------------------------------------------------------------------


def test_survival_draws_one_step_curve_and_band_per_group(first):
    km = kaplan_meier(first, by="company_size")
    ax = plot_survival(km, ax=fresh_axes())
    assert isinstance(ax, Axes)
    assert len(ax.get_lines()) == 4
    assert len(fill_collections(ax)) == 4
    assert all(line.get_drawstyle() == "steps-post" for line in ax.get_lines())
    assert ax.get_title() == "Chance of still waiting for any answer, by company_size"
    assert ax.get_xlabel() == "Days since applying"
    assert ax.get_ylabel() == "Still waiting for any answer"
    assert sorted(legend_texts(ax)) == SIZES
    # Every curve starts at 100% on day 0.
    assert all(line.get_xydata()[0].tolist() == [0.0, 1.0] for line in ax.get_lines())


def test_survival_at_risk_table_reads_back_the_tables_at_risk(first):
    km = kaplan_meier(first, by="company_size")
    ax = plot_survival(km, ax=fresh_axes())
    check_at_risk(ax, km)
    # On day 0 every episode of a group is at risk (950 of the sample's 1-50 companies)
    # but for the unseen part of day 0 of those censored on it (the day boundary).
    group = first[first["company_size"] == "1-50"]
    unseen = 1 - group.loc[(group["duration"] == 0) & group["cause"].isna(), "last_day_share"]
    assert len(group) == 950
    assert read_at_risk(ax)["1-50"][0.0] == round(950 - unseen.sum(), 1)
    assert [t.get_text() for t in texts(ax, "at_risk_heading")] == ["Number at risk"]


def test_survival_at_risk_is_zero_after_the_last_row(first):
    km = kaplan_meier(first)
    last = float(km.table["time"].max())
    ax = plot_survival(km, ax=fresh_axes(), max_time=last + 100)
    drawn = read_at_risk(ax)["all"]
    assert max(drawn) > last
    assert all(n == 0 for t, n in drawn.items() if t > last)
    check_at_risk(ax, km)


def test_survival_options_turn_parts_off(first):
    km = kaplan_meier(first)
    ax = plot_survival(km, ax=fresh_axes(), ci=False, at_risk=False)
    assert len(ax.get_lines()) == 1
    assert fill_collections(ax) == []
    assert len(ax.texts) == 0
    assert ax.get_legend() is None  # one group: nothing to tell apart


def test_survival_groups_pick_and_order_curves(first):
    km = kaplan_meier(first, by="company_size")
    ax = plot_survival(km, ax=fresh_axes(), groups=["51-500", "1-50"], linewidth=3)
    assert legend_texts(ax) == ["51-500", "1-50"]
    assert all(line.get_linewidth() == 3 for line in ax.get_lines())
    with pytest.raises(HiringFunnelError, match=r"no group\(s\) \['huge'\]"):
        plot_survival(km, groups=["huge"])


def test_business_days_show_in_the_axis_label(first):
    km = kaplan_meier(first)
    km = dataclasses.replace(km, meta={**km.meta, "unit": "business_days"})
    assert plot_survival(km, ax=fresh_axes()).get_xlabel() == "Business days since applying"


# -- cumulative incidence --------------------------------------------------------------


def test_cumulative_incidence_colour_is_cause_and_line_style_is_group(decision):
    cif = cumulative_incidence(decision, by="company_size")
    ax = plot_cumulative_incidence(cif, ax=fresh_axes())
    lines = ax.get_lines()
    assert len(lines) == 8  # 2 causes x 4 groups
    assert len(fill_collections(ax)) == 8
    assert len({line.get_color() for line in lines}) == 2
    assert len({str(line.get_linestyle()) for line in lines}) == 4
    assert legend_texts(ax) == ["offer", "rejection", *SIZES]
    assert ax.get_title() == "Cumulative incidence by cause, by company_size"
    assert ax.get_xlabel() == "Days waited (decision clock)"
    assert ax.get_ylabel()
    check_at_risk(ax, cif)


def test_cumulative_incidence_causes_selects_curves(decision):
    cif = cumulative_incidence(decision)
    ax = plot_cumulative_incidence(cif, ax=fresh_axes(), causes=["offer"], ci=False)
    assert len(ax.get_lines()) == 1
    assert legend_texts(ax) == ["offer"]
    with pytest.raises(HiringFunnelError, match="unknown cause"):
        plot_cumulative_incidence(cif, causes=["ghosted"])


def test_stacked_areas_reach_one_minus_kaplan_meier(first):
    cif = cumulative_incidence(first)
    ax = plot_cumulative_incidence(cif, ax=fresh_axes(), stacked=True)
    areas = fill_collections(ax)
    assert len(areas) == 3
    assert legend_texts(ax) == ["positive", "rejection", "still waiting"]
    assert ax.get_ylim() == (0.0, 1.0)
    # The top of the second layer is the sum of the incidences, which is
    # 1 - S(t) (Aalen-Johansen identity); at the last day, 1 - KM's last estimate.
    top = areas[1].get_paths()[0].vertices[:, 1].max()
    s_last = kaplan_meier(first).table["estimate"].iloc[-1]
    assert top == pytest.approx(1 - s_last)
    # "Still waiting" runs from there up to 100%: on the last day it is S(t) tall.
    rest = areas[2].get_paths()[0].vertices
    at_end = rest[rest[:, 0] == rest[:, 0].max(), 1]
    assert (at_end.min(), at_end.max()) == pytest.approx((1 - s_last, 1.0))
    check_at_risk(ax, cif)


def test_stacked_needs_one_group(decision):
    cif = cumulative_incidence(decision, by="company_size")
    with pytest.raises(HiringFunnelError, match="stacked=True draws one group"):
        plot_cumulative_incidence(cif, stacked=True)
    ax = plot_cumulative_incidence(cif, ax=fresh_axes(), stacked=True, groups=["1-50"])
    assert ax.get_title() == "How applications end: company_size 1-50"
    assert list(read_at_risk(ax)) == ["1-50"]


def test_stacked_with_some_causes_names_the_remainder_honestly(decision):
    cif = cumulative_incidence(decision)
    ax = plot_cumulative_incidence(cif, ax=fresh_axes(), stacked=True, causes=["offer"])
    assert legend_texts(ax) == ["offer", "still waiting, or another cause"]


# -- still hope ------------------------------------------------------------------------


def test_still_hope_curve_band_percent_axis_and_title(decision):
    hope = still_hope(decision, cause="offer", waited=range(0, 60), horizon=90)
    ax = plot_still_hope(hope, ax=fresh_axes())
    assert len(ax.get_lines()) == 1
    assert len(fill_collections(ax)) == 1
    assert ax.get_title() == "Chance of an offer by day 90 after s days of silence"
    assert ax.get_xlabel() == "Days already waited without an answer (s)"
    assert ax.get_ylabel() == "Chance of an offer still coming"
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(label.endswith("%") for label in labels)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), hope.table["estimate"])
    check_at_risk(ax, hope)
    assert [t.get_text() for t in texts(ax, "at_risk_heading")] == ["Still waiting after s"]


def test_still_hope_with_several_horizons_names_them_in_the_legend(decision):
    hope = still_hope(decision, cause="offer", by="company_size")
    ax = plot_still_hope(hope, ax=fresh_axes())
    assert len(ax.get_lines()) == 4
    assert "by the horizon τ" in ax.get_title()
    taus = hope.meta["horizon"]
    assert legend_texts(ax) == [f"{g} (τ = {taus[g]:g})" for g in SIZES]


# -- outcome mix -----------------------------------------------------------------------


def test_outcome_mix_bars_error_bars_labels_and_counts(decision):
    mix = outcome_mix(decision, cause="offer")
    ax = plot_outcome_mix(mix, ax=fresh_axes())
    bands = list(mix.meta["labels"].values())
    assert len(ax.patches) == len(bands)
    assert [t.get_text() for t in ax.get_xticklabels()] == bands
    np.testing.assert_allclose([p.get_height() for p in ax.patches], mix.table["estimate"])
    counts = [t.get_text() for t in texts(ax, "n_label")]
    assert counts == [f"n = {n:,.0f}" for n in mix.table["events"]]
    assert ax.get_title() == "Share of answers that are an offer, by days until the answer"
    assert ax.get_xlabel() == "Days until the answer"
    assert ax.get_ylabel() == "Share of answers that are an offer"
    assert ax.get_legend() is None


def test_outcome_mix_keeps_empty_bands_in_place(decision):
    mix = outcome_mix(
        decision, cause="offer", by="company_size", bins=[0, 1, 3, 7, 14, 30, 500, 1000]
    )
    assert any("500-999" in key for key in mix.not_estimable)  # nobody waits that long
    ax = plot_outcome_mix(mix, ax=fresh_axes())
    assert len(ax.get_xticklabels()) == 7
    assert len(ax.patches) == 7 * 4
    assert texts(ax, "n_label")[-1].get_text() == "n = 0"
    assert legend_texts(ax)[:4] == SIZES


# -- shared rules ----------------------------------------------------------------------


PLOTTERS = [
    (plot_survival, lambda ep, **kw: kaplan_meier(ep, **kw)),
    (plot_cumulative_incidence, lambda ep, **kw: cumulative_incidence(ep, **kw)),
    (plot_still_hope, lambda ep, **kw: still_hope(ep, cause="positive", horizon=60, **kw)),
    (plot_outcome_mix, lambda ep, **kw: outcome_mix(ep, cause="positive", **kw)),
]


@pytest.mark.parametrize(("plot", "estimate"), PLOTTERS)
def test_draws_on_the_given_axes(first, plot, estimate):
    result = estimate(first)
    _, (left, right) = plt.subplots(1, 2)
    assert plot(result, ax=right) is right
    assert right.has_data()
    assert not left.has_data()


@pytest.mark.parametrize(("plot", "estimate"), PLOTTERS)
def test_draws_on_the_current_axes_without_ax(first, plot, estimate):
    result = estimate(first)
    fig, (left, right) = plt.subplots(1, 2)
    plt.sca(left)
    assert plot(result) is left
    assert left.has_data()
    assert not right.has_data()
    assert plt.gcf() is fig


@pytest.mark.parametrize(("plot", "estimate"), PLOTTERS)
def test_data_labels_are_drawn_literally(odd, plot, estimate):
    result = estimate(odd, by="team")
    ax = plot(result, ax=fresh_axes())
    assert set(ODD_LABELS) <= set(legend_texts(ax))
    for label in texts(ax, "at_risk_label"):
        assert shown(label.get_text()) in ODD_LABELS
    # Unescaped, "Ba$$in" is an empty formula and "$5 to $10" turns to italics.
    ax.figure.savefig(io.BytesIO(), format="png")


def test_stacked_title_keeps_the_group_name_literal(odd):
    cif = cumulative_incidence(odd, by="team")
    ax = plot_cumulative_incidence(cif, ax=fresh_axes(), stacked=True, groups=["Ba$$in"])
    assert shown(ax.get_title()) == "How applications end: team Ba$$in"
    ax.figure.savefig(io.BytesIO(), format="png")


@pytest.mark.parametrize(
    ("value", "label"), [(0.2, "20%"), (0.05, "5%"), (0.015, "1.5%"), (0.0025, "0.25%")]
)
def test_percent_ticks_carry_only_the_decimals_they_need(value, label):
    assert _percent(value) == label


@pytest.mark.parametrize(("plot", "estimate"), PLOTTERS)
def test_neither_shows_nor_saves(first, plot, estimate, monkeypatch, tmp_path):
    def forbidden(*args, **kwargs):
        raise AssertionError("a plot function must not show or save")

    monkeypatch.setattr(plt, "show", forbidden)
    monkeypatch.setattr(Figure, "savefig", forbidden)
    monkeypatch.chdir(tmp_path)
    plot(estimate(first), ax=fresh_axes())
    assert list(tmp_path.iterdir()) == []


def test_wrong_kind_is_a_clear_error(first):
    km = kaplan_meier(first)
    cif = cumulative_incidence(first)
    with pytest.raises(
        HiringFunnelError,
        match="plot_survival draws a kaplan_meier result, not a cumulative_incidence result",
    ):
        plot_survival(cif)
    with pytest.raises(HiringFunnelError, match="use plot_survival for it"):
        plot_still_hope(km)
    with pytest.raises(HiringFunnelError, match="plot_outcome_mix draws an EstimateResult, not a"):
        plot_outcome_mix(km.table)


@pytest.mark.parametrize(("plot", "estimate"), PLOTTERS)
def test_nothing_estimable_gives_a_note_not_a_crash(plot, estimate):
    silent = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": [3.0, 5.0, 8.0],
            "cause": pd.Categorical([None, None, None], categories=["positive", "rejection"]),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = estimate(silent)
    assert result.table.empty
    ax = plot(result, ax=fresh_axes())
    (note,) = texts(ax, "empty_note")
    assert note.get_text().startswith("Nothing to draw")
    assert ax.get_title()
    ax.figure.savefig(io.BytesIO(), format="png")


def test_a_group_without_answers_is_named_in_the_legend(first):
    ep = first.copy()
    ep["team"] = np.where(np.arange(len(ep)) < 20, "quiet", "busy")
    ep.loc[ep["team"] == "quiet", "cause"] = None
    with pytest.warns(UserWarning, match="quiet: not estimable"):
        km = kaplan_meier(ep, by="team")
    ax = plot_survival(km, ax=fresh_axes())
    assert legend_texts(ax) == ["busy", "not estimable: quiet"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Ba$$in", r"Ba\$\$in"), ("no dollars", "no dollars"), (r"a\$b", r"a\\$b"), (42, "42")],
)
def test_plain_text_escapes_every_dollar(raw, expected):
    escaped = plain_text(raw)
    assert escaped == expected
    assert shown(escaped) == str(raw)


BREAKING_LABELS = ["\x1b[31mred\x1b[0m", "bell\x07 and\u202e bidi", "W" * 10_240]


@pytest.mark.parametrize(("plot", "estimate"), PLOTTERS)
def test_labels_that_would_break_the_svg_are_cleaned_and_shortened(first, plot, estimate):
    """An escape made the SVG invalid XML and a 10 KB label pushed the plot off the figure."""
    import xml.etree.ElementTree as ET

    ep = first.copy()
    ep["team"] = np.array(BREAKING_LABELS, dtype=object)[np.arange(len(ep)) % 3]
    _, ax = plt.subplots(figsize=(8, 5))
    ax = plot(estimate(ep, by="team"), ax=ax)
    drawn = legend_texts(ax) + [shown(t.get_text()) for t in texts(ax, "at_risk_label")]
    assert "[31mred[0m" in drawn and "bell and bidi" in drawn
    assert "W" * 39 + "…" in drawn
    assert all(len(t) <= 40 for t in drawn)
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="svg", bbox_inches="tight")
    ET.fromstring(buffer.getvalue())  # valid XML: no control character left
    assert b"\x1b" not in buffer.getvalue()
