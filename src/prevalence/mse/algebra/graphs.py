"""Decomposable (chordal) undirected graphs on the lists, with their cliques and separators.

A decomposable graphical model for ``t`` lists is the hierarchical log-linear model whose
generators are the cliques of a chordal graph. Its hyper-Dirichlet marginal likelihood
factorises over cliques and separators (Dawid and Lauritzen 1993), which is what
:class:`~prevalence.mse.DecomposableBMA` averages over. The graphs are enumerated here rather
than shipped as data: every labelled graph on ``t`` vertices is tested for chordality by
maximum cardinality search (Tarjan and Yannakakis 1984), and the cliques, taken in the order of
their last vertex in the search, satisfy the running-intersection property, so the separators
are the intersections of each clique with the union of the earlier ones. There are 8, 61, 822
and 18,154 decomposable graphs on 3, 4, 5 and 6 lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

__all__ = ["DecomposableGraph", "decomposable_graphs", "MAX_GRAPH_LISTS"]

MAX_GRAPH_LISTS = 6


@dataclass(frozen=True)
class DecomposableGraph:
    """A chordal graph on lists ``0..t-1``.

    Attributes
    ----------
    n_lists : int
        Number of vertices (lists).
    edges : tuple of (int, int)
        Edges ``(i, j)`` with ``i < j``.
    cliques : tuple of int
        Maximal cliques as bit masks (list ``j`` is bit ``j``), in a running-intersection order.
    separators : tuple of int
        Non-empty separators as bit masks (a multiset: a separator may repeat). Empty
        separators between connected components are left out: their marginal likelihood is 1.
    """

    n_lists: int
    edges: tuple[tuple[int, int], ...]
    cliques: tuple[int, ...]
    separators: tuple[int, ...]

    def model_string(self) -> str:
        """The graph's log-linear model in R's bracket notation, e.g. ``"[12,3]"``."""

        def members(mask: int) -> str:
            return "".join(str(j + 1) for j in range(self.n_lists) if mask >> j & 1)

        gens = sorted((members(c) for c in self.cliques), key=lambda s: (len(s), s))
        return "[" + ",".join(gens) + "]"

    def generators(self, lists: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """The cliques as tuples of list names."""
        return tuple(
            tuple(lists[j] for j in range(self.n_lists) if c >> j & 1) for c in self.cliques
        )


def _mcs_order(t: int, adj: list[int]) -> list[int]:
    """Maximum cardinality search: visit the vertex with most visited neighbours (lowest index on ties)."""
    visited = 0
    order: list[int] = []
    for _ in range(t):
        best, best_count = -1, -1
        for v in range(t):
            if visited >> v & 1:
                continue
            count = (adj[v] & visited).bit_count()
            if count > best_count:
                best, best_count = v, count
        order.append(best)
        visited |= 1 << best
    return order


def _chordal_structure(t: int, edges: tuple[tuple[int, int], ...]) -> DecomposableGraph | None:
    adj = [0] * t
    for i, j in edges:
        adj[i] |= 1 << j
        adj[j] |= 1 << i
    order = _mcs_order(t, adj)
    earlier = 0
    candidates: list[int] = []
    for v in order:
        back = adj[v] & earlier
        # chordal iff every vertex's earlier neighbours are pairwise adjacent
        members = [u for u in range(t) if back >> u & 1]
        for a, b in combinations(members, 2):
            if not adj[a] >> b & 1:
                return None
        candidates.append(back | (1 << v))
        earlier |= 1 << v
    cliques = [
        c
        for k, c in enumerate(candidates)
        if not any(c != d and c & d == c for d in candidates[k + 1 :])
    ]
    seps: list[int] = []
    seen = 0
    for c in cliques:
        s = c & seen
        if s:
            seps.append(s)
        seen |= c
    return DecomposableGraph(t, edges, tuple(cliques), tuple(seps))


@lru_cache(maxsize=8)
def decomposable_graphs(n_lists: int) -> tuple[DecomposableGraph, ...]:
    """Every decomposable graph on ``n_lists`` labelled vertices (2 to 6).

    The empty graph (independence) comes first.

    Examples
    --------
    >>> [len(decomposable_graphs(t)) for t in (3, 4, 5)]
    [8, 61, 822]
    >>> decomposable_graphs(3)[0].model_string()
    '[1,2,3]'
    """
    if not 2 <= n_lists <= MAX_GRAPH_LISTS:
        raise ValueError(
            f"decomposable graphs are enumerated for 2 to {MAX_GRAPH_LISTS} lists, got {n_lists}"
        )
    pairs = list(combinations(range(n_lists), 2))
    out: list[DecomposableGraph] = []
    for mask in range(2 ** len(pairs)):
        edges = tuple(p for k, p in enumerate(pairs) if mask >> k & 1)
        graph = _chordal_structure(n_lists, edges)
        if graph is not None:
            out.append(graph)
    return tuple(out)
