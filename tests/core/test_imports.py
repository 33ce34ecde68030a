"""ArviZ's once-a-day stamp: the race between processes and an unwritable cache (issue #33).

Each case runs in a new interpreter with its own empty cache directory, so that ArviZ is
imported for the first time and finds no stamp, as on a new machine. The race is reproduced
exactly: the rename of ArviZ's temporary stamp file fails because another process renamed it
first, after writing today's stamp.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Stands in for the process that wins the race: when ArviZ renames its temporary stamp file,
# the other process has already written today's stamp and renamed (removed) the temporary
# file, so the rename fails as it does in arviz-devs/arviz#2530.
RACE = """
import datetime, errno, pathlib
_replace = pathlib.Path.replace
def replace(self, target):
    target = pathlib.Path(target)
    if target.name == "daily_warning":
        target.write_text(datetime.date.today().isoformat())
        self.unlink()
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(self), None,
                                str(target))
    return _replace(self, target)
pathlib.Path.replace = replace
"""


def _run(code: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir()
    return folder


def test_the_stamp_race_fails_a_plain_import(cache):
    """The condition the safe import exists for: a plain import loses the race."""
    result = _run(RACE + "import arviz\n", cache)
    assert result.returncode != 0
    assert "FileNotFoundError" in result.stderr and "daily_warning" in result.stderr


def test_the_safe_import_survives_the_race(cache):
    code = RACE + textwrap.dedent(
        """
        import datetime, os, sys
        from prevalence.core.imports import import_arviz, import_pymc
        az = import_arviz()
        assert az is sys.modules["arviz"] and hasattr(az, "from_dict")
        stamp = os.path.join(os.environ["XDG_CACHE_HOME"], "arviz", "daily_warning")
        assert open(stamp).read().strip() == datetime.date.today().isoformat()
        assert import_pymc().Model is not None
        print("imported")
        """
    )
    result = _run(code, cache)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"


def test_an_unwritable_cache_moves_the_stamp_to_a_temporary_directory(cache):
    # the temporary stamp's name taken by a directory: every write of the stamp fails, as in
    # a cache directory that cannot be written (root ignores permissions, so they cannot
    # stand in for it here)
    (cache / "arviz" / "daily_warning.tmp").mkdir(parents=True)
    plain = _run("import arviz\n", cache)
    assert plain.returncode != 0 and "daily_warning" in plain.stderr
    code = """
        import os
        from prevalence.core.imports import import_arviz
        before = os.environ["XDG_CACHE_HOME"]
        assert hasattr(import_arviz(), "from_dict")
        assert os.environ["XDG_CACHE_HOME"] == before  # the user's setting is given back
        print("imported")
    """
    result = _run(code, cache)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"


def test_other_file_errors_are_not_hidden(cache):
    """An error about another file is not ArviZ's stamp: it is raised, not retried away."""
    code = """
        import pathlib
        def replace(self, target):
            raise PermissionError(13, "Permission denied", "/elsewhere/file")
        pathlib.Path.replace = replace
        from prevalence.core.imports import import_arviz
        try:
            import_arviz()
        except PermissionError as error:
            print("raised", error.filename)
    """
    result = _run(code, cache)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "raised /elsewhere/file"
