"""Seeded generators of synthetic data with known truth."""

from .capture import CapturePopulation, simulate_captures

__all__ = ["CapturePopulation", "simulate_captures"]
