"""Statistical disclosure control of published count tables: primary and secondary suppression.

A run publishes counts of people (the capture-pattern table of each list input, with its
total). A count below the threshold could identify someone, so it is suppressed (primary
suppression). That alone does not protect it: the published total minus the shown cells
gives a lone suppressed cell back exactly (the differencing attack). So further cells are
suppressed (secondary suppression) until an attacker who knows every published figure, that
counts are whole and positive, and the rule itself, can narrow no suppressed small cell to
fewer than ``threshold`` possible values.

The check is the audit of tau-ARGUS and R's sdcTable (Hundepool et al., *Statistical
Disclosure Control*, Wiley 2012, section 5.3 on secondary cell suppression and its audit):
for every primary cell, the smallest and largest values consistent with the published
figures, by linear programming over the suppressed cells. Cells are added greedily, smallest
first among those sharing a published total with an unprotected cell (the choice tau-ARGUS's
hypercube method also favours: small cells lose the least information). A table whose total
is below the threshold publishes nothing, not even its total.

All suppressed cells carry the same marker: a marker telling primary from secondary cells
would tell the attacker which cells are small.

Examples
--------
>>> import numpy as np
>>> counts = np.array([120, 40, 3, 25, 60])
>>> protect_counts(counts, threshold=5).tolist()
['published', 'published', 'suppressed', 'suppressed', 'published']
>>> attacker_ranges(counts, protect_counts(counts, 5) == "suppressed")
array([[ 1., 27.],
       [ 1., 27.]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

__all__ = ["protect_counts", "attacker_ranges", "SUPPRESSED", "WITHHELD"]

SUPPRESSED = "suppressed"
WITHHELD = "withheld"


def _totals_matrix(n: int, totals: Sequence[Sequence[int]] | None) -> np.ndarray:
    groups = [np.arange(n)] if totals is None else [np.asarray(g, dtype=int) for g in totals]
    A = np.zeros((len(groups), n))
    for k, g in enumerate(groups):
        A[k, g] = 1.0
    return A


def attacker_ranges(
    counts: np.ndarray,
    suppressed: np.ndarray,
    totals: Sequence[Sequence[int]] | None = None,
) -> np.ndarray:
    """The smallest and largest value of each suppressed cell consistent with what is published.

    Published: every cell not ``suppressed`` and the total of every group in ``totals``
    (default: one grand total). Each suppressed cell is known to be a count of at least 1
    (empty patterns are not listed). Returns an array ``(n_suppressed, 2)`` of bounds (the
    linear-programming relaxation: the true ranges of whole numbers are these, rounded in).

    Examples
    --------
    >>> attacker_ranges(np.array([50, 2, 30]), np.array([False, True, False]))
    array([[2., 2.]])
    """
    counts = np.asarray(counts, dtype=float)
    hidden = np.flatnonzero(suppressed)
    if hidden.size == 0:
        return np.zeros((0, 2))
    A = _totals_matrix(counts.size, totals)
    # the attacker subtracts the shown cells from each published total
    rhs = A @ counts - A[:, ~np.asarray(suppressed)] @ counts[~np.asarray(suppressed)]
    A_hidden = A[:, hidden]
    used = A_hidden.any(axis=1)
    out = np.empty((hidden.size, 2))
    bounds = [(1.0, None)] * hidden.size
    for i in range(hidden.size):
        c = np.zeros(hidden.size)
        c[i] = 1.0
        for j, sign in enumerate((1.0, -1.0)):
            if not used.any():
                out[i, j] = 1.0 if sign > 0 else np.inf
                continue
            res = linprog(
                sign * c,
                A_eq=A_hidden[used],
                b_eq=rhs[used],
                bounds=bounds,
                method="highs",
            )
            if res.status == 3:  # unbounded above: no published total covers the cell
                out[i, j] = np.inf
            elif not res.success:  # pragma: no cover - the true counts are always feasible
                raise RuntimeError(f"disclosure audit failed: {res.message}")
            else:
                out[i, j] = sign * res.fun
    return out


def protect_counts(
    counts: np.ndarray | Sequence[int],
    threshold: int,
    totals: Sequence[Sequence[int]] | None = None,
) -> np.ndarray:
    """Which cells of a count table may be published: ``"published"`` or ``"suppressed"``.

    ``totals`` are the groups of cells whose totals are published (default: one grand
    total). Cells below ``threshold`` (and above zero) are suppressed, then further cells
    until every small cell keeps at least ``threshold`` possible values for an attacker (see
    the module text). When the grand total itself is below the threshold every cell is
    ``"withheld"``, and so must the total be. ``threshold`` 0 or 1 suppresses nothing.

    Examples
    --------
    >>> protect_counts([2, 1, 1], threshold=5).tolist()
    ['withheld', 'withheld', 'withheld']
    >>> protect_counts([7, 2, 1], threshold=5).tolist()
    ['suppressed', 'suppressed', 'suppressed']
    >>> protect_counts([70, 20, 2], threshold=5).tolist()
    ['published', 'suppressed', 'suppressed']
    """
    counts = np.asarray(counts, dtype=float)
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("counts to protect must be whole numbers >= 0")
    status = np.full(counts.size, "published", dtype=object)
    if threshold <= 1 or counts.size == 0:
        return status
    if counts.sum() < threshold:
        status[:] = WITHHELD
        return status
    primary = (counts > 0) & (counts < threshold)
    suppressed = primary.copy()
    A = _totals_matrix(counts.size, totals)
    while True:
        hidden = np.flatnonzero(suppressed)
        if hidden.size == 0:
            break
        ranges = attacker_ranges(counts, suppressed, totals)
        width = ranges[:, 1] - ranges[:, 0] + 1
        weak = [h for h, w in zip(hidden, width, strict=True) if primary[h] and w < threshold]
        if not weak:
            break
        # the smallest published cell that shares a published total with an unprotected cell
        rows = A[:, weak].any(axis=1)
        candidates = np.flatnonzero(A[rows].any(axis=0) & ~suppressed & (counts > 0))
        if candidates.size == 0:  # nothing left to hide beside them: hide the table
            status[:] = WITHHELD
            return status
        suppressed[candidates[np.argmin(counts[candidates])]] = True
    status[suppressed] = SUPPRESSED
    return status
