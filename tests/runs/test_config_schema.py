"""Configs that cannot be misread, and runs that fail cleanly (issue #17)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from prevalence.cli import main
from prevalence.runs import ConfigProblem, run, validate
from prevalence.runs.schema import reference_markdown, schema_problems, template

REPO = Path(__file__).resolve().parents[2]
SYNTH = REPO / "data" / "synthetic"
LISTS = '["police", "ngo", "local_authority", "hotline"]'


def _config(tmp_path: Path, body: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def _captures_config(extra: str = "", run: str = 'name = "t"\nseed = 3') -> str:
    return f"""
[run]
{run}

[[inputs]]
name = "baseline"
path = "{SYNTH / "captures_baseline.csv"}"
kind = "captures"
lists = {LISTS}

[[inputs]]
name = "endline"
path = "{SYNTH / "captures_endline.csv"}"
kind = "captures"
lists = {LISTS}

[[estimators]]
name = "independence"
type = "LogLinearMSE"
{extra}
"""


SURVEY = f"""
[run]
name = "s"

[[inputs]]
name = "survey"
path = "{SYNTH / "survey.csv"}"
kind = "survey"
weights = "weight"
strata = "stratum"
clusters = "cluster"
{{filter}}

[[estimators]]
name = "prevalence"
type = "SurveyPrevalence"
args = ["victim"]
"""


def test_docs_page_is_generated_from_the_schema():
    committed = (REPO / "docs" / "config-reference.md").read_text()
    assert committed.strip() == reference_markdown().strip(), (
        "docs/config-reference.md is out of date: prevalence init --reference > "
        "docs/config-reference.md"
    )
    for key in ("threshold", "lonely_psu", "filter", "per_victim", "target_at", "seed"):
        assert f"`{key}`" in committed


def test_template_is_valid_toml_and_fails_only_on_its_placeholder_file(tmp_path):
    text = template()
    tomllib.loads(text)
    path = _config(tmp_path, text)
    problems = validate(path)
    assert len(problems) == 1 and "file not found" in problems[0], problems


def test_init_writes_a_template_and_never_overwrites(tmp_path, capsys):
    path = tmp_path / "new.toml"
    assert main(["init", str(path)]) == 0
    assert path.read_text() == template()
    assert main(["init", str(path)]) == 1
    err = capsys.readouterr().err
    assert "exists: not overwritten" in err and "Traceback" not in err


def test_init_example_writes_a_config_that_validates(tmp_path):
    assert main(["init", "--example", "demo", str(tmp_path / "ex")]) == 0
    assert validate(tmp_path / "ex" / "demo.toml") == []


@pytest.mark.parametrize(
    ("section", "typo", "suggestion"),
    [
        ("inputs", 'wieghts = "weight"', "'weights'"),
        ("disclosure", "treshold = 10", "'threshold'"),
        ("run", "sede = 1", "'seed'"),
        ("estimators", 'setting = { select = "bic" }', "'settings'"),
    ],
)
def test_typos_are_refused_with_the_nearest_key(tmp_path, section, typo, suggestion):
    body = SURVEY.format(filter="")
    if section == "inputs":
        body = body.replace('weights = "weight"', typo)
    elif section == "disclosure":
        body += f"\n[disclosure]\n{typo}\n"
    elif section == "run":
        body = body.replace('name = "s"', f'name = "s"\n{typo}', 1)
    else:
        body = body.replace('args = ["victim"]', f'args = ["victim"]\n{typo}')
    problems = validate(_config(tmp_path, body))
    assert any(f"did you mean {suggestion}" in p for p in problems), problems
    with pytest.raises(ConfigProblem):
        run(_config(tmp_path, body), tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_estimator_setting_typo_is_refused_with_the_nearest_setting(tmp_path):
    body = _captures_config('settings = { selct = "bic" }')
    problems = validate(_config(tmp_path, body))
    assert problems == [
        f"{tmp_path / 'c.toml'}: estimators[0] ('independence'): LogLinearMSE has no setting "
        "'selct' (did you mean 'select'?)"
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("seed = 3", 'seed = "3"'), "seed: Input should be a valid integer, got '3'"),
        (("seed = 3", "seed = -1"), "seed: Input should be greater than or equal to 0"),
        (("seed = 3", "seed = 3\nlevel = 1.5"), "level: Input should be less than 1"),
        (('name = "t"', 'name = "../escape"'), "the name may not contain ['/']"),
        (('name = "t"', 'name = ".hidden"'), "may not start with '.'"),
        (('kind = "captures"', 'kind = "capture"'), "kind: Input should be 'captures'"),
        ((f"lists = {LISTS}", 'lists = "police"'), "lists: Input should be a valid list"),
    ],
)
def test_types_and_ranges_are_checked(tmp_path, edit, message):
    body = _captures_config().replace(*edit, 1)
    problems = validate(_config(tmp_path, body))
    assert any(message in p for p in problems), problems


def test_every_problem_is_reported_at_once(tmp_path):
    body = (
        _captures_config("settings = { n_boot = 10 }")
        .replace("seed = 3", 'seed = "x"')
        .replace('kind = "captures"', 'kind = "capture"', 1)
        + "\n[disclosure]\ntreshold = 3\n"
    )
    problems = validate(_config(tmp_path, body))
    assert len(problems) == 3, problems


def test_disclosure_threshold_as_a_string_is_refused(tmp_path):
    body = _captures_config() + '\n[disclosure]\nthreshold = "10"\n'
    problems = validate(_config(tmp_path, body))
    assert any("threshold: Input should be a valid integer, got '10'" in p for p in problems)


def test_filters_with_several_keys_apply_all(tmp_path):
    data = pd.read_csv(SYNTH / "survey.csv")
    stratum = data["stratum"].iloc[0]
    filt = f"filter = {{ period = 0, stratum = [{stratum!r}] }}".replace("'", '"')
    body = SURVEY.format(filter=filt).replace('strata = "stratum"\n', "")
    result = run(_config(tmp_path, body), tmp_path / "out", quiet=True)
    got = json.loads((result.directory / "estimates.json").read_text())[0]
    keep = data[(data["period"] == 0) & (data["stratum"] == stratum)]
    assert got["details"]["n_observed"] == len(keep) < (data["period"] == 0).sum()


def test_filter_on_a_missing_column_or_keeping_nothing_is_reported(tmp_path):
    body = SURVEY.format(filter="filter = { perod = 0 }")
    assert any("filter column(s) ['perod']" in p for p in validate(_config(tmp_path, body)))
    body = SURVEY.format(filter="filter = { period = 7 }")
    assert any("keeps no row" in p for p in validate(_config(tmp_path, body)))


def test_several_compare_pairs(tmp_path):
    body = _captures_config() + (
        '\n[[compare]]\nbaseline = "baseline"\nendline = "endline"\n'
        '\n[[compare]]\nname = "reverse"\nbaseline = "endline"\nendline = "baseline"\n'
    )
    result = run(_config(tmp_path, body), tmp_path / "out", quiet=True)
    diff = result.estimates[result.estimates["quantity"] == "difference"].set_index("input")
    assert set(diff.index) == {"endline vs baseline", "reverse"}
    assert diff.loc["reverse", "value"] == pytest.approx(-diff.loc["endline vs baseline", "value"])
    one = run(
        _config(
            tmp_path,
            _captures_config() + ('\n[compare]\nbaseline = "baseline"\nendline = "endline"\n'),
            "one.toml",
        ),
        tmp_path / "out",
        quiet=True,
    )
    same = one.estimates[one.estimates["quantity"] == "difference"]
    assert same["value"].iloc[0] == diff.loc["endline vs baseline", "value"]


def test_compare_pairs_must_name_inputs_and_differ(tmp_path):
    body = _captures_config() + '\n[[compare]]\nbaseline = "baseline"\nendline = "endlin"\n'
    problems = validate(_config(tmp_path, body))
    assert any(
        "endline 'endlin' is not one of the [[inputs]] (did you mean 'endline'?)" in p
        for p in problems
    ), problems
    body = _captures_config() + '\n[compare]\nbaseline = "baseline"\nendline = "baseline"\n'
    assert any("same input" in p for p in validate(_config(tmp_path, body)))


def test_lonely_psu_under_fail_is_caught_by_validate(tmp_path):
    data = pd.read_csv(SYNTH / "survey.csv")
    first = data["cluster"].iloc[0]
    stratum = data.loc[0, "stratum"]
    lonely = data[(data["stratum"] != stratum) | (data["cluster"] == first)]
    lonely.to_csv(tmp_path / "lonely.csv", index=False)
    body = SURVEY.format(filter="").replace(str(SYNTH / "survey.csv"), str(tmp_path / "lonely.csv"))
    problems = validate(_config(tmp_path, body))
    assert any(
        "with one PSU" in p and repr(stratum.item() if hasattr(stratum, "item") else stratum) in p
        for p in problems
    ), problems
    ok = body.replace('clusters = "cluster"', 'clusters = "cluster"\nlonely_psu = "certainty"')
    assert validate(_config(tmp_path, ok, "ok.toml")) == []


def test_impossible_models_and_wrong_inputs_are_caught_by_validate(tmp_path):
    body = _captures_config('settings = { model = [["police", "helpline"]] }')
    problems = validate(_config(tmp_path, body))
    assert any("unknown list 'helpline'" in p for p in problems), problems
    no_overlap = pd.DataFrame(
        {
            "police": [1, 0],
            "ngo": [0, 1],
            "local_authority": [0, 0],
            "hotline": [0, 0],
            "count": [30, 20],
        }
    )
    no_overlap.to_csv(tmp_path / "apart.csv", index=False)
    body = (
        _captures_config('args = ["Mt"]')
        .replace("LogLinearMSE", "ClosedPopulationMSE")
        .replace(str(SYNTH / "captures_endline.csv"), str(tmp_path / "apart.csv"))
    )
    problems = validate(_config(tmp_path, body))
    assert any("on input 'endline'" in p and "does not exist" in p for p in problems), problems


def test_output_directory_is_checked_before_any_fitting(tmp_path, monkeypatch):
    from prevalence.mse.loglinear import LogLinearMSE

    def never(*args, **kwargs):
        raise AssertionError("fitted before the output directory was checked")

    monkeypatch.setattr(LogLinearMSE, "fit", never)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    config = _config(tmp_path, _captures_config())
    with pytest.raises(OSError):
        run(config, blocker)
    with pytest.raises(OSError):
        run(config, blocker / "below")


def test_cli_errors_are_one_message_without_traceback(tmp_path, capsys, monkeypatch):
    from prevalence.core.errors import EstimationError
    from prevalence.mse.loglinear import LogLinearMSE

    def fails(self, data):
        raise EstimationError("the model cannot be fitted (test)")

    monkeypatch.setattr(LogLinearMSE, "fit", fails)
    config = _config(tmp_path, _captures_config())
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "EstimationError: the model cannot be fitted (test)" in err
    assert "Traceback" not in err and "--debug" in err
    assert not any(out.iterdir())  # the staging directory is gone
    with pytest.raises(EstimationError):
        main(["--debug", "run", str(config), "--out", str(out)])
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.undo()
    assert main(["run", str(config), "--out", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert "File exists" in err or "Not a directory" in err
    assert "Traceback" not in err


def test_a_stale_staging_directory_is_removed_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    stale = out / ".staging-t-deadbeef"
    stale.mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (stale / ".owner.json").write_text(
        json.dumps({"pid": int(dead.stdout), "host": socket.gethostname()})
    )
    alive = out / ".staging-other-live"
    alive.mkdir()
    (alive / ".owner.json").write_text(
        json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
    )
    run(_config(tmp_path, _captures_config()), out, quiet=True)
    assert not stale.exists() and alive.exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_remove_the_staging_directory(tmp_path, sig):
    body = _captures_config('settings = { select = "bic", n_boot = 200000 }')
    config = _config(tmp_path, body)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "prevalence", "run", str(config), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob(".staging-*")):
        time.sleep(0.05)
    assert list(out.glob(".staging-*")), "the run never started"
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (130 if sig == signal.SIGINT else 128 + signal.SIGTERM), err
    assert not list(out.glob(".staging-*")) and not any(out.iterdir())
    assert "Traceback" not in err


def test_schema_problems_example_in_docstring_is_not_stale():
    problems = schema_problems(
        {
            "inputs": [{"name": "a", "path": "a", "kind": "areas", "lists": ["x"]}],
            "estimators": [{"name": "e", "type": "LogLinearMSE"}],
        }
    )
    assert problems == [
        "inputs[0] ('a'): ['lists'] do not apply to an input of kind 'areas' "
        "(lists: captures/records only)"
    ]


def test_config_and_data_problems_are_reported_together(tmp_path):
    body = (
        _captures_config()
        .replace("seed = 3", 'seed = "x"')
        .replace(str(SYNTH / "captures_endline.csv"), str(tmp_path / "missing.csv"))
    )
    problems = validate(_config(tmp_path, body))
    assert any("seed" in p for p in problems), problems
    assert any("missing.csv" in p and "file not found" in p for p in problems), problems


def test_byte_order_mark_latin1_and_string_args(tmp_path):
    body = _captures_config()
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + body.encode())  # as Windows Notepad saves UTF-8
    assert validate(bom) == []
    latin = tmp_path / "latin.toml"
    latin.write_bytes(body.replace('name = "t"', 'name = "caf\u00e9"').encode("latin-1"))
    (problem,) = validate(latin)
    assert "not UTF-8 text" in problem and "save the config as UTF-8" in problem
    body = _captures_config('settings = { args = "[12]" }')
    problems = validate(_config(tmp_path, body))
    assert any("settings.args must be a list" in p for p in problems), problems


def test_semicolon_and_latin1_csv_files(tmp_path):
    text = (SYNTH / "captures_baseline.csv").read_text()
    (tmp_path / "semi.csv").write_text(text.replace(",", ";"))
    body = _captures_config().replace(
        str(SYNTH / "captures_baseline.csv"), str(tmp_path / "semi.csv")
    )
    problems = validate(_config(tmp_path, body))
    assert any("separated by ';'; set separator = ';'" in p for p in problems), problems
    fixed = body.replace('kind = "captures"', 'kind = "captures"\nseparator = ";"', 1)
    assert validate(_config(tmp_path, fixed, "fixed.toml")) == []
    (tmp_path / "latin.csv").write_bytes(text.replace("police", "polic\u00e9").encode("latin-1"))
    body = _captures_config().replace(
        str(SYNTH / "captures_baseline.csv"), str(tmp_path / "latin.csv")
    )
    problems = validate(_config(tmp_path, body))
    assert any('set encoding = "latin-1"' in p for p in problems), problems
    fixed = body.replace('kind = "captures"', 'kind = "captures"\nencoding = "latin-1"', 1)
    assert any("'polic\u00e9'" in p for p in validate(_config(tmp_path, fixed, "f2.toml")))
