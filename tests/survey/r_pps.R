# PPS-without-replacement designs in R survey 4.1.1 (issue #16), run by hand:
#   Rscript tests/survey/r_pps.R tests/survey ../shared/reference/data
# writes a synthetic sample (pps_sample.csv: 40 units in 2 strata with unequal inclusion
# probabilities) and the values R computes on it (r_pps.json). The joint inclusion
# probabilities for ppsmat are those of stratified simple random sampling (N_h, n_h below),
# which the test builds the same way.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
out_dir <- commandArgs(TRUE)[1]
set.seed(20261127)
n_h <- c(25, 15); N_h <- c(200, 120)
stratum <- rep(1:2, n_h)
size <- rlnorm(40, 3, 0.6)
p <- pmin(0.9, ave(size, stratum, FUN = function(s) length(s) * s / sum(s) * 0.6))
y1 <- round(size * runif(40, 0.5, 1.5), 3); y2 <- rbinom(40, 1, 0.3)
smp <- data.frame(id = 1:40, stratum = stratum, p = round(p, 6), y1 = y1, y2 = y2)
write.csv(smp, file.path(out_dir, "pps_sample.csv"), row.names = FALSE)
smp <- read.csv(file.path(out_dir, "pps_sample.csv"))
# stratified SRSWOR joint probabilities (and first-order n_h / N_h)
f <- (n_h / N_h)[smp$stratum]
pij <- outer(f, f)
same <- outer(smp$stratum, smp$stratum, "==")
pij[same] <- (outer(n_h * (n_h - 1) / (N_h * (N_h - 1)), rep(1, 2)))[cbind(smp$stratum, 1)][row(pij)[same]]
diag(pij) <- f
smp$f <- f
designs <- list(
  overton = 'svydesign(id = ~1, strata = ~stratum, fpc = ~p, data = smp, pps = "overton")',
  overton_YG = 'svydesign(id = ~1, strata = ~stratum, fpc = ~p, data = smp, pps = "overton", variance = "YG")',
  hartley_rao = 'svydesign(id = ~1, strata = ~stratum, fpc = ~p, data = smp, pps = HR())',
  hartley_rao_psum = 'svydesign(id = ~1, fpc = ~p, data = smp, pps = HR(0.05))',
  joint = 'svydesign(id = ~1, fpc = ~f, data = smp, pps = ppsmat(pij))',
  joint_YG = 'svydesign(id = ~1, fpc = ~f, data = smp, pps = ppsmat(pij), variance = "YG")',
  srswor = 'svydesign(id = ~1, strata = ~stratum, fpc = ~f, data = smp)'
)
out <- list()
for (n in names(designs)) {
  d <- eval(parse(text = designs[[n]]))
  t <- svytotal(~y1, d); m <- svymean(~y2, d)
  # a regression: its variance comes from the estimating functions through the same PPS form
  g <- svyglm(y1 ~ y2, design = d)
  out[[n]] <- list(r = designs[[n]], total_y1 = unname(coef(t)), total_y1_se = as.numeric(SE(t)),
                   mean_y2 = unname(coef(m)), mean_y2_se = as.numeric(SE(m)),
                   glm_r = "svyglm(y1 ~ y2, design = d)",
                   glm_coef = unname(coef(g)), glm_se = unname(SE(g)))
}
# calibration and post-stratification of PPS designs (R's ppsvar removes them as svyrecvar).
# survey 4.1.1's ppsvar stores the calibration residuals in `y` and then computes the variance
# of the unresidualised `x`; survey 4.5 keeps them in `x`. The 4.5 form is set in here (the
# same function with `y` read as `x`), so the references are what current R computes.
fixed <- parse(text = gsub("\\by\\b", "x", deparse(survey:::ppsvar)))[[1]]
fixed <- eval(fixed); environment(fixed) <- asNamespace("survey")
assignInNamespace("ppsvar", fixed, "survey")
ov <- eval(parse(text = designs$overton))
hr <- eval(parse(text = designs$hartley_rao))
smp$size_class <- ifelse(smp$p > 0.3, "large", "small")
ov <- update(ov, size_class = smp$size_class); hr <- update(hr, size_class = smp$size_class)
calibrated <- list(
  overton_greg = 'calibrate(ov, ~y2, c(320, 100))',
  overton_raking = 'calibrate(ov, ~y2, c(320, 100), calfun = "raking")',
  hr_greg_class = 'calibrate(hr, ~factor(size_class), c(320, 60))')
# postStratify of a PPS design stops in R 4.1.1 (ppsvar refers to an undefined `y`); R 4.5
# centres at the unweighted post-stratum mean of x/w, not svyrecvar's weighted one
for (n in names(calibrated)) {
  d <- eval(parse(text = calibrated[[n]]))
  t <- svytotal(~y1, d); m <- svymean(~y2, d)
  out[[paste0("calibrated_", n)]] <- list(r = calibrated[[n]], weights = as.numeric(weights(d)),
    total_y1 = unname(coef(t)), total_y1_se = as.numeric(SE(t)),
    mean_y2 = unname(coef(m)), mean_y2_se = as.numeric(SE(m)))
}
# Brewer's approximation (pps = "brewer"): one stage on the synthetic sample, two stages on
# apiclus2 with made-up first-stage probabilities 0.3 + (dnum mod 7) / 20 and second-stage
# probabilities (schools sampled in the district) / fpc2
bre <- svydesign(id = ~1, strata = ~stratum, fpc = ~p, data = smp, pps = "brewer")
t <- svytotal(~y1, bre); m <- svymean(~y2, bre)
out$brewer <- list(r = 'svydesign(id = ~1, strata = ~stratum, fpc = ~p, data = smp, pps = "brewer")',
                   total_y1 = unname(coef(t)), total_y1_se = as.numeric(SE(t)),
                   mean_y2 = unname(coef(m)), mean_y2_se = as.numeric(SE(m)))
apiclus2 <- read.csv(file.path(commandArgs(TRUE)[2], "survey_apiclus2.csv"))
apiclus2$pi1 <- 0.3 + (apiclus2$dnum %% 7) / 20
apiclus2$pi2 <- ave(apiclus2$snum, apiclus2$dnum, FUN = length) / apiclus2$fpc2
b2 <- svydesign(id = ~dnum + snum, fpc = ~pi1 + pi2, data = apiclus2, pps = "brewer")
m <- svymean(~api00, b2); t <- svytotal(~enroll, b2, na.rm = TRUE)
out$brewer_two_stage <- list(r = 'svydesign(id = ~dnum + snum, fpc = ~pi1 + pi2, data = apiclus2, pps = "brewer")',
                             mean_api00 = unname(coef(m)), mean_api00_se = as.numeric(SE(m)),
                             total_enroll = unname(coef(t)), total_enroll_se = as.numeric(SE(t)))
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file = file.path(out_dir, "r_pps.json"))
