"""The demo job and the command line."""

from __future__ import annotations

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
    assert "truth" in out and "baseline" in out and "endline" in out
    assert "change endline - baseline" in out
    assert list(work.iterdir()) == []  # without --out nothing is written

    target = tmp_path / "results"
    assert main(["demo", "--out", str(target)]) == 0
    (run_dir,) = list(target.iterdir())
    files = sorted(p.name for p in run_dir.iterdir())
    for name in ("estimates.csv", "estimates.json", "manifest.json", "report.html"):
        assert name in files
    assert list(work.iterdir()) == []
    est = pd.read_csv(run_dir / "estimates.csv")
    rows = est[est["quantity"] == "estimate"]
    assert (rows["lower"] < rows["value"]).all() and (rows["value"] < rows["upper"]).all()


def test_module_and_console_entry_points(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "prevalence", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 0 and "prevalence" in r.stdout
    script = Path(sys.executable).parent / "prevalence"
    if script.exists():
        r = subprocess.run([str(script)], capture_output=True, text=True, cwd=tmp_path)
        assert r.returncode == 2 and "demo" in r.stdout
