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
# svyquantile (survey >= 4.1): quantile rules and Woodruff intervals
quant <- list()
qput <- function(key, design, var, probs, it, qr) {
  r <- svyquantile(as.formula(paste0("~", var)), eval(parse(text = design)), probs,
                   interval.type = it, qrule = qr, na.rm = TRUE)[[var]]
  quant[[key]] <<- list(r = sprintf('svyquantile(~%s, %s, c(%s), interval.type="%s", qrule="%s")',
                                    var, design, paste(probs, collapse = ", "), it, qr),
                        design = design, variable = var, p = probs, interval = it, qrule = qr,
                        value = unname(r[, 1]), lower = unname(r[, 2]), upper = unname(r[, 3]),
                        se = unname(r[, 4]))
}
for (it in c("mean", "beta", "xlogit", "asin")) {
  for (qr in c("math", "school", "hf7")) {
    qput(paste("q_clus1_api00", it, qr, sep = "_"), "dclus1", "api00", c(0.25, 0.5), it, qr)
  }
}
for (qr in c("hf3", "hf4", "hf5", "hf6", "hf8", "hf9", "shahvaish")) {
  qput(paste("q_strat_api00_mean", qr, sep = "_"), "dstrat", "api00", c(0.1, 0.5, 0.9), "mean", qr)
}
qput("q_strat_enroll_mean_math", "dstrat", "enroll", c(0.1, 0.9), "mean", "math")
qput("q_clus2_api00_beta_math", "dclus2", "api00", c(0.5), "beta", "math")
out$quantiles <- quant
# svychisq: Rao-Scott tests of two-way tables
chi <- list()
cput <- function(key, call) {
  r <- eval(parse(text = call))
  chi[[key]] <<- list(r = call, statistic = unname(r$statistic), parameter = unname(r$parameter),
                      p = unname(r$p.value))
}
for (st in c("F", "Chisq")) {
  cput(paste0("chisq_clus1_schwide_stype_", st), sprintf('svychisq(~sch.wide + stype, dclus1, statistic = "%s")', st))
  cput(paste0("chisq_strat_stype_awards_", st), sprintf('svychisq(~stype + awards, dstrat, statistic = "%s")', st))
  cput(paste0("chisq_clus2_stype_both_", st), sprintf('svychisq(~stype + both, dclus2, statistic = "%s")', st))
}
out$chisq <- chi
# calibrate(calfun=, bounds=, trim=): generalised raking (grake)
cal <- list()
pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
calput <- function(key, call) {
  d <- eval(parse(text = call))
  m <- svymean(~api00, d); t <- svytotal(~enroll, d, na.rm = TRUE)
  cal[[key]] <<- list(r = call, mean = unname(coef(m)), mean_se = as.numeric(SE(m)),
                      total = unname(coef(t)), total_se = as.numeric(SE(t)))
}
calput("raking", 'calibrate(dclus1, ~stype + api99, pop, calfun = "raking")')
calput("logit", 'calibrate(dclus1, ~stype + api99, pop, calfun = "logit", bounds = c(0.7, 1.7))')
calput("linear_bounded", 'calibrate(dclus1, ~stype + api99, pop, bounds = c(0.6, 1.7))')
calput("raking_trim", 'suppressMessages(calibrate(dclus1, ~stype + api99, pop, calfun = "raking", trim = c(0.8, 1.2)))')
calput("ratio_variance", 'calibrate(dclus1, ~api99 - 1, c(api99 = 3914069), variance = 1)')
calput("hetero_variance", 'calibrate(dclus1, ~stype + api99, pop, variance = apiclus1$enroll)')
out$calibration <- cal
# svyciprop on replicate designs: the logit interval from the replicate logits; degf set by hand
rdf <- rclus1; rdf$degf <- 5  # what svrepdesign(..., degf = 5) stores
put("jk1_prop_no_logit", 'svyciprop(~I(sch.wide == "No"), rclus1, method = "logit")')
put("jk1_df5_prop_no_logit", 'svyciprop(~I(sch.wide == "No"), rdf, method = "logit")')
put("jk1_prop_no_beta", 'svyciprop(~I(sch.wide == "No"), rclus1, method = "beta")')
put("jk1_prop_no_xlogit", 'svyciprop(~I(sch.wide == "No"), rclus1, method = "xlogit")')
# deff = "replace": design effects against simple random sampling with replacement
out$deff_replace <- list(
  r = c('svymean(~api00, dstrat, deff="replace")', 'svytotal(~enroll, dclus1, deff="replace")',
        'svymean(~api00, dclus1, deff="replace")'),
  deff = c(deff(svymean(~api00, dstrat, deff = "replace")), deff(svytotal(~enroll, dclus1, deff = "replace")),
           deff(svymean(~api00, dclus1, deff = "replace"))))
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
