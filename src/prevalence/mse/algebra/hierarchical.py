"""Hierarchical log-linear models for capture histories.

A model is written in R's bracket notation (as in MultipleSystemsEstimation and Rcapture):
generators in brackets, lists numbered ``1..t`` in column order. ``"[12,23]"`` has the
interactions of lists 1-2 and 2-3 and, as every model here, all main effects. ``"[123,4]"``
has the three-way interaction of lists 1, 2, 3 with all its lower-order terms. With more
than nine lists, list numbers inside a generator are separated by dots (``"[1.10,2.3]"``).
A model can also be given as a sequence of generators of list names,
``[("LA", "NG"), ("NG", "PF")]``.

Internally a term is a bit mask of the lists it involves (``0`` is the intercept), exactly
like a capture pattern; a model is the set of its terms, closed under taking subsets.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ...core.errors import DataError

__all__ = [
    "HierarchicalModel",
    "ModelSpec",
    "canonical_string",
    "enumerate_model_terms",
    "hierarchical_models",
    "term_label",
]

ModelSpec = Any  # str | HierarchicalModel | Sequence[Sequence[str | int]] | None


def _popcount(x: int) -> int:
    return bin(x).count("1")


def _members(term: int) -> list[int]:
    return [j for j in range(term.bit_length()) if term >> j & 1]


def _subsets(term: int) -> Iterable[int]:
    """All subsets of a bit mask, including 0 and the term itself."""
    s = term
    while True:
        yield s
        if s == 0:
            return
        s = (s - 1) & term


class HierarchicalModel:
    """A hierarchical log-linear model on ``n_lists`` lists (all main effects included).

    Parameters
    ----------
    generators : iterable of int
        Bit masks of the generating interactions (bit ``j`` = list ``j + 1``).
    n_lists : int
        Number of lists.

    Notes
    -----
    Use :meth:`parse` to build one from R notation or list names.

    Examples
    --------
    >>> m = HierarchicalModel.parse("[23,12]", n_lists=3)
    >>> str(m), m.order
    ('[12,23]', 2)
    >>> HierarchicalModel.parse([("A", "B")], lists=["A", "B", "C"]).to_string()
    '[12,3]'
    """

    __slots__ = ("_n", "_terms", "_generators")

    def __init__(self, generators: Iterable[int], n_lists: int) -> None:
        n = int(n_lists)
        if n < 1:
            raise DataError(f"a model needs at least one list, got n_lists={n_lists}")
        full = (1 << n) - 1
        gens = set()
        for g in generators:
            g = int(g)
            if g == 0:  # the intercept is in every model
                continue
            if g < 0 or g & ~full:
                raise DataError(
                    f"interaction {_members(g)} refers to lists beyond the {n} available"
                )
            gens.add(g)
        gens.update(1 << j for j in range(n))  # all main effects
        terms: set[int] = set()
        for g in gens:
            terms.update(_subsets(g))
        self._n = n
        self._terms = frozenset(terms)
        # maximal terms are the generators of the canonical form
        self._generators = frozenset(
            t for t in terms if t and not any(u != t and (u & t) == t for u in terms)
        )

    # ------------------------------------------------------------------ parsing
    @classmethod
    def parse(
        cls,
        spec: ModelSpec,
        n_lists: int | None = None,
        lists: Sequence[str] | None = None,
    ) -> HierarchicalModel:
        """Build a model from R notation, a sequence of generators, or ``None`` (independence).

        Parameters
        ----------
        spec : str, sequence of generators, HierarchicalModel or None
            ``"[12,23]"``; ``[("LA", "NG"), ("NG", "PF")]`` (names need ``lists``); or
            ``[(1, 2), (2, 3)]`` with list numbers counted from 1.
        n_lists : int, optional
            Number of lists (taken from ``lists`` when given).
        lists : sequence of str, optional
            List names, in the order that numbers them.
        """
        if lists is not None:
            lists = [str(x) for x in lists]
            if n_lists is not None and n_lists != len(lists):
                raise DataError(f"n_lists={n_lists} does not match {len(lists)} list names")
            n_lists = len(lists)
        if n_lists is None:
            raise DataError("the number of lists is needed to interpret a model")
        if spec is None:
            return cls([], n_lists)
        if isinstance(spec, HierarchicalModel):
            if spec.n_lists != n_lists:
                raise DataError(
                    f"model {spec} is for {spec.n_lists} lists, the data have {n_lists}"
                )
            return spec
        if isinstance(spec, str):
            return cls(_parse_brackets(spec, n_lists), n_lists)
        if isinstance(spec, Iterable):
            gens = []
            for g in spec:
                if isinstance(g, str | int):
                    g = (g,)
                mask = 0
                for item in g:
                    mask |= 1 << _list_index(item, n_lists, lists)
                if mask == 0:
                    raise DataError("an empty generator is not a model term")
                gens.append(mask)
            return cls(gens, n_lists)
        raise DataError(f"cannot interpret {spec!r} as a log-linear model")

    # ------------------------------------------------------------------ properties
    @property
    def n_lists(self) -> int:
        return self._n

    @property
    def terms(self) -> tuple[int, ...]:
        """All terms as bit masks, intercept (0) first, then by order and bit pattern."""
        return tuple(sorted(self._terms, key=lambda t: (_popcount(t), t)))

    @property
    def interactions(self) -> tuple[int, ...]:
        """Terms of order two or more."""
        return tuple(t for t in self.terms if _popcount(t) >= 2)

    @property
    def generators(self) -> tuple[int, ...]:
        """Maximal terms, in canonical order."""
        return tuple(sorted(self._generators, key=_canonical_weight, reverse=True))

    @property
    def order(self) -> int:
        """Highest interaction order (1 for the independence model)."""
        return max(_popcount(t) for t in self._terms)

    @property
    def n_parameters(self) -> int:
        """Number of log-linear parameters, intercept included."""
        return len(self._terms)

    def to_string(self) -> str:
        """Canonical R notation, as MultipleSystemsEstimation writes it.

        Generators are ordered by decreasing order, and within an order by the list numbers
        (``[12,13,25,35,36,45]``); lists that are only main effects come last.
        """
        sep = "" if self._n <= 9 else "."
        parts = [sep.join(str(j + 1) for j in _members(g)) for g in self.generators]
        return "[" + ",".join(parts) + "]"

    def describe(self, lists: Sequence[str]) -> str:
        """The model with list names, e.g. ``"LA*NG + NG*PF + GO"``."""
        return " + ".join("*".join(str(lists[j]) for j in _members(g)) for g in self.generators)

    def contains(self, term: int) -> bool:
        return term in self._terms

    # ------------------------------------------------------------------ dunder
    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"HierarchicalModel({self.to_string()!r}, n_lists={self._n})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HierarchicalModel):
            return self._n == other._n and self._terms == other._terms
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._n, self._terms))


def _canonical_weight(term: int) -> float:
    """MultipleSystemsEstimation's ordering weight: order + sum(0.5 ** list number)."""
    return _popcount(term) + sum(0.5 ** (j + 1) for j in _members(term))


def _list_index(item: Any, n_lists: int, lists: Sequence[str] | None) -> int:
    """0-based index of a list given by name (when names are known) or by number 1..t."""
    if lists is not None and not isinstance(item, bool) and str(item) in lists:
        return list(lists).index(str(item))
    if isinstance(item, int) and not isinstance(item, bool):
        if 1 <= item <= n_lists:
            return item - 1
        raise DataError(f"list number {item} is outside 1..{n_lists}")
    if lists is None:
        raise DataError(f"list {item!r} is given by name but the list names are not known")
    raise DataError(f"unknown list {item!r} in model; the lists are {list(lists)}")


_BRACKET = re.compile(r"^\s*\[(.*)\]\s*$")


def _parse_brackets(spec: str, n_lists: int) -> list[int]:
    m = _BRACKET.match(spec)
    if not m:
        raise DataError(f"model {spec!r} is not in bracket notation such as '[12,23]'")
    body = m.group(1).replace(" ", "")
    if body == "":
        return []
    gens = []
    for part in body.split(","):
        if part == "":
            raise DataError(f"model {spec!r} has an empty generator")
        if "." in part or n_lists > 9:
            pieces = part.split(".")
        else:
            pieces = list(part)
        mask = 0
        for p in pieces:
            if not p.isdigit():
                raise DataError(f"model {spec!r}: {part!r} is not a list of list numbers")
            k = int(p)
            if not 1 <= k <= n_lists:
                raise DataError(f"model {spec!r} refers to list {k}, but there are {n_lists} lists")
            if mask >> (k - 1) & 1:
                raise DataError(f"model {spec!r}: list {k} repeated in generator {part!r}")
            mask |= 1 << (k - 1)
        gens.append(mask)
    return gens


def _check_enumeration(n_lists: int, max_order: int | None) -> tuple[int, int]:
    n = int(n_lists)
    if n < 2:
        raise DataError(f"hierarchical models need at least two lists, got {n_lists}")
    k = n - 1 if max_order is None else int(max_order)
    if not 1 <= k <= n:
        raise DataError(f"max_order must be between 1 and {n}, got {max_order}")
    if n > 9 and k > 2:
        raise DataError("enumerating models beyond pairwise interactions is limited to nine lists")
    if n > 12:
        raise DataError(f"enumerating all models is limited to twelve lists, got {n}")
    return n, k


def enumerate_model_terms(n_lists: int, max_order: int | None = None) -> list[tuple[int, ...]]:
    """Every hierarchical model as a tuple of term bit masks (intercept, main effects, interactions).

    The fast form of :func:`hierarchical_models`, in the same order; terms within a model are
    sorted by order, then by bit pattern.
    """
    n, k = _check_enumeration(n_lists, max_order)
    base = tuple([0] + [1 << j for j in range(n)])
    candidates = [
        sum(1 << j for j in c)
        for order in range(2, k + 1)
        for c in itertools.combinations(range(n), order)
    ]
    facets = [[c & ~(1 << j) for j in _members(c)] if _popcount(c) > 2 else [] for c in candidates]
    out: list[tuple[int, ...]] = []
    chosen: list[int] = []
    chosen_set: set[int] = set()

    def recurse(i: int) -> None:
        if i == len(candidates):
            out.append(base + tuple(chosen))
            return
        recurse(i + 1)
        c = candidates[i]
        if all(f in chosen_set for f in facets[i]):
            chosen.append(c)
            chosen_set.add(c)
            recurse(i + 1)
            chosen.pop()
            chosen_set.discard(c)

    recurse(0)
    return out


@functools.lru_cache(maxsize=65536)
def _term_info(term: int, n_lists: int) -> tuple[float, str, tuple[int, ...]]:
    """Canonical weight, label and facets of a term (cached: model strings are built often)."""
    sep = "" if n_lists <= 9 else "."
    members = _members(term)
    label = sep.join(str(j + 1) for j in members)
    return _canonical_weight(term), label, tuple(term & ~(1 << j) for j in members)


def term_label(term: int, lists: Sequence[str]) -> str:
    """A term (bit mask) in list names: ``"A:C"``; the intercept is ``"(intercept)"``.

    >>> term_label(5, ("A", "B", "C")), term_label(0, ("A", "B"))
    ('A:C', '(intercept)')
    """
    if term == 0:
        return "(intercept)"
    return ":".join(str(lists[j]) for j in range(len(lists)) if term >> j & 1)


def canonical_string(terms: Iterable[int], n_lists: int) -> str:
    """Canonical R notation of a hierarchical model given by its (closed) set of terms."""
    term_set = set(terms)
    term_set.discard(0)
    info = {u: _term_info(u, n_lists) for u in term_set}
    covered: set[int] = set()
    for u in term_set:
        covered.update(info[u][2])
    gens = sorted((info[u] for u in term_set if u not in covered), key=lambda x: -x[0])
    return "[" + ",".join(g[1] for g in gens) + "]"


def hierarchical_models(n_lists: int, max_order: int | None = None) -> list[HierarchicalModel]:
    """Every hierarchical model on ``n_lists`` lists with interactions up to ``max_order``.

    All models contain every main effect. ``max_order`` defaults to ``n_lists - 1`` (the
    saturated model has no degrees of freedom left for the unobserved cell). The counts
    agree with R's MultipleSystemsEstimation catalogue: 8, 64, 113, 1024, 6212 and 6893
    models for (lists, max order) = (3, 2), (4, 2), (4, 3), (5, 2), (5, 3), (5, 4).

    Models come in a deterministic order: the independence model first, then by growing
    sets of interactions.

    Examples
    --------
    >>> len(hierarchical_models(4, max_order=3))
    113
    >>> str(hierarchical_models(3)[0])
    '[1,2,3]'
    """
    n, _ = _check_enumeration(n_lists, max_order)
    return [HierarchicalModel(terms, n) for terms in enumerate_model_terms(n_lists, max_order)]
