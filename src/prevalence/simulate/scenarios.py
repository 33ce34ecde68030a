"""Configurable simulation scenarios with known truth, for simulation studies.

A scenario is a callable ``scenario(rng) -> (data, truth)`` taking a
:class:`numpy.random.Generator`; :func:`prevalence.study` runs estimators on many draws of it.

* :class:`CaptureScenario`: a closed population of ``size`` people and ``t`` lists, with
  individual heterogeneity (continuous, and/or latent classes), positive or negative
  dependence between lists, a covariate, strata, and several periods with a chosen change.
* :class:`SurveyScenario`: a finite population in strata, clusters and areas whose prevalence
  varies by area and changes over time, sampled by a stratified two-stage design; the data
  come as a ready :class:`~prevalence.SurveyDesign`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.random import SeedLike, as_generator
from ..mse.data.captures import CaptureHistories

__all__ = ["CaptureScenario", "SurveyScenario"]


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class CaptureScenario:
    """A capture-recapture population with known size.

    Parameters
    ----------
    size : int or sequence of int
        True population size; one per period for several periods.
    probabilities : mapping
        Average capture probability of each list (in list order).
    heterogeneity : float
        Standard deviation of a person's logit catchability, shared by all lists (positive
        dependence through heterogeneity).
    classes : sequence of (share, logit shift)
        Latent classes of catchability (shares sum to 1), e.g. ``[(0.7, -1.0), (0.3, 1.0)]``.
    dependence : mapping of (list, list) to float
        Log-odds shift of the second list's capture for people on the first list: positive
        values make the lists positively dependent (referral between agencies), negative
        values negatively (people on one list avoid the other).
    covariate_effect : float
        Logit effect of a standard normal person covariate ``x`` on every list.
    strata : mapping, optional
        Stratum label to (share of the population, logit shift of catchability).
    periods : int
        Number of periods; ``size`` then needs one value per period (people are drawn afresh).

    Examples
    --------
    >>> scenario = CaptureScenario(2000, {"A": 0.3, "B": 0.2, "C": 0.25}, dependence={("A", "B"): 1.0})
    >>> captures, truth = scenario(np.random.default_rng(1))
    >>> truth, captures.lists
    (2000, ('A', 'B', 'C'))
    """

    size: int | Sequence[int]
    probabilities: Mapping[str, float]
    heterogeneity: float = 0.0
    classes: Sequence[tuple[float, float]] = ()
    dependence: Mapping[tuple[str, str], float] = field(default_factory=dict)
    covariate_effect: float = 0.0
    strata: Mapping[str, tuple[float, float]] | None = None
    periods: int = 1

    def __post_init__(self) -> None:
        sizes = self.sizes
        if len(sizes) != self.periods:
            raise DataError(f"{self.periods} periods need {self.periods} sizes, got {len(sizes)}")
        if any(s < 1 for s in sizes):
            raise DataError("population sizes must be positive")
        if len(self.probabilities) < 2:
            raise DataError("at least two lists are needed")
        for k, p in self.probabilities.items():
            if not 0 < p < 1:
                raise DataError(f"capture probability of list {k!r} must lie in (0, 1), got {p}")
        names = list(self.probabilities)
        for a, b in self.dependence:
            if a not in names or b not in names or names.index(a) >= names.index(b):
                raise DataError(
                    f"dependence ({a!r}, {b!r}) must name two lists, the first before the second"
                )
        if self.classes and not np.isclose(sum(s for s, _ in self.classes), 1.0):
            raise DataError("latent class shares must add up to 1")
        if self.strata is not None and not np.isclose(sum(s for s, _ in self.strata.values()), 1.0):
            raise DataError("stratum shares must add up to 1")

    @property
    def sizes(self) -> list[int]:
        if np.ndim(self.size) == 0:  # one size (a number) or one per period
            return [int(cast(int, self.size))]
        return [int(s) for s in cast(Sequence[int], self.size)]

    def records(self, rng: SeedLike) -> pd.DataFrame:
        """One row per observed person: 0/1 per list, ``x``, ``stratum`` and ``period`` columns."""
        rng = as_generator(rng)
        names = list(self.probabilities)
        base = _logit(np.array([self.probabilities[k] for k in names]))
        frames = []
        for period, N in enumerate(self.sizes):
            eff = np.zeros(N)
            if self.heterogeneity > 0:
                eff += rng.normal(0.0, self.heterogeneity, N)
            if self.classes:
                shares = np.array([s for s, _ in self.classes])
                shifts = np.array([v for _, v in self.classes])
                eff += shifts[rng.choice(len(shares), size=N, p=shares)]
            x = rng.normal(size=N)
            eff += self.covariate_effect * x
            stratum = np.full(N, "all", dtype=object)
            if self.strata:
                labels = list(self.strata)
                shares = np.array([self.strata[k][0] for k in labels])
                idx = rng.choice(len(labels), size=N, p=shares)
                stratum = np.array(labels, dtype=object)[idx]
                eff += np.array([self.strata[k][1] for k in labels])[idx]
            caught = np.zeros((N, len(names)), dtype=bool)
            for j in range(len(names)):
                logit = base[j] + eff
                for (a, b), delta in self.dependence.items():
                    if names.index(b) == j:
                        logit = logit + delta * caught[:, names.index(a)]
                caught[:, j] = rng.random(N) < 1.0 / (1.0 + np.exp(-logit))
            seen = caught.any(axis=1)
            frame = pd.DataFrame(caught[seen].astype(np.int64), columns=names)
            frame["x"] = x[seen]
            frame["stratum"] = stratum[seen]
            frame["period"] = period
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def truth(self) -> dict[str, Any]:
        return {"sizes": self.sizes, "change": self.sizes[-1] - self.sizes[0]}

    def __call__(self, rng: SeedLike) -> tuple[CaptureHistories, int]:
        """Capture histories of the first period and its true size (the study interface)."""
        rec = self.records(rng)
        rec = rec[rec["period"] == 0]
        return CaptureHistories.from_records(rec, lists=list(self.probabilities)), self.sizes[0]


@dataclass(frozen=True)
class SurveyScenario:
    """A finite population sampled by a stratified two-stage cluster design.

    The population has ``strata`` strata, each with ``clusters_per_stratum`` clusters of
    ``cluster_size`` people; clusters belong to ``areas`` areas. Prevalence follows
    ``logit p = logit(prevalence) + area effect + cluster effect (+ change in later periods)``.
    The sample takes ``sampled_clusters`` clusters per stratum (simple random sampling) and
    ``sampled_per_cluster`` people per cluster, with weights and finite population corrections.

    ``scenario(rng)`` returns ``(SurveyDesign, true population prevalence)``;
    :meth:`sample` returns the frame and the truth by area.
    """

    strata: int = 10
    clusters_per_stratum: int = 40
    cluster_size: int = 200
    areas: int = 5
    prevalence: float = 0.1
    area_sd: float = 0.4
    cluster_sd: float = 0.3
    change: float = 0.0  # logit change per period
    periods: int = 1
    sampled_clusters: int = 6
    sampled_per_cluster: int = 20

    def __post_init__(self) -> None:
        if not 0 < self.prevalence < 1:
            raise DataError("prevalence must lie in (0, 1)")
        if (
            self.sampled_clusters > self.clusters_per_stratum
            or self.sampled_per_cluster > self.cluster_size
        ):
            raise DataError("cannot sample more clusters or people than the population has")
        if self.sampled_clusters < 2:
            raise DataError("sample at least two clusters per stratum")

    def sample(self, rng: SeedLike) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The sampled frame (one row per respondent) and the true prevalence by area and period."""
        rng = as_generator(rng)
        H, C, M = self.strata, self.clusters_per_stratum, self.cluster_size
        area_of_cluster = rng.integers(0, self.areas, size=(H, C))
        area_eff = rng.normal(0, self.area_sd, self.areas)
        cluster_eff = rng.normal(0, self.cluster_sd, (H, C))
        rows, truth = [], []
        for t in range(self.periods):
            logit = (
                _logit(self.prevalence) + area_eff[area_of_cluster] + cluster_eff + t * self.change
            )
            p = 1 / (1 + np.exp(-logit))
            status = rng.random((H, C, M)) < p[:, :, None]
            for a in range(self.areas):
                m = area_of_cluster == a
                truth.append(
                    {
                        "area": f"area{a}",
                        "period": t,
                        "true_prevalence": float(status[m].mean()) if m.any() else np.nan,
                    }
                )
            truth.append({"area": "all", "period": t, "true_prevalence": float(status.mean())})
            for h in range(H):
                chosen = rng.choice(C, self.sampled_clusters, replace=False)
                for c in chosen:
                    people = rng.choice(M, self.sampled_per_cluster, replace=False)
                    w = (C / self.sampled_clusters) * (M / self.sampled_per_cluster)
                    for i in people:
                        rows.append(
                            (
                                t,
                                f"s{h}",
                                f"s{h}c{c}",
                                f"area{area_of_cluster[h, c]}",
                                w,
                                C,
                                M,
                                int(status[h, c, i]),
                            )
                        )
        frame = pd.DataFrame(
            rows,
            columns=["period", "stratum", "cluster", "area", "weight", "fpc1", "fpc2", "victim"],
        )
        return frame, pd.DataFrame(truth)

    def __call__(self, rng: SeedLike) -> tuple[Any, float]:
        from ..survey.design import SurveyDesign

        frame, truth = self.sample(rng)
        frame = frame[frame["period"] == 0]
        design = SurveyDesign(
            frame, weights="weight", strata="stratum", clusters=["cluster"], fpc=["fpc1"]
        )
        overall = truth[(truth["area"] == "all") & (truth["period"] == 0)]["true_prevalence"].iloc[
            0
        ]
        return design, float(overall)
