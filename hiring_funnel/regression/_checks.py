"""Checks every regression model runs: collinear columns and events per parameter.

The messages name the covariate (and level), as issue 6 asks of every model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiring_funnel.results import Note
from hiring_funnel.schema import HiringFunnelError

#: Fewer events per parameter than this gets a note (Peduzzi et al. 1996).
EVENTS_PER_PARAMETER = 10
#: Columns of the episode itself, never covariates.
RESERVED = frozenset({"duration", "entry", "cause"})
#: The level a missing attribute value is, in every model (as in summaries and reports).
MISSING_LEVEL = "(missing)"


def missing_as_level(frame: pd.DataFrame, covs: Sequence[str]) -> pd.DataFrame:
    """Missing values of the categorical covariates (NaN, None, empty text) become
    :data:`MISSING_LEVEL`; ``frame`` itself when there are none. Numeric covariates
    are left as they are (a missing number is refused with its own message)."""
    out = frame
    for c in covs:
        if c not in frame.columns or c in RESERVED:
            continue  # named by the caller's own check
        col = frame[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            continue
        if isinstance(col.dtype, pd.CategoricalDtype):
            # Checked on the categories, not row by row (the pending model's bootstrap).
            cats = pd.Series(col.cat.categories).astype("string")
            blank = np.flatnonzero((cats.isna() | (cats.str.strip() == "")).to_numpy())
            if not (col.isna().any() or np.isin(col.cat.codes.to_numpy(), blank).any()):
                continue
        text = col.astype("string")
        empty = text.isna() | (text.str.strip() == "")
        if empty.any():
            if out is frame:
                out = frame.copy()
            out[c] = text.mask(empty, MISSING_LEVEL)
    return out


def check_covariate_names(covs: Sequence[str]) -> None:
    """A covariate named twice, or a column of the episode named as one, is an error."""
    dup = sorted({c for c in covs if list(covs).count(c) > 1})
    if dup:
        raise HiringFunnelError(f"covariate(s) {dup} named more than once", column=dup[0])
    bad = [c for c in covs if c in RESERVED]
    if bad:
        raise HiringFunnelError(
            f"{bad[0]!r} is part of the episode, not a covariate", column=bad[0]
        )


def cluster_codes(frame: pd.DataFrame, cluster: str) -> tuple[np.ndarray, int]:
    """Integer codes of the ``cluster`` column and how many clusters; missing is an error."""
    if cluster not in frame.columns:
        raise HiringFunnelError(
            "no such column to cluster on", column=cluster, hint="use e.g. 'candidate_id'"
        )
    codes, uniques = pd.factorize(frame[cluster])
    if (codes < 0).any():
        first = int(np.flatnonzero(codes < 0)[0])
        raise HiringFunnelError(
            f"missing cluster value(s), first in row {first}",
            column=cluster,
            hint="every episode needs a cluster (the candidate, or the application itself)",
        )
    return codes.astype(np.int64), len(uniques)


def check_rank(
    names: Sequence[tuple[str, str | None]], x: np.ndarray, w: np.ndarray | None = None
) -> None:
    """Name the first parameter that is a linear combination of the ones before it.

    ``names`` are (covariate, level) per column of ``x`` (level None for a
    numeric covariate); ``w`` are row weights (counts of aggregated rows).
    """
    weight: np.ndarray
    if w is None:
        distinct, weight = x, np.ones(x.shape[0])
    else:
        # Aggregated data repeat each covariate pattern once per exit time: the repeats
        # are merged with their weights summed. The weighted Gram matrix, so the
        # singular values, stay the same; the tolerance keeps the full matrix's size.
        distinct, inverse = np.unique(x[w > 0], axis=0, return_inverse=True)
        weight = np.bincount(inverse.reshape(-1), weights=w[w > 0], minlength=len(distinct))
    centred = (distinct - (weight @ distinct) / weight.sum()) * np.sqrt(weight)[:, None]
    eps = np.finfo(float).eps * max(x.shape)

    def rank(a: np.ndarray) -> int:
        sv = np.linalg.svd(a, compute_uv=False)
        return int((sv > sv.max(initial=0.0) * eps).sum())

    if rank(centred) == x.shape[1]:
        return
    for j in range(1, x.shape[1] + 1):
        if rank(centred[:, :j]) < j:
            term, level = names[j - 1]
            what = f"level {level!r} of {term!r}" if level is not None else f"{term!r}"
            raise HiringFunnelError(
                f"{what} is determined by the covariates before it "
                "(a duplicated or collinear column)",
                column=term,
                code="collinear_covariate",
                hint=f"drop {term!r} or merge its levels",
                data={"column": term, "level": level},
            )


def events_per_parameter(n_events: int, n_params: int, what: str) -> tuple[float, list[Note]]:
    """Events per parameter and the note it calls for (code ``few_events``); fewer events than parameters is an error.

    >>> epp, notes = events_per_parameter(25, 5, "offers")
    >>> print(notes[0])
    only 5.0 offers per parameter (fewer than 10): estimates may be biased and intervals too narrow
    """
    epp = n_events / max(n_params, 1)
    if epp < 1:
        raise HiringFunnelError(
            f"{n_events} {what} for {n_params} parameters: fewer events than parameters",
            code="too_few_events",
            hint="use fewer covariates or merge rare levels",
            data={"events": n_events, "parameters": n_params},
        )
    if epp < EVENTS_PER_PARAMETER:
        data = {"events": n_events, "parameters": n_params, "threshold": EVENTS_PER_PARAMETER}
        text = (
            f"only {epp:.1f} {what} per parameter (fewer than {EVENTS_PER_PARAMETER}): "
            "estimates may be biased and intervals too narrow"
        )
        return epp, [Note("few_events", text, data)]
    return epp, []
