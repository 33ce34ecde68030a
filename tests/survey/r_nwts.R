# R survey's tests/nwts.R in R 4.1.1 with survey 4.1.1, at full precision (issue #16): the
# National Wilms Tumor Study case-control-within-cohort examples of Breslow and Chatterjee
# (Applied Statistics 1999, p. 458), two-phase designs with phase-two strata of 2 and 8 cells,
# calibration of phase two to the phase-one cells, and a subset of a calibrated design. The
# tables nwts and nwtsb (R's tests/nwts.rda) are typed into test_r_nwts.py; run by hand:
#   Rscript tests/survey/r_nwts.R path/to/nwts.rda > tests/survey/r_nwts.json
suppressPackageStartupMessages({library(survey); library(jsonlite)})
load(commandArgs(TRUE)[1])
nwtsnb <- nwts
nwtsnb$case <- nwts$case - nwtsb$case
nwtsnb$control <- nwts$control - nwtsb$control
a <- rbind(nwtsb, nwtsnb)
a$in.ccs <- rep(c(TRUE, FALSE), each = 16)
b <- rbind(a, a)
b$rel <- rep(c(1, 0), each = 32)
b$n <- ifelse(b$rel, b$case, b$control)
index <- rep(1:64, b$n)
nwt.exp <- b[index, c(1:3, 6, 7)]
nwt.exp$id <- 1:4088
dccs2 <- twophase(id = list(~id, ~id), subset = ~in.ccs,
                  strata = list(NULL, ~interaction(instit, rel)), data = nwt.exp)
dccs8 <- twophase(id = list(~id, ~id), subset = ~in.ccs,
                  strata = list(NULL, ~interaction(instit, stage, rel)), data = nwt.exp)
gccs8 <- calibrate(dccs2, phase = 2, formula = ~interaction(instit, stage, rel))
fit <- function(call) {
  g <- suppressWarnings(eval(parse(text = call)))
  list(r = call, coef = unname(coef(g)), se = unname(SE(g)), names = names(coef(g)))
}
out <- list(
  dccs2 = fit("svyglm(rel ~ factor(stage) * factor(histol), family = quasibinomial, design = dccs2)"),
  dccs8 = fit("svyglm(rel ~ factor(stage) * factor(histol), family = quasibinomial, design = dccs8)"),
  gccs8 = fit("svyglm(rel ~ factor(stage) * factor(histol), family = quasibinomial, design = gccs8)"),
  dccs8_histol1 = fit("svyglm(rel ~ factor(stage), family = quasibinomial, design = subset(dccs8, histol == 1))"),
  gccs8_histol1 = fit("svyglm(rel ~ factor(stage), family = quasibinomial, design = subset(gccs8, histol == 1))"))
cat(toJSON(out, digits = I(15), auto_unbox = TRUE, pretty = TRUE))
