"""Reproducible runs from a config: outputs, reproducibility, validation, disclosure control, report."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pytest

from prevalence.cli import main
from prevalence.runs import ConfigProblem, run, validate

REPO = Path(__file__).resolve().parents[2]
SYNTH = REPO / "data" / "synthetic"

CONFIG = """
[run]
name = "{name}"
seed = 7
level = 0.9

[[inputs]]
name = "baseline"
path = "{baseline}"
kind = "captures"
lists = ["police", "ngo", "local_authority", "hotline"]

[[inputs]]
name = "endline"
path = "{endline}"
kind = "captures"
lists = ["police", "ngo", "local_authority", "hotline"]

[[estimators]]
name = "independence"
type = "LogLinearMSE"

[[estimators]]
name = "bic"
type = "LogLinearMSE"
settings = {{ select = "bic", n_boot = 100 }}

[compare]
baseline = "baseline"
endline = "endline"

[disclosure]
threshold = {threshold}
"""


def write_config(
    tmp_path: Path, name="test", baseline=None, endline=None, threshold=5, extra=""
) -> Path:
    baseline = baseline or SYNTH / "captures_baseline.csv"
    endline = endline or SYNTH / "captures_endline.csv"
    path = tmp_path / f"{name}.toml"
    path.write_text(
        CONFIG.format(name=name, baseline=baseline, endline=endline, threshold=threshold) + extra
    )
    return path


def test_run_writes_everything_and_is_reproducible(tmp_path):
    config = write_config(tmp_path)
    first = run(config, tmp_path / "runs")
    second = run(config, tmp_path / "runs")
    assert first.directory != second.directory  # never overwrites
    for d in (first.directory, second.directory):
        names = {p.name for p in d.iterdir()}
        assert {
            "estimates.csv",
            "estimates.json",
            "manifest.json",
            "report.html",
            "estimates.png",
            "change.png",
        } <= names
    a = (first.directory / "estimates.csv").read_bytes()
    b = (second.directory / "estimates.csv").read_bytes()
    assert a == b

    def refuse(token):
        raise AssertionError(f"{token} is not JSON")

    for name in ("estimates.json", "manifest.json"):  # strict JSON: no NaN or Infinity tokens
        json.loads((first.directory / name).read_text(), parse_constant=refuse)
    manifest = json.loads((first.directory / "manifest.json").read_text())
    for entry in manifest["inputs"]:
        assert entry["sha256"] == hashlib.sha256(Path(entry["path"]).read_bytes()).hexdigest()
    assert manifest["seed"] == 7 and manifest["versions"]["prevalence"]
    est = pd.read_csv(first.directory / "estimates.csv")
    assert set(est["quantity"]) == {"estimate", "difference", "ratio"}
    assert (est["level"] == 0.9).all()
    assert not list((tmp_path / "runs").glob(".staging-*"))


@pytest.mark.parametrize("suffix", [".dta", ".parquet", ".xlsx", ".sav"])
def test_other_input_formats(tmp_path, suffix):
    base = pd.read_csv(SYNTH / "captures_baseline.csv")
    path = tmp_path / f"base{suffix}"
    if suffix == ".dta":
        base.to_stata(path, write_index=False)
    elif suffix == ".parquet":
        base.to_parquet(path, index=False)
    elif suffix == ".xlsx":
        base.to_excel(path, index=False)
    else:
        import pyreadstat

        pyreadstat.write_sav(base, str(path))
    res = run(write_config(tmp_path, baseline=path), tmp_path / "runs")
    csv_res = run(write_config(tmp_path, name="csv"), tmp_path / "runs")
    pd.testing.assert_frame_equal(res.estimates, csv_res.estimates)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda t, p: p.write_text(
                p.read_text().replace('type = "LogLinearMSE"\n\n[[est', 'type = "Magic"\n\n[[est')
            ),
            "unknown estimator type 'Magic'",
        ),
        (
            lambda t, p: p.write_text(p.read_text().replace('"hotline"]', '"helpline"]', 1)),
            "unknown list column",
        ),
        (
            lambda t, p: p.write_text(
                p.read_text().replace(str(SYNTH / "captures_endline.csv"), str(t / "nope.csv"))
            ),
            "file not found",
        ),
        (lambda t, p: _bad_values(t, p), "must hold 0/1 values"),
        (lambda t, p: _unreadable(t, p), "cannot be read"),
    ],
)
def test_bad_configs_are_reported_and_leave_nothing(tmp_path, capsys, mutate, message):
    config = write_config(tmp_path)
    mutate(tmp_path, config)
    problems = validate(config)
    assert any(message in p for p in problems), problems
    out_dir = tmp_path / "runs"
    with pytest.raises(ConfigProblem):
        run(config, out_dir)
    assert not out_dir.exists() or not any(out_dir.iterdir())
    assert main(["validate", str(config)]) == 1
    assert main(["run", str(config), "--out", str(out_dir)]) == 1
    assert message in capsys.readouterr().err
    assert not out_dir.exists() or not any(out_dir.iterdir())


def _bad_values(tmp_path: Path, config: Path) -> None:
    bad = pd.read_csv(SYNTH / "captures_baseline.csv")
    bad.loc[2, "ngo"] = 2
    bad.to_csv(tmp_path / "bad.csv", index=False)
    config.write_text(
        config.read_text().replace(str(SYNTH / "captures_baseline.csv"), str(tmp_path / "bad.csv"))
    )


def _unreadable(tmp_path: Path, config: Path) -> None:
    (tmp_path / "broken.parquet").write_bytes(b"not a parquet file")
    config.write_text(
        config.read_text().replace(
            str(SYNTH / "captures_baseline.csv"), str(tmp_path / "broken.parquet")
        )
    )


def test_validate_collects_every_problem(tmp_path):
    config = write_config(tmp_path, baseline=tmp_path / "a.csv", endline=tmp_path / "b.csv")
    problems = validate(config)
    assert len(problems) == 2 and all("file not found" in p for p in problems)


def test_report_renders_in_headless_chromium(tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        reason = (
            "chromium is not installed: .ci/run installs Debian's chromium package for this test"
        )
        if os.environ.get("PREVALENCE_REQUIRE_BROWSER"):  # set by .ci/run: there it must run
            pytest.fail(reason)
        pytest.skip(reason)
    res = run(write_config(tmp_path, threshold=5), tmp_path / "runs")
    report = res.directory / "report.html"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    shot = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1200,3000", report.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 20_000
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", "--virtual-time-budget=5000", report.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    n_images = len(re.findall(r"<img ", dom))
    assert n_images >= 4
    assert f"<title>images-ok:{n_images}</title>" in dom, re.findall(r"<title>.*?</title>", dom)
    assert "suppressed" in dom


BAYESIAN_MSE = """
[[estimators]]
name = "latent classes"
type = "LatentClassMSE"
settings = { burnin = 1000, samples = 300, thinning = 5 }

[[estimators]]
name = "graph averaging"
type = "DecomposableBMA"

[[estimators]]
name = "thresholding"
type = "BayesThresholdMSE"
settings = { samples = 2000 }
"""


@pytest.mark.filterwarnings("ignore::prevalence.EstimationWarning")
def test_bayesian_mse_estimators_run_from_a_config_reproducibly(tmp_path):
    config = write_config(tmp_path, name="bayes", extra=BAYESIAN_MSE)
    first = run(config, tmp_path / "runs")
    second = run(config, tmp_path / "runs")
    a = pd.read_csv(first.directory / "estimates.csv")
    assert {"latent classes", "graph averaging", "thresholding"} <= set(a["estimator"])
    assert (first.directory / "estimates.csv").read_bytes() == (
        second.directory / "estimates.csv"
    ).read_bytes()


SURVEY_COMPARE = """
[run]
name = "zero"
seed = 2

[[inputs]]
name = "baseline"
path = "{baseline}"
kind = "survey"
weights = "weight"
strata = "stratum"
clusters = "village"

[[inputs]]
name = "endline"
path = "{endline}"
kind = "survey"
weights = "weight"
strata = "stratum"
clusters = "village"

[[estimators]]
name = "prevalence"
type = "SurveyPrevalence"
settings = {{ args = ["victim"] }}

[compare]
baseline = "baseline"
endline = "endline"
"""


def test_estimates_json_is_strict_json_when_a_value_is_undefined(tmp_path):
    """No victim at baseline: the ratio endline / baseline is undefined. estimates.json says
    null there (strict JSON), not Python's NaN token, which most JSON parsers reject."""
    frame = pd.read_csv(SYNTH / "programme_survey.csv")
    frame[frame.period == "baseline"].assign(victim=0).to_csv(tmp_path / "b.csv", index=False)
    frame[frame.period == "endline"].to_csv(tmp_path / "e.csv", index=False)
    config = tmp_path / "zero.toml"
    config.write_text(
        SURVEY_COMPARE.format(baseline=tmp_path / "b.csv", endline=tmp_path / "e.csv")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run(config, tmp_path / "runs", quiet=True)

    def refuse(token):
        raise AssertionError(f"{token} is not JSON")

    records = json.loads((result.directory / "estimates.json").read_text(), parse_constant=refuse)
    ratio = [r for r in records if r.get("quantity") == "ratio"]
    assert ratio and ratio[0]["value"] is None
