"""The hidden directory a run is assembled in, published by one rename or removed.

A run creates ``OUT/.staging-NAME-...`` before it fits anything (so an output directory that
cannot be written is reported before any work), writes everything there and renames it to
``OUT/NAME-STAMP`` at the end. An exception or Ctrl-C (``KeyboardInterrupt``) removes it. The
command line also removes it on SIGTERM and SIGINT (:func:`remove_active`, called from its
signal handlers, which then exit at once: an exception raised from a signal handler can land
inside compiled code and come out as some other error). A staging directory left behind by a
process that was killed outright (SIGKILL, power loss, SIGTERM to a Python session) is
recognised by the next run in the same ``OUT`` (its owner, recorded inside, is no longer
running on this machine) and removed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import time
import uuid
from pathlib import Path
from types import TracebackType

__all__ = ["Staging", "remove_stale", "remove_active"]

log = logging.getLogger(__name__)

OWNER = ".owner.json"
PREFIX = ".staging-"
ORPHAN_AGE = 24 * 3600  # a staging directory without an owner file older than this is stale
_ACTIVE: set[Path] = set()  # staging directories of this process not yet published


def remove_active() -> None:
    """Remove this process's unpublished staging directories (for signal handlers)."""
    for path in list(_ACTIVE):
        shutil.rmtree(path, ignore_errors=True)
        _ACTIVE.discard(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale(parent: Path) -> list[Path]:
    """Remove the staging directories under ``parent`` whose run is dead; returns them.

    Examples
    --------
    >>> import tempfile
    >>> parent = Path(tempfile.mkdtemp())
    >>> left = parent / ".staging-demo-x"
    >>> left.mkdir()
    >>> _ = (left / OWNER).write_text('{"pid": 999999999, "host": "%s"}' % socket.gethostname())
    >>> [p.name for p in remove_stale(parent)], left.exists()
    (['.staging-demo-x'], False)
    """
    removed = []
    host = socket.gethostname()
    for path in sorted(parent.glob(PREFIX + "*")):
        if not path.is_dir():
            continue
        try:
            owner = json.loads((path / OWNER).read_text())
            stale = owner.get("host") == host and not _alive(int(owner["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            stale = time.time() - path.stat().st_mtime > ORPHAN_AGE
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            log.info("removed %s, left by a run that was killed", path)
            removed.append(path)
    return removed


class Staging:
    """Context manager: a fresh staging directory under ``parent`` for the run ``name``.

    Examples
    --------
    >>> import tempfile
    >>> parent = Path(tempfile.mkdtemp())
    >>> with Staging(parent, "demo") as staging:
    ...     _ = (staging.path / "estimates.csv").write_text("x\\n1\\n")
    ...     final = staging.publish("demo-20261127")
    >>> sorted(p.name for p in parent.iterdir()), sorted(p.name for p in final.iterdir())
    (['demo-20261127'], ['estimates.csv'])
    """

    def __init__(self, parent: str | Path, name: str) -> None:
        self.parent = Path(parent)
        self.name = name
        self.path = self.parent / f"{PREFIX}{name}-{uuid.uuid4().hex[:12]}"
        self.published: Path | None = None

    def __enter__(self) -> Staging:
        self.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(self.parent)
        self.path.mkdir()
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        _ACTIVE.add(self.path)
        (self.path / OWNER).write_text(json.dumps(owner))
        return self

    def free_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3``... : the first not yet taken under ``parent``."""
        k, candidate = 1, name
        while (self.parent / candidate).exists():
            k += 1
            candidate = f"{name}-{k}"
        return candidate

    def publish(self, final_name: str) -> Path:
        """Rename the staging directory to ``parent/final_name`` (``-2``, ``-3``... if taken)."""
        final = self.parent / final_name
        if final.resolve().parent != self.parent.resolve():  # the schema refuses such names
            raise ValueError(
                f"run name {final_name!r} would place the output outside {self.parent}"
            )
        (self.path / OWNER).unlink(missing_ok=True)
        k = 1
        while True:
            try:
                if final.exists():
                    raise FileExistsError(final)
                self.path.rename(final)
                _ACTIVE.discard(self.path)
                break
            except FileExistsError:
                k += 1
                final = self.parent / f"{final_name}-{k}"
        self.published = final
        return final

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.published is None:
            shutil.rmtree(self.path, ignore_errors=True)
            _ACTIVE.discard(self.path)
