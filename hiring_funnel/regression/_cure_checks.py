"""The checks of the ghosting model's input: episodes, levels, collinear terms, follow-up.

Split from :mod:`hiring_funnel.regression.ghosting`: what is refused (with a
code and data on each error, :class:`hiring_funnel.schema.HiringFunnelError`)
and the note on follow-up that has not reached its plateau.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.regression._cure_tables import column_of
from hiring_funnel.results import Note
from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "check_collinear",
    "check_ghosting_episodes",
    "check_levels",
    "follow_up_notes",
    "is_numeric",
]


def check_ghosting_episodes(episodes: Any, covariates: list[str]) -> pd.DataFrame:
    if not isinstance(episodes, pd.DataFrame):
        raise HiringFunnelError("episodes must be a DataFrame (see hiring_funnel.clocks.episodes)")
    missing = [c for c in ("duration", "cause", *covariates) if c not in episodes.columns]
    if missing:
        raise HiringFunnelError(
            f"episodes lack column(s) {', '.join(missing)}",
            column=missing[0],
            hint="pass attributes= to clocks.episodes, or name existing columns",
        )
    if len(set(covariates)) != len(covariates):
        raise HiringFunnelError("a covariate is named twice", hint=f"got {covariates!r}")
    if len(episodes) == 0:
        raise HiringFunnelError("episodes are empty")
    d = pd.to_numeric(episodes["duration"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(d).all() or (d < 0).any():
        raise HiringFunnelError("duration must be finite and non-negative", column="duration")
    if "entry" in episodes.columns:
        e = pd.to_numeric(episodes["entry"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(e).all() or (e < 0).any() or (e > d).any():
            raise HiringFunnelError(
                "entry must be finite, non-negative and at most the duration", column="entry"
            )
    for c in covariates:
        if episodes[c].isna().any():
            raise HiringFunnelError(
                f"covariate {c!r} has {int(episodes[c].isna().sum())} missing value(s)",
                column=c,
                hint="fill them with a level such as 'unknown', or drop those episodes",
            )
    if not episodes["cause"].notna().any():
        raise HiringFunnelError(
            "no episode was answered: nothing to fit",
            column="cause",
            code="no_events",
            data={"cause": "answer"},
        )
    return episodes


def follow_up_notes(
    duration: np.ndarray, answered: np.ndarray, entry: np.ndarray | None = None
) -> list[Note]:
    """Refuse when nobody is followed past the last answer; note a KM still falling."""
    last_answer = float(duration[answered].max())
    beyond = int(np.sum(~answered & (duration > last_answer)))
    if beyond == 0:
        raise HiringFunnelError(
            f"no unanswered episode is followed past the last answer (day {last_answer:g}):"
            " the ghosting share is not identified",
            column="duration",
            code="not_identified",
            hint="use a later as-of date or longer follow-up",
            data={"last_answer": last_answer},
        )
    # Kaplan-Meier of any answer (censored at c still at risk on day c).
    days, inv = np.unique(duration, return_inverse=True)
    events = np.bincount(inv, weights=answered.astype(float))
    leaving = np.bincount(inv).astype(float)
    at_risk = leaving[::-1].cumsum()[::-1]
    if entry is not None:  # late entry: not yet at risk on the days before it
        at_risk = at_risk - (len(entry) - np.searchsorted(np.sort(entry), days, side="right"))
    surv = np.cumprod(1.0 - events / at_risk)
    end = days[-1]
    cut = end - 0.2 * end
    before = surv[days <= cut][-1] if (days <= cut).any() else 1.0
    drop = float(before - surv[-1])
    notes = []
    # Half a percentage point over the last fifth of follow-up: still falling.
    if drop > 0.005:
        text = (
            f"the Kaplan-Meier curve has not reached its plateau: it fell {drop:.3f} over the "
            f"last 20% of follow-up (last answer on day {last_answer:g} of {end:g}); the "
            "ghosting share leans on the parametric tail"
        )
        data = {"drop": drop, "last_answer": last_answer, "end": float(end)}
        notes.append(Note("no_plateau", text, data))
    return notes


def is_numeric(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def check_levels(
    s: pd.Series, codes: np.ndarray, uniques: Any, answered: np.ndarray, c: str
) -> None:
    """A constant column, or a level all answered or never answered (separation), is refused."""
    if len(uniques) < 2:
        raise HiringFunnelError(
            f"covariate {c!r} is constant (only value {str(uniques[0])!r})",
            column=c,
            code="constant_covariate",
            hint="drop it from covariates",
            data={"column": c, "level": str(uniques[0])},
        )
    if is_numeric(s):
        return
    total = np.bincount(codes, minlength=len(uniques))
    answers = np.bincount(codes, weights=answered.astype(float), minlength=len(uniques))
    for j, lev in enumerate(str(u) for u in uniques):
        if answers[j] == 0:
            raise HiringFunnelError(
                f"level {lev!r} of covariate {c!r} has no answers: its ghosting share "
                "would be 1 (separation)",
                column=c,
                code="separation",
                hint="merge it with another level or drop those episodes",
                data={"column": c, "level": lev, "cause": "answer"},
            )
        if answers[j] == total[j]:
            raise HiringFunnelError(
                f"level {lev!r} of covariate {c!r} has no unanswered episode: its "
                "ghosting share would be 0 (separation)",
                column=c,
                code="separation",
                hint="merge it with another level or drop those episodes",
                data={"column": c, "level": lev, "cause": "no answer"},
            )


def check_collinear(x: np.ndarray, terms: list[str], covariates: list[str]) -> None:
    rank = 0
    for j in range(x.shape[1]):
        new = int(np.linalg.matrix_rank(x[:, : j + 1]))
        if new == rank:
            raise HiringFunnelError(
                f"term {terms[j]} is a combination of earlier terms (collinear covariates)",
                column=column_of(terms[j], covariates),
                code="collinear_covariate",
                hint="drop one of the covariates that carry the same information",
                data={"column": column_of(terms[j], covariates), "level": None},
            )
        rank = new
