"""Regression models of the waiting time: cause-specific Cox, Fine-Gray, cure, AFT models,
the effect of a follow-up as a time-varying covariate, and predictions for pending applications."""

from hiring_funnel.regression.aft import AFT_COEFFICIENT_COLUMNS, AFTComparison, parametric_models
from hiring_funnel.regression.cox import COX_COLUMNS, CoxResult, cause_specific_cox
from hiring_funnel.regression.fine_gray import FINE_GRAY_COLUMNS, FineGrayResult, fine_gray
from hiring_funnel.regression.follow_ups import (
    FOLLOW_UP_COLUMNS,
    FollowUpResult,
    follow_up_effect,
    split_at_follow_ups,
)
from hiring_funnel.regression.forest import plot_forest
from hiring_funnel.regression.ghosting import GhostingResult, ghosting_model
from hiring_funnel.regression.pending import PendingModel, pending_model
from hiring_funnel.regression.prediction import (
    PREDICTION_COLUMNS,
    QUANTITIES,
    PendingPrediction,
    predict_pending,
)

__all__ = [
    "AFT_COEFFICIENT_COLUMNS",
    "AFTComparison",
    "COX_COLUMNS",
    "CoxResult",
    "FINE_GRAY_COLUMNS",
    "FOLLOW_UP_COLUMNS",
    "FineGrayResult",
    "FollowUpResult",
    "GhostingResult",
    "PREDICTION_COLUMNS",
    "PendingModel",
    "PendingPrediction",
    "QUANTITIES",
    "cause_specific_cox",
    "fine_gray",
    "follow_up_effect",
    "ghosting_model",
    "parametric_models",
    "pending_model",
    "plot_forest",
    "predict_pending",
    "split_at_follow_ups",
]
