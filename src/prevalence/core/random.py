"""Seeds and random generators: every random step in the package goes through :func:`as_generator`."""

from __future__ import annotations

import numpy as np

__all__ = ["SeedLike", "as_generator"]

SeedLike = int | np.random.Generator | np.random.SeedSequence | None


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
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(
            f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))
