# Reference values from R's survival for late entry (left truncation), pinned
# in tests/test_late_entry.py. From the repository root, with the Debian
# packages r-base-core r-cran-survival r-cran-jsonlite:
#
#   python tests/reference/make_late_entry_data.py tests/reference/late_entry_episodes.csv
#   Rscript tests/reference/make_late_entry_reference.R \
#       tests/reference/late_entry_episodes.csv tests/reference/late_entry_reference.json
#
# Data (late_entry_episodes.csv): the decision episodes of data/sample read as
# if the log began on 2026-05-01 (observed_from): entry, duration (whole days),
# cause ("offer", "rejection", empty = censored), industry, company_size.
#
# The day convention. An episode that entered on day e is at risk on days t
# with e <= t <= duration (hiring_funnel.life_table). R's counting-process
# Surv(start, stop, event) is at risk on (start, stop], so the same risk sets
# are Surv(entry - 0.5, duration, event): exits stay on their days, and an
# answer on the day of entry (entry == duration) is in the risk set of that
# day. (The older scripts shift every time by +1 instead, Surv(entry, time + 1),
# which gives the same risk sets.)
#
# Recorded, at every time of our life table (`times`: every distinct duration
# and every entry > 0):
# - km: survfit(Surv(entry - 0.5, duration, status > 0) ~ 1), summary at
#   `times`: surv, std.err (Greenwood: no id, one row per subject), n.risk.
# - cif: the multi-state survfit(Surv(entry - 0.5, duration, state) ~ 1,
#   id = row) with state a factor whose first level is "censor"
#   (Aalen-Johansen), summary at `times`: pstate of offer and rejection.
# - cox: coxph(Surv(entry - 0.5, duration, state == k) ~ industry +
#   company_size, ties = "efron") for each cause, each factor's reference
#   level its most frequent one (our coding): coef and se by term name; also
#   with ties = "breslow".
# - late = FALSE: the same Efron fits on Surv(duration, state == k), i.e.
#   with the entry thrown away, which the tests check we do NOT reproduce.
# - km_ignored: survfit(Surv(duration, status > 0) ~ 1) surv at `times`.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_late_entry_reference.R EPISODES_CSV OUTPUT_JSON")
d <- read.csv(args[1], colClasses = c(cause = "character", industry = "character",
                                       company_size = "character"))
d$cause[is.na(d$cause)] <- ""
d$state <- factor(ifelse(d$cause == "", "censor", d$cause),
                  levels = c("censor", "offer", "rejection"))
d$status <- as.integer(d$state != "censor")
d$row <- seq_len(nrow(d))
most_frequent <- function(x) names(sort(table(x), decreasing = TRUE))[1]
for (col in c("industry", "company_size")) {
  d[[col]] <- relevel(factor(d[[col]]), ref = most_frequent(d[[col]]))
}
times <- sort(unique(c(d$duration, d$entry[d$entry > 0])))

km <- survfit(Surv(entry - 0.5, duration, status) ~ 1, data = d)
s <- summary(km, times = times, extend = TRUE)
km_ignored <- summary(survfit(Surv(duration, status) ~ 1, data = d), times = times, extend = TRUE)

ms <- survfit(Surv(entry - 0.5, duration, state) ~ 1, data = d, id = row)
m <- summary(ms, times = times, extend = TRUE)
states <- colnames(m$pstate)
if (is.null(states)) states <- ms$states

cox <- list()
# The cause is `k`, not `cause`: a formula would read the data's column of that name.
for (k in c("offer", "rejection")) {
  for (ties in c("efron", "breslow")) {
    fit <- coxph(Surv(entry - 0.5, duration, state == k) ~ industry + company_size,
                 data = d, ties = ties)
    stopifnot(fit$nevent == sum(d$state == k))
    cox[[length(cox) + 1]] <- list(
      cause = k, ties = ties, late = TRUE, terms = names(coef(fit)),
      coef = unname(coef(fit)), se = unname(sqrt(diag(fit$var))),
      loglik = unname(fit$loglik[2])
    )
  }
  fit <- coxph(Surv(duration, state == k) ~ industry + company_size, data = d,
               ties = "efron")
  cox[[length(cox) + 1]] <- list(
    cause = k, ties = "efron", late = FALSE, terms = names(coef(fit)),
    coef = unname(coef(fit)), se = unname(sqrt(diag(fit$var))),
    loglik = unname(fit$loglik[2])
  )
}

out <- list(
  data = list(rows = nrow(d), late = sum(d$entry > 0), entry_sum = sum(d$entry),
              duration_sum = sum(d$duration), events = as.list(table(d$state))),
  times = times,
  km = list(surv = s$surv, std_err = s$std.err, n_risk = s$n.risk,
            surv_ignored = km_ignored$surv),
  cif = list(offer = unname(m$pstate[, match("offer", states)]),
             rejection = unname(m$pstate[, match("rejection", states)])),
  cox = cox,
  reference = list(industry = levels(d$industry)[1], company_size = levels(d$company_size)[1]),
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival"))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), args[2])
