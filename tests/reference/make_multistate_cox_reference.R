# Reference values from R's survival for the multi-state Cox model behind
# predict's offer_eventually (hiring_funnel.regression._stage_hazards, pinned
# in tests/test_predict_multistate.py). From the repository root, with the
# Debian packages r-base-core r-cran-survival r-cran-jsonlite:
#
#   python tests/reference/multistate_cox_data.py /tmp/hf_multistate_cox
#   Rscript tests/reference/make_multistate_cox_reference.R /tmp/hf_multistate_cox \
#       tests/reference/multistate_cox_reference.json
#
# The CSV is hiring_funnel.state_paths of data/sample with the covariates
# remote (binary) and company_size (four levels) of each application.
#
# Conventions, where R and our day counting meet (as make_multistate_reference.R):
# - A row that enters a stage on day `start` is at risk of its next move on
#   days start + 1 .. stop: R's (start, stop]. The applied rows are at risk
#   from day 0 (a same-day answer ends on day 0): they start at -1 here.
#   Censored rows with stop == start (never at risk) are dropped.
# - "In stage X at the end of day s" is survfit(..., start.time = s + 0.5,
#   p0 = e_X); the chance of an offer by tau is pstate's "offer" column at the
#   last time <= tau.
#
# R calls (survival 3.5-3):
# - coxph(Surv(start, stop, to) ~ remote + company_size, id = application_id,
#   istate = istate): one coefficient per covariate and transition, each
#   transition its own baseline hazard (the cause-specific Cox models of the
#   moves). Found here: survival 3.5-3's multi-state coxph fits Breslow's
#   likelihood whatever `ties` says (ties = "efron" gives the same
#   coefficients as ties = "breslow", and those of separate Breslow fits per
#   transition; the script stops unless so). So the whole chain is pinned
#   with ties = "breslow" (pending_model(..., ties="breslow")), and
#   survfit(fit, newdata = profile, start.time = s + 0.5, p0 = e_X,
#   ctype = 1, stype = 1) (Breslow's baseline hazard d / sum exp(x'b); stype = 1, the
#   Aalen-Johansen product, diagonal pmax(0, 1 - rowSums); survfit.coxphms's
#   default stype = 2 is the matrix exponential of the summed hazards, a
#   different estimator) gives the predictions: "predictions".
# - The Efron coefficients (our default) per transition: separate
#   coxph(Surv(start, stop, to == j) ~ remote + company_size, ties = "efron")
#   on the rows leaving each state: "efron_coefficients".

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_multistate_cox_reference.R DATA_DIR OUTPUT_JSON")
states <- c("applied", "screened", "interviewed", "offer", "rejection", "withdrawn/closed")

d <- read.csv(file.path(args[1], "sample_cox_paths.csv"), stringsAsFactors = FALSE,
              colClasses = c(application_id = "character", candidate_id = "character",
                             remote = "character", company_size = "character"))
ref <- read.csv(file.path(args[1], "reference.csv"), stringsAsFactors = FALSE,
                colClasses = "character")
out <- list(rows = nrow(d), start_sum = sum(d$start), stop_sum = sum(d$stop))
d$start[d$from_state == "applied"] <- -1
d <- d[d$stop > d$start, ]
d$to <- factor(ifelse(d$to_state == "censored", "censor", d$to_state),
               levels = c("censor", states[-1]))
d$istate <- factor(d$from_state, levels = states)
for (i in seq_len(nrow(ref))) {
  v <- ref$covariate[i]
  lev <- sort(unique(d[[v]]))
  d[[v]] <- factor(d[[v]], levels = c(ref$reference[i], setdiff(lev, ref$reference[i])))
}

fit <- coxph(Surv(start, stop, to) ~ remote + company_size, data = d,
             id = application_id, istate = istate, ties = "breslow")
stopifnot(identical(fit$states, states))
fit_efron <- coxph(Surv(start, stop, to) ~ remote + company_size, data = d,
                   id = application_id, istate = istate, ties = "efron")
stopifnot(isTRUE(all.equal(coef(fit), coef(fit_efron), tolerance = 1e-12)))

# Coefficients per transition: fit$cmap rows are terms' columns, its columns
# the transitions "i:j" (state numbers in fit$states).
terms <- c(paste0("remote=", levels(d$remote)[-1]),
           paste0("company_size=", levels(d$company_size)[-1]))
coefs <- list()
efron <- list()
for (tr in colnames(fit$cmap)) {
  ij <- as.integer(strsplit(tr, ":")[[1]])
  name <- paste(states[ij[1]], "->", states[ij[2]])
  idx <- fit$cmap[, tr]
  stopifnot(length(idx) == length(terms), all(idx > 0))
  coefs[[name]] <- setNames(as.list(unname(fit$coefficients[idx])), terms)
  rows <- d[d$from_state == states[ij[1]], ]
  one <- function(ties) {
    coef(coxph(Surv(start, stop, to == states[ij[2]]) ~ remote + company_size, data = rows,
               ties = ties))
  }
  stopifnot(isTRUE(all.equal(unname(one("breslow")), unname(fit$coefficients[idx]),
                             tolerance = 1e-7)))
  efron[[name]] <- setNames(as.list(unname(one("efron"))), terms)
}
out$coefficients <- coefs  # the multi-state fit, Breslow
out$efron_coefficients <- efron
out$reference <- setNames(as.list(ref$reference), ref$covariate)
out$iterations <- fit$iter

profiles <- list(
  list(remote = "False", company_size = "5000+"),
  list(remote = "True", company_size = "1-50"),
  list(remote = "False", company_size = "51-500")
)
asks <- list(list("applied", 0), list("applied", 7), list("screened", 7),
             list("screened", 14), list("interviewed", 14), list("interviewed", 30))
tau <- 120
preds <- list()
for (p in profiles) {
  nd <- data.frame(remote = factor(p$remote, levels = levels(d$remote)),
                   company_size = factor(p$company_size, levels = levels(d$company_size)))
  for (a in asks) {
    p0 <- as.numeric(states == a[[1]])
    sf <- survfit(fit, newdata = nd, start.time = a[[2]] + 0.5, p0 = p0, ctype = 1, stype = 1)
    ps <- sf$pstate
    if (length(dim(ps)) == 3) ps <- ps[, 1, ]
    at <- max(which(sf$time <= tau))
    preds[[length(preds) + 1]] <- list(remote = p$remote, company_size = p$company_size,
                                       stage = a[[1]], waited = a[[2]], horizon = tau,
                                       offer = ps[at, which(states == "offer")])
  }
}
out$predictions <- preds
result <- c(list(versions = list(R = R.version.string,
                                 survival = as.character(packageVersion("survival")))), out)
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE), args[2])
