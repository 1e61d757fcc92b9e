"""Tidy tables of the mixture-cure ghosting model: coefficients and predicted shares.

Shares are 1 - expit(x'gamma); their standard errors come from the delta
method, and intervals are formed on the logit scale so they stay in (0, 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

from hiring_funnel.results import COEFFICIENT_COLUMNS

#: Columns of ``GhostingResult.table``: those of every coefficient result, then
#: the part of the model (ghosting or timing) and what ``estimate`` is there.
TABLE_COLUMNS: tuple[str, ...] = (*COEFFICIENT_COLUMNS, "part", "scale")
#: The order the rows are built in, before they take the columns above.
_BUILT = ("part", "term", "level", "coef", "std_error", "estimate", "ci_lower", "ci_upper")
#: Columns of ``GhostingResult.by_level`` after ``covariate, level``.
SHARE_COLUMNS: tuple[str, ...] = ("n", "answers", "estimate", "std_error", "ci_lower", "ci_upper")


def levels_of(s: pd.Series) -> list[str]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        used = set(s.astype(str).unique())
        return [str(v) for v in s.cat.categories if str(v) in used]
    if pd.api.types.is_bool_dtype(s):
        return [str(v) for v in sorted(s.unique())]
    return sorted(str(v) for v in s.unique())


def column_of(name: str, covariates: list[str]) -> str | None:
    term = name.split(":", 1)[-1]
    for c in covariates:
        if term == c or term.startswith(c + "["):
            return c
    return None


def _p_value(z: float) -> float:
    return float(2.0 * ndtr(-abs(z)))


def coef_table(
    theta: np.ndarray,
    cov: np.ndarray,
    terms: list[str],
    covariates: list[str],
    reference: dict[str, str],
    z: float,
    timing: str,
) -> pd.DataFrame:
    k = len(terms)
    se = np.sqrt(np.diag(cov))
    rows: list[tuple[Any, ...]] = []
    for part, offset, sign in (("ghosting", 0, -1.0), ("timing", k, 1.0)):
        for j, term in enumerate(terms):
            coef, s = sign * theta[offset + j], se[offset + j]
            col = column_of(term, covariates)
            level = term[len(col) + 1 : -1] if col and term.endswith("]") else ""
            if term == "(Intercept)":
                scale = (
                    "ghosting odds at reference"
                    if part == "ghosting"
                    else "scale (days) at reference"
                )
            else:
                scale = "odds ratio" if part == "ghosting" else "time ratio"
            rows.append(
                (
                    part,
                    col or term,
                    level,
                    coef,
                    s,
                    np.exp(coef),
                    np.exp(coef - z * s),
                    np.exp(coef + z * s),
                    _p_value(float(coef / s)),
                    scale,
                )
            )
    ls, s = theta[2 * k], se[2 * k]
    rows.append(
        (
            "timing",
            "sigma",
            "",
            ls,
            s,
            np.exp(ls),
            np.exp(ls - z * s),
            np.exp(ls + z * s),
            np.nan,
            f"{timing} log-scale spread",
        )
    )
    table = pd.DataFrame(rows, columns=[*_BUILT, "p_value", "scale"])[list(TABLE_COLUMNS)]
    table["p_value"] = table["p_value"].astype(float)
    table.attrs["reference"] = reference
    return table


def pattern_shares(
    gamma: np.ndarray, cov_g: np.ndarray, design: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ghosting share 1 - expit(x'gamma) per pattern, its se, and its gradient in gamma."""
    share = expit(-(design @ gamma))
    grad = -(share * (1 - share))[:, None] * design
    se = np.sqrt(np.einsum("ij,jk,ik->i", grad, cov_g, grad))
    return share, se, grad


def logit_interval(share: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    logit = np.log(share / (1 - share))
    half = z * se / (share * (1 - share))
    return expit(logit - half), expit(logit + half)


def by_level_table(
    pat: pd.DataFrame, grad: np.ndarray, cov_g: np.ndarray, covariates: list[str], z: float
) -> pd.DataFrame:
    groups: list[tuple[str, str, np.ndarray]] = [("(all)", "", np.ones(len(pat), dtype=bool))]
    for c in covariates:
        if pd.api.types.is_numeric_dtype(pat[c]) and not pd.api.types.is_bool_dtype(pat[c]):
            continue  # a numeric covariate has no levels to average over
        labels = pat[c].astype(str).to_numpy()
        for lev in levels_of(pat[c]):
            groups.append((c, lev, labels == lev))
    n = pat["n"].to_numpy(dtype=float)
    rows = []
    for c, lev, at in groups:
        w = n[at] / n[at].sum()
        est = float(w @ pat["estimate"].to_numpy()[at])
        g = w @ grad[at]
        se = float(np.sqrt(g @ cov_g @ g))
        lo, hi = logit_interval(np.array([est]), np.array([se]), z)
        rows.append(
            (
                c,
                lev,
                int(n[at].sum()),
                int(pat["answers"].to_numpy()[at].sum()),
                est,
                se,
                float(lo[0]),
                float(hi[0]),
            )
        )
    return pd.DataFrame(rows, columns=["covariate", "level", *SHARE_COLUMNS])
