# Reference values from R's survey package for tests/survey (run by hand; the tests never need R):
#   Rscript tests/survey/r_reference.R ../shared/reference/data > tests/survey/r_values.json
# Every entry records the R call that produced it.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
args <- commandArgs(TRUE); dir <- if (length(args)) args[1] else "../shared/reference/data"
rd <- function(name) read.csv(file.path(dir, paste0("survey_", name, ".csv")))
apistrat <- rd("apistrat"); apiclus1 <- rd("apiclus1"); apiclus2 <- rd("apiclus2")
out <- list()
put <- function(key, call, x) {
  v <- eval(parse(text = call))
  if (inherits(v, "svyciprop")) {
    out[[key]] <<- list(r = call, estimate = as.numeric(unclass(v))[1], se = as.numeric(sqrt(attr(v, "var")))[1], ci = as.numeric(confint(v)))
  } else if (inherits(v, "svyratio")) {
    out[[key]] <<- list(r = call, estimate = unname(as.vector(v$ratio)), se = unname(sqrt(as.vector(v$var))))
  } else if (inherits(v, "svyby")) {
    est <- as.numeric(unclass(coef(v))); se <- as.numeric(tryCatch(SE(v), error = function(e) v[["se"]]))
    rec <- list(r = call, levels = as.character(v[[1]]), estimate = unname(as.vector(est)), se = unname(as.vector(se)))
    if (!is.null(attr(v, "deffs")) || "DEff" %in% names(v) || any(grepl("^DEff", names(v)))) rec$deff <- unname(as.vector(deff(v)))
    if (grepl("svyciprop", call)) { rec$lower <- as.numeric(v[["ci_l"]]); rec$upper <- as.numeric(v[["ci_u"]]) }
    out[[key]] <<- rec
  } else {
    rec <- list(r = call, estimate = unname(as.vector(coef(v)))[1], se = unname(as.vector(SE(v)))[1])
    d <- tryCatch(deff(v), error = function(e) NULL)
    if (!is.null(d)) rec$deff <- unname(as.vector(d))[1]
    out[[key]] <<- rec
  }
}
dstrat <- 'svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)'
dclus1 <- 'svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)'
dclus2 <- 'svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)'
dclus2w <- 'svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)'
S <- function(fmt, ...) sprintf(fmt, ...)
# two-stage design with fpc at both stages (weights from the fpc)
put("clus2_mean_api00", S("svymean(~api00, %s)", dclus2))
put("clus2_total_enroll", S("svytotal(~enroll, %s, na.rm=TRUE)", dclus2))
put("clus2_prop_logit", S('svyciprop(~I(sch.wide=="No"), %s, method="logit")', dclus2))
put("clus2_ratio_apistu_enroll", S("svyratio(~api.stu, ~enroll, %s, na.rm=TRUE)", dclus2))
put("clus2w_mean_api00", S("svymean(~api00, %s)", dclus2w))
# ratios and design effects
put("strat_ratio_apistu_enroll", S("svyratio(~api.stu, ~enroll, %s)", dstrat))
put("clus1_ratio_apistu_enroll", S("svyratio(~api.stu, ~enroll, %s)", dclus1))
put("strat_mean_api00_deff", S("svymean(~api00, %s, deff=TRUE)", dstrat))
put("strat_total_enroll_deff", S("svytotal(~enroll, %s, deff=TRUE)", dstrat))
put("clus1_mean_api00_deff", S("svymean(~api00, %s, deff=TRUE)", dclus1))
# domains
put("clus1_by_stype_mean_api00", S("svyby(~api00, ~stype, %s, svymean, deff=TRUE)", dclus1))
put("strat_by_stype_total_enroll", S("svyby(~enroll, ~stype, %s, svytotal)", dstrat))
put("clus1_by_schwide_mean_api00", S("svyby(~api00, ~sch.wide, %s, svymean)", dclus1))
put("clus2_by_stype_mean_api00", S("svyby(~api00, ~stype, %s, svymean)", dclus2))
put("strat_by_stype_prop_logit", S('svyby(~I(sch.wide=="No"), ~stype, %s, svyciprop, vartype=c("se","ci"), method="logit")', dstrat))
put("clus1_by_stype_ratio", S("svyby(~api.stu, ~stype, %s, svyratio, denominator=~enroll)", dclus1))
# proportion intervals
for (m in c("logit", "likelihood", "beta", "xlogit", "asin", "mean"))
  put(paste0("clus1_prop_", m), S('svyciprop(~I(sch.wide=="No"), %s, method="%s")', dclus1, m))
put("strat_prop_beta", S('svyciprop(~I(sch.wide=="No"), %s, method="beta")', dstrat))
put("strat_prop_likelihood", S('svyciprop(~I(sch.wide=="No"), %s, method="likelihood")', dstrat))
# calibration
pt <- 'data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018))'
ps <- 'data.frame(sch.wide=c("No","Yes"), Freq=c(1072,5122))'
raked <- S("rake(%s, list(~stype, ~sch.wide), list(%s, %s))", dclus1, pt, ps)
put("clus1_raked_mean_api00", S("svymean(~api00, %s)", raked))
put("clus1_raked_total_enroll", S("svytotal(~enroll, %s)", raked))
greg <- S('calibrate(%s, ~stype+api99, c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069))', dclus1)
put("clus1_greg_mean_api00", S("svymean(~api00, %s)", greg))
put("clus1_greg_total_enroll", S("svytotal(~enroll, %s)", greg))
put("strat_poststrat_awards_mean_api00", S('svymean(~api00, postStratify(%s, ~awards, data.frame(awards=c("No","Yes"), Freq=c(2500, 3694))))', dstrat))
put("clus1_poststrat_by_stype_mean", S('svyby(~api00, ~stype, postStratify(%s, ~stype, %s), svymean)', dclus1, pt))
# replicate designs
put("strat_JKn_mean_api00", S('svymean(~api00, as.svrepdesign(%s, type="JKn"))', dstrat))
put("strat_JKn_total_enroll", S('svytotal(~enroll, as.svrepdesign(%s, type="JKn"))', dstrat))
put("strat_JKn_ratio", S('svyratio(~api.stu, ~enroll, as.svrepdesign(%s, type="JKn"))', dstrat))
put("strat_JKn_by_stype_mean", S('svyby(~api00, ~awards, as.svrepdesign(%s, type="JKn"), svymean)', dstrat))
put("clus1_JK1_poststrat_mean_api00", S('svymean(~api00, postStratify(as.svrepdesign(%s, type="JK1"), ~stype, %s))', dclus1, pt))
put("clus1_JK1_raked_mean_api00", S('svymean(~api00, rake(as.svrepdesign(%s, type="JK1"), list(~stype, ~sch.wide), list(%s, %s)))', dclus1, pt, ps))
put("clus1_JK1_greg_total_enroll", S('svytotal(~enroll, calibrate(as.svrepdesign(%s, type="JK1"), ~stype+api99, c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069)))', dclus1))
put("clus1_JK1_total_enroll", S('svytotal(~enroll, as.svrepdesign(%s, type="JK1"))', dclus1))
# BRR and Fay on a design with two PSUs per stratum (psu = row parity within stratum)
apistrat$pair <- ave(seq_len(nrow(apistrat)), apistrat$stype, FUN = function(i) seq_along(i) %% 2)
dpair <- 'svydesign(id=~pair, strata=~stype, weights=~pw, data=apistrat, nest=TRUE)'
put("pair_mean_api00", S("svymean(~api00, %s)", dpair))
put("pair_BRR_total_enroll", S('svytotal(~enroll, as.svrepdesign(%s, type="BRR"))', dpair))
put("pair_BRR_mean_api00", S('svymean(~api00, as.svrepdesign(%s, type="BRR"))', dpair))
put("pair_Fay_mean_api00", S('svymean(~api00, as.svrepdesign(%s, type="Fay", fay.rho=0.3))', dpair))
# lonely PSUs: one stratum with a single PSU
apistrat$lonelystrat <- as.character(apistrat$stype); apistrat$lonelystrat[1] <- "X"
dl <- 'svydesign(id=~1, strata=~lonelystrat, weights=~pw, data=apistrat)'
for (opt in c("remove", "certainty", "average", "adjust")) {
  options(survey.lonely.psu = opt)
  put(paste0("lonely_", opt, "_mean_api00"), S("svymean(~api00, %s)", dl))
}
options(survey.lonely.psu = "fail")
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
