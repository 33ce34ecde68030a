# Reference values for SSPSE (tests/network/test_sspse.py), computed by hand with R (never by
# the tests): sspse 1.1.0-6 (CRAN source) with RDS 0.9-10, R 4.x from Debian.
# Run from the repository root with ../shared beside it:
#   Rscript tests/network/r_sspse.R   (writes tests/network/r_sspse.json; about 5 minutes)
# posteriorsize(visibility = FALSE): the model without measurement error. sspse 1.1.0-6 sets
# the cap K to 35 whenever mem.optimism.prior is not given (posteriorsize.R, `K <- 35`), so
# with fauxmadrona's degrees (2..20) no degree is capped. include.tree = FALSE: the reported
# degrees as they are (not raised to the number of recruits + 1). The sampling order is the
# rows' order (no recruit.time). Six seeds per prior, pooled: the posterior's Monte Carlo error
# shows in the spread of the per-seed medians.
suppressMessages({library(sspse); library(RDS); library(jsonlite)})
d <- read.csv("../shared/reference/data/rds_fauxmadrona.csv")
rds <- as.rds.data.frame(d, id = "id", recruiter.id = "recruiter.id", network.size = "degree",
                         population.size = NA)
levels <- c(0.025, 0.25, 0.5, 0.75, 0.975)
out <- list(version = as.character(packageVersion("sspse")), levels = levels, calls = list(),
            results = list())
runs <- list(
  beta = quote(posteriorsize(rds, median.prior.size = 1000, priorsizedistribution = "beta",
    visibility = FALSE, include.tree = FALSE, mean.prior.visibility = 6, sd.prior.visibility = 4,
    samplesize = 4000, interval = 10, warmup = 5000, seed = seed, verbose = FALSE)),
  flat = quote(posteriorsize(rds, maxN = 4000, priorsizedistribution = "flat",
    visibility = FALSE, include.tree = FALSE, mean.prior.visibility = 6, sd.prior.visibility = 4,
    samplesize = 4000, interval = 10, warmup = 5000, seed = seed, verbose = FALSE)))
for (name in names(runs)) {
  pooled <- c(); medians <- c(); means <- c(); mu <- c()
  for (seed in 1:6) {
    fit <- suppressMessages(eval(runs[[name]]))
    N <- fit$sample[, "N"]
    pooled <- c(pooled, N); medians <- c(medians, median(N)); means <- c(means, mean(N))
    mu <- c(mu, fit$sample[, "mu"])
  }
  out$calls[[name]] <- paste(deparse(runs[[name]]), collapse = " ")
  out$results[[name]] <- list(quantiles = unname(quantile(pooled, levels)), mean = mean(pooled),
    seed_medians = medians, seed_means = means, mean_degree_median = median(mu),
    maxN = fit$maxN, K = fit$K, seeds = 1:6)
}
write_json(out, "tests/network/r_sspse.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
