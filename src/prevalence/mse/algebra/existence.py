"""Existence and identifiability of the maximum likelihood estimate for sparse tables.

Sparse capture-history tables (lists that hardly overlap) often have log-linear models whose
maximum likelihood estimate does not exist or whose parameters cannot be identified. Chan,
Silverman and Vincent (2021) check two conditions before fitting, as R's
``MultipleSystemsEstimation::check_extended_MLE`` does:

1. the Fienberg-Rinaldo condition: after fixing at minus infinity every term with an empty
   margin, the remaining margins must be attainable by strictly positive cell values (a
   linear programme: maximise the smallest cell value subject to matching the margins);
2. identifiability: the reduced design must have full column rank.

:func:`check_model` returns the same status codes as R: 0 fine, 1 the existence condition
fails, 2 not identifiable, 3 both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ..data.captures import CaptureHistories
from .design import ReducedDesign, reduced_design
from .hierarchical import HierarchicalModel, ModelSpec

__all__ = ["ModelCheck", "check_model", "check_design", "fit_problems"]

_LP_TOL = 1e-9


@dataclass(frozen=True)
class ModelCheck:
    """Outcome of :func:`check_model`.

    Attributes
    ----------
    status : int
        0 both conditions hold; 1 the Fienberg-Rinaldo existence condition fails; 2 the
        parameters are not identifiable; 3 both fail (R's ``check_extended_MLE`` codes).
    exists, identifiable : bool
    reason : str
        A readable explanation ("" when status is 0).
    model : str
        The model in canonical notation.
    infinite_terms : tuple of str
        Interactions whose estimate is minus infinity because nobody is on all their lists.
    """

    status: int
    exists: bool
    identifiable: bool
    reason: str
    model: str
    infinite_terms: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == 0


def _term_name(term: int, lists: tuple[str, ...]) -> str:
    return "*".join(lists[j] for j in range(len(lists)) if term >> j & 1)


def mle_exists(X: np.ndarray, y: np.ndarray) -> bool:
    """Whether the Poisson maximum likelihood estimate of a log-linear design exists.

    Any design ``X`` (cells x columns, intercept included) and counts ``y``: the estimate
    exists exactly when strictly positive cell values can match the sufficient statistics
    ``X'y`` (Haberman 1974; the linear program of :func:`check_design`).

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [1.0, 2.0]])  # intercept, number of captures
    >>> mle_exists(X, np.array([5.0, 0.0])), mle_exists(X, np.array([5.0, 1.0]))
    (False, True)
    """
    X = np.asarray(X, dtype=float)
    margins = X.T @ np.asarray(y, dtype=float)
    s = _min_positive_cell_of(X, margins)
    return s > _LP_TOL * max(1.0, float(np.asarray(y, dtype=float).sum()))


def _min_positive_cell(design: ReducedDesign) -> float:
    """Largest s such that some x >= s matches the margins: positive when the MLE exists."""
    return _min_positive_cell_of(design.X, design.margins)


def _min_positive_cell_of(X: np.ndarray, margins: np.ndarray) -> float:
    A = X.T  # (terms, cells)
    p, m = A.shape
    c = np.zeros(m + 1)
    c[-1] = -1.0
    A_eq = np.hstack([A, np.zeros((p, 1))])
    A_ub = np.hstack([-np.eye(m), np.ones((m, 1))])
    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=np.zeros(m),
        A_eq=A_eq,
        b_eq=margins,
        bounds=[(0, None)] * (m + 1),
        method="highs",
    )
    if res.status != 0:
        return 0.0
    return float(res.x[-1])


def check_design(design: ReducedDesign, lists: tuple[str, ...]) -> ModelCheck:
    """Check a reduced design (see :func:`check_model`)."""
    p = design.terms.size
    rank = int(np.linalg.matrix_rank(design.X)) if design.X.size else 0
    identifiable = rank == p
    total = float(design.margins[0]) if design.margins.size else 0.0
    s = _min_positive_cell(design)
    exists = s > _LP_TOL * max(1.0, total)
    inf_names = tuple(_term_name(int(u), lists) for u in design.infinite_terms)
    reasons = []
    if not exists:
        reasons.append(
            "the maximum likelihood estimate does not exist (Fienberg-Rinaldo condition fails): "
            "the observed margins can only be matched with some cell counts equal to zero"
        )
    if not identifiable:
        extra = (
            f" after removing the cells of empty interactions {list(inf_names)}"
            if inf_names
            else ""
        )
        reasons.append(
            f"the parameters are not identifiable: {p} parameters but the design has rank {rank}{extra}"
        )
    status = int(not exists) + 2 * int(not identifiable)
    return ModelCheck(
        status=status,
        exists=exists,
        identifiable=identifiable,
        reason="; ".join(reasons),
        model=str(design.model),
        infinite_terms=inf_names,
    )


def check_model(captures: CaptureHistories, model: ModelSpec = None) -> ModelCheck:
    """Check that ``model`` can be fitted to ``captures`` by maximum likelihood.

    Parameters
    ----------
    captures : CaptureHistories
    model : str, sequence of generators, HierarchicalModel or None
        The log-linear model (``None`` is the independence model).

    Returns
    -------
    ModelCheck
        ``status`` as R's ``check_extended_MLE``: 0 fine, 1 existence fails, 2 not
        identifiable, 3 both; ``reason`` explains.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import CaptureHistories
    >>> df = pd.DataFrame({"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "C": [0, 0, 1, 0],
    ...                    "n": [40, 30, 20, 6]})
    >>> ch = CaptureHistories.from_counts(df, count="n")
    >>> check_model(ch, "[12,13,23]").status
    2
    >>> check_model(ch, "[13,2]").status
    0
    """
    m = HierarchicalModel.parse(model, lists=captures.lists)
    return check_design(reduced_design(captures.cell_counts, m), captures.lists)


def fit_problems(captures: CaptureHistories, model: ModelSpec = None) -> list[str]:
    """``check_model`` as the messages ``Estimator.check_input`` returns (empty: fine)."""
    try:
        m = HierarchicalModel.parse(model, lists=captures.lists)
    except ValueError as exc:  # DataError included: a term naming an unknown list
        return [str(exc)]
    check = check_design(reduced_design(captures.cell_counts, m), captures.lists)
    return [] if check.ok else [f"model {m} cannot be fitted to these data: {check.reason}"]
