"""``import prevalence`` works from a read-only installation (issue #17)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prevalence import _numba_cache
from tests._install import install_copy

REPO = Path(__file__).resolve().parents[2]


def test_a_cache_directory_is_chosen_when_nothing_is_writable(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(_numba_cache, "_writable", lambda d: False)
    monkeypatch.setattr(_numba_cache.tempfile, "gettempdir", lambda: str(tmp_path))
    chosen = _numba_cache.choose_numba_cache("/somewhere/read-only/prevalence")
    assert chosen is not None and Path(chosen).parent == tmp_path and Path(chosen).is_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == chosen


def test_the_users_setting_and_a_writable_tree_are_left_alone(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert _numba_cache.choose_numba_cache("/anywhere") is None
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    assert _numba_cache.choose_numba_cache(str(tmp_path)) is None
    assert "NUMBA_CACHE_DIR" not in os.environ


@pytest.mark.slow
def test_read_only_installation_without_a_home_fits(tmp_path):
    """A real read-only bind mount of an installed copy, with HOME on it too."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to bind-mount a read-only copy (CI runs as root)")
    site = install_copy(tmp_path / "site")
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(site), str(ro)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"bind mounts are not permitted here: {mounted.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], check=True)
        code = (
            "import os, pandas as pd, prevalence\n"
            "from prevalence import CaptureHistories, LogLinearMSE\n"
            "df = pd.DataFrame({'A': [1, 0, 1], 'B': [0, 1, 1], 'count': [60, 40, 20]})\n"
            "est = LogLinearMSE(select='bic', n_boot=20, seed=1).fit(CaptureHistories.from_counts(df))\n"
            "print(prevalence.__file__, os.environ['NUMBA_CACHE_DIR'], round(est.value))\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ro), "HOME": str(ro), "TMPDIR": str(tmp_path)}
        env.pop("NUMBA_CACHE_DIR", None)
        env.pop("XDG_CACHE_HOME", None)
        out = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        where, cache, value = out.stdout.split()
        assert where.startswith(str(ro)) and cache.startswith(str(tmp_path)) and value == "240"
    finally:
        subprocess.run(["umount", str(ro)], check=False)
