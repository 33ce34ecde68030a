# Further reference values for tests/network, computed by hand with R (never by the tests):
#   networkreporting 0.3.1 (github dfeehan/networkreporting), surveybootstrap 0.0.3 (CRAN),
#   RDS 0.9-10 (CRAN).
# Run from the repository root with ../shared beside it:
#   Rscript tests/network/r_reference.R   (writes tests/network/r_values.json)
suppressMessages({library(networkreporting); library(surveybootstrap); library(RDS); library(dplyr); library(jsonlite)})
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

# time of one seeded rescaled bootstrap, 1000 replicates (benchmarks/network.py quotes it)
t0 <- proc.time()[["elapsed"]]
set.seed(20261127)
b <- bootstrap.estimates(survey.design = ~ cluster + strata(region), num.reps=1000,
                         estimator.fn="nsum.estimator", weights="indweight",
                         bootstrap.fn="rescaled.bootstrap.sample", survey.data=s,
                         d.hat.vals="d", y.vals="idu", total.popn.size=N,
                         missing="complete.obs")
out$nsum_bootstrap_seconds <- proc.time()[["elapsed"]] - t0
out$nsum_bootstrap_idu_sd <- sd(sapply(b, function(x) x$estimate))

## ---- respondent-driven sampling: fauxmadrona (N = 1000) and fauxsycamore (N = 715)
rds_load <- function(name, N) {
  d0 <- read.csv(paste0(ref, "rds_", name, ".csv"), stringsAsFactors=FALSE)
  as.rds.data.frame(d0, id="id", recruiter.id="recruiter.id", network.size="degree",
                    population.size=N)
}
row <- function(e) {
  m <- as.numeric(e$interval)
  list(estimate=m[1], lower=m[2], upper=m[3], deff=m[4], se=m[5], n=m[6])
}
out$rds <- list()
for (case in list(list("fauxmadrona", 1000), list("fauxsycamore", 715))) {
  name <- case[[1]]; N <- case[[2]]
  d <- rds_load(name, N)
  o <- list()
  o$rds1 <- row(RDS.I.estimates(d, "disease", N=N))
  o$rds2 <- row(RDS.II.estimates(d, "disease", N=N))
  o$weights_rds1 <- as.numeric(compute.weights(d, weight.type="RDS-I", N=N, outcome.variable="disease"))
  o$weights_rds2 <- as.numeric(compute.weights(d, weight.type="RDS-II", N=N))
  o$recruitment_homophily <- attr(homophily.estimates(d, "disease", recruitment=TRUE)@estimate, "homophily")
  # simulated quantities: one value per seed, for their Monte Carlo spread
  ss <- c(); ss_se <- c(); ss_deff <- c(); hom <- c(); t0 <- proc.time()[["elapsed"]]
  for (s in 1:20) {
    set.seed(s); r <- row(RDS.SS.estimates(d, "disease", N=N))
    ss <- c(ss, r$estimate); ss_se <- c(ss_se, r$se); ss_deff <- c(ss_deff, r$deff)
  }
  o$ss_seconds <- (proc.time()[["elapsed"]] - t0) / 20
  for (s in 1:5) {
    set.seed(s); hom <- c(hom, as.numeric(homophily.estimates(d, "disease", N=N)@estimate))
  }
  o$ss_estimate_by_seed <- ss
  # a sampling fraction of 2.5%: above R's SS.infinity (0.01), so still simulated
  big <- c()
  for (s in 1:10) {
    set.seed(s); big <- c(big, RDS.SS.estimates(d, "disease", N=40 * nrow(d))$interval[1])
  }
  o$ss_fraction_0025_by_seed <- big
  o$ss_se_by_seed <- ss_se
  o$ss_deff_by_seed <- ss_deff
  o$population_homophily_by_seed <- hom
  set.seed(1); o$ss <- row(RDS.SS.estimates(d, "disease", N=N))
  # Salganik's bootstrap. RDS 0.9-10 numbers the groups in order of first appearance in the
  # data but reads transitions in sorted order, so when the first respondent is not in the
  # lowest group (fauxmadrona's first respondent has disease = 1) its bootstrap chains swap
  # the groups: their mean is about 0.64 against an estimate of 0.16 and the standard error
  # is wrong. The runs below put a respondent of the lowest group first, where the two
  # orders agree (the data are otherwise unchanged).
  set.seed(1)
  shipped <- RDS:::salganik.bootstrap.estimates(d, "disease", 500, "RDS-II", N=N)
  o$salganik_shipped_order_mean <- mean(as.numeric(shipped))
  d0 <- read.csv(paste0(ref, "rds_", name, ".csv"), stringsAsFactors=FALSE)
  first0 <- which(d0$disease == 0)[1]
  d0 <- d0[c(first0, setdiff(seq_len(nrow(d0)), first0)), ]
  dr <- as.rds.data.frame(d0, id="id", recruiter.id="recruiter.id", network.size="degree",
                          population.size=N)
  for (est in c("RDS-II", "RDS-I")) {
    m <- c(); sdv <- c(); t0 <- proc.time()[["elapsed"]]
    for (s in 1:5) {
      set.seed(s)
      v <- as.numeric(RDS:::salganik.bootstrap.estimates(dr, "disease", 500, est, N=N))
      m <- c(m, mean(v)); sdv <- c(sdv, sd(v))
    }
    key <- if (est == "RDS-II") "salganik_rds2" else "salganik_rds1"
    o[[paste0(key, "_mean_by_seed")]] <- m
    o[[paste0(key, "_se_by_seed")]] <- sdv
    o[[paste0(key, "_seconds")]] <- (proc.time()[["elapsed"]] - t0) / 5
  }
  # Gile's SS bootstrap (RDS.bootstrap.intervals(uncertainty = "Gile"), 500 replicates).
  # For a numeric outcome RDS runs an R version of the bootstrap (useC is switched off),
  # which on fauxsycamore stops with "negative probability" (its seeds are drawn from the
  # initial degree mass, so a degree class can be drawn more often than it has members);
  # the outcome as a factor takes the compiled routine bsC, which this package follows.
  d$disease_factor <- factor(d$disease)
  gse <- c(); gmean <- c(); t0 <- proc.time()[["elapsed"]]
  for (s in 1:6) {
    set.seed(s)
    bs <- RDS:::SSBS.estimates(d, "disease_factor", number.of.bootstrap.samples=500, N=N,
                              fast=TRUE, useC=TRUE, verbose=FALSE)
    v <- attr(bs, "bsresult")$bsests[, "1"]
    gse <- c(gse, sd(v)); gmean <- c(gmean, mean(v))
  }
  o$gile_se_by_seed <- gse
  o$gile_mean_by_seed <- gmean
  o$gile_seconds <- (proc.time()[["elapsed"]] - t0) / 6
  out$rds[[name]] <- o
}

writeLines(toJSON(out, digits=NA, auto_unbox=TRUE, pretty=TRUE), "tests/network/r_values.json")
