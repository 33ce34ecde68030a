"""Inference on log-linear models: selection (exhaustive, downhill, multi-start, stepwise,
AIC-Wald), bootstrap and jackknife replicates, profile-likelihood intervals.

Below the estimators; above the model algebra and the kernels.
"""
