"""Bayesian hierarchical prevalence models on PyMC and ArviZ: partial pooling across areas and periods."""

from .hierarchical import HierarchicalPrevalence
from .model import DEFAULT_PRIORS

__all__ = ["DEFAULT_PRIORS", "HierarchicalPrevalence"]
