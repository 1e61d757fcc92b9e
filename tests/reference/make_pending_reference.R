# Reference values from R's survival for hiring_funnel.regression.pending and
# CoxResult.baseline.
#
#   python tests/reference/export_datasets.py /tmp/hf_reference
#   Rscript tests/reference/make_pending_reference.R /tmp/hf_reference tests/reference/pending_reference.json
#
# For each data set (time, status, group; status 0 = censored, k = cause k):
# 1. one Cox model per cause, coxph(Surv(time, status == k) ~ group,
#    ties = "efron"), and its cumulative baseline hazard for each group level,
#    survfit(fit, newdata = data.frame(group = level))$cumhaz;
# 2. the multi-state Cox model of all causes at once,
#    coxph(Surv(time, factor(status)) ~ group, id = id, ties = "breslow"),
#    and survfit(fit, newdata = data.frame(group = level), stype = 1)$pstate:
#    the Aalen-Johansen (product-limit, stype = 1; the default stype = 2 takes
#    a matrix exponential of each day's hazards instead) probabilities of being still waiting and of having ended
#    with each cause, per level, at every time of the survfit object.
#    Breslow, because survival 3.5-3 fits multi-state models with Breslow's
#    ties whatever `ties` says (its coefficients with ties = "efron" equal the
#    single-cause Breslow fits', checked by hand); the Efron hazard is pinned
#    by 1.
# Times are shifted by +1 before fitting (a whole day of 0 is a valid
# same-day answer for us; the shift changes no estimate) and back after.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_pending_reference.R CSV_DIRECTORY OUTPUT_JSON")
csv_dir <- args[1]
out_file <- args[2]

one <- function(name) {
  d <- read.csv(file.path(csv_dir, paste0(name, ".csv")), colClasses = c(group = "character"))
  d$t1 <- d$time + 1
  d$id <- seq_len(nrow(d))
  causes <- sort(unique(d$status[d$status > 0]))
  levels <- sort(unique(d$group))
  new <- data.frame(group = levels)
  single <- lapply(causes, function(k) {
    fit <- coxph(Surv(t1, status == k) ~ group, data = d, ties = "efron")
    sf <- survfit(fit, newdata = new)
    list(cause = k, coef = unname(coef(fit)), time = sf$time - 1,
         cumhaz = unname(as.matrix(sf$cumhaz)))
  })
  d$state <- factor(d$status, levels = c(0, causes), labels = c("censor", paste0("c", causes)))
  ms <- coxph(Surv(t1, state) ~ group, data = d, id = id, ties = "breslow")
  msf <- survfit(ms, newdata = new, stype = 1)
  # pstate: time x newdata row x state (state 1 = still waiting, then causes).
  p <- msf$pstate
  list(
    name = name, levels = levels, n = nrow(d), causes = causes, single = single,
    time = msf$time - 1,
    pstate = lapply(seq_along(levels), function(i) unname(p[, i, ]))
  )
}

out <- lapply(c("bmt", "simulated"), one)
names(out) <- c("bmt", "simulated")
out$r_version <- R.version.string
out$survival_version <- as.character(packageVersion("survival"))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor"), out_file)
