"""Design matrices of hierarchical log-linear models on a capture-history table.

The master design has one row per observable capture pattern and one column per model term:
cell ``c`` depends on term ``u`` when every list in ``u`` is in ``c`` (``c & u == u``).
Following Fienberg and Rinaldo (2012) and MultipleSystemsEstimation's ``fit_hier_model``,
a term whose sufficient statistic (the number of people on all its lists) is zero has an
extended maximum likelihood estimate of minus infinity: the term is fixed there and every
cell that contains it is removed before fitting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .hierarchical import HierarchicalModel

__all__ = ["ReducedDesign", "design_matrix", "reduced_design", "term_margins"]


def term_margins(y: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Sufficient statistics: for each term, the total count of cells containing it."""
    cells = np.arange(y.shape[-1])
    contains = (cells[None, :] & terms[:, None]) == terms[:, None]
    contains[:, 0] = False  # the unobserved cell carries no data
    return y @ contains.T.astype(float) if y.ndim > 1 else contains.astype(float) @ y


def design_matrix(cells: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """0/1 design: cell ``c`` (bit mask) depends on term ``u`` when ``c & u == u``.

    Examples
    --------
    >>> design_matrix(np.array([1, 2, 3]), np.array([0, 1, 3])).tolist()
    [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """
    return ((cells[:, None] & terms[None, :]) == terms[None, :]).astype(float)


@dataclass(frozen=True)
class ReducedDesign:
    """A model's design on the cells that remain after fixing empty-margin terms at minus infinity."""

    model: HierarchicalModel
    cells: np.ndarray  # kept observable cells (bit masks), ascending
    terms: np.ndarray  # estimated terms (bit masks), intercept first
    infinite_terms: np.ndarray  # terms fixed at minus infinity
    X: np.ndarray  # (len(cells), len(terms)) 0/1 design
    margins: np.ndarray  # sufficient statistics of the estimated terms

    @property
    def n_parameters(self) -> int:
        """All parameters of the model, including those fixed at minus infinity."""
        return self.model.n_parameters


def reduced_design(y: np.ndarray, model: HierarchicalModel) -> ReducedDesign:
    """Build the reduced design of ``model`` for cell counts ``y`` (indexed by bit mask)."""
    t = model.n_lists
    terms = np.array(model.terms, dtype=np.int64)
    margins = term_margins(np.asarray(y, dtype=float), terms)
    zero = (margins == 0) & (terms != 0)
    infinite = terms[zero]
    est = terms[~zero]
    cells = np.arange(1, 2**t, dtype=np.int64)
    if infinite.size:
        hit = ((cells[:, None] & infinite[None, :]) == infinite[None, :]).any(axis=1)
        cells = cells[~hit]
    X = design_matrix(cells, est)
    return ReducedDesign(model, cells, est, infinite, X, margins[~zero])
