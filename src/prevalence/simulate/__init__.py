"""Seeded generators of synthetic data with known truth."""

from .areas import AreaPopulation, simulate_areas
from .capture import CapturePopulation, simulate_captures

__all__ = ["AreaPopulation", "CapturePopulation", "simulate_areas", "simulate_captures"]
