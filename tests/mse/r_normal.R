# Reference values for Rcapture's normal heterogeneity models (h = "Normal", Rivest 2011),
# computed by hand with R (never by the tests): Rcapture 1.4-4 (CRAN; installed from its
# source, github cran/Rcapture, commit b536c82), R 4.x.
# Run from the repository root with ../shared beside it:
#   Rscript tests/mse/r_normal.R   (writes tests/mse/r_normal.json)
# Rcapture fits these models by optim (BFGS, numerical gradients, reltol 1e-8) on the Poisson
# deviance; fit$parameters' "stderr" row holds the diagonal of solve(optim's hessian of the
# deviance), which is a variance, and half of the inverse information (the deviance is twice
# the negative log-likelihood): kept here as Rcapture gives it, as "param_var_rcapture".
suppressMessages({library(Rcapture); library(jsonlite)})
ref <- "../shared/reference/data/"
one <- function(r) {
  res <- r$results
  list(abundance = unname(res[1, "abundance"]), stderr = unname(res[1, "stderr"]),
       lower = unname(res[1, "infCL"]), upper = unname(res[1, "supCL"]),
       deviance = unname(res[1, "deviance"]), df = unname(res[1, "df"]),
       AIC = unname(res[1, "AIC"]), BIC = unname(res[1, "BIC"]),
       info = unname(res[1, "infoFit"]),
       params = unname(r$fit$parameters["estimate", ]),
       param_names = colnames(r$fit$parameters),
       param_var_rcapture = unname(r$fit$parameters["stderr", ]))
}
out <- list()
# the published example of closedpCI.t's help page: diabetes data of Bruno et al. (1994),
# interaction set I of Rivest (2011)
histpos <- histpos.t(4)
counts <- c(58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10)
diabetes <- cbind(histpos, counts)
out$diabetes <- c(list(counts = counts),
  one(closedpCI.t(X = diabetes, dfreq = TRUE, mX = ~ . + c1:c3 + c2:c4 + c3:c4,
                  h = "Normal", mname = "Mth normal with I")))
out$diabetes_Mth <- one(closedpCI.t(X = diabetes, dfreq = TRUE, m = "Mth", h = "Normal"))
out$diabetes_Mh <- one(closedpCI.t(X = diabetes, dfreq = TRUE, m = "Mh", h = "Normal"))
hare <- as.matrix(read.csv(paste0(ref, "rcapture_hare.csv")))
out$hare_Mh <- one(closedpCI.t(hare, m = "Mh", h = "Normal"))
out$hare_Mth <- one(closedpCI.t(hare, m = "Mth", h = "Normal"))
hiv <- as.matrix(read.csv(paste0(ref, "rcapture_HIV.csv")))
out$HIV_Mh <- one(closedpCI.t(hiv, dfreq = TRUE, m = "Mh", h = "Normal"))
out$rcapture_version <- as.character(packageVersion("Rcapture"))
out$r_version <- R.version.string
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/mse/r_normal.json")
