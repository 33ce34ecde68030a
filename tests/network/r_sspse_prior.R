# Reference values for size_prior_weights (tests/network/test_sspse.py), computed by hand with
# R (never by the tests): sspse 1.1.0-6's dsizeprior, the beta prior on the sample share set
# by a median, a mode or quartiles, n = 500. Run from the repository root:
#   Rscript tests/network/r_sspse_prior.R   (writes tests/network/r_sspse_prior.json)
suppressMessages({library(sspse); library(jsonlite)})
cases <- list(median = list(median.prior.size = 1000), mode = list(mode.prior.size = 1000),
              quartiles = list(quartiles.prior.size = c(800, 1600)))
out <- list(version = as.character(packageVersion("sspse")), n = 500, calls = list(),
            results = list())
for (name in names(cases)) {
  args <- c(list(n = 500, type = "beta", log = FALSE, verbose = FALSE), cases[[name]])
  p <- do.call(dsizeprior, args)
  out$calls[[name]] <- paste(deparse(as.call(c(as.name("dsizeprior"), args))), collapse = " ")
  out$results[[name]] <- list(maxN = p$maxN, alpha = p$alpha, beta = p$beta,
    mode = p$mode.prior.size, median = p$median.prior.size,
    quartiles = p$quartiles.prior.size,
    # the normalised prior at ten sizes (p$x is n..maxN)
    at = p$x[round(seq(1, length(p$x), length.out = 10))],
    prior = p$lprior[round(seq(1, length(p$x), length.out = 10))])
}
write_json(out, "tests/network/r_sspse_prior.json", digits = NA, auto_unbox = TRUE)
