# Reference values from R's survival for hiring_funnel.estimators.influence
# (pinned in tests/test_influence.py). From the repository root, with the
# Debian packages r-base-core r-cran-survival r-cran-jsonlite:
#
#   Rscript tests/reference/make_influence_reference.R \
#       tests/reference/influence_episodes.csv tests/reference/influence_reference.json
#
# influence_episodes.csv (data, duration, cause, candidate; an empty cause is
# censored) holds two data sets. "toy": 20 hand-written episodes with tied
# days, censorings on days of answers, a fractional day, day-0 answers and
# candidates with up to three episodes. "sample": the decision episodes of the
# first 200 candidates (by candidate_key) of data/sample, exported with
#
#   python -c "import pandas as pd, hiring_funnel as hf; from hiring_funnel.report.privacy import candidate_key; ep = hf.episodes(hf.read_events('data/sample/events.csv'), 'decision'); key = candidate_key(ep); keep = key.isin(sorted(key.unique())[:200]); print(pd.DataFrame({'data': 'sample', 'duration': ep['duration'][keep], 'cause': ep['cause'][keep].astype('string'), 'candidate': key[keep]}).to_csv(index=False, header=False, float_format='%.10g'), end='')"
#
# (appended below the toy rows). Each data set is fitted as
#   survfit(Surv(duration, status) ~ 1, id = row, influence = TRUE)
# with status a factor whose first level is "censor" (competing risks,
# Aalen-Johansen; no timefix issue, days are whole or halves). Recorded:
# - pstate and std.err (summary(fit, times)), R's own; std.err equals
#   sqrt(colSums(influence^2)): influence.pstate is d estimate / d case weight,
#   not scaled by n.
# - influence: the whole influence.pstate at the times (toy only), as
#   episode x time x state in row-major order.
# - std_err_candidate: sqrt(colSums(rowsum(influence, candidate)^2)). In
#   survival 3.5-3 survfitCI computes `cluster` but passes `id` to docurve2, so
#   survfit(..., id = row, cluster = candidate) gives the unclustered std.err
#   for a multi-state fit; the rowsum is the clustered IJ variance it would
#   give. km_std_err_candidate is R's own clustered value for S(t), from
#   survfit(Surv(duration, status != "censor") ~ 1, cluster = candidate,
#   robust = TRUE), which honours `cluster`; the script stops unless the two agree.
# - silence: for (cause, waited s, horizon tau), ps = (F(tau) - F(s)) / S(s)
#   (still hope after s days), p0 the same after day 0 (answers on day 0 are
#   not "later"), ratio = ps / p0 and the candidate-clustered delta-method se
#   of log ratio from IF = (IF F(tau) - IF F(s)) / (F(tau) - F(s)) - IF S(s) /
#   S(s) - (IF F(tau) - IF F(0)) / (F(tau) - F(0)) + IF S(0) / S(0); also se of
#   p0, of ps, and of log ratio unclustered.
# - answer_g: G(t) = (1 - S(t)) / (1 - S(tau)) and its clustered se from
#   IF G = (-IF S(t) + G IF S(tau)) / (1 - S(tau)).
# - quantiles: G on every fit time <= tau, pointwise logit intervals
#   plogis(qlogis(G) -+ z se / (G (1 - G))) (G itself where G is 0 or 1), and
#   survival:::findq, the function quantile.survfit uses, on (0, times) and
#   (0, G), (0, upper), (0, lower): estimate, lower, upper. probs include a
#   value G takes on a flat stretch, to pin the midpoint rule.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_influence_reference.R EPISODES_CSV OUTPUT_JSON")
all_episodes <- read.csv(args[1], na.strings = "",
                         colClasses = c(data = "character", cause = "character", candidate = "character"))
z <- qnorm(0.975)
states <- c("waiting", "offer", "rejection")

clustered_se <- function(inf, cand) sqrt(colSums(rowsum(as.matrix(inf), cand)^2))

one <- function(d, times, silence, g_horizon, g_times, q_horizon, q_probs, keep_influence) {
  d$status <- factor(ifelse(is.na(d$cause), "censor", d$cause), levels = c("censor", "offer", "rejection"))
  d$row <- seq_len(nrow(d))
  fit <- survfit(Surv(duration, status) ~ 1, data = d, id = row, influence = TRUE)
  infl <- fit$influence.pstate  # row x (1 + times) x state; time index 1 = before the first time
  at <- function(t) findInterval(t, fit$time) + 1
  # summary() of a fit that carries influence.pstate warns (survival 3.5-3): use a plain fit.
  sm <- summary(survfit(Surv(duration, status) ~ 1, data = d, id = row), times = times, extend = TRUE)
  inf_t <- infl[, at(times), , drop = FALSE]
  stopifnot(isTRUE(all.equal(unname(sqrt(apply(inf_t^2, 2:3, sum))), unname(sm$std.err),
                             tolerance = 1e-12)))
  se_cand <- t(sapply(seq_along(times), function(j) clustered_se(inf_t[, j, ], d$candidate)))
  km <- survfit(Surv(duration, status != "censor") ~ 1, data = d, cluster = candidate, robust = TRUE)
  km_se <- summary(km, times = times, extend = TRUE)$std.err
  stopifnot(isTRUE(all.equal(km_se, se_cand[, 1], tolerance = 1e-12)))
  pst <- function(t, state) rbind(fit$p0, fit$pstate)[at(t), match(state, states)]
  ifl <- function(t, state) infl[, at(t), match(state, states)]

  sil <- lapply(silence, function(x) {
    s <- x$waited; tau <- x$horizon; k <- x$cause
    ss <- pst(s, "waiting"); fs <- pst(s, k); ft <- pst(tau, k)
    s0 <- pst(0, "waiting"); f0 <- pst(0, k)  # after day 0, as still_hope(waited = 0)
    ps <- (ft - fs) / ss
    p0 <- (ft - f0) / s0
    ratio <- ps / p0
    if_log <- (ifl(tau, k) - ifl(s, k)) / (ft - fs) - ifl(s, "waiting") / ss -
      (ifl(tau, k) - ifl(0, k)) / (ft - f0) + ifl(0, "waiting") / s0
    log_se <- clustered_se(if_log, d$candidate)
    list(cause = k, waited = s, horizon = tau, p0 = p0, ps = ps, ratio = ratio,
         p0_se = clustered_se((ifl(tau, k) - ifl(0, k) - p0 * ifl(0, "waiting")) / s0, d$candidate),
         ps_se = clustered_se((ifl(tau, k) - ifl(s, k) - ps * ifl(s, "waiting")) / ss, d$candidate),
         log_se = log_se, log_se_episode = sqrt(sum(if_log^2)),
         ci_lower = ratio * exp(-z * log_se), ci_upper = ratio * exp(z * log_se),
         events_before = sum(d$status == k & d$duration > 0 & d$duration <= s),
         events_after = sum(d$status == k & d$duration > s & d$duration <= tau),
         at_risk = sum(d$duration > s))
  })

  g_of <- function(tt, tau) {
    s_tau <- pst(tau, "waiting")
    g <- (1 - pst(tt, "waiting")) / (1 - s_tau)
    if_g <- (-matrix(infl[, at(tt), 1], nrow(d)) + outer(ifl(tau, "waiting"), g)) / (1 - s_tau)
    list(g = g, se = clustered_se(if_g, d$candidate))
  }
  gg <- g_of(g_times, g_horizon)

  tt <- fit$time[fit$time <= q_horizon]
  qg <- g_of(tt, q_horizon)
  inside <- qg$g > 0 & qg$g < 1
  half <- z * qg$se / (qg$g * (1 - qg$g))
  lo <- ifelse(inside, plogis(qlogis(qg$g) - half), qg$g)
  hi <- ifelse(inside, plogis(qlogis(qg$g) + half), qg$g)
  findq <- getFromNamespace("findq", "survival")
  tol <- sqrt(.Machine$double.eps)
  probs <- c(q_probs, qg$g[which(qg$g > 0.3 & qg$g < 0.7)[1]])  # a value G takes on a flat stretch
  quant <- list(horizon = q_horizon, probs = probs,
                answered = sum(d$status != "censor" & d$duration <= q_horizon),
                estimate = findq(c(0, tt), c(0, qg$g), probs, tol),
                lower = findq(c(0, tt), c(0, hi), probs, tol),
                upper = findq(c(0, tt), c(0, lo), probs, tol),
                monotone_limits = !is.unsorted(lo) && !is.unsorted(hi))

  out <- list(n = nrow(d), times = times, pstate = unname(sm$pstate), std_err = unname(sm$std.err),
              std_err_candidate = unname(se_cand), km_std_err_candidate = km_se,
              silence = sil, answer_g = list(horizon = g_horizon, times = g_times, g = gg$g, se = gg$se),
              quantiles = quant)
  if (keep_influence) out$influence <- as.vector(aperm(inf_t, c(3, 2, 1)))
  out
}

toy <- all_episodes[all_episodes$data == "toy", ]
sample <- all_episodes[all_episodes$data == "sample", ]
out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  datasets = list(
    toy = one(toy, times = c(0, 1, 2, 2.5, 2.7, 5, 7),
              silence = list(list(cause = "offer", waited = 2, horizon = 7),
                             list(cause = "rejection", waited = 1, horizon = 6)),
              g_horizon = 6, g_times = c(0, 1, 2.5, 4, 5, 6), q_horizon = 7,
              q_probs = c(0.25, 0.5, 0.9), keep_influence = TRUE),
    sample = one(sample, times = c(0, 1, 3, 7, 10.5, 14, 30, 60, 90, 150, max(sample$duration)),
                 silence = list(list(cause = "offer", waited = 30, horizon = 90),
                                list(cause = "offer", waited = 7, horizon = 150),
                                list(cause = "rejection", waited = 14, horizon = 60)),
                 g_horizon = 90, g_times = c(0, 3, 7, 30, 60, 89.5, 90), q_horizon = 90,
                 q_probs = c(0.25, 0.5, 0.9), keep_influence = FALSE)
  )
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "string"), args[2])
