"""Synthetic capture-recapture populations: people, lists, and who was found on which list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.random import SeedLike, as_generator
from ..mse.data.captures import CaptureHistories

__all__ = ["CapturePopulation", "simulate_captures"]


@dataclass(frozen=True)
class CapturePopulation:
    """A simulated population: the capture histories seen and the truth behind them."""

    captures: CaptureHistories
    records: pd.DataFrame  # one row per observed person, 0/1 per list
    true_size: int
    capture_probabilities: Mapping[str, float]
    heterogeneity: float


def simulate_captures(
    size: int,
    capture_probabilities: Mapping[str, float],
    *,
    heterogeneity: float = 0.0,
    seed: SeedLike = None,
) -> CapturePopulation:
    """Simulate ``size`` people captured independently by each list.

    Parameters
    ----------
    size : int
        True population size N.
    capture_probabilities : mapping of list name to probability
        Average probability that a person appears on each list.
    heterogeneity : float
        Standard deviation of a person-level random effect added on the logit scale to every
        list (0: all people equally catchable; positive values make the lists positively
        dependent through shared catchability).
    seed : int or Generator
        Same seed, same population.

    Examples
    --------
    >>> pop = simulate_captures(1000, {"A": 0.3, "B": 0.2, "C": 0.25}, seed=1)
    >>> pop.true_size, pop.captures.lists
    (1000, ('A', 'B', 'C'))
    """
    if int(size) != size or size < 1:
        raise DataError(f"size must be a positive whole number, got {size!r}")
    if len(capture_probabilities) < 2:
        raise DataError("at least two lists are needed")
    probs = {str(k): float(v) for k, v in capture_probabilities.items()}
    for k, v in probs.items():
        if not 0.0 < v < 1.0:
            raise DataError(f"capture probability of list {k!r} must lie in (0, 1), got {v}")
    if heterogeneity < 0:
        raise DataError(f"heterogeneity must be non-negative, got {heterogeneity}")
    rng = as_generator(seed)
    names = list(probs)
    logit = np.log(np.array([probs[k] for k in names]) / (1 - np.array([probs[k] for k in names])))
    effect = rng.normal(0.0, heterogeneity, size=(int(size), 1)) if heterogeneity > 0 else 0.0
    p = 1.0 / (1.0 + np.exp(-(logit[None, :] + effect)))
    caught = rng.random((int(size), len(names))) < p
    seen = caught.any(axis=1)
    records = pd.DataFrame(caught[seen].astype(np.int64), columns=names)
    captures = CaptureHistories.from_records(records, lists=names)
    return CapturePopulation(captures, records, int(size), probs, float(heterogeneity))
