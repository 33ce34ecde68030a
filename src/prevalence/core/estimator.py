"""The common estimator interface: configure in the constructor, ``fit`` data, ``compare`` two data sets."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import Any

from .compare import compare_estimates
from .random import SeedLike, independent_seed
from .results import Comparison, Estimate

__all__ = ["Estimator"]


class Estimator(ABC):
    """Base class of every estimator in ``prevalence``.

    Subclasses take all their settings in the constructor and implement :meth:`fit`.
    :meth:`compare` fits a baseline and an endline data set and compares them as
    independent samples (see :func:`prevalence.core.compare.compare_estimates`).
    """

    seed: SeedLike = None

    @abstractmethod
    def fit(self, data: Any) -> Estimate:
        """Estimate from ``data`` and return an :class:`~prevalence.Estimate`."""

    def compare(
        self,
        baseline: Any,
        endline: Any,
        *,
        seed: SeedLike = None,
        n_draws: int | None = None,
    ) -> Comparison:
        """Fit ``baseline`` and ``endline`` and compare them (difference and ratio with intervals).

        The baseline is fitted with the estimator's ``seed``, the endline with an independent
        stream derived from it (:func:`~prevalence.core.random.independent_seed`): bootstraps
        or chains run with one seed on two data sets would share their random numbers, and
        the comparison treats the two estimates as independent. ``seed`` (for the comparison's
        own draws) defaults to the estimator's ``seed``. The intervals follow the estimates'
        own method, as documented in :mod:`prevalence.core.compare`.
        """
        b = self.fit(baseline)
        endline_estimator = copy.copy(self)
        endline_estimator.seed = independent_seed(self.seed, 1)
        e = endline_estimator.fit(endline)
        return compare_estimates(b, e, seed=self.seed if seed is None else seed, n_draws=n_draws)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"

    def _params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}
