# lonely_psu = "adjust" as R survey >= 4.3 computes it (issue #16).
#
# Since survey 4.3 a stratum with one PSU deviates from the average PSU total over all strata
# (within the parent unit at later stages) instead of from zero; totals change, means do not.
# Debian's R here has survey 4.1.1, so this script takes onestage() and onestrat() from the
# survey 4.5 source (R/multistage.R of the CRAN package, passed as the first argument) and
# puts them in place of 4.1.1's before computing. Strata are factors: 4.5's R-level code
# needs numeric or factor strata for "adjust" (its NEWS, 4.4-3). Run:
#   Rscript tests/survey/r_adjust43.R path/to/survey-4.5/R/multistage.R ../shared/reference/data \
#     > tests/survey/r_adjust43.json
suppressMessages({library(survey); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
env <- new.env()
for (e in parse(args[1])) {
  if (grepl("^(onestage|onestrat) *(<-|=)", paste(deparse(e), collapse = "\n"))) eval(e, envir = env)
}
for (f in c("onestage", "onestrat")) {
  environment(env[[f]]) <- asNamespace("survey")
  assignInNamespace(f, env[[f]], "survey")
}
apistrat <- read.csv(file.path(args[2], "survey_apistrat.csv"))
apiclus2 <- read.csv(file.path(args[2], "survey_apiclus2.csv"))
apistrat$lonelystrat <- as.character(apistrat$stype); apistrat$lonelystrat[1] <- "X"
apistrat$lonelystrat <- factor(apistrat$lonelystrat)
dn <- unique(apiclus2$dnum)
apiclus2$st <- ifelse(apiclus2$dnum %in% dn[1:20], "a", "b"); apiclus2$st[apiclus2$dnum == dn[21]] <- "c"
apiclus2$st <- factor(apiclus2$st)
options(survey.lonely.psu = "adjust")
dl <- svydesign(id = ~1, strata = ~lonelystrat, weights = ~pw, data = apistrat)
d2 <- svydesign(id = ~dnum + snum, strata = ~st, weights = ~pw, data = apiclus2, nest = TRUE)
out <- list()
put <- function(name, call, r) out[[name]] <<- list(call = call, value = unname(coef(r)), se = unname(SE(r)))
suppressWarnings({
  put("lonely_adjust_mean_api00", "svymean(~api00, dl)", svymean(~api00, dl))
  put("lonely_adjust_total_enroll", "svytotal(~enroll, dl)", svytotal(~enroll, dl))
  put("lonely_adjust_total_api00", "svytotal(~api00, dl)", svytotal(~api00, dl))
  put("clus2_adjust_total_enroll", "svytotal(~enroll, d2, na.rm=TRUE)", svytotal(~enroll, d2, na.rm = TRUE))
  put("clus2_adjust_mean_api00", "svymean(~api00, d2)", svymean(~api00, d2))
})
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
