"""Programmes with known effect: programme and comparison areas at a baseline and an endline.

Two kinds of data, both with the true difference in differences (DiD) known:

* :func:`simulate_programme_survey`: a stratified cluster survey (the two groups are strata,
  villages are the PSUs), either a panel (the same people at both times, their outcomes
  correlated through a person effect and a village effect) or repeated cross-sections (new
  people at the endline, in the same villages). Prevalence is
  ``expit(base + u_village + e_person + change_group)`` at the endline and without the
  change at the baseline; the comparison areas change by ``comparison_change`` and the
  programme areas by ``comparison_change + effect`` (logit scale). The true DiD is that of the
  superpopulation prevalences, computed by Gauss-Hermite quadrature over the random effects.
* :func:`simulate_programme_lists`: four capture-recapture populations (programme and
  comparison, baseline and endline) of known sizes, lists independent; the true DiD is the
  DiD of the sizes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.random import SeedLike, as_generator
from ..mse.data.captures import CaptureHistories
from .capture import simulate_captures

__all__ = [
    "ProgrammeSurvey",
    "ProgrammeLists",
    "simulate_programme_survey",
    "simulate_programme_lists",
    "mean_prevalence",
]


@dataclass(frozen=True)
class ProgrammeSurvey:
    """A simulated programme survey: one row per person and time, and the truth."""

    data: pd.DataFrame  # group, period, village, person, weight, victim
    true_prevalence: Mapping[tuple[str, str], float]  # (group, period) -> prevalence
    true_did: float
    panel: bool


@dataclass(frozen=True)
class ProgrammeLists:
    """Four simulated list systems keyed by (group, period), and the true sizes."""

    captures: Mapping[tuple[str, str], CaptureHistories]
    true_sizes: Mapping[tuple[str, str], int]
    true_did: float


def mean_prevalence(logit_mean: float, sd: float) -> float:
    """``E[expit(logit_mean + sd Z)]`` for standard normal ``Z`` (Gauss-Hermite, 60 nodes).

    Examples
    --------
    >>> round(mean_prevalence(0.0, 1.0), 6)
    0.5
    """
    x, w = np.polynomial.hermite_e.hermegauss(60)
    return float(np.sum(w / (1.0 + np.exp(-(logit_mean + sd * x)))) / math.sqrt(2 * math.pi))


def simulate_programme_survey(
    *,
    villages: int = 30,
    people: int = 20,
    prevalence: float = 0.2,
    village_sd: float = 0.5,
    person_sd: float = 1.0,
    comparison_change: float = -0.1,
    effect: float = -0.4,
    panel: bool = True,
    seed: SeedLike = None,
) -> ProgrammeSurvey:
    """A programme-versus-comparison survey at baseline and endline with a known DiD.

    Parameters
    ----------
    villages, people : int
        Villages (PSUs) per group and people interviewed per village and time.
    prevalence : float
        Baseline prevalence at the median person (``expit`` of the base logit).
    village_sd, person_sd : float
        Standard deviations of the village and person effects (logit scale).
    comparison_change, effect : float
        Logit-scale change of the comparison areas, and the programme's extra change.
    panel : bool
        The same people at both times (a panel), or new people at the endline.
    seed : int or Generator
        Same seed, same data.

    Examples
    --------
    >>> sim = simulate_programme_survey(villages=4, people=3, seed=1)
    >>> sorted(sim.data.columns)
    ['group', 'period', 'person', 'victim', 'village', 'weight']
    >>> round(sim.true_did, 4)
    -0.0543
    """
    for name, v in (("villages", villages), ("people", people)):
        if int(v) != v or v < 2:
            raise DataError(f"{name} must be a whole number of at least 2, got {v!r}")
    if not 0 < prevalence < 1:
        raise DataError(f"prevalence must lie in (0, 1), got {prevalence!r}")
    rng = as_generator(seed)
    base = math.log(prevalence / (1 - prevalence))
    frames = []
    for g, change in (("programme", comparison_change + effect), ("comparison", comparison_change)):
        u = np.repeat(rng.normal(0.0, village_sd, villages), people)
        village = np.repeat([f"{g}-{v}" for v in range(villages)], people)
        e0 = rng.normal(0.0, person_sd, villages * people)
        e1 = e0 if panel else rng.normal(0.0, person_sd, villages * people)
        ids0 = np.array([f"{g}-p{i}" for i in range(villages * people)])
        ids1 = ids0 if panel else np.array([f"{g}-q{i}" for i in range(villages * people)])
        for period, e, c, ids in (("baseline", e0, 0.0, ids0), ("endline", e1, change, ids1)):
            p = 1.0 / (1.0 + np.exp(-(base + u + e + c)))
            frames.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "period": period,
                        "village": village,
                        "person": ids,
                        "weight": 1000.0 / people,
                        "victim": (rng.random(p.size) < p).astype(np.int64),
                    }
                )
            )
    sd = math.hypot(village_sd, person_sd)
    truth = {
        ("programme", "baseline"): mean_prevalence(base, sd),
        ("programme", "endline"): mean_prevalence(base + comparison_change + effect, sd),
        ("comparison", "baseline"): mean_prevalence(base, sd),
        ("comparison", "endline"): mean_prevalence(base + comparison_change, sd),
    }
    did = (truth[("programme", "endline")] - truth[("programme", "baseline")]) - (
        truth[("comparison", "endline")] - truth[("comparison", "baseline")]
    )
    return ProgrammeSurvey(pd.concat(frames, ignore_index=True), truth, did, bool(panel))


def simulate_programme_lists(
    sizes: Mapping[tuple[str, str], int],
    capture_probabilities: Mapping[str, float],
    *,
    seed: SeedLike = None,
) -> ProgrammeLists:
    """Four independent list systems with known sizes, keyed ``(group, period)``.

    ``sizes`` needs the keys ``("programme" | "comparison", "baseline" | "endline")``.

    Examples
    --------
    >>> sizes = {("programme", "baseline"): 900, ("programme", "endline"): 600,
    ...          ("comparison", "baseline"): 800, ("comparison", "endline"): 750}
    >>> sim = simulate_programme_lists(sizes, {"a": 0.3, "b": 0.3}, seed=2)
    >>> sim.true_did
    -250.0
    """
    keys = [(g, p) for g in ("programme", "comparison") for p in ("baseline", "endline")]
    missing = [k for k in keys if k not in sizes]
    if missing:
        raise DataError(f"sizes needs the cells {keys}; missing {missing}")
    rng = as_generator(seed)
    captures = {
        k: simulate_captures(int(sizes[k]), capture_probabilities, seed=rng).captures for k in keys
    }
    did = float((sizes[keys[1]] - sizes[keys[0]]) - (sizes[keys[3]] - sizes[keys[2]]))
    return ProgrammeLists(captures, {k: int(sizes[k]) for k in keys}, did)
