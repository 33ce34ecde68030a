# Downhill-search bootstraps of MultipleSystemsEstimation 1.2.0 (Silverman, Chan and Vincent
# 2024, Table 6) for tests/mse/test_published.py, written to r_downhill_boot.json. Slow (about
# 16 minutes for the eight New Orleans lists); run by hand from the repository root:
#   R_LIBS=<library with MultipleSystemsEstimation> Rscript tests/mse/r_downhill_boot.R
suppressPackageStartupMessages({library(MultipleSystemsEstimation); library(jsonlite)})
ns <- asNamespace("MultipleSystemsEstimation")
out <- list()
for (nm in c("Korea", "NewOrl")) {
  d <- read.csv(paste0("../shared/reference/data/", nm, ".csv")); nl <- ncol(d) - 1
  t0 <- proc.time()[3]
  est <- ns$downhill_fit(d[, nl + 1], d[, 1:nl], maxorder = 2)
  boot <- ns$downhill_bootstrapcal(d, nboot = 1000, iseed = 1234, maxorder = 2)
  ahat <- ns$downhill_jackknifecal(d, maxorder = 2)
  bca <- ns$bcaconfvalues(boot, est, ahat, alpha = c(0.025, 0.1, 0.9, 0.975))
  out[[nm]] <- list(estimate = est, acceleration = ahat, bca = unname(bca),
                    levels = c(0.025, 0.1, 0.9, 0.975), boot = boot,
                    seconds = unname(proc.time()[3] - t0))
}
out$version <- as.character(packageVersion("MultipleSystemsEstimation"))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), "tests/mse/r_downhill_boot.json")
