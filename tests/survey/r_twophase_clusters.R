# Two-phase designs with a cluster sample at phase one, in R 4.1.1 with survey 4.1.1 (issue
# #16): R survey's tests/twophase.R ("two-stage sampling as two-phase", mu284), where a
# two-stage sample is written as a phase-one cluster sample (every element of the sampled
# clusters, added as phantom rows) and a phase-two sample within clusters; run by hand:
#   Rscript tests/survey/r_twophase_clusters.R tests/survey/data/mu284.csv > tests/survey/r_twophase_clusters.json
suppressPackageStartupMessages({library(survey); library(jsonlite)})
mu284 <- read.csv(commandArgs(TRUE)[1])
ii <- with(mu284, c(1:15, rep(1:5, n2[1:5] - 3)))
mu284.1 <- mu284[ii, ]
mu284.1$id <- 1:nrow(mu284.1)
mu284.1$sub <- rep(c(TRUE, FALSE), c(15, 34 - 15))
dmu284 <- svydesign(id = ~id1 + id2, fpc = ~n1 + n2, data = mu284)
est <- function(v) list(estimate = unname(coef(v)), se = as.numeric(SE(v)))
calls <- list(
  two_stage = "svydesign(id = ~id1 + id2, fpc = ~n1 + n2, data = mu284)",
  approx = "twophase(id = list(~id1, ~id), strata = list(NULL, ~id1), fpc = list(~n1, NULL), data = mu284.1, subset = ~sub, method = 'approx')",
  full = "twophase(id = list(~id1, ~id), strata = list(NULL, ~id1), fpc = list(~n1, NULL), data = mu284.1, subset = ~sub, method = 'full')",
  full_nofpc = "twophase(id = list(~id1, ~id), strata = list(NULL, ~id1), data = mu284.1, subset = ~sub)")
out <- list()
for (k in names(calls)) {
  d <- eval(parse(text = calls[[k]]))
  t <- svytotal(~y1, d)
  out[[k]] <- list(r = calls[[k]], total = est(t), mean = est(svymean(~y1, d)))
  if (k != "two_stage" && k != "approx") {
    ph <- attr(attr(t, "var"), "phases")
    out[[k]]$phase1 <- as.numeric(ph$phase1); out[[k]]$phase2 <- as.numeric(ph$phase2)
  }
}
cat(toJSON(out, digits = I(15), auto_unbox = TRUE, pretty = TRUE))
