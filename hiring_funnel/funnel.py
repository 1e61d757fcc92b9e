"""Deprecated: this module is now :mod:`hiring_funnel.analyses.stages`; the old path stops working in the next release."""

from hiring_funnel.analyses.stages import *  # noqa: F403
from hiring_funnel.analyses.stages import __all__ as __all__
from hiring_funnel.deprecation import warn_moved

warn_moved(__name__)
