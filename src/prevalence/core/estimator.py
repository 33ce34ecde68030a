"""The common estimator interface: configure in the constructor, ``fit`` data, ``compare`` two data sets."""

from __future__ import annotations

import copy
import inspect
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

from .compare import compare_estimates
from .random import SeedLike, check_seed, independent_seed
from .results import Comparison, Estimate

__all__ = ["Estimator"]


class Estimator(ABC):
    """Base class of every estimator in ``prevalence``.

    Subclasses take all their settings in the constructor and implement :meth:`fit`.
    :meth:`compare` fits a baseline and an endline data set and compares them as
    independent samples (see :func:`prevalence.core.compare.compare_estimates`).
    """

    @property
    def seed(self) -> SeedLike:
        """The seed of the estimator's random steps (checked when set)."""
        return self.__dict__.get("_seed")

    @seed.setter
    def seed(self, value: SeedLike) -> None:
        self.__dict__["_seed"] = check_seed(value)

    #: The run-config input kinds the estimator fits ("captures", "records", "survey",
    #: "areas"); estimators with none are not offered in run configs.
    input_kinds: tuple[str, ...] = ()
    #: Whether :meth:`fit` takes a survey design on a Dask frame (a run config's survey input
    #: with ``engine = "dask"``); the others need their data in memory.
    out_of_core: ClassVar[bool] = False
    #: What the method assumes, in words (shown in a run's report); "" when not stated.
    assumptions: str = ""
    #: The typed schema (a ``TypedDict``) of ``Estimate.details`` from :meth:`fit`: every key
    #: with its type and meaning (``docs/results.md`` lists them; a test checks every
    #: estimator's details against its schema).
    details_schema: ClassVar[type | None] = None

    @abstractmethod
    def fit(self, data: Any) -> Estimate:
        """Estimate from ``data`` and return an :class:`~prevalence.Estimate`."""

    def check_input(self, data: Any) -> list[str]:
        """Problems that would stop :meth:`fit` on ``data``, found without fitting.

        ``prevalence validate`` calls it on every input an estimator is to fit, so that a run
        does not fail after minutes of work on something a cheap look would have caught (a
        model naming a list that is not there, lists that do not overlap, a missing
        indicator column). An empty list means nothing was found, not that the fit will
        succeed. The base class checks nothing.

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence import CaptureHistories, LogLinearMSE
        >>> ch = CaptureHistories.from_counts(
        ...     pd.DataFrame({"A": [1, 0], "B": [0, 1], "count": [30, 20]}))
        >>> LogLinearMSE().check_input(ch)  # doctest: +ELLIPSIS
        ['model [1,2] cannot be fitted to these data: the maximum likelihood estimate does not exist ...]
        """
        return []

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

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        """The constructor's parameter names (as scikit-learn reads them)."""
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """The settings, keyed by the constructor's parameter names.

        ``type(est)(**est.get_params())`` builds an equal estimator (see :meth:`clone`).

        Examples
        --------
        >>> from prevalence import LogLinearMSE
        >>> LogLinearMSE(select="bic", n_boot=200).get_params()["n_boot"]
        200
        """
        missing = [n for n in self._param_names() if not hasattr(self, n)]
        if missing:
            raise AttributeError(
                f"{type(self).__name__} does not keep its constructor arguments {missing}"
            )
        return {n: getattr(self, n) for n in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Change settings (validated by the constructor, as at construction); returns self.

        Examples
        --------
        >>> from prevalence import LogLinearMSE
        >>> LogLinearMSE().set_params(level=0.9).level
        0.9
        """
        unknown = sorted(set(params) - set(self._param_names()))
        if unknown:
            raise ValueError(
                f"{type(self).__name__} has no parameter(s) {unknown}; it has {self._param_names()}"
            )
        rebuilt = type(self)(**{**self.get_params(), **params})
        self.__dict__.update(rebuilt.__dict__)
        return self

    def clone(self, **params: Any) -> Self:
        """A new, unfitted estimator with the same settings (and ``params`` changed).

        Settings are copied (nested estimators cloned), so changing the clone's settings
        never changes the original's.

        Examples
        --------
        >>> from prevalence import LogLinearMSE
        >>> est = LogLinearMSE(select="bic", seed=1)
        >>> other = est.clone(seed=2)
        >>> other.select, other.seed, est.seed
        ('bic', 2, 1)
        """
        own = {
            k: v.clone() if isinstance(v, Estimator) else copy.deepcopy(v)
            for k, v in self.get_params().items()
            if k not in params
        }
        return type(self)(**own, **params)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"

    def _params(self) -> dict[str, Any]:
        try:
            return self.get_params()
        except AttributeError:
            return {k: v for k, v in vars(self).items() if not k.startswith("_")}
