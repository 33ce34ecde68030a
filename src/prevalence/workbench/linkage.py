"""Linkage in simulation studies: how linkage errors move an MSE estimate.

:class:`CaseListScenario` is a scenario for :func:`~prevalence.workbench.study`: each draw
simulates case lists with known truth (:func:`~prevalence.simulate.simulate_case_lists`:
typos, duplicates, missing fields), pseudonymises them and links them, and returns the linkage
with the true capture histories beside it. :class:`LinkedEstimate` fits an MSE estimator to
such a draw in one of three ways: on the true links (what a perfect linkage would give), on
the linkage at a threshold, or combined over drawn linkage configurations
(:func:`~prevalence.linkage.estimate_with_linkage_uncertainty`). Side by side in one study
they show what the linkage costs in bias and coverage (``benchmarks/linkage_coverage.py`` is
that study).

Examples
--------
>>> from prevalence import LogLinearMSE
>>> from prevalence.workbench import study
>>> result = study(
...     {"true links": LinkedEstimate(LogLinearMSE(), "true"),
...      "threshold 0.5": LinkedEstimate(LogLinearMSE(), "threshold")},
...     {"four lists": CaseListScenario(400, heterogeneity=0.0)}, replicates=2, seed=1)
>>> sorted(result.summary["estimator"])
['threshold 0.5', 'true links']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..core.errors import DataError
from ..core.results import Estimate
from ..linkage.link import LinkageResult, link_case_lists
from ..linkage.pseudonymise import pseudonymise
from ..linkage.uncertainty import estimate_with_linkage_uncertainty
from ..mse.data.captures import CaptureHistories
from ..simulate.case_lists import simulate_case_lists

__all__ = ["CaseListScenario", "LinkedCaseLists", "LinkedEstimate"]

#: The secret of simulated holders (synthetic records identify nobody).
STUDY_SECRET = "a simulation study's shared secret"


@dataclass(frozen=True)
class LinkedCaseLists:
    """One draw of a linkage study: the linkage of the simulated lists, and the capture
    histories a perfect linkage would have given."""

    linkage: LinkageResult
    true_histories: CaptureHistories


@dataclass(frozen=True)
class CaseListScenario:
    """Simulated case lists, pseudonymised and linked: ``f(rng) -> (LinkedCaseLists, size)``.

    Parameters
    ----------
    n_people : int
        True population size.
    lists : mapping, optional
        List name to average capture probability (default: the four lists of
        :func:`~prevalence.simulate.simulate_case_lists`).
    heterogeneity, duplicate_rate, typo_rate, missing_rate : float
        As :func:`~prevalence.simulate.simulate_case_lists`.
    given_name_pool, family_name_pool, birth_years : int, optional
        Name-poor populations, as :func:`~prevalence.simulate.simulate_case_lists` (pools
        of names with Zipf frequencies; fewer years of birth, more namesakes born the same
        year).
    birth_places : int, optional
        A place of birth among this many (Zipf frequencies), recorded on the lists,
        pseudonymised and compared, as :func:`~prevalence.simulate.simulate_case_lists`.
    threshold : float
        The linkage's default threshold.
    """

    n_people: int
    lists: Mapping[str, float] | None = None
    heterogeneity: float = 1.0
    duplicate_rate: float = 0.05
    typo_rate: float = 0.1
    missing_rate: float = 0.05
    threshold: float = 0.5
    given_name_pool: int | None = None
    family_name_pool: int | None = None
    birth_years: int = 47
    birth_places: int | None = None

    def __call__(self, rng: np.random.Generator) -> tuple[LinkedCaseLists, float]:
        pop = simulate_case_lists(
            self.n_people,
            self.lists,
            heterogeneity=self.heterogeneity,
            duplicate_rate=self.duplicate_rate,
            typo_rate=self.typo_rate,
            missing_rate=self.missing_rate,
            given_name_pool=self.given_name_pool,
            family_name_pool=self.family_name_pool,
            birth_years=self.birth_years,
            birth_places=self.birth_places,
            seed=rng,
        )
        hashed = {
            name: pseudonymise(
                records,
                STUDY_SECRET,
                list_name=name,
                record_id="record_id",
                given_name="given_name",
                family_name="family_name",
                date_of_birth="date_of_birth",
                sex="sex",
                place_of_birth=None if self.birth_places is None else "place_of_birth",
            )
            for name, records in pop.records.items()
        }
        linked = link_case_lists(
            hashed, threshold=self.threshold, seed=int(rng.integers(2**31 - 1))
        )
        return LinkedCaseLists(linked, pop.true_histories()), float(pop.true_size)


class LinkedEstimate:
    """An MSE estimator fitted to a :class:`LinkedCaseLists`.

    Parameters
    ----------
    estimator
        An MSE estimator (``fit(CaptureHistories) -> Estimate``).
    linkage : "true", "threshold" or "uncertainty"
        Fit on the true links, on the linkage at ``threshold``, or combined over ``draws``
        drawn linkage configurations.
    threshold : float, optional
        For ``"threshold"``; default the linkage's own.
    draws : int
        For ``"uncertainty"``.
    seed : int, optional
        Seed of the drawn configurations (a study sets it per replicate).
    """

    def __init__(
        self,
        estimator: Any,
        linkage: Literal["true", "threshold", "uncertainty"] = "threshold",
        threshold: float | None = None,
        draws: int = 20,
        seed: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.linkage = linkage
        self.threshold = threshold
        self.draws = draws
        self.seed = seed

    def fit(self, data: LinkedCaseLists) -> Estimate:
        """The estimate from the true links, the threshold linkage or the drawn ones."""
        if not isinstance(data, LinkedCaseLists):
            raise DataError(
                f"LinkedEstimate fits a LinkedCaseLists (from CaseListScenario), got "
                f"{type(data).__name__}"
            )
        if self.linkage == "true":
            return self.estimator.fit(data.true_histories)
        if self.linkage == "threshold":
            histories = data.linkage.histories(self.threshold)
            assert isinstance(histories, CaptureHistories)
            return self.estimator.fit(histories)
        if self.linkage == "uncertainty":
            return estimate_with_linkage_uncertainty(
                data.linkage, self.estimator, draws=self.draws, seed=self.seed
            )
        raise DataError(
            f"linkage must be 'true', 'threshold' or 'uncertainty', got {self.linkage!r}"
        )
