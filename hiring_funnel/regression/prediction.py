"""Predictions for applications still waiting, from a :class:`~hiring_funnel.regression.pending.PendingModel`.

:func:`predict_pending` turns the model's hazards into Aalen-Johansen curves
for each pending application's attributes and conditions on the days already
waited in silence (the quantities are listed in :data:`QUANTITIES`; the
module docstring of :mod:`hiring_funnel.regression.pending` says what each
one is).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.estimators.bootstrap import MIN_USABLE_RESAMPLES
from hiring_funnel.regression._checks import MISSING_LEVEL, missing_as_level
from hiring_funnel.regression._hazards import quantities
from hiring_funnel.regression._stage_hazards import offer_chance
from hiring_funnel.regression.pending import PendingModel
from hiring_funnel.results import Note, Result
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.states import TRANSIENT

__all__ = ["PREDICTION_COLUMNS", "QUANTITIES", "PendingPrediction", "predict_pending"]

#: What :func:`predict_pending` predicts, in the order of its table.
QUANTITIES: tuple[str, ...] = (
    "offer_eventually",
    "answer_eventually",
    "answer_within",
    "expected_wait_if_answered",
)
#: Fixed columns of the prediction table; the covariates follow ``waited``.
PREDICTION_COLUMNS: tuple[str, ...] = (
    "row",
    "stage",
    "waited",
    "quantity",
    "estimate",
    "ci_lower",
    "ci_upper",
)


@dataclass(frozen=True)
class PendingPrediction(Result):
    """What :func:`predict_pending` returns: a result whose notebook view is :meth:`wide`.

    Attributes
    ----------
    table : DataFrame
        Long and tidy: one row per pending row and quantity
        (:data:`QUANTITIES`), columns :data:`PREDICTION_COLUMNS` with the
        covariates after ``waited``. ``row`` is the position in ``waiting``;
        ``stage`` the row's stage (applied, screened or interviewed).
    meta : Meta
        ``within`` (days), ``horizon``, ``conf_level``, ``n_resamples`` (also ``n_boot``).
    notes : tuple of Note
        Rows that got NaN and why, intervals not given.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(2000, seed=2)
    >>> model = hf.pending_model(sim.events, attributes=sim.attributes, as_of=sim.as_of, n_resamples=0)
    >>> model.predict(pd.DataFrame({"waited": [0, 30]})).wide().columns[:4].tolist()
    ['row', 'stage', 'waited', 'offer_eventually']
    """

    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def title(self) -> str:
        return "Predictions for pending applications"

    def shown_table(self) -> pd.DataFrame:
        return self.wide()

    def wide(self) -> pd.DataFrame:
        """One row per pending application, a column per quantity and bound."""
        t = self.table
        keys = [c for c in t.columns if c not in ("quantity", "estimate", "ci_lower", "ci_upper")]
        out = t.pivot(index="row", columns="quantity", values=["estimate", "ci_lower", "ci_upper"])
        out.columns = [f"{q}_{v}" if v != "estimate" else q for v, q in out.columns]
        order = [f"{q}{s}" for q in QUANTITIES for s in ("", "_ci_lower", "_ci_upper")]
        first = t.drop_duplicates("row").set_index("row")[[k for k in keys if k != "row"]]
        return first.join(out[order]).reset_index()


def predict_pending(
    model: PendingModel,
    waiting: pd.DataFrame,
    *,
    waited: str = "waited",
    stage: str = "stage",
    within: float = 7.0,
    lines: Sequence[int] | np.ndarray | None = None,
    horizon: float | None = None,
) -> PendingPrediction:
    """Predict, for applications still waiting, the chance of an offer, of an answer soon, and when.

    Parameters
    ----------
    model : PendingModel
        From :func:`pending_model`.
    waiting : DataFrame
        One row per pending application: ``waited`` (days since applying, in
        the model's unit: for a row still in ``applied`` these are its days of
        silence), optionally ``stage`` (where the application is: "applied",
        no answer yet, the default; "screened"; "interviewed") and the model's
        covariates. Other columns are ignored and never copied to the output
        (they may hold identifiers).
    waited : str
        The column with the days waited.
    stage : str
        The column with the stage; without it every row is in "applied".
        ``offer_eventually`` is P(offer by the horizon | in that stage at the
        end of day ``waited`` since applying); the other quantities are
        about the first answer and are NaN for a row past "applied".
    within : float
        The window of ``answer_within``, in days after ``waited``.
    lines : sequence of int, optional
        The line of each row in the file it came from: the notes then name
        lines, not row positions (the command line passes them).
    horizon : float, optional
        The day after applying by which "eventually" and "within" are counted
        (the command line passes the report's: :func:`hiring_funnel.analyses.headline.horizon_of`).
        Default, and at most: the longest wait seen on the first-response clock.

    Returns
    -------
    PendingPrediction
        ``table`` (long), ``wide()`` and ``meta``. A row waited past the
        longest wait seen gets NaN, named in ``meta["notes"]``.

    Raises
    ------
    HiringFunnelError
        Naming the row and column of a missing column, a negative or missing
        number of days, or a level the model has not seen.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(3000, seed=2)
    >>> model = hf.pending_model(sim.events, attributes=sim.attributes, as_of=sim.as_of, n_resamples=0)
    >>> pred = predict_pending(model, pd.DataFrame({"waited": [0, 30]}))
    >>> bool(pred.wide()["offer_eventually"].is_monotonic_decreasing)
    True
    """
    s, frame, unseen = _check_waiting(model, waiting, waited, lines)
    stages = _check_stage(waiting, stage, lines)
    if not within > 0:
        raise HiringFunnelError(f"within must be a positive number of days, not {within!r}")
    shown = frame
    if unseen.any():  # computed with a level the model knows, then set to NaN
        frame = frame.copy()
        for col in model.covariates:
            blank = (frame[col] == MISSING_LEVEL).to_numpy(dtype=bool, na_value=False)
            if MISSING_LEVEL not in model.levels[col]:
                frame.loc[blank, col] = model.levels[col][0]
    patterns, pattern_of = _patterns(frame, model.covariates)
    tau = _check_horizon(model, horizon)
    per_fit = np.stack(
        [
            np.vstack(
                [
                    offer_chance(f, patterns, pattern_of, stages, s, tau),
                    quantities(f, patterns, pattern_of, s, within, tau),
                ]
            )
            for f in model.fits
        ]
    )
    per_fit[:, 1:, stages > 0] = np.nan  # the first answer has come
    per_fit[:, :, (s >= tau) | unseen] = np.nan
    frame = shown
    estimate = per_fit[0]
    alpha = (1 - model.meta["conf_level"]) / 2
    usable = np.isfinite(per_fit[1:]).sum(axis=0)
    lower = upper = np.full_like(estimate, np.nan)
    if len(per_fit) > 1:
        boots = per_fit[1:]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells stay NaN
            lower = np.nanquantile(boots, alpha, axis=0)
            upper = np.nanquantile(boots, 1 - alpha, axis=0)
        # A percentile interval from a handful of resamples is the spread of those
        # few, not a 95% interval: below the minimum none is given.
        thin = np.isnan(estimate) | (usable < MIN_USABLE_RESAMPLES)
        lower = np.where(thin, np.nan, lower)
        upper = np.where(thin, np.nan, upper)
    n, q = len(s), len(QUANTITIES)
    table = pd.DataFrame(
        {
            "row": np.repeat(np.arange(n), q),
            "stage": np.repeat(np.asarray(TRANSIENT, dtype=object)[stages], q),
            "waited": np.repeat(s, q),
            **{c: np.repeat(frame[c].to_numpy(dtype=object), q) for c in model.covariates},
            "quantity": np.tile(QUANTITIES, n),
            "estimate": estimate.T.reshape(-1),
            "ci_lower": lower.T.reshape(-1),
            "ci_upper": upper.T.reshape(-1),
        }
    )
    notes = []
    if (stages > 0).any():
        notes.append(
            f"{int((stages > 0).sum())} row(s) are past 'applied' (first: "
            f"{_where(int(np.argmax(stages > 0)), lines)}): their first answer has come, so "
            "answer_eventually, answer_within and expected_wait_if_answered are NaN; "
            "offer_eventually counts their days since applying"
        )
    if unseen.any():
        notes.append(
            f"{int(unseen.sum())} row(s) have no value for a covariate, and the log has no "
            f"application without one to learn from (first: {_where(int(np.argmax(unseen)), lines)}); "
            "their estimates are NaN"
        )
    longest = float(model.meta["horizon"])
    late = np.flatnonzero(s >= longest)
    if late.size:
        notes.append(
            f"{late.size} row(s) waited {longest:g} days or more, the longest wait seen in the "
            f"log: nothing is known after that (first: {_where(int(late[0]), lines)}); their "
            "estimates are NaN"
        )
    past = np.flatnonzero((s >= tau) & (s < longest))
    if past.size:
        notes.append(
            f"{past.size} row(s) waited {tau:g} days or more, the horizon of the predictions: "
            f"nothing is counted after it (first: {_where(int(past[0]), lines)}); their "
            "estimates are NaN"
        )
    soon = np.flatnonzero((s < tau) & (s + within > tau))
    if soon.size:
        notes.append(
            f"{soon.size} row(s) reach past day {tau:g} within {within:g} days; answer_within "
            "counts only answers up to that day"
        )
    if len(per_fit) == 1:
        notes.append("no bootstrap (n_resamples=0): no intervals")
    else:
        short = np.isfinite(estimate) & (usable < MIN_USABLE_RESAMPLES)
        if short.any():
            notes.append(
                f"no interval where fewer than {MIN_USABLE_RESAMPLES} bootstrap resamples could be "
                f"used (at most {int(usable[short].max())} of {len(per_fit) - 1} here): a "
                "percentile interval needs more; use n_resamples=200 (--resamples 200) or more"
            )
    meta = {
        "within": within,
        "horizon": tau,
        "conf_level": model.meta["conf_level"],
        "n_resamples": len(per_fit) - 1,
        "n_boot": len(per_fit) - 1,  # its old name, for one release
    }
    return PendingPrediction(
        table=table, meta=meta, notes=tuple(Note("prediction", n) for n in notes)
    )


def _check_horizon(model: PendingModel, horizon: float | None) -> float:
    """The horizon of the predictions: the given one, at most the longest first-response wait."""
    longest = float(model.meta["horizon"])
    if horizon is None:
        return longest
    tau = float(horizon)
    if not (np.isfinite(tau) and tau > 0):
        raise HiringFunnelError(f"horizon must be a positive number of days, not {horizon!r}")
    if tau > longest:
        raise HiringFunnelError(
            f"horizon {tau:g} is past the longest wait seen for a first answer ({longest:g} days)",
            hint=f"use a horizon of {longest:g} days or less",
        )
    return tau


def _check_waiting(
    model: PendingModel,
    waiting: pd.DataFrame,
    waited: str,
    lines: Sequence[int] | np.ndarray | None,
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Days waited, the rows as a frame (missing values as their level), and which rows
    have a missing value the model never saw (they get NaN).

    A bad row is named by its position and value for a frame; for the rows of
    a file (``lines`` given) by its ``line`` and column, never its value (a
    pending file's cells may hold what nobody meant to print).
    """
    if not isinstance(waiting, pd.DataFrame):
        raise HiringFunnelError("waiting must be a DataFrame with one row per pending application")
    for col in (waited, *model.covariates):
        if col not in waiting.columns:
            raise HiringFunnelError(
                f"no column {col!r}",
                column=col,
                hint=f"waiting needs {[waited, *model.covariates]}",
            )
    waiting = missing_as_level(waiting.reset_index(drop=True), model.covariates)
    s = pd.to_numeric(waiting[waited], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(s) | (s < 0))
    if bad.size:
        raise _row_error(
            waiting,
            int(bad[0]),
            waited,
            lines,
            "is not a number of days waited (0 or more)",
            code="row_value",
            hint="give whole days since applying (or since the answer was due)",
        )
    frame = waiting.reset_index(drop=True)
    unseen = np.zeros(len(frame), dtype=bool)
    for col in model.covariates:
        values = frame[col].astype("string")
        known = set(model.levels[col])
        # A missing value the log never had cannot be predicted: NaN, with a note.
        blank = (values == MISSING_LEVEL).to_numpy(dtype=bool, na_value=False)
        blank &= MISSING_LEVEL not in known
        unseen |= blank
        unknown = np.flatnonzero(~values.isin(known).to_numpy(dtype=bool, na_value=False) & ~blank)
        if unknown.size:
            raise _row_error(
                frame,
                int(unknown[0]),
                col,
                lines,
                "is a level that was not seen in the log",
                code="unknown_level",
                hint=f"the levels are {model.levels[col]}",
            )
    return s, frame, unseen


def _check_stage(
    waiting: pd.DataFrame, stage: str, lines: Sequence[int] | np.ndarray | None
) -> np.ndarray:
    """Each row's stage as its position in TRANSIENT (0, applied, without the column)."""
    if stage not in waiting.columns:
        return np.zeros(len(waiting), dtype=np.int64)
    values = waiting[stage].astype("string").str.strip().str.lower()
    values = values.fillna("applied").replace("", "applied")
    codes = pd.Index(TRANSIENT).get_indexer(values)
    bad = np.flatnonzero(codes < 0)
    if bad.size:
        raise _row_error(
            waiting,
            int(bad[0]),
            stage,
            lines,
            "is not a stage",
            code="unknown_stage",
            hint=f"the stages are {list(TRANSIENT)} (empty: applied, no answer yet)",
        )
    return codes.astype(np.int64)


def _row_error(
    frame: pd.DataFrame,
    row: int,
    column: str,
    lines: Sequence[int] | np.ndarray | None,
    what: str,
    *,
    code: str,
    hint: str,
) -> HiringFunnelError:
    """The error of one bad cell: its line and column for the rows of a file (never
    its value: a pending file's cells may hold what nobody meant to print), its
    position and value for a frame."""
    return HiringFunnelError(
        what.removeprefix("is ")
        if lines is not None
        else f"row {row}: {str(frame[column].iloc[row])!r} {what}",
        line=None if lines is None else int(lines[row]),
        column=column,
        code=code,
        hint=hint,
        data={"row": row},
    )


def _where(row: int, lines: Sequence[int] | np.ndarray | None) -> str:
    """A row named as a line of its file when the lines are known, else by position."""
    return f"row {row}" if lines is None else f"line {int(lines[row])}"


def _patterns(frame: pd.DataFrame, covs: tuple[str, ...]) -> tuple[pd.DataFrame, np.ndarray]:
    if not covs:
        return pd.DataFrame(index=[0]), np.zeros(len(frame), dtype=np.int64)
    keys = frame[list(covs)].astype("string")
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
    patterns = pd.DataFrame(list(uniques), columns=list(covs))
    return patterns, codes.astype(np.int64)
