# Reference values from R's survey package (4.1.1) for the quantile intervals R offers beyond
# Woodruff's (issue #16): Francisco and Fuller's score interval (interval.type="score") and
# the replicate-quantile interval (interval.type="quantile"); run by hand:
#   Rscript tests/survey/r_quantile.R ../shared/reference/data tests/survey > tests/survey/r_quantile.json
# The second argument is where R's bootstrap replicate factors (set.seed(2026), 20 replicates
# of apistrat) are written as quantile_bootstrap.csv: R's random numbers cannot be redrawn here.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
# survey >= 4.2 takes the lower value at a boundary when the weight share below it is <= 0,
# survey 4.1.1 only when it is exactly 0: at exact ties of equal weights (jackknife
# replicates) rounding decides between the two. The library follows the current rule, so the
# three discrete rules are set to it here (the rest of 4.1.1 is unchanged).
at_boundary <- function(q) q$wlow <= 0
rules45 <- list(
  qrule_math = function(x, w, p) {
    keep <- w != 0; q <- survey:::qs(x[keep], w[keep], p); if (at_boundary(q)) q$qlow else q$qup },
  qrule_school = function(x, w, p) {
    keep <- w != 0; q <- survey:::qs(x[keep], w[keep], p)
    if (at_boundary(q)) (q$qlow + q$qup) / 2 else q$qup },
  qrule_hf3 = function(x, w, p) {
    keep <- w != 0; w <- rowsum(w[keep], x[keep]); x <- sort(unique(x[keep]))
    q <- survey:::qs(x, w, p); if (at_boundary(q) && q$ilow %% 2 == 0) q$qlow else q$qup })
for (name in names(rules45)) {
  f <- rules45[[name]]; environment(f) <- asNamespace("survey")
  assignInNamespace(name, f, "survey")
}
args <- commandArgs(TRUE)
dir <- if (length(args)) args[1] else "../shared/reference/data"
outdir <- if (length(args) > 1) args[2] else "."
rd <- function(name) read.csv(file.path(dir, paste0("survey_", name, ".csv")))
apistrat <- rd("apistrat"); apiclus1 <- rd("apiclus1"); apiclus2 <- rd("apiclus2")
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
out <- list()
probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)
put <- function(key, call) {
  v <- suppressWarnings(eval(parse(text = call)))[[1]]
  out[[key]] <<- list(r = call, p = as.numeric(rownames(v)), quantile = as.numeric(v[, 1]),
                      lower = as.numeric(v[, 2]), upper = as.numeric(v[, 3]), se = as.numeric(v[, 4]))
}
for (rule in c("math", "school", "hf7", "shahvaish")) {
  put(paste0("score_strat_api00_", rule),
      sprintf('svyquantile(~api00, dstrat, probs, interval.type="score", qrule="%s")', rule))
}
put("score_clus1_api00", 'svyquantile(~api00, dclus1, probs, interval.type="score")')
put("score_clus1_enroll_df_inf", 'svyquantile(~enroll, dclus1, probs, interval.type="score", df=Inf)')
put("score_clus2_api00", 'svyquantile(~api00, dclus2, probs, interval.type="score")')
put("score_clus1_E_api00", 'svyquantile(~api00, subset(dclus1, stype == "E"), probs, interval.type="score")')
rclus1 <- as.svrepdesign(dclus1, type = "JK1")
rstrat <- as.svrepdesign(dstrat, type = "JKn")
put("rep_jk1_clus1_api00", 'svyquantile(~api00, rclus1, probs, interval.type="quantile")')
put("rep_jk1_clus1_api00_school", 'svyquantile(~api00, rclus1, probs, interval.type="quantile", qrule="school")')
put("rep_jkn_strat_api00", 'svyquantile(~api00, rstrat, probs, interval.type="quantile")')
put("rep_jk1_clus1_E_api00", 'svyquantile(~api00, subset(rclus1, stype == "E"), probs, interval.type="quantile")')
set.seed(2026)
bstrat <- as.svrepdesign(dstrat, type = "bootstrap", replicates = 20)
write.csv(round(as.matrix(bstrat$repweights), 12), file.path(outdir, "quantile_bootstrap.csv"), row.names = FALSE)
out$bootstrap_design <- list(r = "set.seed(2026); as.svrepdesign(dstrat, type='bootstrap', replicates=20)",
                             scale = bstrat$scale, rscales = as.numeric(bstrat$rscales))
put("rep_boot_strat_api00", 'svyquantile(~api00, bstrat, probs, interval.type="quantile")')
put("rep_boot_strat_api00_hf8", 'svyquantile(~api00, bstrat, probs, interval.type="quantile", qrule="hf8")')
cat(toJSON(out, digits = I(15), auto_unbox = TRUE, pretty = TRUE))
