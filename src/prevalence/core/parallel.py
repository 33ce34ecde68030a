"""Independent seeded tasks (MCMC chains) run in threads."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

__all__ = ["chain_generators", "map_threads"]

T = TypeVar("T")
R = TypeVar("R")


def chain_generators(seed_int: int | np.random.SeedSequence, n: int) -> list[np.random.Generator]:
    """``n`` independent generators spawned from one integer seed or seed sequence (one per
    chain): the one way the package's own samplers seed their chains.

    Examples
    --------
    >>> a, b = chain_generators(1, 2)
    >>> float(a.random()) != float(b.random())
    True
    """
    root = (
        seed_int
        if isinstance(seed_int, np.random.SeedSequence)
        else np.random.SeedSequence(seed_int)
    )
    return [np.random.default_rng(s) for s in root.spawn(n)]


def map_threads(fn: Callable[[T], R], items: Sequence[T], n_jobs: int | None = None) -> list[R]:
    """``[fn(x) for x in items]`` on up to ``n_jobs`` threads (default: one per CPU).

    Meant for functions that release the GIL (numba ``nogil`` kernels). Results keep the order
    of ``items``, so seeded tasks give the same results whatever the number of threads.
    """
    workers = min(len(items), n_jobs or os.cpu_count() or 1)
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))
