# Reference values for hiring_funnel.regression.ghosting_model: the
# mixture-cure likelihood written out again in base R, independently of the
# Python code, and maximised with optim. (No cure-model package, such as
# flexsurvcure or smcure, is packaged for Debian; this checks the likelihood,
# its day convention, the optimum and the standard errors against a second
# implementation of the same documented model.)
#
#   python tests/reference/make_cure_data.py tests/reference/cure_episodes.csv
#   Rscript tests/reference/make_cure_reference.R tests/reference/cure_episodes.csv tests/reference/cure_reference.json
#
# Model (hiring_funnel/regression/_cure_likelihood.py): P(answered | x) =
# plogis(x'gamma); among the answered log T = x'beta + sigma W, W standard
# normal ("lognormal") or minimum extreme value ("weibull"). An answer on
# whole day d contributes p (S(max(d - 1/2, 0)) - S(d + 1/2)); an open wait
# censored on day c contributes 1 - p + p S(c). x = model.matrix(~ source +
# size): treatment contrasts against the first level in sort order. Fitted
# with optim(BFGS) from survreg-like starting values, then polished by a
# second BFGS run with reltol 1e-15; standard errors from the inverse of
# optimHess at the optimum. Recorded per timing: coef (gamma, beta,
# log sigma), se, loglik.

suppressPackageStartupMessages(library(jsonlite))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_cure_reference.R CSV OUTPUT_JSON")
d <- read.csv(args[1], colClasses = c(source = "character", size = "character"))
x <- model.matrix(~ source + size, data = d)
k <- ncol(x)
t <- d$duration
ans <- d$answered == 1

surv <- function(tt, m, s, timing) {
  z <- (log(tt) - m) / s  # log(0) = -Inf gives S = 1
  if (timing == "lognormal") pnorm(z, lower.tail = FALSE) else exp(-exp(z))
}

nll <- function(th, timing) {
  p <- plogis(drop(x %*% th[1:k]))
  m <- drop(x %*% th[(k + 1):(2 * k)])
  s <- exp(th[2 * k + 1])
  lo <- surv(pmax(t - 0.5, 0), m, s, timing)
  hi <- surv(t + 0.5, m, s, timing)
  ll <- ifelse(ans, log(p) + log(lo - hi), log(1 - p + p * surv(t, m, s, timing)))
  -sum(ll)
}

fits <- list()
for (timing in c("lognormal", "weibull")) {
  start <- c(qlogis(mean(ans)), rep(0, k - 1), log(median(t[ans]) + 0.5), rep(0, k - 1), 0)
  o <- optim(start, nll, timing = timing, method = "BFGS",
             control = list(maxit = 10000, reltol = 1e-12))
  o <- optim(o$par, nll, timing = timing, method = "BFGS",
             control = list(maxit = 10000, reltol = 1e-15))
  h <- optimHess(o$par, nll, timing = timing)
  fits[[timing]] <- list(
    terms = colnames(x), coef = o$par, se = sqrt(diag(solve(h))), loglik = -o$value,
    convergence = o$convergence
  )
}
fits$r_version <- R.version.string
writeLines(toJSON(fits, digits = NA, auto_unbox = TRUE), args[2])
