"""Regression models of the waiting time: cause-specific Cox, Fine-Gray, cure models."""

from hiring_funnel.regression.cure import GhostingResult, ghosting_model

__all__ = ["GhostingResult", "ghosting_model"]
