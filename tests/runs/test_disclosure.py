"""Disclosure control that holds: the differencing attack fails (issue #17).

The attacker here is written independently of the library's audit: it reads the published
report, subtracts the shown cells from the published total and bounds each suppressed cell
by what is left, knowing that every listed pattern holds at least one person.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prevalence.core.disclosure import attacker_ranges, protect_counts
from prevalence.demo import write_example
from prevalence.runs import run

REPO = Path(__file__).resolve().parents[2]
SYNTH = REPO / "data" / "synthetic"
LISTS = ["police", "ngo", "local_authority", "hotline"]


def _published_table(html: str, name: str) -> tuple[int, dict[tuple, int | None]]:
    """The total and the counts by pattern of an input's capture-pattern table in the report."""
    part = html[html.index(f"Capture patterns: {name}") :]
    total = int(re.search(r"<p>([0-9,]+) people on", part).group(1).replace(",", ""))
    table = part[: part.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]  # header first
    counts: dict[tuple, int | None] = {}
    for row in rows:
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
        last = cells[-1]
        counts[tuple(int(c) for c in cells[:-1])] = (
            None if last == "suppressed" else int(last.replace(",", ""))
        )
    return total, counts


def _differencing_attack(total: int, counts: list[int | None]) -> tuple[int, int] | None:
    """Bounds on each suppressed cell from the total (None: nothing is suppressed)."""
    hidden = [c for c in counts if c is None]
    if not hidden:
        return None
    rest = total - sum(c for c in counts if c is not None)
    if len(hidden) == 1:
        return rest, rest
    return 1, rest - (len(hidden) - 1)  # the others hold at least one person each


@pytest.mark.parametrize("threshold", [5, 10, 50])
def test_differencing_attack_fails_on_the_demo_data(tmp_path, threshold):
    config = write_example("demo", tmp_path / "ex")
    text = config.read_text().replace("threshold = 5", f"threshold = {threshold}")
    text = text.replace("n_boot = 3000", "n_boot = 50")
    config.write_text(text)
    result = run(config, tmp_path / "runs", quiet=True)
    html = (result.directory / "report.html").read_text()
    for name in ("baseline", "endline"):
        truth = pd.read_csv(SYNTH / f"captures_{name}.csv")
        truth = truth[truth["count"] > 0]
        total, by_pattern = _published_table(html, name)
        assert total == truth["count"].sum() and len(by_pattern) == len(truth)
        small = truth["count"].to_numpy() < threshold
        assert small.any()
        for pattern, count in zip(
            truth[LISTS].itertuples(index=False), truth["count"], strict=True
        ):
            if count < threshold:
                assert by_pattern[tuple(pattern)] is None  # primary suppression
            elif by_pattern[tuple(pattern)] is not None:
                assert by_pattern[tuple(pattern)] == count
        counts = list(by_pattern.values())
        lo, hi = _differencing_attack(total, counts)
        assert hi - lo + 1 >= threshold, (name, threshold, counts)
        # the chart shows no suppressed pattern either
        shown = {c for c in counts if c is not None}
        assert not (set(truth["count"][small]) & shown)


def test_differencing_attack_fails_on_a_table_built_for_it():
    # one small cell: primary suppression alone gives it back as total - shown
    counts = np.array([120, 45, 3, 60, 31])
    status = protect_counts(counts, threshold=5)
    published = [None if s == "suppressed" else int(c) for c, s in zip(counts, status, strict=True)]
    lo, hi = _differencing_attack(int(counts.sum()), published)
    assert hi - lo + 1 >= 5
    # the naive rule (primary only) loses: the attack recovers the 3 exactly
    naive = [None if c < 5 else int(c) for c in counts]
    assert _differencing_attack(int(counts.sum()), naive) == (3, 3)


def test_two_small_cells_that_add_up_below_the_threshold_are_protected():
    counts = np.array([200, 1, 2, 80])
    status = protect_counts(counts, threshold=10)
    published = [None if s == "suppressed" else int(c) for c, s in zip(counts, status, strict=True)]
    lo, hi = _differencing_attack(int(counts.sum()), published)
    assert hi - lo + 1 >= 10
    assert status.tolist() == ["published", "suppressed", "suppressed", "suppressed"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=1, max_size=15),
    st.integers(0, 20),
)
def test_no_suppressed_cell_can_be_narrowed_below_the_threshold(cells, threshold):
    counts = np.array(cells)
    positive = counts[counts > 0]
    status = protect_counts(positive, threshold)
    if threshold <= 1:
        assert (status == "published").all()
        return
    if positive.sum() < threshold:
        assert (status == "withheld").all()
        return
    assert not (status == "withheld").any() or (status == "withheld").all()
    if (status == "withheld").all():
        return
    assert all(s == "suppressed" for c, s in zip(positive, status, strict=True) if c < threshold)
    published = [
        None if s == "suppressed" else int(c) for c, s in zip(positive, status, strict=True)
    ]
    attack = _differencing_attack(int(positive.sum()), published)
    if attack is not None:
        assert attack[1] - attack[0] + 1 >= threshold


def _brute_force(counts, suppressed, groups):
    """Every assignment of the suppressed cells (1..total) that matches the published totals."""
    hidden = np.flatnonzero(suppressed)
    total = int(counts.sum())
    found = []
    for values in itertools.product(range(1, total + 1), repeat=hidden.size):
        x = counts.copy()
        x[hidden] = values
        if all(x[g].sum() == counts[g].sum() for g in groups):
            found.append(values)
    found = np.array(found)
    return np.column_stack([found.min(axis=0), found.max(axis=0)])


@pytest.mark.parametrize("seed", range(6))
def test_the_audit_matches_brute_force_with_row_and_column_totals(seed):
    rng = np.random.default_rng(seed)
    table = rng.integers(1, 7, size=(2, 3))
    counts = table.ravel()
    groups = [np.array([0, 1, 2]), np.array([3, 4, 5])] + [np.array([j, j + 3]) for j in range(3)]
    suppressed = np.zeros(6, dtype=bool)
    suppressed[rng.choice(6, size=3, replace=False)] = True
    np.testing.assert_allclose(
        attacker_ranges(counts, suppressed, groups), _brute_force(counts, suppressed, groups)
    )


def test_an_input_below_the_threshold_publishes_no_count(tmp_path):
    six = pd.DataFrame({"police": [1, 0, 1], "ngo": [0, 1, 1], "count": [3, 2, 1]})  # six people
    six.to_csv(tmp_path / "six.csv", index=False)
    big = pd.read_csv(SYNTH / "captures_baseline.csv")[["police", "ngo", "count"]]
    big = big.groupby(["police", "ngo"], as_index=False)["count"].sum()
    big = big[(big["police"] + big["ngo"]) > 0]
    big.to_csv(tmp_path / "big.csv", index=False)
    config = tmp_path / "six.toml"
    config.write_text(
        f"""
[run]
name = "six"

[[inputs]]
name = "tiny"
path = "{tmp_path / "six.csv"}"
kind = "captures"

[[inputs]]
name = "big"
path = "{tmp_path / "big.csv"}"
kind = "captures"

[[estimators]]
name = "independence"
type = "LogLinearMSE"

[compare]
baseline = "big"
endline = "tiny"

[disclosure]
threshold = 10
"""
    )
    result = run(config, tmp_path / "runs", quiet=True)
    html = (result.directory / "report.html").read_text()
    part = html[html.index("Capture patterns: tiny") :]
    part = part[: part.index("<h2>", 10)]
    assert "6 people" not in html and "withheld under disclosure control" in part.lower()
    assert "<table" not in part
    est = pd.read_csv(result.directory / "estimates.csv")
    tiny = est[est["input"].isin(["tiny", "tiny vs big"])]
    assert len(tiny) == 3 and tiny[["value", "lower", "upper"]].isna().all().all()
    assert tiny["warnings"].str.contains("withheld").all()
    assert est[est["input"] == "big"]["value"].notna().all()
    records = json.loads((result.directory / "estimates.json").read_text())
    assert not any(r.get("input") == "tiny" and "value" in r for r in records)
    assert not (result.directory / "overlap_tiny.png").exists()
    for f in result.directory.iterdir():
        if f.suffix in (".csv", ".json", ".html"):
            assert "6 people" not in f.read_text()
