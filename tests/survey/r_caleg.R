# Reference values from R's survey package (4.1.1) for calibration within clusters, aggregated
# calibration, bounds, ratio calibration and pre-calibrated weights (issue #16). The calls are
# those of R survey's tests/testoutput/caleg.R and vignettes/precalibrated.Rnw; run by hand:
#   Rscript tests/survey/r_caleg.R ../shared/reference/data tests/survey > tests/survey/r_caleg.json
# The second argument is where the small data set drawn with R's random numbers (the
# postStratify-versus-calibrate example, set.seed(17)) is written as caleg_french.csv.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
args <- commandArgs(TRUE)
dir <- if (length(args)) args[1] else "../shared/reference/data"
outdir <- if (length(args) > 1) args[2] else "."
rd <- function(name) read.csv(file.path(dir, paste0("survey_", name, ".csv")))
apiclus1 <- rd("apiclus1"); apiclus2 <- rd("apiclus2"); apistrat <- rd("apistrat")
apipop <- rd("apipop")
out <- list()
est <- function(v) list(estimate = as.numeric(coef(v)), se = as.numeric(SE(v)))

## calibration to first-stage clusters (caleg.R)
clusters <- table(apiclus2$dnum)
clusters <- clusters[clusters > 1 & names(clusters) != "639"]
apiclus2a <- subset(apiclus2, dnum %in% as.numeric(names(clusters)))
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2a)
popclusters <- subset(apipop, dnum %in% as.numeric(names(clusters)))
pop <- lapply(as.numeric(names(clusters)), function(cluster) {
  colSums(model.matrix(~api99, model.frame(~api99, subset(popclusters, dnum %in% cluster))))})
names(pop) <- names(clusters)
dclus2g <- calibrate(dclus2, ~api99, pop, stage = 1)
out$stage1 <- list(
  r = "calibrate(dclus2, ~api99, pop, stage=1) on apiclus2 without single-school districts and 639",
  dnum = as.numeric(names(clusters)),
  pop_size = as.numeric(sapply(pop, `[`, 1)), pop_api99 = as.numeric(sapply(pop, `[`, 2)),
  mean_plain = est(svymean(~api99, dclus2)), mean_cal = est(svymean(~api99, dclus2g)),
  total_cal = est(svytotal(~api99, dclus2g)), total_api00_cal = est(svytotal(~api00, dclus2g)),
  mean_api00_cal = est(svymean(~api00, dclus2g)),
  by_plain = as.list(svyby(~api99, ~dnum, design = dclus2, svymean)[, 2:3]),
  by_cal = as.list(svyby(~api99, ~dnum, design = dclus2g, svymean)[, 2:3]),
  weights = as.numeric(weights(dclus2g)))

## averaging to the first stage
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
popv <- colSums(cbind(1, apipop$enroll), na.rm = TRUE)
dclus1g <- calibrate(dclus1, ~enroll, popv, aggregate = 1)
out$aggregate <- list(r = "calibrate(dclus1, ~enroll, c(6194, sum(enroll)), aggregate=1)",
  population = as.numeric(popv),
  total_enroll = est(svytotal(~enroll, dclus1g)), total_api_stu = est(svytotal(~api.stu, dclus1g)),
  mean_api00 = est(svymean(~api00, dclus1g)), weights = as.numeric(weights(dclus1g)))
dclus1gr <- calibrate(dclus1, ~enroll, popv, aggregate = 1, calfun = "raking")
out$aggregate_raking <- list(r = "calibrate(dclus1, ~enroll, pop, aggregate=1, calfun='raking')",
  total_api_stu = est(svytotal(~api.stu, dclus1gr)), weights = as.numeric(weights(dclus1gr)))

rclus1 <- as.svrepdesign(dclus1, type = "JK1")
rclus1g <- calibrate(rclus1, ~enroll, popv, aggregate.index = ~dnum)
out$aggregate_replicate <- list(r = "calibrate(as.svrepdesign(dclus1, 'JK1'), ~enroll, pop, aggregate.index=~dnum)",
  total_api_stu = est(svytotal(~api.stu, rclus1g)), weights = as.numeric(weights(rclus1g, "sampling")))

## bounded weights
dclus1l <- calibrate(dclus1, ~enroll, popv)
dclus1b <- calibrate(dclus1, ~enroll, popv, bounds = c(.6, 1.5))
out$bounds <- list(r = "range(weights(calibrate(dclus1, ~enroll, pop[, bounds=c(.6,1.5)]))/weights(dclus1))",
  unbounded = range(weights(dclus1l) / weights(dclus1)),
  bounded = range(weights(dclus1b) / weights(dclus1)),
  bounded_api_stu = est(svytotal(~api.stu, dclus1b)))

## ratio estimators
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
total.enroll <- sum(apipop$enroll, na.rm = TRUE)
common <- predict(svyratio(~api.stu, ~enroll, dstrat, separate = FALSE), total = total.enroll)
dstratg <- calibrate(dstrat, ~enroll - 1, total.enroll, variance = 1)
dstratgh <- calibrate(dstrat, ~enroll - 1, total.enroll, variance = apistrat$enroll)
out$ratio <- list(r = "calibrate(dstrat, ~enroll-1, total.enroll, variance=1 | apistrat$enroll)",
  total_enroll = total.enroll,
  plain = est(svytotal(~api.stu, dstrat)),
  predict = list(estimate = as.numeric(common$total), se = as.numeric(common$se)),
  variance1 = est(svytotal(~api.stu, dstratg)), variance_enroll = est(svytotal(~api.stu, dstratgh)))

## postStratify versus calibrate in a stratified sample (Ben French), R's random numbers
set.seed(17)
dat <- data.frame(y = rep(0:1, each = 100), x = rnorm(200) + 2 * rep(0:1, each = 100),
                  z = rbinom(200, 1, .2), fpc = rep(c(100, 10000), each = 100))
dat$w <- ifelse(dat$y, dat$z, 1 - dat$z)
write.csv(dat, file.path(outdir, "caleg_french.csv"), row.names = FALSE)
popw <- data.frame(w = c("0", "1"), Freq = c(2000, 8000))
des <- svydesign(id = ~1, fpc = ~fpc, data = dat, strata = ~y)
dps <- postStratify(des, ~w, popw)
dcal <- calibrate(des, ~factor(w), pop = c(10000, 8000))
out$french <- list(r = "postStratify(des, ~w, popw) and calibrate(des, ~factor(w), c(10000, 8000))",
  poststratified = est(svymean(~x, dps)), calibrated = est(svymean(~x, dcal)))

## pre-calibrated weights (vignettes/precalibrated.Rnw; calibrate.formula=~1 is
## calibrate(design, ~1, sum(weights)) in survey >= 4.2, written out here for 4.1.1)
dclus1 <- update(dclus1, one = rep(1, nrow(dclus1)))
precal <- calibrate(dclus1, formula = ~1, population = sum(weights(dclus1)))
precal_stype <- calibrate(dclus1, ~stype, colSums(model.matrix(~stype, model.frame(dclus1)) * weights(dclus1)))
out$precalibrated <- list(r = "calibrate(dclus1, ~1, sum(weights(dclus1))) and the same for ~stype",
  one_plain = est(svytotal(~one, dclus1)), one = est(svytotal(~one, precal)),
  enroll_total_plain = est(svytotal(~enroll, dclus1)), enroll_mean_plain = est(svymean(~enroll, dclus1)),
  enroll_total = est(svytotal(~enroll, precal)), enroll_mean = est(svymean(~enroll, precal)),
  stype_enroll_total = est(svytotal(~enroll, precal_stype)),
  stype_api00_mean = est(svymean(~api00, precal_stype)))
cat(toJSON(out, digits = I(15), auto_unbox = TRUE, pretty = TRUE))
