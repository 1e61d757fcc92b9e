"""Estimators: every one reads a life table (DESIGN.md, "Statistics")."""

from hiring_funnel.estimators.bootstrap import bootstrap
from hiring_funnel.estimators.compare import ComparisonResult, gray_test, logrank_test
from hiring_funnel.estimators.incidence import cumulative_incidence, outcome_mix, still_hope
from hiring_funnel.estimators.influence import (
    answer_quantiles,
    answer_share,
    influence_functions,
    silence_ratio,
)
from hiring_funnel.estimators.quantiles import restricted_mean_wait, waiting_quantiles
from hiring_funnel.estimators.survival import kaplan_meier
from hiring_funnel.estimators.transitions import (
    state_occupation,
    still_hope_from,
    transition_probabilities,
)
from hiring_funnel.results import ESTIMATE_COLUMNS, EstimateResult

__all__ = [
    "ESTIMATE_COLUMNS",
    "answer_quantiles",
    "answer_share",
    "influence_functions",
    "silence_ratio",
    "ComparisonResult",
    "EstimateResult",
    "bootstrap",
    "cumulative_incidence",
    "gray_test",
    "kaplan_meier",
    "logrank_test",
    "outcome_mix",
    "restricted_mean_wait",
    "state_occupation",
    "still_hope",
    "still_hope_from",
    "transition_probabilities",
    "waiting_quantiles",
]
