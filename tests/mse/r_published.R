# Reference values for tests/mse/test_published.py (issue #19), written to r_published.json.
# Run by hand (the tests never need R):
#   Rscript tests/mse/r_published.R  (from the repository root, ../shared beside it)
# Packages: Rcapture 1.4-4 (CRAN), MultipleSystemsEstimation (GitHub
# bernardsilverman/MultipleSystemsEstimation, the version with downhill_fit and vary_ntop_bca),
# installed into a library given by R_LIBS.
suppressPackageStartupMessages({library(Rcapture); library(MultipleSystemsEstimation); library(jsonlite)})
ref <- "../shared/reference/data/"
rd <- function(name) read.csv(paste0(ref, name, ".csv"))
row <- function(tab) {
  tab <- as.data.frame(tab)
  lapply(seq_len(nrow(tab)), function(i) c(list(model = rownames(tab)[i]), as.list(tab[i, ])))
}
out <- list()
ci_row <- function(ci) {
  r <- ci$results
  list(abundance = unname(r[1, "abundance"]), stderr = unname(r[1, "stderr"]),
       deviance = unname(r[1, "deviance"]), df = unname(r[1, "df"]), AIC = unname(r[1, "AIC"]),
       BIC = unname(r[1, "BIC"]), lower = unname(ci$CI[1, "infCL"]), upper = unname(ci$CI[1, "supCL"]),
       ci_abundance = unname(ci$CI[1, "abundance"]))
}
# hare: Rcapture's documented "Mt without 111111" (histpos.t order, design column for 111111)
hare <- rd("rcapture_hare")
col <- rep(0, 2^6 - 1); mat <- histpos.t(6); col[rowSums(mat) == 6] <- 1
out$hare_mt_without_111111 <- ci_row(closedpCI.t(hare, mX = cbind(mat, col), mname = "Mt without 111111"))
out$hare_mth_poisson2 <- ci_row(closedpCI.t(hare, m = "Mth", h = "Poisson", h.control = list(theta = 2)))
out$hare_mh_gamma2 <- ci_row(closedpCI.t(hare, m = "Mh", h = "Gamma", h.control = list(theta = 2)))
# HIV: Mt with the interaction of lists 1 and 2
hiv <- rd("rcapture_HIV")
out$hiv_mt_12 <- ci_row(closedpCI.t(hiv, dfreq = TRUE, mX = ~ . + c1:c2, mname = "Mt interaction 1,2"))
out$hiv_mt_12_darroch <- ci_row(closedpCI.t(hiv, dfreq = TRUE, mX = ~ . + c1:c2, h = "Darroch"))
out$hiv_mt_12_chao <- ci_row(closedpCI.t(hiv, dfreq = TRUE, mX = ~ . + c1:c2, h = "Chao"))
# structural zeros as Rcapture fits them: an indicator column per impossible pattern
mat <- histpos.t(4); key <- apply(mat, 1, paste, collapse = "")
out$hiv_mt_zero_1111 <- ci_row(closedpCI.t(hiv, dfreq = TRUE, mX = cbind(mat, as.numeric(key == "1111"))))
out$hiv_mt_zero_1111_1101 <- ci_row(closedpCI.t(hiv, dfreq = TRUE,
  mX = cbind(mat, as.numeric(key == "1111"), as.numeric(key == "1101")), h = "Darroch"))
# lesbian: closedpMS.t model-selection tables
les <- rd("rcapture_lesbian")
for (h in c("none", "Darroch", "Poisson", "Chao")) {
  ms <- if (h == "none") closedpMS.t(les, dfreq = TRUE) else closedpMS.t(les, dfreq = TRUE, h = h)
  out[[paste0("lesbian_ms_", h)]] <- row(ms$results)
}
out$lesbian_ms_darroch_order2 <- row(closedpMS.t(les, dfreq = TRUE, h = "Darroch", maxorder = 2)$results)
out$lesbian_best_darroch <- ci_row(closedpCI.t(les, dfreq = TRUE, mX = "[12,13,14]", h = "Darroch"))
# mvole third primary period, a user heterogeneity function
mv <- read.csv(paste0(ref, "rcapture_mvole.csv"))
if (ncol(mv) >= 15) {
  period3 <- mv[, 11:15]
  psi <- function(x) { 0.5^x - 1 }
  out$mvole_p3_psi <- ci_row(closedpCI.t(period3, m = "Mh", h = psi))
}
# MultipleSystemsEstimation: downhill point estimates (Silverman, Chan and Vincent 2024, Table 6)
for (nm in c("Korea", "Kosovo", "NewOrl_5", "UKdat_5", "UKdat", "NewOrl", "Ned", "Western")) {
  d <- rd(nm); nl <- ncol(d) - 1
  for (mo in unique(c(2, nl - 1))) {
    z <- MultipleSystemsEstimation:::downhill_fit(d[, nl + 1], d[, 1:nl], maxorder = mo, verbose = TRUE)
    out[[paste0("downhill_", nm, "_", mo)]] <- list(model = z$optimum_hierarchy,
      BIC = unname(z$minimum_value[1]), abundance = unname(z$minimum_value[2]),
      n_considered = length(z$hierarchies_considered))
  }
}
# SparseMSE-style log-normal interval on the intercept (estimatepopulation.0 with method "fixed")
for (nm in c("UKdat", "NewOrl_5", "Korea")) {
  d <- rd(nm); nl <- ncol(d) - 1
  full <- expand.grid(rep(list(0:1), nl)); names(full) <- names(d)[1:nl]
  full <- full[rowSums(full) > 0, ]
  key <- function(m) apply(m[, 1:nl, drop = FALSE], 1, paste, collapse = "")
  full$count <- 0; full$count[match(key(d), key(full))] <- d[, nl + 1]
  ch <- full
  f <- glm(as.formula(paste("count ~", paste(names(d)[1:nl], collapse = "+"))), family = poisson, data = ch)
  se <- sqrt(summary(f)$cov.unscaled[1, 1]); b <- coef(f)[1]
  out[[paste0("lognormal_main_", nm)]] <- list(estimate = sum(d[, nl + 1]) + exp(b),
    lower = sum(d[, nl + 1]) + exp(qnorm(0.025, b, se)), upper = sum(d[, nl + 1]) + exp(qnorm(0.975, b, se)))
}
# degree-2 ("neighbourhood") ranking of vary_ntop_bca (Silverman, Chan and Vincent 2024, 5.1)
ns <- asNamespace("MultipleSystemsEstimation")
for (case in list(list("Kosovo", 3), list("Kosovo", 2), list("UKdat_5", 2), list("NewOrl_5", 4))) {
  d <- rd(case[[1]]); nl <- ncol(d) - 1
  z <- ns$assemble_bic(d, maxorder = case[[2]])
  models <- rownames(z$res)
  ord2 <- ns$.degree2_order(models, nlists = nl, maxorder = case[[2]])
  out[[paste0("degree2_", case[[1]], "_", case[[2]])]] <- list(bic_order = models, degree2_order = models[ord2])
}
out$versions <- list(Rcapture = as.character(packageVersion("Rcapture")),
  MultipleSystemsEstimation = as.character(packageVersion("MultipleSystemsEstimation")),
  R = R.version.string)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "tests/mse/r_published.json")
