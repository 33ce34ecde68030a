"""The sampling stages of a design as plain arrays: the bottom layer of :mod:`prevalence.survey`.

A :class:`Stages` object holds, for every row and every stage, its stratum and unit (dense
integer codes), the number of units sampled in its stratum and the stratum's population size
(``inf`` without a finite population correction), plus the lonely-PSU rule. The Taylor
variance (:mod:`prevalence.survey.linearization`) and the replicate weights built from a
design (:mod:`prevalence.survey.replicate`) read only this, never a design class, so the
design classes can sit above both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Stage", "Stages", "LONELY_PSU", "first_rows"]

LONELY_PSU = ("fail", "remove", "certainty", "average", "adjust")


@dataclass(frozen=True)
class Stage:
    """One sampling stage: for every row, its stratum and unit (dense codes) and the sizes."""

    strata: np.ndarray  # stratum code per row
    units: np.ndarray  # unit (cluster) code per row, unique across the whole design
    n_units: np.ndarray  # number of units sampled in the row's stratum
    pop_units: np.ndarray  # population size of the row's stratum (inf: no fpc)


@dataclass(frozen=True)
class Stages:
    """All stages of a design, the lonely-PSU rule and the first-stage stratum labels.

    ``stratum_labels`` holds the user's first-stage stratum value of every row (``None``
    for an unstratified design); it is used only to name strata in error messages.
    """

    stages: tuple[Stage, ...]
    lonely_psu: str
    has_strata: bool
    stratum_labels: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.stages[0].units.size)

    @property
    def deepest(self) -> int:
        """0-based index of the finest stage whose units the variance needs.

        Later stages count only below stages sampled without replacement (with an fpc), as
        in R's ``svyrecvar``.
        """
        last = 0
        while last + 1 < len(self.stages) and np.all(np.isfinite(self.stages[last].pop_units)):
            last += 1
        return last

    def lonely_strata(self) -> list[str]:
        """Strata (named as in messages) with one sampled unit that the variance needs.

        Under ``lonely_psu="fail"`` these make the variance fail; a stratum sampled in full
        (its fpc equals its sample size) is not lonely.
        """
        out: list[str] = []
        for s in range(self.deepest + 1):
            st = self.stages[s]
            lonely = (st.n_units <= 1) & ~(st.pop_units <= st.n_units)
            codes = np.unique(st.strata[lonely])
            for code in codes:
                row = int(np.flatnonzero(lonely & (st.strata == code))[0])
                out.append(f"{self.stratum_label(s, row)} (stage {s + 1})")
        return out

    def stratum_label(self, stage: int, row: int) -> str:
        """How to name the stratum of ``row`` at ``stage`` in a message."""
        if stage == 0 and self.stratum_labels is not None:
            label = self.stratum_labels[row]
            # a plain value: 413 or 'north', never np.int64(413)
            return repr(label.item() if isinstance(label, np.generic) else label)
        return f"#{int(self.stages[stage].strata[row])}"


def first_rows(codes: np.ndarray) -> np.ndarray:
    """Index of the first row of each code ``0..max`` (``-1`` for codes that do not occur)."""
    first = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
    idx = np.arange(codes.size)[::-1]
    first[codes[::-1]] = idx
    return first
