"""Kaplan-Meier: the chance of still waiting for any answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.estimators import _kernels as k
from hiring_funnel.estimators._prepare import (
    base_meta,
    check_conf_level,
    note_not_estimable,
)
from hiring_funnel.estimators.by_candidate import (
    CLUSTERED,
    late_entry_notes,
    one_candidate_notes,
    prepare_clustered,
    survival_variance,
)
from hiring_funnel.results import ESTIMATE_COLUMNS, EstimateResult, register_kind

register_kind(
    "kaplan_meier",
    "Kaplan-Meier: chance of still waiting for any answer",
    plot="hiring_funnel.plots.curves:plot_survival",
    empty=1.0,  # a replicate with no event in a group: no drop in survival
)


def kaplan_meier(
    episodes: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
    weights: str | None = None,
    cluster: str | None = "auto",
) -> EstimateResult:
    """Kaplan-Meier estimate of the chance that no answer (of any cause) has come by day t.

    S(t) = prod over t_j <= t of (1 - d_j / n_j), with Greenwood's variance and
    an interval on the log(-log) scale, as R's
    ``survfit(Surv(time, status) ~ 1, conf.type = "log-log")``. Censored
    episodes (still open, withdrawn) count as at risk up to their last day.

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`, or their life table.
    by : str or sequence of str, optional
        Group columns; one curve per group.
    conf_level : float
        Level of the pointwise intervals.
    weights : str, optional
        Column of case weights.
    cluster : str or None
        Column whose values share one variance term (``"candidate_id"``):
        the infinitesimal-jackknife variance summed per candidate, as R's
        ``survfit(..., cluster = candidate_id, robust = TRUE)``. The default
        ``"auto"`` does so where some candidate holds more than one episode
        (and no ``weights`` are given); None is Greenwood's variance, which
        takes every episode as independent.

    Returns
    -------
    EstimateResult
        ``table`` with one row per group and life-table time: ``estimate`` is
        S(t), ``cause`` is "any", ``events`` all answers at t, ``std_error``
        the standard error of S(t) (``meta["variance"]`` says which).

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 2.0, 4.0],
    ...                    "cause": pd.Categorical(["rejection", None, "offer", None],
    ...                                            categories=["offer", "rejection"])})
    >>> kaplan_meier(ep).table[["time", "estimate"]].to_numpy().tolist()
    [[1.0, 0.75], [2.0, 0.5], [4.0, 0.5]]
    """
    check_conf_level(conf_level)
    prep, clustered = prepare_clustered(episodes, by, weights, cluster)
    meta = base_meta(
        prep,
        "kaplan_meier",
        conf_level,
        variance="Greenwood" if clustered is None else CLUSTERED,
        interval="log(-log)",
        cluster=None if clustered is None else clustered.column,
    )
    meta["notes"].extend(
        late_entry_notes(episodes) + one_candidate_notes(episodes, cluster, clustered)
    )
    rows = clustered.rows(episodes, prep.by) if clustered else {}
    z = k.z_value(conf_level)
    frames = []
    for g in prep.groups:
        if g.d.sum() == 0:
            note_not_estimable(meta, g.label, f"no answers among {g.size:,.0f} episodes")
            continue
        surv, greenwood = k.kaplan_meier(g.n, g.d)
        if clustered:
            with np.errstate(divide="ignore", invalid="ignore"):
                part, codes = clustered.part(episodes, rows[g.label])
                greenwood = survival_variance(part, codes, g.time) / surv**2
        lower, upper = k.loglog_interval(surv, greenwood, z)
        with np.errstate(invalid="ignore"):
            se = surv * np.sqrt(greenwood)
        frames.append(
            {
                "group": g.label,
                "time": g.time,
                "cause": "any",
                "estimate": surv,
                "ci_lower": lower,
                "ci_upper": upper,
                "at_risk": g.n,
                "events": g.d,
                "std_error": np.where(surv > 0, se, np.nan),
            }
        )
    return EstimateResult("kaplan_meier", concat(frames), meta)


def concat(parts: list[dict[str, Any]]) -> pd.DataFrame:
    """One table from per-curve column arrays (scalars repeat): a single DataFrame, no concat.

    Building one frame from stacked arrays keeps the estimators' fixed cost
    near the arithmetic's (benchmarks/results.md): pandas concat and sort of
    per-curve frames cost more than the estimates at 1e5 episodes.
    """
    columns = [*ESTIMATE_COLUMNS, "std_error"]
    if not parts:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c not in ("group", "cause") else object) for c in columns}
        )
    lengths = [len(part["time"]) for part in parts]
    data: dict[str, Any] = {}
    for c in columns:
        pieces = [
            np.asarray(part[c]) if np.ndim(part[c]) else np.full(n, part[c], dtype=object)
            for part, n in zip(parts, lengths, strict=True)
        ]
        data[c] = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    return pd.DataFrame(data)
