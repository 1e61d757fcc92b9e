"""Regression models of the waiting time: cause-specific Cox, Fine-Gray, cure, AFT models."""

from hiring_funnel.regression.aft import AFT_COEFFICIENT_COLUMNS, AFTComparison, parametric_models
from hiring_funnel.regression.cox import COX_COLUMNS, CoxResult, cause_specific_cox
from hiring_funnel.regression.cure import GhostingResult, ghosting_model
from hiring_funnel.regression.fine_gray import FINE_GRAY_COLUMNS, FineGrayResult, fine_gray
from hiring_funnel.regression.forest import plot_forest

__all__ = [
    "AFT_COEFFICIENT_COLUMNS",
    "AFTComparison",
    "COX_COLUMNS",
    "CoxResult",
    "FINE_GRAY_COLUMNS",
    "FineGrayResult",
    "GhostingResult",
    "cause_specific_cox",
    "fine_gray",
    "ghosting_model",
    "parametric_models",
    "plot_forest",
]
