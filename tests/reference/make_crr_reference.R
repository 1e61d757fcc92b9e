# Reference values from cmprsk::crr for hiring_funnel.regression.fine_gray.
#
#   python tests/reference/export_datasets.py /tmp/hf_reference
#   python tests/test_fine_gray.py /tmp/hf_reference      # adds cgvhd_covariates.csv
#   Rscript tests/reference/make_crr_reference.R /tmp/hf_reference tests/reference/crr_reference.json
#
# Reads <dir>/<name>.csv (time, status, group; status 0 = censored, k = cause
# k) and, for cgvhd, <dir>/cgvhd_covariates.csv (age, dx, extent: the other
# columns of scikit-survival's load_cgvhd, in the same row order). Writes one
# JSON file; non-finite numbers are the strings "NA", "NaN", "Inf".
#
# Each fit is
#   crr(ftime = time, fstatus = status, cov1 = X, failcode = k, cencode = 0)
# with X = model.matrix(~ covariates)[, -1]: numeric columns as they are,
# character columns as factors with R's default (alphabetical) levels and
# treatment contrasts (the first level is the reference). Recorded: coef,
# se = sqrt(diag(var)) (crr's sandwich variance, Fine & Gray 1999 section 3),
# loglik (the log pseudo-likelihood at the estimate), loglik.null (at 0),
# converged, and the term names of X. gtol and maxiter are crr's defaults.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_crr_reference.R CSV_DIRECTORY OUTPUT_JSON")
csv_dir <- args[1]
out_file <- args[2]

read_set <- function(name) {
  d <- read.csv(file.path(csv_dir, paste0(name, ".csv")), stringsAsFactors = FALSE)
  extra <- file.path(csv_dir, paste0(name, "_covariates.csv"))
  if (file.exists(extra)) d <- cbind(d, read.csv(extra, stringsAsFactors = FALSE))
  d
}

# One model: the data set, the cause (status code) and the covariates. The
# name is the key in the JSON; the tests look models up by it.
MODELS <- list(
  list(name = "bmt_trm_dis", data = "bmt", failcode = 1, covariates = c("group")),
  list(name = "bmt_relapse_dis", data = "bmt", failcode = 2, covariates = c("group")),
  list(name = "cgvhd_cgvhd_tx", data = "cgvhd", failcode = 1, covariates = c("group")),
  list(name = "cgvhd_cgvhd_age_tx_dx", data = "cgvhd", failcode = 1,
       covariates = c("age", "group", "dx")),
  list(name = "cgvhd_relapse_age", data = "cgvhd", failcode = 2, covariates = c("age")),
  list(name = "simulated_positive_group", data = "simulated", failcode = 1,
       covariates = c("group"))
)

fit_one <- function(m) {
  d <- read_set(m$data)
  x <- model.matrix(reformulate(m$covariates), data = d)[, -1, drop = FALSE]
  fit <- crr(ftime = d$time, fstatus = d$status, cov1 = x, failcode = m$failcode,
             cencode = 0)
  list(data = m$data, failcode = m$failcode, covariates = I(m$covariates),
       terms = I(colnames(x)), coef = I(unname(fit$coef)),
       se = I(unname(sqrt(diag(fit$var)))), loglik = fit$loglik,
       loglik.null = fit$loglik.null, converged = fit$converged,
       n = nrow(d), time_sum = sum(d$time), status_sum = sum(d$status))
}

models <- lapply(MODELS, fit_one)
names(models) <- vapply(MODELS, function(m) m$name, "")

reference <- list(
  generated_by = "tests/reference/make_crr_reference.R",
  versions = list(R = R.version.string,
                  survival = as.character(packageVersion("survival")),
                  cmprsk = as.character(packageVersion("cmprsk")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  models = models
)
writeLines(toJSON(reference, digits = NA, na = "string", auto_unbox = TRUE, pretty = 1),
           out_file)
