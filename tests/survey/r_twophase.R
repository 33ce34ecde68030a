# Two-phase designs in R survey 4.1.1 (twophase, method "full"; issue #16), run by hand:
#   Rscript tests/survey/r_twophase.R tests/survey
# writes a synthetic phase-one sample (twophase_sample.csv: 400 people in two regions, a
# screening answer, the phase-two flag and the module's outcomes for the subsample) and what
# R computes on it (r_twophase.json).
suppressPackageStartupMessages({library(survey); library(jsonlite)})
out_dir <- commandArgs(TRUE)[1]
set.seed(20261127)
n <- 400
region <- rep(c("north", "south"), c(250, 150))
N1 <- ifelse(region == "north", 6000, 2500)
screen <- rbinom(n, 1, ifelse(region == "north", 0.15, 0.3))
in2 <- rbinom(n, 1, ifelse(screen == 1, 0.9, 0.25)) == 1
victim <- ifelse(in2, rbinom(n, 1, ifelse(screen == 1, 0.45, 0.03)), NA)
hours <- ifelse(in2, round(rgamma(n, 3, 0.1), 1), NA)
# age, known for everyone screened (drawn after the rest, which are unchanged by it)
age <- round(runif(n, 18, 65))
ph1 <- data.frame(id = 1:n, region, N1, screen, in2, victim, hours, age)
write.csv(ph1, file.path(out_dir, "twophase_sample.csv"), row.names = FALSE)
ph1 <- read.csv(file.path(out_dir, "twophase_sample.csv"))
designs <- list(
  iid = 'twophase(id = list(~1, ~1), strata = list(NULL, ~screen), subset = ~in2, data = ph1)',
  strat_fpc = 'twophase(id = list(~1, ~1), strata = list(~region, ~screen), fpc = list(~N1, NULL), subset = ~in2, data = ph1)',
  strat_nofpc = 'twophase(id = list(~1, ~1), strata = list(~region, ~screen), subset = ~in2, data = ph1)',
  # regions of equal phase-one size (200 and 200): R's phase-one Dcheck takes the sample size
  # of the k-th phase-one row for the k-th phase-two unit, which is then the right one
  strat_fpc_equal = 'twophase(id = list(~1, ~1), strata = list(~region2, ~screen), fpc = list(~N2, NULL), subset = ~in2, data = ph1)'
)
ph1$region2 <- rep(c("east", "west"), c(200, 200)); ph1$N2 <- ifelse(ph1$region2 == "east", 5000, 3000)
out <- list()
for (k in names(designs)) {
  d <- eval(parse(text = designs[[k]]))
  m <- svymean(~victim, d); t <- svytotal(~hours, d); mh <- svymean(~hours, d)
  out[[k]] <- list(r = designs[[k]], mean_victim = unname(coef(m)), mean_victim_se = as.numeric(SE(m)),
                   total_hours = unname(coef(t)), total_hours_se = as.numeric(SE(t)),
                   mean_hours = unname(coef(mh)), mean_hours_se = as.numeric(SE(mh)),
                   phase1_var_total = as.numeric(attr(attr(t, "var"), "phases")$phase1),
                   phase2_var_total = as.numeric(attr(attr(t, "var"), "phases")$phase2),
                   degf = degf(d))
  g <- svyglm(hours ~ victim, design = d)
  out[[k]]$glm <- list(r = "svyglm(hours ~ victim, design = d)", coef = unname(coef(g)), se = unname(SE(g)))
}
## calibration (R's calibrate.twophase2): phase two to the phase-one sample
cal <- function(d, call) {
  dc <- eval(parse(text = call))
  m <- svymean(~victim, dc); t <- svytotal(~hours, dc)
  list(r = call, weights = as.numeric(weights(dc)),
       mean_victim = unname(coef(m)), mean_victim_se = as.numeric(SE(m)),
       total_hours = unname(coef(t)), total_hours_se = as.numeric(SE(t)),
       phase1_var_total = as.numeric(attr(attr(t, "var"), "phases")$phase1),
       phase2_var_total = as.numeric(attr(attr(t, "var"), "phases")$phase2))
}
d <- eval(parse(text = designs$strat_fpc_equal))  # equal strata: no indexing slip
di <- eval(parse(text = designs$iid))
out$calibration <- list(
  phase2_age = cal(d, "calibrate(d, phase = 2, formula = ~age)"),
  phase2_age_region = cal(d, "calibrate(d, phase = 2, formula = ~age + factor(region))"),
  phase2_age_raking = cal(d, "calibrate(d, phase = 2, formula = ~age, calfun = 'raking')"),
  phase2_iid_age = cal(di, "calibrate(di, phase = 2, formula = ~age)"))
# calibrate(d, phase = 1, ...) stops in R 4.1.1 and 4.5 ("invalid subscript type 'closure'":
# calibrate.twophase2 indexes by `subset`, which it never defines); phase-one calibration is
# checked in test_twophase.py against one-phase calibration instead.
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file = file.path(out_dir, "r_twophase.json"))
