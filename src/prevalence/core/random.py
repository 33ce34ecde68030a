"""Seeds and random generators: every random step in the package goes through :func:`as_generator`."""

from __future__ import annotations

import numpy as np

__all__ = ["SeedLike", "as_generator", "check_seed", "independent_seed"]

SeedLike = int | np.integer | np.random.Generator | np.random.SeedSequence | None


def check_seed(seed: object) -> SeedLike:
    """``seed`` if it is usable (None, a whole number >= 0, a Generator or SeedSequence).

    Estimators check their ``seed`` when it is set, so that a bad seed is refused at
    construction rather than after minutes of fitting.

    Examples
    --------
    >>> check_seed(7), check_seed(None)
    (7, None)
    """
    if seed is None or isinstance(seed, np.random.Generator | np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(
            f"seed must be a whole number >= 0, a numpy Generator or None, got {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed}")
    return seed


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``seed``.

    An integer or :class:`~numpy.random.SeedSequence` gives a fresh PCG64 generator, so the
    same seed always gives the same numbers; a ``Generator`` is used as it is; ``None`` draws
    fresh entropy from the operating system.

    Examples
    --------
    >>> int(as_generator(1).integers(100)) == int(as_generator(1).integers(100))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return np.random.default_rng(int(check_seed(seed)))  # type: ignore[arg-type]


def independent_seed(seed: SeedLike, key: int) -> SeedLike:
    """A seed for an independent random stream number ``key`` derived from ``seed``.

    An integer gives an integer (so estimators that pass seeds on keep working), a
    ``SeedSequence`` a child sequence, a ``Generator`` itself (it advances between uses, so
    its streams are already independent) and ``None`` stays ``None``.

    Examples
    --------
    >>> independent_seed(7, 1) == independent_seed(7, 1) != independent_seed(7, 2)
    True
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key))
    as_generator(seed)  # validates
    return int(
        np.random.SeedSequence(int(seed), spawn_key=(key,)).generate_state(2, np.uint64)[0]
        >> np.uint64(1)
    )
