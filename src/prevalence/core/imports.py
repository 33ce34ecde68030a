"""Importing ArviZ (and PyMC, which imports it) safely from many processes at once.

ArviZ 0.23 writes a once-a-day stamp when it is imported (``daily_warning`` in its cache
directory, ``~/.cache/arviz`` on Linux), through a temporary file of fixed name that it then
renames. When several processes import ArviZ at the same moment on a machine where today's
stamp does not exist yet (the workers of a test run, a process pool or Dask workers fitting
Bayesian models, a new CI machine), one process can rename the temporary file that another is
about to rename, and the import fails with ``FileNotFoundError``
(arviz-devs/arviz#2530, #2583; there is no setting to turn the stamp off). Where the cache
directory cannot be written at all (a read-only home), every import fails.

:func:`import_arviz` imports ArviZ and, when the stamp fails, tries again: by then the process
that won the race has written today's stamp, which the second import reads instead of writing.
If the cache directory cannot be written, the last attempt points ArviZ's cache (the XDG cache
directory it reads through platformdirs) at a new temporary directory for the duration of the
import only. Every import of ArviZ or PyMC in the package goes through these functions.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from types import ModuleType

__all__ = ["import_arviz", "import_pymc"]

# attempts before the cache is moved to a temporary directory, and the pause between them
# (the winning process writes a date of ten bytes: milliseconds)
_ATTEMPTS = 4
_PAUSE_SECONDS = 0.05


def _is_stamp_failure(error: OSError) -> bool:
    """Whether an import of ArviZ failed on its cache directory (the stamp), not elsewhere."""
    names = [error.filename, getattr(error, "filename2", None)]
    return any(name is not None and "arviz" in os.fsdecode(name) for name in names)


def _forget_partial_import() -> None:
    # a failed import leaves the package out of sys.modules but may leave submodules it had
    # imported; they are complete modules and are reused, but the package must run again
    sys.modules.pop("arviz", None)


@contextlib.contextmanager
def _cache_home(directory: str) -> Iterator[None]:
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = directory
    try:
        yield
    finally:
        if before is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = before


def import_arviz() -> ModuleType:
    """Import ArviZ, surviving its daily-stamp race and an unwritable cache directory.

    Returns
    -------
    module
        The ``arviz`` module.

    Examples
    --------
    >>> az = import_arviz()
    >>> hasattr(az, "from_dict")
    True
    """
    if "arviz" in sys.modules:
        return sys.modules["arviz"]
    failure: OSError | None = None
    for attempt in range(_ATTEMPTS):
        try:
            import arviz

            return arviz
        except OSError as error:
            if not _is_stamp_failure(error):
                raise
            failure = error
            _forget_partial_import()
            time.sleep(_PAUSE_SECONDS * (attempt + 1))
    # the cache directory cannot be written: the stamp goes to a temporary directory instead
    with tempfile.TemporaryDirectory(prefix="prevalence-arviz-") as tmp, _cache_home(tmp):
        try:
            import arviz

            return arviz
        except OSError as error:
            raise error from failure


def import_pymc() -> ModuleType:
    """Import PyMC (which imports ArviZ) through :func:`import_arviz`.

    Examples
    --------
    >>> pm = import_pymc()
    >>> hasattr(pm, "Model")
    True
    """
    import_arviz()
    import pymc

    return pymc
