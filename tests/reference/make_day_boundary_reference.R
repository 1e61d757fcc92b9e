# Reference values from R's survival for the day boundary (issue 15, item 3),
# pinned in tests/test_day_boundary.py. From the repository root, with the
# Debian packages r-base-core r-cran-survival r-cran-jsonlite:
#
#   python tests/reference/make_day_boundary_data.py tests/reference/day_boundary_rows.csv
#   Rscript tests/reference/make_day_boundary_reference.R \
#       tests/reference/day_boundary_rows.csv tests/reference/day_boundary_reference.json
#
# Data (day_boundary_rows.csv): the first_response episodes of data/sample with
# day_boundary = "time_of_day", as the weighted rows our life table counts
# (hiring_funnel.day_boundary): an episode censored on day C with last-day
# share w is a row censored at C with weight w plus a row censored at C - 1
# with weight 1 - w; answers are one row of weight 1. Columns: episode,
# candidate_id, time (whole days), cause ("positive", "rejection", empty =
# censored), w.
#
# The day convention: Surv(time, status) is at risk on [0, time], an episode
# censored on a day of answers is at risk that day: our life table's.
#
# Recorded, at every distinct time of the rows (`times`):
# - km: survfit(Surv(time, status) ~ 1, weights = w, robust = FALSE), summary
#   at `times`: surv, std.err (Greenwood with weighted counts), n.risk. (With
#   non-integer weights R's default is robust = TRUE, the jackknife with each
#   row independent, which splits an episode's two rows: not recorded.)
# - km_robust: survfit(Surv(time, status) ~ 1, weights = w, id = candidate_id,
#   robust = TRUE): the rows of one candidate (the two rows of one episode
#   included) summed in the robust variance. R accepts the overlapping rows of
#   one id here (single-state, right-censored data); std.err at `times`.
# - cif: the multi-state survfit(Surv(time, state) ~ 1, weights = w, id = row,
#   influence = TRUE) with state a factor whose first level is "censor"
#   (Aalen-Johansen); each row is its own id, since a multi-state fit refuses
#   overlapping intervals of one id. pstate of positive and rejection at
#   `times`; std_err_candidate = sqrt(colSums(rowsum(influence, candidate)^2))
#   and std_err_episode = the same summed per episode (the independent
#   infinitesimal jackknife); R 4.2's multi-state survfit ignores `cluster =`.
#   The influence of a weighted row is w times R's influence.pstate (which is
#   per unit of weight; checked: the summed squares equal R's own std.err).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_day_boundary_reference.R ROWS_CSV OUTPUT_JSON")
d <- read.csv(args[1], colClasses = c(cause = "character", candidate_id = "character"))
d$cause[is.na(d$cause)] <- ""
d$state <- factor(ifelse(d$cause == "", "censor", d$cause),
                  levels = c("censor", "positive", "rejection"))
d$status <- as.integer(d$state != "censor")
d$row <- seq_len(nrow(d))
times <- sort(unique(d$time))

km <- survfit(Surv(time, status) ~ 1, data = d, weights = w, robust = FALSE)
s <- summary(km, times = times, extend = TRUE)
km_rob <- survfit(Surv(time, status) ~ 1, data = d, weights = w, id = candidate_id,
                  robust = TRUE)
sr <- summary(km_rob, times = times, extend = TRUE)

# survival 3.5-3 warns "longer object length is not a multiple of shorter
# object length" once per row when influence = TRUE is combined with weights
# (not without influence); the influence it returns passes the check below
# against its own std.err, so that one warning is muffled.
quietly <- function(expr) withCallingHandlers(expr, warning = function(cond) {
  if (grepl("longer object length", conditionMessage(cond))) invokeRestart("muffleWarning")
})
fit <- quietly(survfit(Surv(time, state) ~ 1, data = d, weights = w, id = row,
                       influence = TRUE))
m <- quietly(summary(fit, times = times, extend = TRUE))
# row x (1 + times) x state; index 1 = before the first time. R's influence.pstate
# is per unit of case weight: a row's influence on the weighted estimate is w times it.
infl <- fit$influence.pstate * d$w
at <- function(t) findInterval(t, fit$time) + 1
inf_t <- infl[, at(times), , drop = FALSE]
stopifnot(isTRUE(all.equal(unname(sqrt(apply(inf_t^2, 2:3, sum))), unname(m$std.err),
                           tolerance = 1e-10)))
clustered_se <- function(inf, by) sqrt(colSums(rowsum(as.matrix(inf), by)^2))
se_cand <- t(sapply(seq_along(times), function(j) clustered_se(inf_t[, j, ], d$candidate_id)))
se_ep <- t(sapply(seq_along(times), function(j) clustered_se(inf_t[, j, ], d$episode)))
# The waiting state's candidate-summed se is the robust KM's.
stopifnot(isTRUE(all.equal(sr$std.err, se_cand[, 1], tolerance = 1e-10)))
states <- fit$states

out <- list(
  data = list(rows = nrow(d), episodes = length(unique(d$episode)), w_sum = sum(d$w),
              time_sum = sum(d$time * d$w)),
  times = times,
  km = list(surv = s$surv, std_err = s$std.err, n_risk = s$n.risk,
            std_err_candidate = sr$std.err),
  cif = list(positive = unname(m$pstate[, match("positive", states)]),
             rejection = unname(m$pstate[, match("rejection", states)]),
             std_err_candidate = unname(se_cand), std_err_episode = unname(se_ep),
             states = states),
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival"))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), args[2])
