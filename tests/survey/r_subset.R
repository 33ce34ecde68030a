# Reference values from R's survey package (4.1.1) for subsets (issue #37): calibration of a
# subset, a missing value outside the subset, lonely PSUs of a domain under svyby, two-phase
# subsets, svyglm's na.action, per-unit calibration bounds, several ratios and contrasts with
# their covariance, contrasts of replicate statistics and of GLM coefficients, predictions of a
# survey GLM, svyby with svyvar. Run by hand from the repository root:
#   Rscript tests/survey/r_subset.R ../shared/reference/data tests/survey > tests/survey/r_subset.json
suppressPackageStartupMessages({library(survey); library(jsonlite)})
args <- commandArgs(TRUE)
dir <- if (length(args)) args[1] else "../shared/reference/data"
here <- if (length(args) > 1) args[2] else "tests/survey"
rd <- function(name) read.csv(file.path(dir, paste0("survey_", name, ".csv")))
apiclus1 <- rd("apiclus1"); apistrat <- rd("apistrat")
out <- list()
est <- function(v, r) list(r = r, estimate = unname(as.numeric(coef(v))), se = unname(as.numeric(SE(v))))
cov_of <- function(v) unname(as.numeric(vcov(v)))

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
rclus1 <- as.svrepdesign(dclus1)  # JK1
sub <- subset(dclus1, stype == "E")
rsub <- subset(rclus1, stype == "E")
awards_pop <- data.frame(awards = c("No", "Yes"), Freq = c(1500, 2900))
schwide_pop <- data.frame(sch.wide = c("No", "Yes"), Freq = c(600, 3800))
cal_pop <- c(`(Intercept)` = 4400, api99 = 4400 * 640)

## calibration of a subset (Taylor design)
ps <- postStratify(sub, ~awards, awards_pop)
out$sub_poststratify <- c(est(svymean(~api00, ps), "svymean(~api00, postStratify(subset(dclus1, stype == 'E'), ~awards, data.frame(awards=c('No','Yes'), Freq=c(1500, 2900))))"),
  list(total_enroll = unname(coef(svytotal(~enroll, ps))), total_enroll_se = unname(as.numeric(SE(svytotal(~enroll, ps)))),
       weights_sum = sum(weights(ps)[weights(ps) > 0])))
rk <- rake(sub, list(~awards, ~sch.wide), list(awards_pop, schwide_pop))
out$sub_rake <- est(svymean(~api00, rk), "svymean(~api00, rake(subset(dclus1, stype == 'E'), list(~awards, ~sch.wide), list(awards 1500/2900, sch.wide 600/3800)))")
cl <- calibrate(sub, ~api99, cal_pop)
out$sub_calibrate <- est(svymean(~api00, cl), "svymean(~api00, calibrate(subset(dclus1, stype == 'E'), ~api99, c(4400, 4400*640)))")
clb <- calibrate(sub, ~api99, cal_pop, bounds = c(0.7, 1.7), calfun = "raking")
out$sub_calibrate_raking <- est(svymean(~api00, clb), "svymean(~api00, calibrate(subset(dclus1, stype == 'E'), ~api99, c(4400, 4400*640), bounds=c(0.7, 1.7), calfun='raking'))")

## calibration of a subset (replicate design, JK1)
rps <- postStratify(rsub, ~awards, awards_pop)
out$rsub_poststratify <- c(est(svymean(~api00, rps), "svymean(~api00, postStratify(subset(as.svrepdesign(dclus1), stype == 'E'), ~awards, ...))"),
  list(replicate_sums = unname(colSums(weights(rps, "analysis"))), degf = degf(rps)))
rrk <- rake(rsub, list(~awards, ~sch.wide), list(awards_pop, schwide_pop))
out$rsub_rake <- est(svymean(~api00, rrk), "svymean(~api00, rake(subset(rclus1, stype == 'E'), ...))")
rcl <- calibrate(rsub, ~api99, cal_pop)
out$rsub_calibrate <- est(svymean(~api00, rcl), "svymean(~api00, calibrate(subset(rclus1, stype == 'E'), ~api99, c(4400, 4400*640)))")
out$rsub_mean <- c(est(svymean(~api00, rsub), "svymean(~api00, subset(rclus1, stype == 'E'))"), list(degf = degf(rsub)))

## a missing value outside the subset
apistrat_na <- apistrat
apistrat_na$api00[apistrat_na$stype == "H"] <- NA
dstrat_na <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat_na, fpc = ~fpc)
notH <- subset(dstrat_na, !is.na(api00))
out$na_outside_mean <- est(svymean(~api00, notH), "svymean(~api00, subset(dstrat_na, !is.na(api00))): api00 NA where stype == 'H'")
out$na_outside_var <- est(svyvar(~api00, notH), "svyvar(~api00, subset(dstrat_na, !is.na(api00)))")
out$na_outside_total <- est(svytotal(~api00, notH), "svytotal(~api00, subset(dstrat_na, !is.na(api00)))")

## lonely PSUs of a domain under svyby (options survey.adjust.domain.lonely = TRUE)
d413 <- subset(apiclus1, dnum != 413)
d413$dom <- ifelse(seq_len(nrow(d413)) == 31, "out", "in")
for (opt in c("adjust", "average", "remove")) {
  options(survey.lonely.psu = opt, survey.adjust.domain.lonely = TRUE)
  ds <- svydesign(id = ~1, weights = ~pw, strata = ~dnum, data = d413)
  b <- svyby(~api00, ~stype, ds, svymean)
  s_in <- svymean(~api00, subset(ds, dom == "in"))
  bd <- svyby(~api00, ~dom, ds, svymean, covmat = TRUE)
  out[[paste0("domain_lonely_", opt)]] <- list(
    by_dom_se = unname(SE(bd)), by_dom_vcov_se = unname(sqrt(diag(vcov(bd)))),
    r = paste0("options(survey.lonely.psu='", opt, "', survey.adjust.domain.lonely=TRUE); svyby(~api00, ~stype, svydesign(id=~1, weights=~pw, strata=~dnum, data=subset(apiclus1, dnum != 413)), svymean) and svymean of the subset without row 31"),
    by_stype = as.character(b$stype), by_estimate = unname(coef(b)), by_se = unname(SE(b)),
    subset_in_estimate = unname(coef(s_in)), subset_in_se = unname(as.numeric(SE(s_in))))
}
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE)

## two-phase subset
ph1 <- read.csv(file.path(here, "twophase_sample.csv"))
# phase-one strata of equal size (R's phase-one Dcheck indexing is right only then: see
# r_twophase.R)
ph1$region2 <- rep(c("east", "west"), c(200, 200)); ph1$N2 <- ifelse(ph1$region2 == "east", 5000, 3000)
tp <- twophase(id = list(~1, ~1), strata = list(~region2, ~screen), fpc = list(~N2, NULL), subset = ~in2, data = ph1)
tps <- subset(tp, hours > 30)
tt <- svytotal(~hours, tps)
out$twophase_subset <- list(r = "svytotal(~hours, subset(twophase(id=list(~1,~1), strata=list(~region2,~screen), fpc=list(~N2,NULL), subset=~in2, data=ph1), hours > 30))",
  total = unname(coef(tt)), se = unname(as.numeric(SE(tt))),
  phase1 = as.numeric(attr(attr(tt, "var"), "phases")$phase1),
  phase2 = as.numeric(attr(attr(tt, "var"), "phases")$phase2))

## svyglm with missing values: R's default na.action drops the rows
apistrat_m <- apistrat
apistrat_m$meals[c(3, 50, 120)] <- NA
dstrat_m <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat_m, fpc = ~fpc)
g_na <- svyglm(api00 ~ ell + meals, design = dstrat_m)
out$glm_na_omit <- list(r = "svyglm(api00 ~ ell + meals, dstrat) with meals NA in rows 3, 50, 120 (1-based)",
  names = names(coef(g_na)), estimate = unname(coef(g_na)), se = unname(SE(g_na)), df_residual = g_na$df.residual)

## per-unit bounds
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
lower <- rep(0.8, nrow(apistrat)); upper <- ifelse(apistrat$stype == "E", 1.6, 1.25)
pop_strat <- c(`(Intercept)` = 6194, api99 = 6194 * 640)
cb <- calibrate(dstrat, ~api99, pop_strat, bounds = list(lower = lower, upper = upper), calfun = "linear")
g <- weights(cb) / weights(dstrat)
out$bounds_per_unit <- c(est(svymean(~api00, cb), "calibrate(dstrat, ~api99, c(6194, 6194*640), bounds=list(lower=rep(0.8, n), upper=ifelse(stype=='E', 1.6, 1.25)))"),
  list(g_min = min(g), g_max_E = max(g[apistrat$stype == "E"]), g_max_other = max(g[apistrat$stype != "E"])))

## several ratios with their covariance; contrasts on a list
r2 <- svyratio(~api00 + api99, ~enroll, dstrat, covmat = TRUE)
out$ratios <- list(r = "svyratio(~api00 + api99, ~enroll, dstrat, covmat=TRUE)",
  estimate = unname(as.numeric(coef(r2))), vcov = cov_of(r2))
m2 <- svymean(~api00 + api99, dstrat)
c2 <- svycontrast(m2, list(diff = c(api00 = 1, api99 = -1), avg = c(api00 = 0.5, api99 = 0.5)))
out$contrast_list <- list(r = "svycontrast(svymean(~api00 + api99, dstrat), list(diff=c(api00=1, api99=-1), avg=c(api00=0.5, api99=0.5)))",
  estimate = unname(coef(c2)), vcov = cov_of(c2))
rm2 <- svymean(~api00 + api99, rclus1)
rc2 <- svycontrast(rm2, list(diff = c(api00 = 1, api99 = -1), avg = c(api00 = 0.5, api99 = 0.5)))
out$contrast_replicate <- list(r = "svycontrast(svymean(~api00 + api99, as.svrepdesign(dclus1)), list(diff=..., avg=...))",
  estimate = unname(coef(rc2)), vcov = cov_of(rc2))
rnl <- svycontrast(rm2, quote(api00 / api99))
out$contrast_replicate_nonlinear <- list(r = "svycontrast(svymean(~api00 + api99, rclus1), quote(api00/api99))",
  estimate = unname(coef(rnl)), se = unname(as.numeric(SE(rnl))))

## GLM coefficients: contrasts and predictions
gl <- svyglm(api00 ~ ell + meals + stype, design = dstrat)
gc <- svycontrast(gl, c(ell = 1, meals = -1))
out$glm_contrast <- list(r = "svycontrast(svyglm(api00 ~ ell + meals + stype, dstrat), c(ell=1, meals=-1))",
  estimate = unname(coef(gc)), se = unname(as.numeric(SE(gc))))
nd <- data.frame(ell = c(10, 30, 5), meals = c(20, 50, 80), stype = c("E", "H", "M"))
pr <- predict(gl, newdata = nd)
out$glm_predict <- list(r = "predict(svyglm(api00 ~ ell + meals + stype, dstrat), newdata=data.frame(ell=c(10,30,5), meals=c(20,50,80), stype=c('E','H','M')))",
  estimate = unname(as.numeric(coef(pr))), se = unname(as.numeric(SE(pr))), vcov = unname(as.numeric(vcov(pr))))
dstrat$variables$hi00 <- as.numeric(apistrat$api00 >= 700)
gb <- svyglm(hi00 ~ meals + stype, design = dstrat, family = quasibinomial())
prl <- predict(gb, newdata = nd, type = "link")
prr <- predict(gb, newdata = nd, type = "response")
out$glm_predict_binomial <- list(r = "predict(svyglm(hi00 ~ meals + stype, dstrat, family=quasibinomial()), newdata=nd, type='link' and 'response')",
  link = unname(as.numeric(coef(prl))), link_se = unname(as.numeric(SE(prl))),
  response = unname(as.numeric(coef(prr))), response_se = unname(as.numeric(SE(prr))))

## svyby with svyvar
bv <- svyby(~api00, ~stype, dstrat, svyvar)
out$by_variance <- list(r = "svyby(~api00, ~stype, dstrat, svyvar)", stype = as.character(bv$stype),
  estimate = unname(coef(bv)), se = unname(SE(bv)))

## svyby with svyquantile
bq <- svyby(~api00, ~stype, dstrat, svyquantile, quantiles = c(0.25, 0.5), ci = TRUE)
out$by_quantile <- list(r = "svyby(~api00, ~stype, dstrat, svyquantile, quantiles=c(0.25, 0.5), ci=TRUE)",
  names = names(coef(bq)), estimate = unname(coef(bq)), se = unname(as.numeric(as.matrix(SE(bq)))))

## Poisson sampling (the PPS sample of r_pps.R taken as drawn unit by unit)
pps <- read.csv(file.path(here, "pps_sample.csv"))
dpois <- svydesign(id = ~1, fpc = ~p, data = pps, pps = poisson_sampling(pps$p))
out$poisson_total <- est(svytotal(~y1, dpois), "svytotal(~y1, svydesign(id=~1, fpc=~p, data=pps_sample, pps=poisson_sampling(p)))")
out$poisson_mean <- est(svymean(~y1, dpois), "svymean(~y1, svydesign(id=~1, fpc=~p, data=pps_sample, pps=poisson_sampling(p)))")

## a replicate design with more degrees of freedom than replicates
w <- tryCatch({svrepdesign(data = apistrat[1:40, ], weights = ~pw, repweights = matrix(rep(apistrat$pw[1:40], 4), ncol = 4), type = "bootstrap", degf = 10); "none"},
  warning = function(w) conditionMessage(w))
# survey 4.1.1's svrepdesign has no degf argument: degf=10 is swallowed by ... without a word
out$degf_warning <- list(r = "svrepdesign(..., 4 replicates, degf=10)", warning = w)

cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
