"""Compiled kernels: the batched log-linear engine, the single-model Poisson GLM and the MCMC
samplers of the Bayesian estimators. They import nothing from the package but ``core``.
"""
