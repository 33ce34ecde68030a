"""Package metadata and a non-editable install (issue #17)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests._install import install_copy

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_running_python_is_a_stated_supported_version():
    stated = [
        c.rsplit(":: ", 1)[1]
        for c in PYPROJECT["project"]["classifiers"]
        if c.startswith("Programming Language :: Python :: 3.")
    ]
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in stated


def test_citation_and_changelog_match_the_package():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == PYPROJECT["project"]["version"]
    assert citation["license"] == PYPROJECT["project"]["license"]
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    assert f"## [{PYPROJECT['project']['version']}]" in changelog


@pytest.mark.slow
def test_pip_install_without_the_source_tree_runs_the_demo(tmp_path):
    site = install_copy(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import prevalence; print(prevalence.__file__)"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(site), where  # the installed copy, not the checkout
    out = subprocess.run(
        [sys.executable, "-m", "prevalence", "demo", "--out", str(tmp_path / "demo")],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    ).stdout
    assert "wrote" in out
    (run_dir,) = (tmp_path / "demo").iterdir()
    assert (run_dir / "report.html").exists() and (run_dir / "estimates.csv").exists()
