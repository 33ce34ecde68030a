# Values R survey's vignettes print (issue #16): vignettes/survey.Rnw ("A survey analysis
# example"), vignettes/domain.Rnw (domain estimation; its fpc, api and mu284 parts: the nwtco
# part draws rbinom without a seed, so it prints different numbers on every build), run in R
# 4.1.1 with survey 4.1.1; run by hand:
#   Rscript tests/survey/r_vignettes.R ../shared/reference/data tests/survey/data > tests/survey/r_vignettes.json
# The second argument is where R's fpc and mu284 example data are written (fpc.csv, mu284.csv;
# fpc's x is stored in R with float rounding, 2.8 being 2.79999995..., so every bit is kept).
suppressPackageStartupMessages({library(survey); library(jsonlite)})
args <- commandArgs(TRUE)
dir <- args[1]; data_dir <- args[2]
rd <- function(name) read.csv(file.path(dir, paste0("survey_", name, ".csv")))
apiclus1 <- rd("apiclus1")
data(mu284); data(fpc)
write.csv(mu284, file.path(data_dir, "mu284.csv"), row.names = FALSE)
mu284 <- read.csv(file.path(data_dir, "mu284.csv"))
fpc_out <- fpc; fpc_out$x <- sprintf("%.17g", fpc$x)
write.csv(fpc_out, file.path(data_dir, "fpc.csv"), row.names = FALSE)
out <- list()
est <- function(v) list(estimate = as.numeric(coef(v)), se = as.numeric(SE(v)), names = names(coef(v)))
quant <- function(q) { v <- q[[1]]; list(p = as.numeric(rownames(v)), quantile = as.numeric(v[, 1]),
                                         lower = as.numeric(v[, 2]), upper = as.numeric(v[, 3]), se = as.numeric(v[, 4])) }
ratio <- function(r) list(ratio = as.numeric(r$ratio), se = as.numeric(sqrt(r$var)))
glm_ <- function(g) list(coef = unname(coef(g)), se = unname(SE(g)), names = names(coef(g)))

## survey.Rnw
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
vars <- names(apiclus1)[c(12:13, 16:23, 27:37)]
by <- svyby(~ell + meals, ~stype, design = dclus1, svymean)
gclus1 <- calibrate(dclus1, formula = ~api99, population = c(6194, 3914069))
out$survey <- list(
  r = "vignettes/survey.Rnw: dclus1 and gclus1 <- calibrate(dclus1, ~api99, c(6194, 3914069))",
  mean_api00 = est(svymean(~api00, dclus1)),
  quantile_api00 = quant(svyquantile(~api00, dclus1, quantile = c(0.25, 0.5, 0.75), ci = TRUE)),
  total_stype = est(svytotal(~stype, dclus1)),
  total_enroll = est(svytotal(~enroll, dclus1)),
  ratio = ratio(svyratio(~api.stu, ~enroll, dclus1)),
  ratio_H = ratio(svyratio(~api.stu, ~enroll, design = subset(dclus1, stype == "H"))),
  vars = vars,
  mean_vars_narm = est(svymean(make.formula(vars), dclus1, na.rm = TRUE)),
  by_stype = list(stype = as.character(by$stype), ell = by$ell, meals = by$meals,
                  se_ell = by$se.ell, se_meals = by$se.meals),
  glm_linear = glm_(svyglm(api00 ~ ell + meals, design = dclus1)),
  glm_logit = glm_(svyglm(I(sch.wide == "Yes") ~ ell + meals, design = dclus1, family = quasibinomial())),
  cal_mean_api00 = est(svymean(~api00, gclus1)),
  cal_quantile_api00 = quant(svyquantile(~api00, gclus1, quantile = c(0.25, 0.5, 0.75), ci = TRUE)),
  cal_total_stype = est(svytotal(~stype, gclus1)),
  cal_total_enroll = est(svytotal(~enroll, gclus1)),
  cal_ratio = ratio(svyratio(~api.stu, ~enroll, gclus1)))

## domain.Rnw
dfpc <- svydesign(id = ~psuid, strat = ~stratid, weight = ~weight, data = fpc, nest = TRUE)
byx <- svyby(~x, ~I(x > 4), design = dfpc, svymean)
pop.totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018)
gclus1s <- calibrate(dclus1, ~stype + api99, c(pop.totals, api99 = 3914069))
dmu284 <- svydesign(id = ~id1 + id2, fpc = ~n1 + n2, data = mu284)
out$domain <- list(
  r = "vignettes/domain.Rnw: fpc, apiclus1 calibrated on stype + api99, mu284",
  fpc_sub_mean = est(svymean(~x, design = subset(dfpc, x > 4))),
  fpc_by = list(mean = byx$x, se = byx$se),
  fpc_glm = glm_(svyglm(x ~ I(x > 4) + 0, design = dfpc)),
  fpc_ratio = ratio(svyratio(~I(x * (x > 4)), ~as.numeric(x > 4), dfpc)),
  api_sub_mean = est(svymean(~api00, subset(gclus1s, comp.imp == "Yes"))),
  api_ratio = ratio(svyratio(~I(api00 * (comp.imp == "Yes")), ~as.numeric(comp.imp == "Yes"), gclus1s)),
  api_glm = glm_(svyglm(api00 ~ comp.imp - 1, gclus1s)),
  mu284_sub_mean = est(svymean(~y1, subset(dmu284, y1 > 40))),
  mu284_ratio = ratio(svyratio(~I(y1 * (y1 > 40)), ~as.numeric(y1 > 40), dmu284)),
  mu284_glm = glm_(svyglm(y1 ~ I(y1 > 40) + 0, dmu284)),
  mu284_total = est(svytotal(~y1, dmu284)))
## regressions in a subset (not in the vignettes: the subset route of domain.Rnw for svyglm)
rclus1 <- as.svrepdesign(dclus1, type = "JK1")
out$subset_glm <- list(
  taylor = glm_(svyglm(api00 ~ ell + meals, design = subset(dclus1, stype == "E"))),
  taylor_calibrated = glm_(svyglm(api00 ~ ell + meals, design = subset(gclus1, stype == "E"))),
  jk1 = glm_(svyglm(api00 ~ ell + meals, design = subset(rclus1, stype == "E"))),
  taylor_logit = glm_(svyglm(I(sch.wide == "Yes") ~ meals, design = subset(dclus1, stype != "H"),
                             family = quasibinomial())))
cat(toJSON(out, digits = I(15), auto_unbox = TRUE, pretty = TRUE))
