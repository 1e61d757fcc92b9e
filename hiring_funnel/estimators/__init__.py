"""Estimators: every one reads a life table (DESIGN.md, "Statistics")."""

from hiring_funnel.estimators._result import ESTIMATE_COLUMNS, EstimateResult
from hiring_funnel.estimators.bootstrap import bootstrap
from hiring_funnel.estimators.incidence import cumulative_incidence, outcome_mix, still_hope
from hiring_funnel.estimators.survival import kaplan_meier

__all__ = [
    "ESTIMATE_COLUMNS",
    "EstimateResult",
    "bootstrap",
    "cumulative_incidence",
    "kaplan_meier",
    "outcome_mix",
    "still_hope",
]
