# Reference values from R's survey package (4.1.1) for subsets and svyvar (issue #16), run by hand:
#   Rscript tests/survey/r_depth.R ../shared/reference/data > tests/survey/r_depth.json
# Every entry records the R call that produced it.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
args <- commandArgs(TRUE); dir <- if (length(args)) args[1] else "../shared/reference/data"
rd <- function(name) read.csv(file.path(dir, paste0("survey_", name, ".csv")))
apistrat <- rd("apistrat"); apiclus1 <- rd("apiclus1"); apiclus2 <- rd("apiclus2")
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
out <- list()
put <- function(key, call) {
  v <- eval(parse(text = call))
  rec <- list(r = call, estimate = as.numeric(unclass(v))[1], se = as.numeric(sqrt(attr(v, "var")))[1])
  if (inherits(v, "svyciprop")) rec$ci <- as.numeric(confint(v))
  out[[key]] <<- rec
}
put("sub_clus1_E_mean_api00", 'svymean(~api00, subset(dclus1, stype == "E"))')
put("sub_clus1_E_total_enroll", 'svytotal(~enroll, subset(dclus1, stype == "E"))')
put("sub_clus1_E_prop_no_logit", 'svyciprop(~I(sch.wide == "No"), subset(dclus1, stype == "E"), method = "logit")')
put("sub_clus1_E_prop_no_beta", 'svyciprop(~I(sch.wide == "No"), subset(dclus1, stype == "E"), method = "beta")')
put("sub_strat_notH_mean_api00", 'svymean(~api00, subset(dstrat, stype != "H"))')
put("sub_strat_notH_total_enroll", 'svytotal(~enroll, subset(dstrat, stype != "H"))')
put("sub_clus2_E_mean_api00", 'svymean(~api00, subset(dclus2, stype == "E"))')
put("sub_sub_clus1_mean_api00", 'svymean(~api00, subset(subset(dclus1, stype == "E"), api99 > 600))')
rclus1 <- as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, data = apiclus1), type = "JK1")
put("sub_jk1_E_mean_api00", 'svymean(~api00, subset(rclus1, stype == "E"))')
put("sub_jk1_E_total_enroll", 'svytotal(~enroll, subset(rclus1, stype == "E"))')
apiz <- apistrat; apiz$pw[1:12] <- 0
dzero <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apiz)
put("zero_mean_api00", "svymean(~api00, dzero)")
put("zero_total_enroll", "svytotal(~enroll, dzero)")
put("zero_prop_no", 'svyciprop(~I(sch.wide == "No"), dzero)')
put("zero_var_api00", "svyvar(~api00, dzero)")
put("var_clus1_api00", "svyvar(~api00, dclus1)")
put("var_strat_api00", "svyvar(~api00, dstrat)")
put("var_sub_clus1_E_api00", 'svyvar(~api00, subset(dclus1, stype == "E"))')
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
