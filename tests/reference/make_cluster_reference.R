# Reference values from R's survival for the clustered (robust) variance of
# hiring_funnel.regression.cause_specific_cox(..., cluster=...).
#
#   python tests/reference/export_datasets.py /tmp/hf_reference
#   Rscript tests/reference/make_cluster_reference.R /tmp/hf_reference tests/reference/cluster_reference.json
#
# For the data sets bmt and simulated (time, status, group; status 0 =
# censored, k = cause k), rows are put in clusters of a few consecutive rows,
# cluster = (row - 1) %/% size with size 2 (bmt) and 3 (simulated), and
# every fifth row (row %% 5 == 0) of the "late" variant enters late, at day
# floor(time / 2). Each fit is
#   coxph(Surv(entry, time + 1, status == k) ~ group, cluster = cluster, ties = ties)
# for every cause k and ties in efron, breslow: our inclusive whole-day risk
# set [entry, time] is R's (entry - 1, time], shifted by +1. Recorded: coef,
# se = sqrt(diag(fit$var)) (the robust sandwich variance, Lin & Wei 1989) and
# naive_se = sqrt(diag(fit$naive.var)).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_cluster_reference.R CSV_DIRECTORY OUTPUT_JSON")
csv_dir <- args[1]
out_file <- args[2]

fits <- list()
for (name in c("bmt", "simulated")) {
  d <- read.csv(file.path(csv_dir, paste0(name, ".csv")), colClasses = c(group = "character"))
  row <- seq_len(nrow(d))
  d$cluster <- (row - 1) %/% (if (name == "bmt") 2 else 3)
  for (variant in c("plain", "late")) {
    d$entry <- if (variant == "late") ifelse(row %% 5 == 0, floor(d$time / 2), 0) else 0
    for (k in sort(unique(d$status[d$status > 0]))) {
      for (ties in c("efron", "breslow")) {
        fit <- coxph(Surv(entry, time + 1, status == k) ~ group, data = d,
                     cluster = cluster, ties = ties)
        fits[[length(fits) + 1]] <- list(
          data = name, variant = variant, cause = k, ties = ties,
          terms = names(coef(fit)), coef = unname(coef(fit)),
          se = unname(sqrt(diag(fit$var))), naive_se = unname(sqrt(diag(fit$naive.var)))
        )
      }
    }
  }
}
out <- list(fits = fits, r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), out_file)
