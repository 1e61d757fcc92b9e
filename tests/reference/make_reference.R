# Reference values from R for hiring_funnel's estimators and tests.
#
#   python tests/reference/export_datasets.py /tmp/hf_reference
#   Rscript tests/reference/make_reference.R /tmp/hf_reference tests/reference/r_reference.json
#
# Reads <dir>/<name>.csv (columns time, status, group; status 0 = censored,
# k = 1, 2, ... = cause k) and writes one JSON file. This script is the
# documentation of where every number in r_reference.json comes from: each
# block below names the R call, and the JSON keys are the names of the R
# components (n.risk, std.err, ...) so a test can say "survfit()$std.err".
#
# Needs the Debian packages r-base-core, r-cran-survival, r-cran-cmprsk and
# r-cran-jsonlite. Non-finite numbers are written as the strings "NA", "NaN",
# "Inf" (jsonlite's na = "string"); the Python side turns them back into floats.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_reference.R CSV_DIRECTORY OUTPUT_JSON")
csv_dir <- args[1]
out_file <- args[2]

CONF_LEVEL <- 0.95
PROBS <- c(0.25, 0.5, 0.75)
Z <- qnorm(1 - (1 - CONF_LEVEL) / 2)

# Per data set: the cause names (status 1, 2, ... in that order; the same as
# CAUSES in export_datasets.py), the horizon of the restricted mean and the
# times at which cmprsk::timepoints() reads the cumulative incidence. Each
# list of times has one beyond the last follow-up, where timepoints() gives NA.
SETTINGS <- list(
  bmt = list(causes = c("trm", "relapse"), tau = 50, times = c(0, 5, 10, 20, 50, 100)),
  cgvhd = list(causes = c("cgvhd", "relapse", "death"), tau = 2,
               times = c(0.1, 0.25, 0.5, 1, 2, 10)),
  simulated = list(causes = c("positive", "rejection"), tau = 30,
                   times = c(0, 1, 7, 14, 30, 59, 100)),
  toy = list(causes = c("positive", "rejection"), tau = 5, times = c(0, 1, 2, 3.5, 8, 9))
)

# ---------------------------------------------------------------------------
# Kaplan-Meier of the all-cause waiting time:
#   survfit(Surv(time, status > 0) ~ 1, conf.type = "log-log")
# One row per distinct time (events and censorings). Note survfit's std.err is
# the standard error of the cumulative hazard -log S (Greenwood: sqrt of the
# sum of d / (n (n - d))), not of S; se(S) = surv * std.err. The log-log band
# is surv^exp(+-z std.err / log(surv)), NA where surv is 0 (and 1 before the
# first event, which survfit then reports as 1).
km_curve <- function(fit) {
  list(time = fit$time, n.risk = fit$n.risk, n.event = fit$n.event,
       n.censor = fit$n.censor, surv = fit$surv, std.err = fit$std.err,
       lower = fit$lower, upper = fit$upper)
}

# quantile.survfit(): the time where 1 - S first reaches p; where the curve
# sits exactly on 1 - p over an interval, the midpoint of that interval (and
# if it stays there to the end, the midpoint with the last time). The CI
# applies the same rule to the lower and upper curves.
km_quantile <- function(fit) {
  q <- quantile(fit, probs = PROBS, conf.int = TRUE)
  list(probs = PROBS, quantile = unname(q$quantile), lower = unname(q$lower),
       upper = unname(q$upper))
}

# Restricted mean: summary(fit, rmean = TAU)$table[c("rmean", "se(rmean)")],
# computed by survival:::survmean. Its conventions: the integral runs from
# min(0, first time) to TAU; past the last time the curve is carried forward
# at its last value; the variance is sum over times t_j <= TAU of
# (area under S from t_j to TAU)^2 d_j / (n_j (n_j - d_j)), a term taken as 0
# where n_j = d_j.
km_rmean <- function(table_row) {
  list(rmean = unname(table_row["rmean"]), se = unname(table_row["se(rmean)"]))
}

# ---------------------------------------------------------------------------
# cmprsk::cuminc(time, status, group, cencode = 0): for every group x cause
# the raw step vectors time, est, var (the curve starts with (0, 0), each
# event time appears twice, before and after the jump, and the last point is
# the group's last follow-up time). lower/upper are the pointwise log(-log)
# band computed here from var (Pintilie 2006, eq. 4.7):
#   F^exp(-+ z sqrt(var) / (F log F)),   NA where F is 0 or 1.
cif_band <- function(est, var) {
  f <- ifelse(est <= 0 | est >= 1, NA, est)
  s <- Z * sqrt(var) / (f * log(f))
  list(lower = f^exp(-s), upper = f^exp(s))
}

cif_curves <- function(fit, groups, causes) {
  out <- list()
  for (g in groups) {
    out[[g]] <- list()
    for (k in seq_along(causes)) {
      curve <- fit[[paste(g, k)]]
      out[[g]][[causes[k]]] <- c(list(time = curve$time, est = curve$est, var = curve$var),
                                 cif_band(curve$est, curve$var))
    }
  }
  out
}

# timepoints(fit, TIMES): the step functions read at TIMES (NA past the end).
cif_timepoints <- function(fit, groups, causes, times) {
  tp <- timepoints(fit, times)
  out <- list()
  for (g in groups) {
    out[[g]] <- list()
    for (k in seq_along(causes)) {
      row <- paste(g, k)
      out[[g]][[causes[k]]] <- c(list(est = unname(tp$est[row, ]), var = unname(tp$var[row, ])),
                                 cif_band(tp$est[row, ], tp$var[row, ]))
    }
  }
  list(times = times, curves = out)
}

# ---------------------------------------------------------------------------
reference_for <- function(name, settings) {
  d <- read.csv(file.path(csv_dir, paste0(name, ".csv")),
                colClasses = c("numeric", "integer", "character"))
  groups <- sort(unique(d$group))
  causes <- settings$causes
  tau <- settings$tau
  ref <- list(
    # A fingerprint of the data, so the tests know they rebuilt the same rows.
    data = list(n = nrow(d), time_sum = sum(d$time), status_sum = sum(d$status),
                group_sizes = as.list(table(d$group))),
    causes = causes, groups = groups, tau = tau
  )

  # All-cause Kaplan-Meier, overall and per group.
  fit1 <- survfit(Surv(time, status > 0) ~ 1, data = d, conf.type = "log-log",
                  conf.int = CONF_LEVEL)
  fitg <- survfit(Surv(time, status > 0) ~ group, data = d, conf.type = "log-log",
                  conf.int = CONF_LEVEL)
  ref$km <- list(overall = km_curve(fit1), groups = list())
  ref$quantile <- list(overall = km_quantile(fit1), groups = list())
  ref$rmean <- list(overall = km_rmean(summary(fit1, rmean = tau)$table), groups = list())
  gtable <- summary(fitg, rmean = tau)$table
  for (i in seq_along(groups)) {
    g <- groups[i]
    stratum <- paste0("group=", g)
    stopifnot(names(fitg$strata)[i] == stratum)
    ref$km$groups[[g]] <- km_curve(fitg[i])
    ref$quantile$groups[[g]] <- km_quantile(fitg[i])
    ref$rmean$groups[[g]] <- km_rmean(gtable[stratum, ])
  }

  # Log-rank test: survdiff(Surv(time, status > 0) ~ group) (rho = 0).
  sd <- survdiff(Surv(time, status > 0) ~ group, data = d)
  df <- sum(sd$exp > 0) - 1  # as print.survdiff
  ref$survdiff <- list(groups = groups, n = unname(as.vector(sd$n)), obs = sd$obs,
                       exp = sd$exp, var = unname(sd$var), chisq = sd$chisq, df = df,
                       pvalue = pchisq(sd$chisq, df, lower.tail = FALSE))

  # Cumulative incidence by group, with Gray's test (unstratified, rho = 0),
  # and without groups (cuminc names that single group "1").
  ci <- cuminc(d$time, d$status, d$group, cencode = 0)
  ci1 <- cuminc(d$time, d$status, cencode = 0)
  ref$cuminc <- list(
    groups = cif_curves(ci, groups, causes),
    overall = cif_curves(ci1, "1", causes)[["1"]],
    timepoints = list(groups = cif_timepoints(ci, groups, causes, settings$times),
                      overall = cif_timepoints(ci1, "1", causes, settings$times))
  )
  ref$cuminc$timepoints$overall$curves <- ref$cuminc$timepoints$overall$curves[["1"]]
  ref$gray <- gray_tests(ci$Tests, causes)
  # Gray's test with weight (1 - F(t-))^rho, rho = 1: cuminc(..., rho = 1)$Tests.
  ref$gray_rho1 <- gray_tests(cuminc(d$time, d$status, d$group, rho = 1, cencode = 0)$Tests,
                              causes)
  ref
}

gray_tests <- function(tests, causes) {
  out <- list()
  for (k in seq_along(causes)) {
    # cuminc labels the rows of Tests by status code; a stat of -1 means
    # cmprsk found the variance matrix singular.
    row <- tests[as.character(k), ]
    out[[causes[k]]] <- list(stat = unname(row["stat"]), pv = unname(row["pv"]),
                             df = unname(row["df"]))
  }
  out
}

reference <- list(
  generated_by = "tests/reference/make_reference.R",
  versions = list(R = R.version.string,
                  survival = as.character(packageVersion("survival")),
                  cmprsk = as.character(packageVersion("cmprsk")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  conf_level = CONF_LEVEL,
  datasets = list()
)
for (name in names(SETTINGS)) {
  reference$datasets[[name]] <- reference_for(name, SETTINGS[[name]])
}

writeLines(toJSON(reference, digits = NA, na = "string", auto_unbox = TRUE, pretty = 1),
           out_file)
cat("wrote", out_file, "\n")
