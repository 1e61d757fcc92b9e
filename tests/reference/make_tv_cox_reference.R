# Reference values from survival::coxph with a time-varying covariate, for
# hiring_funnel.regression.follow_ups (tests/test_follow_ups.py).
#
#   python tests/reference/make_tv_cox_data.py tests/reference
#   Rscript tests/reference/make_tv_cox_reference.R tests/reference tests/reference/tv_cox_reference.json
#
# Reads tv_cox_episodes.csv (application_id, entry, duration, cause, x) and
# tv_cox_follow_ups.csv (application_id, day). Our days are inclusive whole
# days: an episode is at risk on days entry..duration, i.e. R's interval
# (entry - 1, duration]; everything is shifted by +1 so that day 0 is not a
# time 0 start: (entry, duration + 1], the answer at duration + 1.
#
# The split is R's own, survival::tmerge: a follow-up on day f enters as
# tdc(f + 1), so the covariate is on for intervals (start, stop] with
# start >= f + 1, i.e. from our day f + 1 (the day after the nudge). A time
# at or beyond tstop changes nothing (a follow-up on the last day or after
# the end); one at or before tstart sets the covariate from the start.
# cumtdc(f + 1) gives the running count of follow-ups.
#
# Fits (cause-specific: "rejection" is censored), Efron ties, converged far
# below the default tolerance so that the comparison at 1e-8 is about the
# likelihood, not the stopping rule:
#   tdc:    coxph(Surv(tstart, tstop, event) ~ followed_up + x, ties = "efron")
#   cumtdc: coxph(Surv(tstart, tstop, event) ~ follow_ups + x, ties = "efron")
#   naive:  coxph(Surv(start, stop, status) ~ ever_followed_up + x, ties = "efron")
#           on the unsplit episodes, ever_followed_up = any follow-up on a day
#           <= duration (the test's follow-ups are sent at 11:00 and answers
#           come at 15:00, so one on the last day is still inside the wait).
# Recorded: coef, se = sqrt(diag(var)), loglik (null, fitted), the number of
# rows tmerge made (after tdc alone, and after tdc and cumtdc: tmerge splits
# at every follow-up day inside (tstart, tstop) even for tdc, where the value
# stays 1; such splits leave the likelihood as it is) and of events.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_tv_cox_reference.R CSV_DIRECTORY OUTPUT_JSON")
csv_dir <- args[1]
out_file <- args[2]

ep <- read.csv(file.path(csv_dir, "tv_cox_episodes.csv"), stringsAsFactors = FALSE,
               na.strings = "")
fu <- read.csv(file.path(csv_dir, "tv_cox_follow_ups.csv"), stringsAsFactors = FALSE)
ep$status <- as.integer(!is.na(ep$cause) & ep$cause == "positive")
ep$start <- ep$entry
ep$stop <- ep$duration + 1
fu$time <- fu$day + 1

base <- tmerge(ep[, c("application_id", "x")], ep, id = application_id,
               event = event(stop, status), tstart = start, tstop = stop)
split <- tmerge(base, fu, id = application_id, followed_up = tdc(time))
rows_tdc <- nrow(split)
split <- tmerge(split, fu, id = application_id, follow_ups = cumtdc(time))

ep$ever_followed_up <- as.integer(ep$application_id %in%
  fu$application_id[fu$day <= ep$duration[match(fu$application_id, ep$application_id)]])

control <- coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100)
fit_one <- function(formula, data = split) {
  fit <- coxph(formula, data = data, ties = "efron", control = control)
  list(formula = deparse(formula), terms = I(names(coef(fit))),
       coef = I(unname(coef(fit))), se = I(unname(sqrt(diag(vcov(fit))))),
       loglik = I(unname(fit$loglik)), iterations = fit$iter, n_events = fit$nevent)
}

out <- list(
  rows_tdc = rows_tdc,
  rows_cumtdc = nrow(split),
  events = sum(split$event),
  tdc = fit_one(Surv(tstart, tstop, event) ~ followed_up + x),
  cumtdc = fit_one(Surv(tstart, tstop, event) ~ follow_ups + x),
  naive = fit_one(Surv(start, stop, status) ~ ever_followed_up + x, data = ep),
  versions = list(R = R.version.string,
                  survival = as.character(packageVersion("survival")),
                  jsonlite = as.character(packageVersion("jsonlite")))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), out_file)
