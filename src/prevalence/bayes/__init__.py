"""Bayesian hierarchical prevalence models on PyMC and ArviZ (planned: issue #5)."""
