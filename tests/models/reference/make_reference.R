# Reference outputs of R's surveillance package for tests/models/test_detectors_reference.py.
#
# Writes seeded weekly series (series.csv) and, for each, what surveillance computes on them:
#   ears.csv       earsC C1, C2, C3 (alpha 0.001 / 0.001 / 0.025) with minSigma 0 and 0.5
#   farrington.csv farringtonFlexible with Noufaily's settings, b = 2 and b = 3
#   glrnb.csv      glrnb negative-binomial CUSUM with a fixed theta, ret = "cases" and "value"
# Run from the repository root: Rscript tests/models/reference/make_reference.R
suppressPackageStartupMessages(library(surveillance))
out <- "tests/models/reference"
set.seed(20240601)

weeks <- 208  # four years of 52 weeks
t <- seq_len(weeks)
season <- function(amplitude) exp(amplitude * sin(2 * pi * t / 52))
series <- list(
  steady = rpois(weeks, 6 * season(0.3)),
  sparse = rnbinom(weeks, mu = 1.2 * season(0.2), size = 3),
  trend = rpois(weeks, 2 * exp(0.006 * t) * season(0.4)),
  busy = rnbinom(weeks, mu = 15 * season(0.5), size = 8),
  quiet = rpois(weeks, 0.6)
)
# Outbreaks late in two series, so that alarms are exercised.
series$steady[c(190, 191, 192)] <- series$steady[c(190, 191, 192)] + c(9, 12, 10)
series$busy[200:208] <- series$busy[200:208] + round(seq(3, 20, length.out = 9))
series$trend[170:185] <- series$trend[170:185] + 3

long <- do.call(rbind, lapply(names(series), function(s)
  data.frame(series = s, week = t - 1, n = series[[s]])))
# The glrnb in-control mean: a smooth seasonal curve, known in advance as glrnb's mu0 allows.
long$mu0 <- with(long, ave(n, series, FUN = function(y) mean(y[1:104]))) *
  exp(0.2 * sin(2 * pi * (long$week + 1) / 52))
write.csv(long, file.path(out, "series.csv"), row.names = FALSE)

as_sts <- function(y) sts(observed = matrix(y, ncol = 1), frequency = 52)
rows <- function(s, method, setting, range, res, ...) {
  data.frame(series = s, method = method, setting = setting, week = range - 1,  # 0-based weeks
             upper = as.numeric(upperbound(res)), alarm = as.logical(alarms(res)), ...)
}

ears <- list()
for (s in names(series)) for (m in c("C1", "C2", "C3")) for (ms in c(0, 0.5)) {
  alpha <- if (m == "C3") 0.025 else 0.001
  range <- (switch(m, C1 = 7, C2 = 9, C3 = 11) + 1):weeks
  res <- earsC(as_sts(series[[s]]),
               control = list(method = m, alpha = alpha, minSigma = ms, range = range))
  ears[[length(ears) + 1]] <- rows(s, m, ms, range, res)
}
write.csv(do.call(rbind, ears), file.path(out, "ears.csv"), row.names = FALSE)

far <- list()
for (s in names(series)) for (b in c(2, 3)) {
  range <- (52 * b + 3 + 1):weeks
  control <- list(range = range, b = b, w = 3, noPeriods = 10,
                  pastWeeksNotIncluded = 26, weightsThreshold = 2.58, reweight = TRUE,
                  trend = TRUE, pThresholdTrend = 0.05, thresholdMethod = "nbPlugin",
                  populationOffset = FALSE, alpha = 0.05, limit54 = c(5, 4), glmWarnings = FALSE)
  res <- farringtonFlexible(as_sts(series[[s]]), control = control)
  far[[length(far) + 1]] <- rows(s, "farringtonFlexible", b, range, res,
    expected = as.numeric(res@control$expected), mu0 = as.numeric(res@control$mu0Vector),
    phi = as.numeric(res@control$phiVector),
    trend = as.numeric(!is.na(res@control$trendVector)))
}
write.csv(do.call(rbind, far), file.path(out, "farrington.csv"), row.names = FALSE)

glr <- list()
for (s in names(series)) for (ret in c("cases", "value")) {
  range <- 53:weeks
  mu0 <- long$mu0[long$series == s][range]
  control <- list(range = range, c.ARL = 4, mu0 = mu0, alpha = 0.3, theta = log(2),
                  dir = "inc", ret = ret)
  res <- glrnb(as_sts(series[[s]]), control = control)
  glr[[length(glr) + 1]] <- rows(s, "glrnb", ret, range, res)
}
write.csv(do.call(rbind, glr), file.path(out, "glrnb.csv"), row.names = FALSE)
cat("surveillance", as.character(packageVersion("surveillance")), "reference written to", out, "\n")
