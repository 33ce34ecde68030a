"""Capture-recapture populations split into strata whose lists behave differently.

Every stratum has its own size, its own catch probability on every list, its own spread of
catchability between people (heterogeneity, which makes all lists positively dependent) and
its own referral between the first two lists (people on the first list are more likely to be
on the second). Some lists may not operate in some strata. The truth is known, so a study can
measure bias, error and coverage stratum by stratum (:mod:`prevalence.workbench.pooled`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.random import SeedLike, as_generator

__all__ = ["StratifiedCaptureScenario"]


@dataclass(frozen=True)
class StratifiedCaptureScenario:
    """Known strata of people caught by lists that differ by stratum.

    Attributes
    ----------
    strata : DataFrame
        One row per stratum: the ``by`` columns, ``size`` (true number of people),
        ``heterogeneity`` (standard deviation of a person's logit catchability, shared by every
        list) and ``referral`` (log-odds shift of the second list for people on the first).
    list_logits : ndarray
        Logit catch probability of each list in each stratum (strata x lists).
    lists : tuple of str
        List names.
    by : tuple of str
        The stratum columns.
    absent : ndarray, optional
        True where a list does not operate in a stratum (strata x lists).

    Examples
    --------
    >>> sc = StratifiedCaptureScenario.random({"year": [2023, 2024], "sex": ["f", "m"]},
    ...                                       n_lists=4, seed=1)
    >>> records = sc.records(2)
    >>> sorted(records.columns)
    ['A', 'B', 'C', 'D', 'sex', 'year']
    >>> int(sc.strata["size"].min()) >= 20
    True
    """

    strata: pd.DataFrame
    list_logits: np.ndarray
    lists: tuple[str, ...]
    by: tuple[str, ...]
    absent: np.ndarray | None = None

    def __post_init__(self) -> None:
        S, K = self.list_logits.shape
        if len(self.strata) != S or len(self.lists) != K:
            raise DataError(
                f"list_logits must be strata x lists ({len(self.strata)} x {len(self.lists)}), "
                f"got {self.list_logits.shape}"
            )
        if self.absent is not None and self.absent.shape != (S, K):
            raise DataError(f"absent must be strata x lists, got {self.absent.shape}")
        for col in (*self.by, "size", "heterogeneity", "referral"):
            if col not in self.strata.columns:
                raise DataError(f"strata needs a column {col!r}")

    @classmethod
    def random(
        cls,
        levels: Mapping[str, Sequence[Any]],
        n_lists: int,
        *,
        size_range: tuple[int, int] = (20, 500),
        catch: float = 0.25,
        list_spread: float = 0.5,
        heterogeneity_range: tuple[float, float] = (0.0, 0.8),
        referral_range: tuple[float, float] = (0.0, 1.0),
        absent_share: float = 0.0,
        seed: SeedLike = None,
    ) -> StratifiedCaptureScenario:
        """Strata crossing ``levels``, with sizes log-uniform in ``size_range``, list logits
        ``logit(catch)`` plus a list effect and a stratum-by-list deviation (both normal with
        sd ``list_spread``), heterogeneity and referral uniform in their ranges, and each
        list beyond the first three absent from a stratum with probability ``absent_share``.
        """
        if n_lists < 3:
            raise DataError(f"n_lists must be at least 3, got {n_lists}")
        rng = as_generator(seed)
        combos = list(product(*levels.values()))
        S = len(combos)
        strata = pd.DataFrame(combos, columns=list(levels))
        lo, hi = size_range
        strata["size"] = np.round(np.exp(rng.uniform(np.log(lo), np.log(hi), S))).astype(int)
        strata["heterogeneity"] = rng.uniform(*heterogeneity_range, S)
        strata["referral"] = rng.uniform(*referral_range, S)
        base = np.log(catch / (1 - catch)) + rng.normal(0, list_spread, n_lists)
        logits = base[None, :] + rng.normal(0, list_spread, (S, n_lists))
        absent = np.zeros((S, n_lists), dtype=bool)
        if absent_share > 0 and n_lists > 3:
            absent[:, 3:] = rng.random((S, n_lists - 3)) < absent_share
        names = tuple(chr(ord("A") + j) for j in range(n_lists))
        return cls(strata, logits, names, tuple(levels), absent if absent.any() else None)

    @property
    def sizes(self) -> np.ndarray:
        return self.strata["size"].to_numpy()

    def records(self, rng: SeedLike) -> pd.DataFrame:
        """One row per person caught by at least one list: 0/1 per list and the ``by`` columns."""
        rng = as_generator(rng)
        frames = []
        for s, row in enumerate(self.strata.itertuples(index=False)):
            N = int(row.size)
            eff = rng.normal(0.0, row.heterogeneity, N) if row.heterogeneity > 0 else np.zeros(N)
            caught = np.zeros((N, len(self.lists)), dtype=bool)
            for j in range(len(self.lists)):
                logit = self.list_logits[s, j] + eff
                if j == 1:
                    logit = logit + row.referral * caught[:, 0]
                caught[:, j] = rng.random(N) < 1.0 / (1.0 + np.exp(-logit))
                if self.absent is not None and self.absent[s, j]:
                    caught[:, j] = False
            seen = caught.any(axis=1)
            frame = pd.DataFrame(caught[seen].astype(np.int64), columns=list(self.lists))
            for col in self.by:
                frame[col] = getattr(row, col)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)[[*self.by, *self.lists]]
