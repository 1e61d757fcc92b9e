"""Candidates who apply again: what follows a rejection, and how many applications until an offer.

Two questions about people rather than single applications, both answered
with the censoring-aware estimators of :mod:`hiring_funnel.estimators`:

- :func:`after_rejection`: do applications sent *after* a rejection (by any
  company, or by the same company) end in an offer as often as the others?
  Some of them are still open at the export date, and the plain share
  offers / applications counts those as failures; the Aalen-Johansen
  cumulative incidence of an offer on the ``decision`` clock counts them as
  still waiting instead. Both are reported
  side by side.
- :func:`applications_until_offer`: how many applications had a candidate
  sent when the first offer came? Candidates with no offer yet are censored,
  and the Kaplan-Meier estimator gives the chance of a first offer within k
  applications (a discrete-time survival problem: the clock counts
  applications instead of days).

Applications are linked to a person by ``candidate_id`` (and to an employer by
``company_id``); applications without the link needed are left out and
counted in ``meta["excluded"]``, never guessed. Returned summary tables hold
counts and estimates only, no candidate or company ids; the row-level frames
(``episodes``, ``candidates``) keep the ids for the cluster bootstrap.

One rule orders events across applications: an application counts as sent
*after* an answer only when its ``applied`` timestamp is strictly later. Equal
timestamps (and so, in a log with dates only, the same day) are ties whose
order is unknown; they are never counted as "after". The consequences are
spelled out in each function.

Observational data: candidates who apply again after a rejection differ from
those who do not (persistence, field, how long they have been searching), so
a difference between the groups is an association, not the effect of the
rejection.
"""

from hiring_funnel.analyses.repeat_applicants._common import (
    AFTER,
    AFTER_REJECTION_COLUMNS,
    HISTORY,
    NO_EARLIER,
    REJECTIONS_COLUMNS,
    UNTIL_OFFER_COLUMNS,
)
from hiring_funnel.analyses.repeat_applicants.after_rejection import (
    AfterRejectionResult,
    after_rejection,
)
from hiring_funnel.analyses.repeat_applicants.until_offer import (
    ApplicationsUntilOfferResult,
    applications_until_offer,
)

__all__ = [
    "AFTER",
    "AFTER_REJECTION_COLUMNS",
    "HISTORY",
    "NO_EARLIER",
    "REJECTIONS_COLUMNS",
    "UNTIL_OFFER_COLUMNS",
    "AfterRejectionResult",
    "ApplicationsUntilOfferResult",
    "after_rejection",
    "applications_until_offer",
]
