# Reference values for tests/survey/test_contrast.py beyond ../shared/reference/values_contrast.json:
# domain covariance, GLMs and predictive margins on other designs (cluster, two-stage, replicate,
# post-stratified). Run by hand; the tests never need R:
#   Rscript tests/survey/r_contrast_reference.R ../shared/reference/data > tests/survey/r_contrast_values.json
suppressPackageStartupMessages({library(survey); library(jsonlite)})
args <- commandArgs(TRUE); dir <- if (length(args)) args[1] else "../shared/reference/data"
rd <- function(name) {
  d <- read.csv(file.path(dir, paste0("survey_", name, ".csv")))
  d$hi99 <- as.numeric(d$api99 >= 700); d$hi00 <- as.numeric(d$api00 >= 700)
  d$stype <- factor(d$stype); d
}
apistrat <- rd("apistrat"); apiclus1 <- rd("apiclus1"); apiclus2 <- rd("apiclus2")
dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)
jk1 <- as.svrepdesign(dclus1, type="JK1")
ps <- postStratify(dclus1, ~stype, data.frame(stype=c("E","H","M"), Freq=c(4421, 755, 1018)))
out <- list()
put <- function(key, call) {
  v <- tryCatch(eval(parse(text = call)), error = function(e) { message(key, ": ", conditionMessage(e)); NULL })
  if (is.null(v)) return(invisible())
  V <- as.matrix(vcov(v))
  out[[key]] <<- list(r = call, names = names(coef(v)), estimate = unname(as.vector(coef(v))),
                      vcov = unname(as.vector(V)))
}
put("strat_by_awards_stype", "svyby(~hi99+hi00, ~awards+stype, dstrat, svymean, covmat=TRUE)")
put("clus1_by_mean", "svyby(~hi99+hi00, ~stype, dclus1, svymean, covmat=TRUE)")
put("clus2_by_total", "svyby(~hi99+hi00, ~stype, dclus2, svytotal, covmat=TRUE)")
put("strat_by_ratio", "svyby(~api.stu, by=~stype, denominator=~enroll, design=dstrat, FUN=svyratio, covmat=TRUE)")
put("jk1_by_mean", "svyby(~hi99+hi00, ~stype, jk1, svymean, covmat=TRUE)")
# survey 4.1.1's svyby(covmat=TRUE) fails on post-stratified designs (an indexing error in
# svyby.survey.design2): the joint covariance without domains, and the domain variances
put("ps_mean", "svymean(~hi99+hi00, ps)")
put("ps_by_mean_diagonal", "suppressWarnings(svyby(~hi99+hi00, ~stype, ps, svymean))")
put("clus1_logit", "svyglm(hi00 ~ stype + meals, dclus1, family=quasibinomial())")
put("clus1_gaussian", "svyglm(api00 ~ ell + meals + stype, dclus1)")
put("clus1_poisson", "svyglm(api.stu ~ stype + ell, dclus1, family=quasipoisson())")
put("clus2_logit", "svyglm(hi00 ~ meals + ell, dclus2, family=quasibinomial())")
put("jk1_logit", "svyglm(hi00 ~ stype + meals, jk1, family=quasibinomial())")
put("ps_gaussian", "svyglm(api00 ~ ell + meals, ps)")
put("clus1_margins", "svypredmeans(svyglm(hi00 ~ meals + ell, dclus1, family=quasibinomial()), ~stype)")
# svypredmeans fails on replicate designs in survey 4.1.1 ("invalid subscript type 'list'": it
# indexes the replicate design's sampling weights, a one-column data frame, as a vector); this is
# its body with the weights taken as a vector, everything else as in the package
jk1_margins <- function() {
  model <- svyglm(hi00 ~ meals + ell + stype, jk1, family=quasibinomial())
  w <- as.numeric(unlist(weights(jk1, "sampling")))
  groups <- unique(jk1$variables$stype)
  fits <- matrix(nrow=nrow(jk1), ncol=length(groups)); dg <- matrix(nrow=length(coef(model)), ncol=length(groups))
  for (i in seq_along(groups)) {
    mf <- jk1$variables; mf$stype <- groups[i]
    mm <- model.matrix(terms(model), mf); eta <- drop(mm %*% coef(model))
    fits[, i] <- model$family$linkinv(eta)
    dg[, i] <- t(colSums(w * model$family$mu.eta(eta) * mm)) / sum(w)
  }
  colnames(fits) <- as.character(groups)
  cond <- svymean(fits, jk1)
  vv <- t(dg) %*% vcov(model) %*% dg + attr(cond, "var")
  list(names = names(coef(cond)), estimate = unname(as.vector(coef(cond))), vcov = unname(as.vector(vv)))
}
out$jk1_margins <- c(list(r = "svypredmeans(svyglm(hi00 ~ meals + ell, jk1, family=quasibinomial()), ~stype), its body with vector weights"), jk1_margins())
out$version <- as.character(packageVersion("survey"))
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
