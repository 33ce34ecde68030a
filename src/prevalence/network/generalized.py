"""The generalized network scale-up estimator (Feehan and Salganik 2016).

The basic scale-up estimator needs the hidden population's members to have as many ties as
everyone else and everyone to know who is hidden among their acquaintances; both fail in
practice (barrier and transmission effects). The generalized estimator replaces the
respondents' degrees by the hidden population's visibility, measured in a second sample
drawn from the hidden population itself (often by RDS):

    N_H = y_FH / v_HF,   v_HF = (N_F / N_A) * sum_j w_j v_jA / sum_j w_j

``y_FH`` is the frame sample's weighted total of reported ties to the hidden population,
``v_jA`` the number of members of the probe populations ``A`` (groups of known total size
``N_A``) who know hidden respondent ``j`` is hidden, and ``w_j`` the hidden sample's weights.
No degree and no adjustment factor enters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import positive_number, whole_number
from ..core.errors import DataError
from ..core.estimator import Estimator
from ..core.intervals import check_level, percentile_interval
from ..core.random import SeedLike, as_generator, independent_seed
from ..core.results import Estimate
from ..survey.base import Design
from ..survey.design import SurveyDesign
from .answers import answer_matrix, check_known_sizes
from .details import GeneralizedScaleUpDetails

__all__ = ["GeneralizedScaleUp"]


class GeneralizedScaleUp(Estimator):
    """Hidden-population size by the generalized scale-up estimator.

    Parameters
    ----------
    hidden : str
        Column of the frame sample: reported number of hidden-population members known.
    probes : mapping of str to float
        Probe (known) populations and their sizes; the hidden sample has one column per
        probe population with the visibility answer ("how many of them know you are ...?").
    frame_size : float
        Size of the frame population ``N_F``.
    hidden_weights : str, optional
        Column of the hidden sample with its weights (for example RDS weights); default
        equal weights. A :class:`SurveyDesign` brings its own.
    n_boot : int
        Bootstrap replicates: the frame sample by Rao and Wu's rescaled bootstrap (its
        design's strata and PSUs), the hidden sample by resampling its rows, independently.
    level : float
        Interval level (percentile interval).
    seed : int, Generator or None
        Seed of the bootstraps.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"hidden": [0, 1, 0, 2, 0, 1]})
    >>> hidden = pd.DataFrame({"nurses": [1, 0, 2], "teachers": [2, 1, 3]})
    >>> est = GeneralizedScaleUp("hidden", {"nurses": 500, "teachers": 1500}, 60_000,
    ...                          n_boot=50, seed=1).fit((frame, hidden))
    >>> round(est.value)
    444
    """

    input_kinds = ()
    details_schema = GeneralizedScaleUpDetails

    def __init__(
        self,
        hidden: str,
        probes: Mapping[str, float],
        frame_size: float,
        *,
        hidden_weights: str | None = None,
        n_boot: int = 1000,
        level: float = 0.95,
        seed: SeedLike = None,
    ) -> None:
        size = positive_number("frame_size", frame_size)
        check_known_sizes(probes, size)
        whole_number("n_boot", n_boot, 2)
        self.hidden = hidden
        self.probes = dict(probes)
        self.frame_size = size
        self.hidden_weights = hidden_weights
        self.n_boot = int(n_boot)
        self.level = check_level(level)
        self.seed = seed

    def _frame(self, data: Any) -> SurveyDesign:
        if isinstance(data, SurveyDesign):
            return data
        if isinstance(data, pd.DataFrame):
            return SurveyDesign(data.assign(_gnsum_weight=1.0), weights="_gnsum_weight")
        if isinstance(data, Design):
            raise DataError("the frame sample must be a DataFrame or a SurveyDesign")
        raise DataError(
            f"the frame sample must be a DataFrame or SurveyDesign, got {type(data).__name__}"
        )

    def _hidden(self, data: Any) -> tuple[np.ndarray, np.ndarray]:
        """(visibility to all probes per respondent, weights)."""
        if isinstance(data, SurveyDesign):
            frame, weights = data.data, np.asarray(data.weights, dtype=float)
        elif isinstance(data, pd.DataFrame):
            frame = data
            if self.hidden_weights is None:
                weights = np.ones(len(data))
            else:
                if self.hidden_weights not in data.columns:
                    raise DataError(
                        f"hidden_weights column {self.hidden_weights!r} not in the hidden sample"
                    )
                weights = pd.to_numeric(data[self.hidden_weights], errors="coerce").to_numpy(float)
                bad = ~np.isfinite(weights) | (weights <= 0)
                if bad.any():
                    row = int(np.flatnonzero(bad)[0])
                    raise DataError(
                        f"hidden_weights column {self.hidden_weights!r} row {row}: weights must be "
                        "positive numbers"
                    )
        else:
            raise DataError(
                f"the hidden sample must be a DataFrame or SurveyDesign, got {type(data).__name__}"
            )
        answers = answer_matrix(frame, list(self.probes), "visibility")
        if np.isnan(answers).any():
            row, col = np.argwhere(np.isnan(answers))[0]
            raise DataError(
                f"visibility column {list(self.probes)[int(col)]!r} row {int(row)} is missing"
            )
        return answers.sum(axis=1), weights

    def fit(self, data: tuple[Any, Any] | Mapping[str, Any]) -> Estimate:
        """Estimate from ``(frame sample, hidden sample)`` (or ``{"frame": ..., "hidden": ...}``)."""
        if isinstance(data, Mapping):
            if set(data) != {"frame", "hidden"}:
                raise DataError("give the samples as {'frame': ..., 'hidden': ...}")
            frame_data, hidden_data = data["frame"], data["hidden"]
        elif isinstance(data, tuple | list) and len(data) == 2:
            frame_data, hidden_data = data
        else:
            raise DataError("GeneralizedScaleUp.fit expects (frame sample, hidden sample)")
        design = self._frame(frame_data)
        y = answer_matrix(design.data, [self.hidden], "hidden-population")[:, 0]
        use = np.isfinite(y)
        y = np.where(use, y, 0.0)
        w = np.asarray(design.weights, dtype=float)
        # a frame total from respondents with an answer: weights of the others are
        # redistributed pro rata (the estimated frame size stays the same)
        scale = w.sum() / w[use].sum()
        y_total = float(np.sum(w * y) * scale) * self.frame_size / float(w.sum())
        v, wh = self._hidden(hidden_data)
        n_a = float(sum(self.probes.values()))
        visibility = self.frame_size / n_a * float(np.sum(wh * v) / np.sum(wh))
        if visibility <= 0:
            raise DataError(
                "no hidden respondent is known to be hidden by any probe-population member: "
                "visibility is zero and the estimator is undefined"
            )
        value = y_total / visibility
        rng = as_generator(self.seed)
        rep = design.replicate("subbootstrap", replicates=self.n_boot, seed=rng)
        groups = rep.factors.shape[0]
        ty = np.bincount(rep.index, weights=w * y, minlength=groups)
        tu = np.bincount(rep.index, weights=w * use, minlength=groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            y_reps = (rep.factors.T @ ty) / (rep.factors.T @ tu) * self.frame_size
            hidden_rng = as_generator(independent_seed(self.seed, 1))
            idx = hidden_rng.integers(0, v.size, size=(self.n_boot, v.size))
            v_reps = self.frame_size / n_a * (wh[idx] * v[idx]).sum(axis=1) / wh[idx].sum(axis=1)
            draws = y_reps / v_reps
        lo, hi = percentile_interval(draws, self.level)
        details = {
            "frame_reports": y_total,
            "visibility": visibility,
            "n_frame": int(use.sum()),
            "n_hidden": int(v.size),
            "n_observed": int(use.sum()) + int(v.size),
            "probe_size": n_a,
            "std_error": float(np.std(draws[np.isfinite(draws)], ddof=1)),
        }
        return Estimate(
            value,
            lo,
            hi,
            self.level,
            f"generalized network scale-up (Feehan-Salganik), bootstrap ({self.n_boot} replicates)",
            draws,
            details,
            draws_kind="bootstrap",
            scale="count",
            interval_method="percentile",
        )
