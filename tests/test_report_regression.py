"""The report's regression section: hazard ratios, ghosting shares, privacy, failures.

The numbers in the section are checked against the models called directly
(:func:`hiring_funnel.regression.cause_specific_cox` and
:func:`~hiring_funnel.regression.ghosting_model`, themselves pinned to R and
statsmodels in tests/test_cox.py and tests/test_ghosting.py) on the episodes the
section says it fitted, at the rounding the report prints.
"""

from __future__ import annotations

import base64
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.regression import cause_specific_cox, ghosting_model
from hiring_funnel.report import render_report, report
from hiring_funnel.report.model_notes import published
from hiring_funnel.report.privacy import segment_labels
from hiring_funnel.report.render import write_pdf
from hiring_funnel.schema import HiringFunnelError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "events.csv"
TRACKER = ROOT / "data" / "real-logs" / "timhanneman" / "Merged.csv"
BY = ["industry", "company_size"]


# -- helpers -------------------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def section(html: str) -> str:
    """The HTML of the regression section alone."""
    start = html.index('<section id="regression"')
    return html[start : html.index("</section>", start)]


def figure_texts(html: str) -> list[str]:
    """The text drawn in the section's figures (each label one <text> element)."""
    out = []
    for url in re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html):
        svg = base64.b64decode(url).decode("utf-8")
        out += [text_of(t) for t in re.findall(r"<text[^>]*>.*?</text>", svg, re.S)]
    return out


def table_rows(html: str) -> list[list[str]]:
    """The cells of every body row of the tables in ``html``, as text."""
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            rows.append([text_of(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)])
    return rows


def fitted_episodes(log: hf.EventLog, by: list[str], hidden: dict[str, set[str]]) -> pd.DataFrame:
    """First-response episodes without a hidden level, labelled as the report labels segments."""
    ep = hf.episodes(log, "first_response")
    keep = np.ones(len(ep), dtype=bool)
    for c in by:
        ep[c] = segment_labels(ep[c])
        keep &= ~ep[c].isin(hidden.get(c, set())).to_numpy()
    return ep[keep].reset_index(drop=True)


def hidden_levels(context: dict[str, Any]) -> dict[str, set[str]]:
    """The levels the report hides anywhere, by column (from its breakdowns)."""
    out: dict[str, set[str]] = {}
    for b in context["breakdowns"]:
        out.setdefault(b["key"], set()).update(b["hidden"])
    return out


def hr_cell(row: pd.Series) -> str:
    """A hazard ratio with its interval as the table prints it."""
    return f"{row.estimate:.2f} {row.ci_lower:.2f} to {row.ci_upper:.2f}"


# -- the sample ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    log = hf.read_events(
        SAMPLE, attributes=SAMPLE.parent / "attributes.csv", mapping=SAMPLE.parent / "mapping.toml"
    )
    html, context = render_report(log, by=BY)
    pdf = write_pdf(html, tmp_path_factory.mktemp("regression") / "report.pdf")
    return {"log": log, "html": html, "context": context, "pdf": pdf}


def test_sample_section_has_the_forest_figure(sample: dict[str, Any]) -> None:
    part = section(sample["html"])
    assert "Not yet available" not in part
    drawn = figure_texts(part)
    assert "Hazard of a positive answer" in drawn and "Hazard of a rejection" in drawn
    # plot_forest's labels: every level against the most frequent one of its column.
    assert "industry: healthcare vs software" in drawn
    assert "company_size: 1-50 vs 5000+" in drawn
    assert "all of them are fitted" in text_of(part)
    # No count of the applications fitted (5000+ and 501-5000 are company sizes).
    assert not re.search(r"(?<![\w-])5,?000(?![\w+])", text_of(part))


def test_sample_hazard_ratios_are_those_of_the_model(sample: dict[str, Any]) -> None:
    # Nothing is hidden in the sample, so the report fits every first-response episode.
    assert hidden_levels(sample["context"]) == {"industry": set(), "company_size": set()}
    ep = fitted_episodes(sample["log"], BY, {})
    assert len(ep) == 5000
    positive = cause_specific_cox(ep, cause="positive", covariates=BY, cluster="candidate_id")
    rejection = cause_specific_cox(
        ep, cause="rejection", covariates=BY, cluster="candidate_id"
    ).table
    reference = positive.meta["reference"]
    assert reference == {"industry": "software", "company_size": "5000+"}  # the most frequent
    cox_rows = [r for r in table_rows(section(sample["html"])) if len(r) == 7]
    assert len(cox_rows) == len(positive.table) == 8
    for cells, pos, rej in zip(
        cox_rows, positive.table.itertuples(), rejection.itertuples(), strict=True
    ):
        assert cells[:3] == [pos.term, pos.level, reference[pos.term]]
        assert cells[3] == hr_cell(pos) and cells[5] == hr_cell(rej)
    # Pinned too, so that a change of the model shows here as well (the fit above, clustered
    # on candidates, at the report's rounding).
    assert cox_rows[5][:6] == [
        "company_size",
        "1-50",
        "5000+",
        "1.31 1.09 to 1.56",
        "p = 0.0036",
        "1.80 1.58 to 2.05",
    ]


def test_sample_sentences_come_from_the_fit(sample: dict[str, Any]) -> None:
    ep = fitted_episodes(sample["log"], BY, {})
    text = text_of(section(sample["html"]))
    for cause, words in (("positive", "a positive answer"), ("rejection", "a rejection")):
        table = cause_specific_cox(ep, cause=cause, covariates=BY, cluster="candidate_id").table
        clear = table[table["p_value"] < 0.05]
        top = clear.loc[np.log(clear["estimate"]).abs().idxmax()]
        other = "industry" if top.term == "company_size" else "company_size"
        ref = "5000+" if top.term == "company_size" else "software"
        assert top.estimate > 1
        assert (
            f"Holding {other} fixed, applications where {top.term} is {top.level} get {words} "
            f"{top.estimate:.2f} times as fast as those where it is {ref} (hazard ratio "
            f"{top.estimate:.2f}, 95% confidence interval {top.ci_lower:.2f} to "
            f"{top.ci_upper:.2f};"
        ) in text


def test_sample_ghosting_shares_are_those_of_the_model(sample: dict[str, Any]) -> None:
    ep = fitted_episodes(sample["log"], BY, {})
    by_level = ghosting_model(ep, covariates=BY, cluster="candidate_id").by_level
    rows = {(r[0], r[1]): r[2:] for r in table_rows(section(sample["html"])) if len(r) == 4}
    overall = [r for r in table_rows(section(sample["html"])) if len(r) == 3]
    assert len(rows) == len(by_level) - 1 == 10
    for r in by_level.itertuples():
        shown = [f"{100 * r.estimate:.1f}%", f"{100 * r.ci_lower:.1f}% to {100 * r.ci_upper:.1f}%"]
        if r.covariate == "(all)":
            assert overall == [["all applications fitted", *shown]]
        else:
            assert rows[(r.covariate, r.level)] == shown


def test_pdf_has_the_section(sample: dict[str, Any]) -> None:
    raw = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(sample["pdf"]), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    pages = [" ".join(p.split()) for p in raw.split("\f")]
    first = [p for p in pages if p.startswith("Regression models")]
    assert len(first) == 1  # the section starts a page of its own
    everything = " ".join(pages)
    assert "How fast answers come: hazard ratios" in everything
    assert "Hazard of a positive answer" in everything  # drawn in the figure, kept as text
    assert "Never answered: the ghosting share" in everything


# -- privacy -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_segments() -> dict[str, Any]:
    """Industry "tiny" holds every application of three candidates; company size "micro" holds
    those and the applications of three more candidates.

    "micro" has six candidates, so the breakdown publishes it; once "tiny" is left out it has
    three, so the regression leaves it out too. Only the first-response clock is reported:
    after interviews, fewer than five of the six have waits, so "micro" would be hidden anyway.
    """
    sim = hf.simulate(1500, seed=11)
    attrs = sim.attributes.copy()
    owner = sim.events.drop_duplicates("application_id").set_index("application_id")["candidate_id"]
    people = sorted(owner.unique())
    tiny = owner[owner.isin(people[:3])].index
    micro = owner[owner.isin(people[:6])].index
    attrs.loc[attrs["application_id"].isin(tiny), "industry"] = "tiny"
    attrs.loc[attrs["application_id"].isin(micro), "company_size"] = "micro"
    log = hf.read_events(sim.events, attributes=attrs, as_of=sim.as_of)
    html, context = render_report(log, by=BY, clocks=["first_response"])
    return {"log": log, "html": html, "context": context}


def test_a_suppressed_level_is_not_in_the_section(small_segments: dict[str, Any]) -> None:
    context = small_segments["context"]
    hidden = hidden_levels(context)
    assert "tiny" in hidden["industry"] and "micro" not in hidden["company_size"]
    part = section(small_segments["html"])
    for label in hidden["industry"] | {"micro"}:
        assert label not in text_of(part)
        assert not any(label in t for t in figure_texts(part))
    # The breakdown shows "micro": only the regression had to leave it out.
    assert "micro" in text_of(small_segments["html"].split('<section id="regression"')[0])


def test_a_level_hidden_on_another_clock_is_not_in_the_section() -> None:
    """In this log fewer than 5 candidates of finance had an interview: the breakdown hides
    finance (and government, its complement) after interviews, and so on every clock."""
    sim = hf.simulate(800, seed=5)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    html, context = render_report(log, by=BY)
    hidden = {(c, label) for c, labels in hidden_levels(context).items() for label in labels}
    assert {("industry", "finance"), ("industry", "government")} <= hidden
    first = {
        (b["key"], row["segment"])
        for b in context["breakdowns"]
        for t in b["tables"]
        if t["clock"] == "From applying to the first answer"
        for row in t["rows"]
    }
    assert not first & hidden  # hidden on one clock, hidden on all
    shown = {(r[0], r[1]) for r in table_rows(section(html))}
    shown |= {(r[0], r[2]) for r in table_rows(section(html)) if len(r) == 7}  # references
    drawn = [re.fullmatch(r"(.+): (.+) vs (.+)", t) for t in figure_texts(section(html))]
    shown |= {(m[1], m[i]) for m in drawn if m for i in (2, 3)}
    assert ("industry", "software") in shown
    assert not shown & hidden


def test_the_section_fits_only_published_levels(small_segments: dict[str, Any]) -> None:
    context = small_segments["context"]
    hidden = hidden_levels(context)
    # "micro" falls below 5 candidates once "tiny" is out; complementary suppression then
    # takes the smallest other size with it (report.privacy.suppress_segments, as everywhere).
    ep = fitted_episodes(small_segments["log"], BY, hidden)
    sizes = ep.groupby("company_size")["candidate_id"].nunique()
    assert sizes["micro"] < 5
    complement = sorted(sizes.index, key=lambda s: (sizes[s], s))[1]
    left = ep[~ep["company_size"].isin(["micro", complement])].reset_index(drop=True)
    all_episodes = hf.episodes(small_segments["log"], "first_response")
    text = text_of(section(small_segments["html"]))
    assert "Applications with a level that is not published in this report are left out" in text
    # No count of them: with the breakdowns' hidden totals it would give the overlap of two
    # hidden segments (see test_privacy_audit.py, the differencing attack).
    for n in (len(left), len(all_episodes) - len(left)):
        assert not re.search(rf"\b{n:,}\b|\b{n}\b", text)
    assert complement not in [r[1] for r in table_rows(section(small_segments["html"]))]
    table = cause_specific_cox(left, cause="positive", covariates=BY, cluster="candidate_id").table
    cells = [r for r in table_rows(section(small_segments["html"])) if len(r) == 7]
    assert [c[3] for c in cells] == [hr_cell(r) for r in table.itertuples()]


# -- failures and notes --------------------------------------------------------------------------


def test_a_model_that_cannot_be_fitted_is_a_note(tmp_path: Path) -> None:
    """Industry "silent" holds only applications whose first answer was not positive: the
    Cox model of a positive answer cannot be fitted (a hazard ratio of 0), the others can."""
    sim = hf.simulate(800, seed=5)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    ep = hf.episodes(log, "first_response")
    no_positive = ep[ep["cause"] != "positive"]  # rejected or never answered
    chosen = no_positive.groupby("candidate_id", observed=True).head(2).head(60)["application_id"]
    attrs = sim.attributes.copy()
    attrs.loc[attrs["application_id"].isin(chosen), "industry"] = "silent"
    log = hf.read_events(sim.events, attributes=attrs, as_of=sim.as_of)
    with pytest.raises(HiringFunnelError, match="level 'silent' has no 'positive' events"):
        cause_specific_cox(fitted_episodes(log, BY, {}), cause="positive", covariates=BY)

    paths = report(log, by=BY, out=tmp_path, formats="html")  # no crash
    html = paths["html"].read_text(encoding="utf-8")
    _, context = render_report(log, by=BY)
    hidden = hidden_levels(context)
    assert "silent" not in hidden["industry"]
    fitted = fitted_episodes(log, BY, hidden)  # levels hidden on some clock are left out
    text = text_of(section(html))
    assert (
        "The model of a positive answer could not be fitted: column 'industry': level 'silent' "
        "has no 'positive' events"
    ) in text
    # The other model is still fitted and shown, "silent" included.
    rejection = cause_specific_cox(
        fitted, cause="rejection", covariates=BY, cluster="candidate_id"
    ).table
    cells = {(r[0], r[1]): r for r in table_rows(section(html)) if len(r) == 5}
    silent = rejection[rejection["level"] == "silent"].iloc[0]
    assert cells[("industry", "silent")][3] == hr_cell(silent)
    assert "Hazard of a rejection" in figure_texts(section(html))
    assert "Hazard of a positive answer" not in figure_texts(section(html))
    assert "The ghosting model could not be fitted" not in text
    assert "silent" in [r[1] for r in table_rows(section(html)) if len(r) == 4]


def test_real_tracker_renders_with_the_failures_as_notes(tmp_path: Path) -> None:
    paths = report(
        TRACKER,
        mapping="timhanneman",
        by=["job_level", "company_type"],
        min_group=1,
        out=tmp_path,
        formats="html",
    )
    text = text_of(section(paths["html"].read_text(encoding="utf-8")))
    assert "all of them are fitted" in text
    # One person's 177 applications: some levels have no answer of a kind.
    assert "The model of a positive answer could not be fitted: column 'job_level': " in text
    assert "level 'Associate' has no 'positive' events" in text
    assert "Never answered: the ghosting share" in text


def test_without_by_the_section_says_how_to_ask(tmp_path: Path) -> None:
    sim = hf.simulate(300, seed=2)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    html, context = render_report(log)
    text = text_of(section(html))
    assert "so they need at least one: make the report again with --by COLUMN" in text
    assert "This log's attributes: company_size, industry, role_level, source, remote." in text
    assert context["regression"]["cox"] is None and figure_texts(section(html)) == []


def test_without_the_first_response_clock_the_section_says_so() -> None:
    sim = hf.simulate(300, seed=2)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    html, _ = render_report(log, clocks=["decision"], by=["industry"])
    assert "add first_response to --clock" in text_of(section(html))


def test_days_past_the_last_day_shown_are_taken_out_of_notes() -> None:
    """The ghosting model names the day of the last answer: one person's answer, past the tail."""
    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": [1.0, 2, 3, 4, 40, 5, 6, 7, 8, 9],
            "cause": pd.Categorical(["positive"] * 5 + [None] * 5, categories=["positive"]),
        }
    )
    with pytest.raises(HiringFunnelError) as info:
        ghosting_model(ep)
    message = str(info.value)
    assert "(day 40)" in message
    assert info.value.code == "not_identified" and info.value.data["last_answer"] == 40
    assert "40" not in published(info.value, cutoff=9.0)
    assert "(a day after day 9)" in published(info.value, cutoff=9.0)
    assert "(day 40)" in published(info.value, cutoff=40.0)  # with min_group=1 every day is shown


def test_published_notes_carry_no_count_of_the_applications_fitted() -> None:
    """Every note the models write is worded from its code: none of its counts is published."""
    sim = hf.simulate(300, seed=3)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    ep = hf.episodes(log, "first_response")
    fit = cause_specific_cox(ep, cause="positive", covariates=["industry", "source"])
    notes = [n for n in fit.notes if n.code == "few_events"]
    assert notes, "the positive answers of 300 applications are too few for eight parameters"
    ratio = f"{notes[0].data['events'] / notes[0].data['parameters']:.1f}"  # 68 / 8
    assert f"only {ratio} events" in notes[0].text
    assert ratio not in published(notes[0], cutoff=30.0)
    assert str(notes[0].data["events"]) not in published(notes[0], cutoff=30.0)
    assert published(notes[0], cutoff=30.0).startswith("few events per parameter (fewer than 10)")
