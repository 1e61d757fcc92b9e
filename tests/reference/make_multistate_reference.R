# Reference values from R's survival for the funnel's multi-state model
# (hiring_funnel.estimators.transitions, pinned in tests/test_multistate.py).
# From the repository root, with the Debian packages r-base-core r-cran-survival
# r-cran-jsonlite:
#
#   python tests/reference/multistate_data.py /tmp/hf_multistate
#   Rscript tests/reference/make_multistate_reference.R /tmp/hf_multistate \
#       tests/reference/multistate_reference.json
#
# The CSVs are hiring_funnel.state_paths of three data sets (multistate_data.py
# says which): columns application_id, candidate_id, from_state, to_state,
# start, stop (days since applied, whole days).
#
# Conventions, where R and our day counting meet:
# - survfit needs stop > start. Our first row of each application starts in
#   "applied" at day 0 and may end on day 0 (a same-day answer). Here every
#   applied row starts at -1 instead, so a day-0 move is counted at time 0,
#   as the estimators do (any start in [-1, 0) gives the same fit). The only
#   other rows with stop == start are censored rows of an application that
#   moved on its export day: they are never at risk, and are dropped.
# - The state of a day is the state at its end. survfit(start.time = s)
#   counts moves at time s itself as after the start, so "in state i at the
#   end of day s" is start.time = s + 0.5 (days are whole).
#
# R calls (survival 3.5):
# - occupation: survfit(Surv(start, stop, to) ~ 1, id = application_id,
#   istate = from_state, influence = TRUE), to a factor whose first level is
#   "censor". pstate and std.err at every fit$time (R's own; std.err checked
#   equal to sqrt(colSums(influence.pstate^2)), one row per application);
#   std_err_candidate = sqrt(colSums(rowsum(influence, candidate)^2)), the IJ
#   variance summed per candidate (survival 3.5's multi-state survfitCI does
#   not pass `cluster =` on; see make_influence_reference.R).
# - transitions: the same fit with start.time = s + 0.5 and p0 = e_i (the
#   starting state fixed, so it has no influence): pstate = row i of the
#   Aalen-Johansen P(s, t), std.err and std_err_candidate as above. The
#   chance of an offer by tau from state i at s (still_hope_from) is its
#   "offer" column at tau.
# - cross-check, not recorded: etm::etm(..., s = s + 0.5) and trprob(fit, "i j")
#   give the same P_ij(s, t) (the script stops unless they agree to 1e-12).

suppressPackageStartupMessages({
  library(survival)
  library(etm)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_multistate_reference.R PATHS_DIR OUTPUT_JSON")
states <- c("applied", "screened", "interviewed", "offer", "rejection", "withdrawn/closed")

# (from state, s) pairs of the transition probabilities, per data set.
transitions <- list(
  toy = list(list("applied", 0), list("applied", 3), list("screened", 2),
             list("screened", 5), list("interviewed", 6)),
  sample = list(list("applied", 0), list("applied", 14), list("screened", 10),
                list("interviewed", 30), list("interviewed", 60)),
  real = list(list("applied", 0), list("applied", 5), list("screened", 3))
)

clustered_se <- function(infl, cand) {
  # infl: application x time x state, rows named by application_id.
  grp <- cand[rownames(infl)]
  out <- apply(infl, 3, function(m) sqrt(colSums(rowsum(m, grp)^2)))
  matrix(out, ncol = length(states))
}

fit_one <- function(d, cand, start_time = NULL, p0 = NULL) {
  f <- function(influence) {
    if (is.null(start_time)) {
      survfit(Surv(start, stop, to) ~ 1, data = d, id = application_id, istate = istate,
              influence = influence)
    } else {
      survfit(Surv(start, stop, to) ~ 1, data = d, id = application_id, istate = istate,
              start.time = start_time, p0 = p0, influence = influence)
    }
  }
  fit <- f(TRUE)
  stopifnot(identical(fit$states, states))
  infl <- fit$influence.pstate[, -1, , drop = FALSE]  # index 1 is the start
  se_ij <- sqrt(apply(infl^2, 2:3, sum))
  stopifnot(isTRUE(all.equal(unname(se_ij), unname(fit$std.err), tolerance = 1e-12)))
  list(time = fit$time, pstate = unname(fit$pstate), std_err = unname(fit$std.err),
       std_err_candidate = clustered_se(infl, cand))
}

etm_check <- function(d, from, s, fit) {
  codes <- setNames(as.character(seq_along(states) - 1), states)
  e <- data.frame(id = d$application_id, from = codes[d$from_state],
                  to = ifelse(d$to_state == "censored", "cens", codes[d$to_state]),
                  entry = d$start, exit = d$stop, stringsAsFactors = FALSE)
  tra <- matrix(FALSE, 6, 6, dimnames = list(codes, codes))
  tra[1, 2:6] <- TRUE; tra[2, 3:6] <- TRUE; tra[3, 4:6] <- TRUE
  ef <- suppressWarnings(etm(e, codes, tra, "cens", s = s))
  at <- findInterval(ef$time, fit$time)
  for (j in seq_along(states)) {
    tp <- trprob(ef, paste(codes[from], codes[j]))
    stopifnot(isTRUE(all.equal(unname(tp), fit$pstate[at, j], tolerance = 1e-12)))
  }
}

one <- function(name) {
  d <- read.csv(file.path(args[1], paste0(name, "_paths.csv")), stringsAsFactors = FALSE,
                colClasses = c(application_id = "character", candidate_id = "character"))
  out <- list(rows = nrow(d), start_sum = sum(d$start), stop_sum = sum(d$stop),
              applications = length(unique(d$application_id)),
              candidates = length(unique(d$candidate_id)))
  cand <- tapply(d$candidate_id, d$application_id, function(x) x[1])
  d$start[d$from_state == "applied"] <- -1
  d <- d[d$stop > d$start, ]
  d$to <- factor(ifelse(d$to_state == "censored", "censor", d$to_state),
                 levels = c("censor", states[-1]))
  d$istate <- factor(d$from_state, levels = states)
  out$occupation <- fit_one(d, cand)
  out$transitions <- lapply(transitions[[name]], function(x) {
    p0 <- as.numeric(states == x[[1]])
    fit <- fit_one(d, cand, x[[2]] + 0.5, p0)
    etm_check(d, x[[1]], x[[2]] + 0.5, fit)
    c(list(from_state = x[[1]], waited = x[[2]]), fit)
  })
  out
}

result <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
  datasets = sapply(names(transitions), one, simplify = FALSE)
)
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, matrix = "rowmajor"), args[2])
