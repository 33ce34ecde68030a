# Reference values for SSPSE(visibility=True) (tests/network/test_sspse_visibility.py),
# computed by hand with R (never by the tests): sspse 1.1.0-6 (CRAN source) with RDS 0.9-10,
# R 4.x from Debian, on fauxmadrona, six seeds of 1,000 draws (every 10th of 15,000 sweeps).
#
#   Rscript tests/network/r_sspse_vis.R LIBRARY LABEL OUT.json [SEEDS] [wide]
#
# run twice (about 15 minutes each on one core): LIBRARY holding sspse as released (label
# "released"), and LIBRARY holding sspse 1.1.0-6 rebuilt with five changes to the single-sample
# sampler of its measurement-error model, src/posteriorcmpwpvis.c (label "patched"), each
# making the sampler follow the model its documentation states:
#   1. a respondent who handed out every coupon is scored by the chance of at least that many
#      recruits, P(X >= coupons) (the released code takes 1 - P(X >= coupons), the chance of
#      fewer), in the draw of the visibilities and in the Metropolis step of the betas;
#   2. that Metropolis step uses the same overdispersion as the draw of the visibilities
#      (15, mem.overdispersion's default; the released step has 25 written in);
#   3. the recruitment time enters as log(time + 1), times 1..n (the released code takes the
#      log of times that start at 0);
#   4. each respondent's visibility is drawn with the successive-sampling factor
#      exp(-visibility * Phi_j), Phi_j the sum of the augmentation variables
#      phi_k ~ Exp(1) / (T - S_(k-1)) of the respondents sampled up to j, drawn afresh
#      (the released draw leaves it out);
#   5. no prior on the optimism, which the sampler holds fixed (the released prior of the
#      measurement scale carries the normal density of the fixed log optimism), and the
#      Metropolis step of the betas runs its 100 steps and keeps the last state (the released
#      step stops at the first acceptance after 50).
# The two JSON files are then combined into r_sspse_vis.json ({"released": ..., "patched": ...}).
args <- commandArgs(trailingOnly = TRUE)
lib <- args[1]; label <- args[2]; outfile <- args[3]
seeds <- if (length(args) >= 4) eval(parse(text = args[4])) else 1:6
# "wide": proposals of the betas' Metropolis steps wide enough to reach their posterior (the
# defaults, 0.2, 0.001 and 0.001, move beta_t and beta_u by about 0.3 in a whole run)
wide <- length(args) >= 5 && args[5] == "wide"
proposals <- if (wide) c(0.5, 0.2, 0.2) else c(0.2, 0.001, 0.001)
.libPaths(c(lib, .libPaths()))
suppressMessages({library(sspse); library(RDS); library(jsonlite)})
d <- read.csv("../shared/reference/data/rds_fauxmadrona.csv")
rds <- as.rds.data.frame(d, id = "id", recruiter.id = "recruiter.id", network.size = "degree",
                         population.size = NA)
levels <- c(0.025, 0.25, 0.5, 0.75, 0.975)
call <- quote(posteriorsize(rds, median.prior.size = 1000, visibility = TRUE,
    mean.prior.visibility = 6, sd.prior.visibility = 4,
    beta_0_proposal = proposals[1], beta_t_proposal = proposals[2],
    beta_u_proposal = proposals[3],
    samplesize = 1000, interval = 10, warmup = 5000, seed = seed, verbose = FALSE))
pooled <- c(); medians <- c(); mu <- c(); sig <- c(); b0 <- c(); bt <- c(); bu <- c(); ms <- c()
vis <- NULL
t0 <- Sys.time()
for (seed in seeds) {
  fit <- suppressMessages(eval(call))
  s <- fit$sample
  pooled <- c(pooled, s[, "N"]); medians <- c(medians, median(s[, "N"]))
  mu <- c(mu, s[, "mu"]); sig <- c(sig, s[, "sigma"]); b0 <- c(b0, s[, "beta_0"])
  bt <- c(bt, s[, "beta_t"]); bu <- c(bu, s[, "beta_u"]); ms <- c(ms, s[, "mem.scale"])
  vis <- rbind(vis, fit$vsample)
}
secs <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
out <- list(version = as.character(packageVersion("sspse")), label = label, levels = levels,
  call = paste(deparse(call), collapse = " "), seeds = seeds, proposals = proposals,
  quantiles = unname(quantile(pooled, levels)), mean = mean(pooled), seed_medians = medians,
  mean_visibility_median = median(mu), sd_visibility_median = median(sig),
  beta_0 = unname(quantile(b0, levels)), beta_t = unname(quantile(bt, levels)),
  beta_u = unname(quantile(bu, levels)), mem_scale = unname(quantile(ms, levels)),
  visibility_medians = unname(apply(vis, 2, median)), K = fit$K, maxN = fit$maxN,
  seconds = secs)
write_json(out, outfile, digits = NA, auto_unbox = TRUE, pretty = TRUE)
