"""The demo job and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from prevalence.cli import main


def test_demo_prints_table_and_writes_only_into_out(tmp_path, capsys, monkeypatch):
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "true N" in out and "baseline" in out and "endline" in out
    assert "change (endline - baseline)" in out
    assert list(work.iterdir()) == []  # without --out nothing is written

    target = tmp_path / "results"
    assert main(["demo", "--out", str(target)]) == 0
    files = sorted(p.name for p in target.iterdir())
    assert files == [
        "baseline_captures.csv",
        "comparison.csv",
        "endline_captures.csv",
        "estimates.csv",
    ]
    assert list(work.iterdir()) == []
    est = pd.read_csv(target / "estimates.csv")
    assert list(est["period"]) == ["baseline", "endline"]
    assert (est["lower"] < est["estimate"]).all() and (est["estimate"] < est["upper"]).all()


def test_demo_is_reproducible(tmp_path):
    main(["demo", "--out", str(tmp_path / "a"), "--seed", "5"])
    main(["demo", "--out", str(tmp_path / "b"), "--seed", "5"])
    for name in ("estimates.csv", "comparison.csv", "baseline_captures.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_module_and_console_entry_points(tmp_path):
    env = dict(os.environ)
    r = subprocess.run(
        [sys.executable, "-m", "prevalence", "--version"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 0 and "prevalence" in r.stdout
    script = Path(sys.executable).parent / "prevalence"
    if script.exists():
        r = subprocess.run([str(script)], capture_output=True, text=True, cwd=tmp_path)
        assert r.returncode == 2 and "demo" in r.stdout
