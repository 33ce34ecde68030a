"""Reproducible estimation runs from a TOML config: ``prevalence run`` and ``prevalence validate``."""

from .config import ConfigProblem, load_config
from .runner import RunResult, run, validate

__all__ = ["ConfigProblem", "RunResult", "load_config", "run", "validate"]
