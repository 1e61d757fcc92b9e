"""Deprecated: this module is now :mod:`hiring_funnel.io.cell_values`; the old path stops working in the next release."""

from hiring_funnel.deprecation import warn_moved
from hiring_funnel.io.cell_values import *  # noqa: F403
from hiring_funnel.io.cell_values import __all__ as __all__

warn_moved(__name__)
