"""hiring_funnel: how long until an employer answers, and is silence bad news?

The data flows one way (DESIGN.md)::

    read (io) -> validate -> episodes (clocks) -> life table -> estimators -> plots / report
"""

from hiring_funnel.schema import EVENTS, EventLog, HiringFunnelError, Problem

__version__ = "0.1.0"

__all__ = [
    "EVENTS",
    "EventLog",
    "HiringFunnelError",
    "Problem",
    "__version__",
]
