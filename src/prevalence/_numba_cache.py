"""Where numba keeps the compiled kernels of ``prevalence`` (``cache=True``).

numba writes its cache beside each module (``__pycache__``) and, when that directory cannot
be written, in the user's cache directory (``~/.cache``). When neither can be written (an
installation on a read-only file system run by a user without a writable home, as in many
containers), numba refuses to compile a cached function at all. :func:`choose_numba_cache`
then points numba at a directory in the temporary directory; ``NUMBA_CACHE_DIR`` set by the
user always wins, and ``NUMBA_DISABLE_CACHE`` style settings are left alone.

This module imports nothing heavy: it runs at ``import prevalence``.
"""

from __future__ import annotations

import os
import sys
import tempfile

__all__ = ["choose_numba_cache"]


def _writable(directory: str) -> bool:
    return os.path.isdir(directory) and os.access(directory, os.W_OK | os.X_OK)


def _user_cache() -> str:
    # numba's own choice (numba.misc.appdirs.user_cache_dir): XDG on Linux
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return base


def choose_numba_cache(package_dir: str) -> str | None:
    """Set ``NUMBA_CACHE_DIR`` when numba would find nowhere to cache; returns it (or None).

    Examples
    --------
    >>> import os
    >>> "NUMBA_CACHE_DIR" in os.environ or choose_numba_cache(os.getcwd()) is None
    True
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    if _writable(package_dir):
        return None
    home_cache = _user_cache()
    probe = home_cache
    while probe and not os.path.exists(probe):  # numba creates it if a parent is writable
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if probe and _writable(probe):
        return None
    fallback = os.path.join(tempfile.gettempdir(), f"prevalence-numba-{_uid()}")
    os.makedirs(fallback, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = fallback
    if "numba" in sys.modules:  # numba read its settings already: make it read them again
        from numba.core import config

        config.reload_config()
    return fallback


def _uid() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
