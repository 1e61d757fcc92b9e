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
# - by_candidate, at `cand_times`: the multi-state fit with influence = TRUE;
#   std_err (R's own, = sqrt(colSums(influence^2)), checked) and
#   std_err_candidate = sqrt(colSums(rowsum(influence, candidate_id)^2)) per
#   state (R 4.2's multi-state survfit ignores `cluster =`, see
#   make_influence_reference.R); km_std_err_candidate from
#   survfit(Surv(entry - 0.5, duration, status) ~ 1, cluster = candidate_id,
#   robust = TRUE), which must equal the waiting column.
# - silence: for offer, waited 10, horizon 60: ps = (F(60) - F(10)) / S(10),
#   p0 after day 0, ratio, and the candidate-clustered delta-method se of
#   p0, ps and log ratio from the influences (as make_influence_reference.R).
# - cure: the ghosting model with late entry, in base R (see the block below).
# - answer_g: G(t) = (1 - S(t)) / (1 - S(60)) and its candidate-clustered se
#   from IF G = (-IF S(t) + G IF S(60)) / (1 - S(60)).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_late_entry_reference.R EPISODES_CSV OUTPUT_JSON")
d <- read.csv(args[1], colClasses = c(cause = "character", industry = "character",
                                       company_size = "character", candidate_id = "character"))
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

clustered_se <- function(inf, cand) sqrt(colSums(rowsum(as.matrix(inf), cand)^2))
cand_times <- c(0, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 200)
fit <- survfit(Surv(entry - 0.5, duration, state) ~ 1, data = d, id = row, influence = TRUE)
infl <- fit$influence.pstate  # row x (1 + times) x state; time index 1 = before the first time
at <- function(t) findInterval(t, fit$time) + 1
sm <- summary(survfit(Surv(entry - 0.5, duration, state) ~ 1, data = d, id = row),
              times = cand_times, extend = TRUE)
inf_t <- infl[, at(cand_times), , drop = FALSE]
stopifnot(isTRUE(all.equal(unname(sqrt(apply(inf_t^2, 2:3, sum))), unname(sm$std.err),
                           tolerance = 1e-10)))
se_cand <- t(sapply(seq_along(cand_times), function(j) clustered_se(inf_t[, j, ], d$candidate_id)))
km_rob <- survfit(Surv(entry - 0.5, duration, status) ~ 1, data = d, cluster = candidate_id,
                  robust = TRUE)
km_se <- summary(km_rob, times = cand_times, extend = TRUE)$std.err
stopifnot(isTRUE(all.equal(km_se, se_cand[, 1], tolerance = 1e-10)))
all_states <- c("censor", "offer", "rejection")
pst <- function(t, state) rbind(fit$p0, fit$pstate)[at(t), match(state, all_states)]
ifl <- function(t, state) infl[, at(t), match(state, all_states)]
s_ <- 10; tau <- 60; k <- "offer"
ss <- pst(s_, "censor"); fs <- pst(s_, k); ft <- pst(tau, k)
s0 <- pst(0, "censor"); f0 <- pst(0, k)
ps <- (ft - fs) / ss
p0 <- (ft - f0) / s0
if_log <- (ifl(tau, k) - ifl(s_, k)) / (ft - fs) - ifl(s_, "censor") / ss -
  (ifl(tau, k) - ifl(0, k)) / (ft - f0) + ifl(0, "censor") / s0
silence <- list(
  cause = k, waited = s_, horizon = tau, p0 = p0, ps = ps, ratio = ps / p0,
  p0_se = clustered_se((ifl(tau, k) - ifl(0, k) - p0 * ifl(0, "censor")) / s0, d$candidate_id),
  ps_se = clustered_se((ifl(tau, k) - ifl(s_, k) - ps * ifl(s_, "censor")) / ss, d$candidate_id),
  log_se = clustered_se(if_log, d$candidate_id)
)
g_times <- c(0, 2, 10, 30, 60)
s_tau <- pst(60, "censor")
g <- (1 - pst(g_times, "censor")) / (1 - s_tau)
if_g <- (-matrix(infl[, at(g_times), 1], nrow(d)) + outer(ifl(60, "censor"), g)) / (1 - s_tau)
answer_g <- list(horizon = 60, times = g_times, g = g, se = clustered_se(if_g, d$candidate_id))

# The ghosting (mixture-cure) model with late entry, written out in base R as
# make_cure_reference.R does, each late episode's likelihood divided by the
# chance it was still waiting when the log began, (1 - p) + p S(entry - 1/2)
# (the day convention: an answer on day d is in (d - 1/2, d + 1/2]); answered
# = any cause; covariate company_size (reference: its first level in sort
# order, as ghosting_model, so not releveled as for coxph above). Maximised with optim (BFGS), SEs from optimHess.
xc <- model.matrix(~ size, data = data.frame(size = factor(as.character(d$company_size))))
kc <- ncol(xc)
tc <- d$duration
ans <- d$state != "censor"
late <- d$entry > 0
surv <- function(tt, m, s, timing) {
  z <- (log(tt) - m) / s
  if (timing == "lognormal") pnorm(z, lower.tail = FALSE) else exp(-exp(z))
}
nll <- function(th, timing) {
  p <- plogis(drop(xc %*% th[1:kc]))
  m <- drop(xc %*% th[(kc + 1):(2 * kc)])
  s <- exp(th[2 * kc + 1])
  lo <- surv(pmax(tc - 0.5, 0), m, s, timing)
  hi <- surv(tc + 0.5, m, s, timing)
  ll <- ifelse(ans, log(p) + log(lo - hi), log(1 - p + p * surv(tc, m, s, timing)))
  ll[late] <- ll[late] - log(1 - p[late] + p[late] * surv(d$entry[late] - 0.5, m[late], s, timing))
  -sum(ll)
}
cure <- list()
for (timing in c("lognormal", "weibull")) {
  start <- c(qlogis(mean(ans)), rep(0, kc - 1), log(median(tc[ans]) + 0.5), rep(0, kc - 1), 0)
  o <- optim(start, nll, timing = timing, method = "BFGS",
             control = list(maxit = 10000, reltol = 1e-12))
  o <- optim(o$par, nll, timing = timing, method = "BFGS",
             control = list(maxit = 10000, reltol = 1e-15))
  h <- optimHess(o$par, nll, timing = timing)
  cure[[timing]] <- list(terms = colnames(xc), coef = o$par, se = sqrt(diag(solve(h))),
                         loglik = -o$value, convergence = o$convergence)
}

out <- list(
  cure = cure,
  answer_g = answer_g,
  by_candidate = list(times = cand_times, pstate = unname(sm$pstate),
                      std_err = unname(sm$std.err), std_err_candidate = unname(se_cand),
                      km_std_err_candidate = km_se, states = fit$states),
  silence = silence,
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
