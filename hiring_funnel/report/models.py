"""The report's regression section: hazard ratios and ghosting shares with the ``--by`` columns held fixed.

Two models of the wait from applying to the first answer
(:mod:`hiring_funnel.regression`), each fitted once with every ``--by`` column
as a covariate:

- cause-specific Cox models (Efron ties) of a positive answer and of a
  rejection, drawn as forest plots and listed as hazard ratios against each
  column's reference level (its most frequent one);
- the mixture-cure ghosting model: the predicted share of applications never
  answered, per level.

Privacy: the models read only applications whose every ``--by`` level is
published. A level suppressed anywhere in the report (on any clock's
breakdown) is left out with its applications, and so is a level that falls
below ``min_group`` candidates once those are gone (suppression is rerun on
what is left until nothing changes). The applications fitted are a
combination of breakdowns, so the section gives no count of them at all: not
the number fitted or left out (the sizes of two breakdowns' hidden segments
minus the number left out is the size of their overlap, a cell that may hold
three people), not the events fitted, and no number from the models' notes:
those are worded afresh from their codes by :mod:`hiring_funnel.report.model_notes`,
which also leaves out day numbers past the last day the curves show (they
would date one person's answer).

A model that cannot be fitted (no events at a level, too few events, no
convergence, follow-up too short for the ghosting share) becomes a note in the
section; the rest of the report is unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import CAUSES
from hiring_funnel.regression import CoxResult, cause_specific_cox, ghosting_model, plot_forest
from hiring_funnel.report import words as f
from hiring_funnel.report.figures import svg_panels_url
from hiring_funnel.report.model_notes import published
from hiring_funnel.report.privacy import (
    IDENTIFIER_COLUMNS,
    candidate_key,
    segment_labels,
    suppress_segments,
)
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.text import short_label

if TYPE_CHECKING:
    from hiring_funnel.report.build import Clock

#: The clock the models are fitted on.
CLOCK = "first_response"
#: A level is named in a sentence only when its hazard ratio differs from 1 at this level.
ALPHA = 0.05


def regression_section(
    clock: Clock | None,
    by: Sequence[str],
    breakdowns: Sequence[dict[str, Any]],
    *,
    min_group: int,
    attributes: Sequence[str] = (),
) -> dict[str, Any]:
    """Everything the template shows in the regression section, as strings and figure URLs.

    ``clock`` is the report's ``first_response`` clock (None when the report
    leaves it out), ``breakdowns`` the breakdown sections already built (their
    suppressed segments are left out here too) and ``attributes`` the log's
    attribute columns, named in the note shown when ``by`` is empty.
    """
    out: dict[str, Any] = {
        "note": None,
        "intro": None,
        "notes": [],
        "cox": None,
        "ghosting": None,
        "covariates": [],
        "ghosting_held": "",
    }
    by = list(by)
    if not by:
        usable = [c for c in attributes if c not in IDENTIFIER_COLUMNS]
        out["note"] = (
            "The regression models compare the levels of the breakdown columns with the other "
            "columns held fixed, so they need at least one: make the report again with "
            "--by COLUMN ... (in Python: by=[...])"
            + (
                f", for example --by {' '.join(usable[:2])}. This log's attributes: "
                f"{', '.join(usable)}."
                if usable
                else "; this log has no attribute columns (pass --attributes)."
            )
        )
        return out
    if clock is None:
        out["note"] = (
            "The regression models are fitted on the wait from applying to the first answer, "
            "which this report leaves out: add first_response to --clock to see them."
        )
        return out
    if not clock.published:
        out["note"] = (
            "Not shown: the waits for a first answer involve fewer than the minimum number of "
            "candidates (see Privacy)."
        )
        return out
    fitted, covariates, notes = _published_rows(clock.episodes, by, breakdowns, min_group)
    out["notes"] = notes
    if fitted is None or not covariates:
        out["note"] = " ".join(notes) or "No published level is left to compare."
        out["notes"] = []
        return out
    out["covariates"] = [short_label(c) for c in covariates]
    left_out = len(clock.episodes) - len(fitted)
    columns = _join(out["covariates"])
    if len(covariates) > 1:
        other = "column" if len(covariates) == 2 else "columns"
        compare = (
            f"These models compare the levels of {columns} together, each with the other "
            f"{other} held fixed, on the wait from applying to the first answer."
        )
        out["ghosting_held"] = f", averaged over the other {other} as observed"
    else:
        compare = (
            f"These models compare the levels of {columns} on the wait from applying to the "
            "first answer; with more --by columns they would hold the others fixed."
        )
    # No count: the applications fitted are a combination of breakdowns (see the module).
    out["intro"] = compare + (
        " Applications with a level that is not published in this report are left out "
        "(see Privacy)."
        if left_out
        else " Every level of every application is published, so all of them are fitted."
    )
    out["cox"] = _cox_part(fitted, covariates, clock.cutoff)
    out["ghosting"] = _ghosting_part(fitted, covariates, clock.cutoff)
    return out


def _published_rows(
    episodes: pd.DataFrame,
    by: list[str],
    breakdowns: Sequence[dict[str, Any]],
    min_group: int,
) -> tuple[pd.DataFrame | None, list[str], list[str]]:
    """The episodes whose every level is published, the covariates left, and what was dropped.

    Starts from the levels the breakdowns suppressed (on any clock), then reruns
    :func:`suppress_segments` on what is left until no further level falls
    below ``min_group`` candidates.
    """
    labels = {c: segment_labels(episodes[c]).to_numpy() for c in by}
    excluded: dict[str, set[str]] = {c: set() for c in by}
    for section in breakdowns:
        if section["key"] in excluded:
            excluded[section["key"]] |= {str(label) for label in section["hidden"]}
    who = candidate_key(episodes).to_numpy()
    while True:
        keep = np.ones(len(episodes), dtype=bool)
        for c in by:
            keep &= ~pd.Series(labels[c]).isin(excluded[c]).to_numpy()
        if not keep.any():
            return None, [], ["Every application has a level that is not published (see Privacy)."]
        changed = False
        for c in by:
            sup = suppress_segments(
                pd.Series(labels[c][keep]),
                pd.Series(who[keep]),
                min_group=min_group,
                column=c,
            )
            new = set(sup.suppressed) - excluded[c]
            if new:
                excluded[c] |= new
                changed = True
        if not changed:
            break
    fitted = episodes.loc[keep].copy()
    notes: list[str] = []
    covariates: list[str] = []
    for c in by:
        fitted[c] = labels[c][keep]
        if fitted[c].nunique() < 2:
            notes.append(
                f"{short_label(c)} is not in the models: fewer than two of its levels are left to compare "
                "(a level hidden anywhere in this report is left out here too, and so is one "
                f"with fewer than {min_group} candidates among the applications fitted)."
            )
        else:
            covariates.append(c)
    return fitted.reset_index(drop=True), covariates, notes


def _cox_part(fitted: pd.DataFrame, covariates: list[str], cutoff: float) -> dict[str, Any]:
    """Both cause-specific Cox models: one table of hazard ratios and one figure, two panels."""
    out: dict[str, Any] = {
        "causes": [],
        "rows": [],
        "sentences": [],
        "notes": [],
        "errors": [],
        "figure": None,
    }
    fits: dict[str, CoxResult] = {}
    for cause in CAUSES[CLOCK]:
        words = f.CAUSE_WORDS.get(cause, cause)
        try:
            fit = cause_specific_cox(
                fitted, cause=cause, covariates=covariates, ties="efron", cluster="candidate_id"
            )
        except HiringFunnelError as exc:
            out["errors"].append(
                f"The model of {words} could not be fitted: {published(exc, cutoff=cutoff)}."
            )
            continue
        fits[cause] = fit
        out["causes"].append({"cause": cause, "words": f.CAUSE_PLURAL.get(cause, cause)})
        out["sentences"] += _sentences(fit, words, covariates)
        out["notes"] += [f"{words}: {published(n, cutoff=cutoff)}" for n in fit.notes]
    if not fits:
        return out
    first = next(iter(fits.values()))
    reference = first.meta["reference"]
    for i, r in enumerate(first.table.itertuples(index=False)):
        cells = []
        for fit in fits.values():
            row = fit.table.iloc[i]  # the same data and covariates: the same terms in order
            cells.append(
                {
                    "hazard_ratio": ratio(float(row["estimate"])),
                    "ci": f"{ratio(float(row['ci_lower']))} to {ratio(float(row['ci_upper']))}",
                    "p": f.p_value(float(row["p_value"])),
                }
            )
        out["rows"].append(
            {
                "term": short_label(r.term),
                "level": short_label(r.level),
                "reference": short_label(reference[r.term]),
                "cells": cells,
            }
        )

    def panel(fit: CoxResult, cause: str) -> Any:
        def draw(ax: Any) -> None:
            plot_forest(fit, ax=ax)
            ax.set_title(f"Hazard of {f.CAUSE_WORDS.get(cause, cause)}", fontsize=9.5)
            ax.set_xlabel("Hazard ratio, 95% interval")

        return draw

    out["figure"] = svg_panels_url(
        [panel(fit, cause) for cause, fit in fits.items()],
        height=0.9 + 0.3 * len(first.table),
        width=5.0 if len(fits) > 1 else 5.5,
    )
    return out


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def ratio(value: float) -> str:
    """A hazard ratio as the report prints it (two decimals)."""
    return "–" if f.missing(value) or not np.isfinite(value) else f"{value:.2f}"


def _sentences(fit: CoxResult, words: str, covariates: list[str]) -> list[str]:
    """One plain sentence on the level that differs most (clearly) from its reference."""
    table = fit.table
    clear = table[table["p_value"] < ALPHA]
    if clear.empty:
        return [
            f"No level differs clearly (p < {ALPHA:g}) from its reference in how fast "
            f"{words} comes."
        ]
    row = clear.loc[np.abs(np.log(clear["estimate"])).idxmax()]
    term, level, hr = str(row["term"]), short_label(row["level"]), float(row["estimate"])
    ref = short_label(fit.meta["reference"][term])
    others = [short_label(c) for c in covariates if c != term]
    term = short_label(term)
    lead = f"Holding {' and '.join(others)} fixed, applications" if others else "Applications"
    interval = (
        f"(hazard ratio {ratio(hr)}, 95% confidence interval {ratio(float(row['ci_lower']))} "
        f"to {ratio(float(row['ci_upper']))}; {f.p_value(float(row['p_value']))})"
    )
    if hr >= 1:
        speed = f"get {words} {ratio(hr)} times as fast as those where it is {ref}"
    else:
        speed = f"get {words} more slowly, at {ratio(hr)} times the rate of those where it is {ref}"
    return [f"{lead} where {term} is {level} {speed} {interval}."]


def _ghosting_part(fitted: pd.DataFrame, covariates: list[str], cutoff: float) -> dict[str, Any]:
    out: dict[str, Any] = {"error": None, "rows": [], "notes": [], "overall": None}
    try:
        fit = ghosting_model(fitted, covariates=covariates, cluster="candidate_id")
    except HiringFunnelError as exc:
        out["error"] = f"The ghosting model could not be fitted: {published(exc, cutoff=cutoff)}."
        return out
    out["notes"] = [published(n, cutoff=cutoff) for n in fit.notes]
    for r in fit.by_level.itertuples(index=False):
        row = {
            "covariate": short_label(r.covariate),
            "level": short_label(r.level),
            "share": f.pct(r.estimate),
            "ci": f.interval(r.ci_lower, r.ci_upper),
        }
        if r.covariate == "(all)":
            out["overall"] = row
        else:
            out["rows"].append(row)
    return out
