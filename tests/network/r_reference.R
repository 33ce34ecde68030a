# Further reference values for tests/network, computed by hand with R (never by the tests):
#   networkreporting 0.3.1 (github dfeehan/networkreporting), surveybootstrap, RDS 0.9-10.
# Run from the repository root with ../shared beside it:
#   Rscript tests/network/r_reference.R   (writes tests/network/r_values.json)
suppressMessages({library(networkreporting); library(RDS); library(dplyr); library(jsonlite)})
ref <- "../shared/reference/data/"
out <- list()

## ---- network scale-up: Rwanda
s <- read.csv(paste0(ref, "nsum_rwanda_survey.csv"), stringsAsFactors=FALSE, check.names=FALSE)
kp <- read.csv(paste0(ref, "nsum_rwanda_knownpop.csv"), stringsAsFactors=FALSE)
kpv <- setNames(kp$size, kp$known.popn); N <- 10718378
s <- topcode.data(s, vars=names(kpv), max=30)
s$d <- kp.individual.estimator_(resp.data=s, known.populations=names(kpv),
                                total.kp.size=sum(kpv), alter.popn.size=N,
                                dropmiss=TRUE)$dbar.Fcell.F
# alter.popn.size=N: R's default (the sum of the weights) scales every hold-out estimate by
# N / sum(weights), about 7,500 on these data
ic <- nsum.internal.consistency(s, known.popns=kpv, total.popn.size=N, kp.method=TRUE,
                                weights="indweight", missing="complete.obs", alter.popn.size=N)
out$nsum_internal_consistency <- data.frame(name=ic$results$name, estimate=ic$results$nsum.holdout.est)
out$nsum_internal_consistency_rmse <- ic$rmse
out$nsum_internal_consistency_are <- ic$are
out$nsum_other <- list()
for (h in c("msm", "clients")) {
  w <- nsum.estimator(s, d.hat.vals="d", y.vals=h, total.popn.size=N, weights="indweight",
                      missing="complete.obs")
  u <- nsum.estimator(s, d.hat.vals="d", y.vals=h, total.popn.size=N, missing="complete.obs",
                      killworth.se=TRUE)
  out$nsum_other[[h]] <- list(weighted=w$estimate, unweighted=u$estimate, killworth_se=u$killworth.se)
}

writeLines(toJSON(out, digits=NA, auto_unbox=TRUE, pretty=TRUE), "tests/network/r_values.json")
