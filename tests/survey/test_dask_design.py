"""Survey designs on Dask frames: the same numbers as the in-memory design, out of core (#35)."""

from __future__ import annotations

import functools

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prevalence.core.errors import DataError
from prevalence.survey import ReplicateDesign, SurveyDesign
from prevalence.survey.design import DaskSurveyDesign
from prevalence.survey.replicate import DaskReplicateDesign
from prevalence.survey.table import DomainTable

RTOL = 1e-10


def _frame(n: int, seed: int = 1) -> pd.DataFrame:
    """A two-stage stratified sample: 40 strata, 20 PSUs each, 5 second-stage units each."""
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 20, n)
    df = pd.DataFrame(
        {
            "stratum": rng.integers(0, 40, n).astype(str),
            "psu": psu,
            "ssu": rng.integers(0, 5, n),
            "N1": 60,
            "N2": 12,
            "w": rng.uniform(50, 150, n),
            "x": rng.gamma(2.0, 1.0, n),
            "region": rng.choice(list("abcde"), n),
            "sex": rng.choice(["f", "m"], n),
            "b": (rng.random(n) < 0.2).astype(int),
        }
    )
    df["y"] = 0.5 * df["x"] + rng.normal(0, 1, n) + psu % 3
    df.loc[rng.random(n) < 0.01, "y"] = np.nan
    return df


def _assert_same(a, b):
    """Two results of a statistic (Estimate, frame or DomainTable) equal to RTOL."""
    if isinstance(a, DomainTable):
        assert isinstance(b, DomainTable)
        assert a.names == b.names and a.extra == b.extra and a.degf == b.degf
        np.testing.assert_allclose(b.values, a.values, rtol=RTOL)
        scale = np.abs(a.vcov.to_numpy()).max()
        np.testing.assert_allclose(
            b.vcov.to_numpy(), a.vcov.to_numpy(), rtol=RTOL, atol=RTOL * scale
        )
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=RTOL)
    else:
        for field in ("value", "lower", "upper", "std_error"):
            assert getattr(b, field) == pytest.approx(getattr(a, field), rel=RTOL), field
        for key in ("n_observed", "degf"):
            if key in a.details:  # (a comparison's details have neither)
                assert b.details[key] == a.details[key], key


STATISTICS = {
    "means by two domains, with covariance": lambda d: d.mean(
        ["x", "b"], by=["region", "sex"], vcov=True
    ),
    "ratio with missing numerators left out": lambda d: d.ratio(
        "y", "x", na_rm=True, by="region", vcov=True
    ),
    "totals by domain": lambda d: d.total("x", by="sex"),
    "proportions by domain (logit)": lambda d: d.proportion("b", by="region"),
    "proportion of a value (likelihood)": lambda d: d.proportion(
        "region", value="a", ci="likelihood"
    ),
    "proportion (Korn-Graubard)": lambda d: d.proportion("b", ci="beta", df="design"),
    "mean in a subset, t interval": lambda d: d.subset("sex == 'f'").mean(
        "y", na_rm=True, df="design"
    ),
    "subset of a subset, by domain": lambda d: (
        d.subset("sex == 'm'")
        .subset(lambda f: f["x"] > 1)
        .total("b", by="region", output="estimates")
    ),
}


@pytest.fixture(scope="module")
def million():
    df = _frame(1_000_000)
    design = dict(
        weights="w", strata="stratum", clusters=["psu", "ssu"], fpc=["N1", "N2"], nest=True
    )
    return SurveyDesign(df, **design), SurveyDesign(dd.from_pandas(df, npartitions=8), **design)


@pytest.mark.parametrize("name", list(STATISTICS))
def test_a_dask_frame_gives_the_in_memory_numbers_on_a_million_rows(million, name):
    in_memory, out_of_core = million
    assert isinstance(out_of_core, DaskSurveyDesign)
    a, b = STATISTICS[name](in_memory), STATISTICS[name](out_of_core)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _assert_same(a[key], b[key])
    else:
        _assert_same(a, b)


REPLICATED = {
    "means by domain, with covariance": lambda d: d.mean(["x", "b"], by="region", vcov=True),
    "proportions by domain (logit from the replicate logits)": lambda d: d.proportion(
        "b", by="sex", df="design"
    ),
    "ratio in a subset": lambda d: d.subset("region != 'c'").ratio("y", "x", na_rm=True),
}


@pytest.mark.parametrize("kind", ["jkn", "bootstrap"])
@pytest.mark.parametrize("name", list(REPLICATED))
def test_replicate_weights_give_the_in_memory_numbers(million, kind, name):
    in_memory, out_of_core = million
    options = dict(replicates=50 if kind == "bootstrap" else None, seed=7)
    a = REPLICATED[name](in_memory.replicate(kind, **options))
    b = REPLICATED[name](out_of_core.replicate(kind, **options))
    _assert_same(a, b)


def test_degrees_of_freedom_rows_and_the_number_of_partitions(million):
    in_memory, out_of_core = million
    assert out_of_core.degf() == in_memory.degf() == 760
    assert out_of_core.n == in_memory.n == 1_000_000
    small = _frame(20_000, seed=2)
    one = SurveyDesign(
        dd.from_pandas(small, npartitions=1),
        weights="w",
        strata="stratum",
        clusters="psu",
        nest=True,
    )
    seven = SurveyDesign(
        dd.from_pandas(small, npartitions=7),
        weights="w",
        strata="stratum",
        clusters="psu",
        nest=True,
    )
    _assert_same(one.mean("x", by="region", vcov=True), seven.mean("x", by="region", vcov=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_strata=st.integers(1, 4),
    n_psu=st.integers(2, 5),
    rows=st.integers(30, 120),
    lonely=st.sampled_from(["fail", "adjust", "average", "remove"]),
    seed=st.integers(0, 2**16),
)
def test_small_designs_agree_whatever_their_shape(n_strata, n_psu, rows, lonely, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "s": rng.integers(0, n_strata, rows),
            "c": rng.integers(0, n_psu, rows),
            "w": rng.uniform(1, 5, rows),
            "y": rng.normal(size=rows),
            "g": rng.choice(["p", "q"], rows),
        }
    )
    options = dict(weights="w", strata="s", clusters="c", nest=True, lonely_psu=lonely)
    try:
        expected = SurveyDesign(df, **options).mean("y", by="g", vcov=True)
    except DataError as exc:  # a lonely PSU with "fail", a domain without rows: the same error
        with pytest.raises(DataError, match=str(exc)[:30]):
            SurveyDesign(dd.from_pandas(df, npartitions=3), **options).mean("y", by="g", vcov=True)
        return
    got = SurveyDesign(dd.from_pandas(df, npartitions=3), **options).mean("y", by="g", vcov=True)
    _assert_same(expected, got)


# ---------------------------------------------------------------------------- what it refuses
def _small():
    df = _frame(400, seed=3)
    return df, dd.from_pandas(df, npartitions=3)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda d: SurveyDesign(d, strata="stratum", clusters="psu", nest=True), "needs weights="),
        (lambda d: SurveyDesign(d, weights="w", strata="stratum"), "needs clusters="),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu", fpc="N1", pps="brewer"), "pps="),
        (lambda d: SurveyDesign(d, weights="weight", clusters="psu"), r"unknown weights column\(s\) \['weight'\]"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").mean("y"), "column 'y' has 2 missing values .first at row 99"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").mean("region"), "column 'region' must be numeric"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").mean("x", deff=True), "deff= needs the rows"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").glm("y ~ x"), r"glm\(\) needs the rows in memory"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").rake({}), r"rake\(\) needs the rows"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").proportion("x"), "must hold 0/1"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").mean("x", by="county"), r"unknown by column\(s\) \[.county.\]"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").subset("sex == 'x'").mean("x"), "the subset sex == 'x' keeps no row"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").subset("nonsense ==="), "cannot evaluate the subset"),
        (lambda d: SurveyDesign(d, weights="w", clusters="psu").subset(d["x"] > 1), "an expression over the columns or a function"),
        (lambda d: SurveyDesign(d, weights="w", strata="stratum", clusters="psu").mean("x"), "appears in more than one stratum"),
    ],
)  # fmt: skip
def test_bad_input_is_named(build, message):
    _, data = _small()
    with pytest.raises(DataError, match=message):
        build(data)


def test_missing_weights_and_design_values_name_the_row():
    df, _ = _small()
    df = df.copy()
    df.loc[17, "w"] = np.nan
    with pytest.raises(
        DataError, match="weights column 'w' has 1 missing or non-positive values .first at row 17"
    ):
        SurveyDesign(dd.from_pandas(df, npartitions=3), weights="w", clusters="psu").mean("x")
    df.loc[17, "w"] = 1.0
    df.loc[203, "psu"] = np.nan
    with pytest.raises(DataError, match="column 'psu' has missing values .first at row 203"):
        SurveyDesign(dd.from_pandas(df, npartitions=3), weights="w", clusters="psu").mean("x")
    df.loc[203, "psu"] = 3
    bad = df.assign(b=df["b"].where(df.index != 250, 2))
    with pytest.raises(DataError, match="first at row 250"):
        SurveyDesign(dd.from_pandas(bad, npartitions=3), weights="w", clusters="psu").proportion(
            "b"
        )


# ---------------------------------------------------------------------------- shipped replicates
@functools.cache
def _shipped(rows: int):
    """``rows`` rows with 40 replicate weights that differ row by row (as calibrated replicate
    weights do), as full weights and as multipliers: in memory and on Dask."""
    df = _frame(rows, seed=5)
    rng = np.random.default_rng(6)
    psu = df["stratum"].astype(int).to_numpy() * 20 + df["psu"].to_numpy()
    factors = rng.choice([0.0, 1.0, 2.0], size=(800, 40), p=[0.3, 0.4, 0.3])[psu]
    factors *= rng.uniform(0.95, 1.05, size=factors.shape)  # row by row, not per PSU
    full = pd.DataFrame(
        factors * df["w"].to_numpy()[:, None], columns=[f"rep{r}" for r in range(40)]
    )
    multipliers = pd.DataFrame(factors, columns=[f"m{r}" for r in range(40)])
    df = pd.concat([df, full, multipliers], axis=1)
    big = dd.from_pandas(df, npartitions=6)
    designs = {}
    for combined, prefix in ((True, "rep"), (False, "m")):
        designs[combined] = tuple(
            ReplicateDesign.from_weights(data, "w", prefix, "bootstrap", combined_weights=combined)
            for data in (df, big)
        )
    return designs


SHIPPED = {**REPLICATED, "totals by domain": STATISTICS["totals by domain"]}


@pytest.mark.parametrize("combined", [True, False])
@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_replicate_weights_give_the_in_memory_numbers(combined, name):
    in_memory, out_of_core = _shipped(200_000)[combined]
    assert isinstance(out_of_core, DaskReplicateDesign)
    _assert_same(SHIPPED[name](in_memory), SHIPPED[name](out_of_core))


@pytest.mark.slow  # a million rows with 2 x 40 replicate weights (about 40 s)
def test_shipped_replicate_weights_on_a_million_rows():
    for combined in (True, False):
        in_memory, out_of_core = _shipped(1_000_000)[combined]
        assert out_of_core.degf() == in_memory.degf() == 39
        for statistic in SHIPPED.values():
            _assert_same(statistic(in_memory), statistic(out_of_core))


def test_shipped_replicate_weights_refuse_what_needs_the_rows():
    _, out_of_core = _shipped(200_000)[True]
    with pytest.raises(DataError, match=r"calibrate\(\) needs the rows in memory"):
        out_of_core.calibrate({})
    df = _frame(300, seed=8).assign(rw1=1.0, rw2=2.0, rw3=3.0)
    df.loc[123, "rw3"] = np.nan
    df.loc[200, "rw1"] = -1.0
    design = ReplicateDesign.from_weights(dd.from_pandas(df, npartitions=2), "w", "rw", "jk1")
    with pytest.raises(
        DataError, match="2 rows with a missing or negative value .first at row 123"
    ):
        design.mean("x")
    with pytest.raises(DataError, match="type='jkn' needs rscales"):
        ReplicateDesign.from_weights(dd.from_pandas(df, npartitions=2), "w", "rw", "jkn")


def test_the_prevalence_estimator_takes_a_dask_design(million):
    from prevalence.survey import SurveyPrevalence

    in_memory, out_of_core = million
    estimator = SurveyPrevalence("b")
    _assert_same(estimator.fit(in_memory), estimator.fit(out_of_core))
    _assert_same(
        estimator.cell_table(in_memory, ["sex"]), estimator.cell_table(out_of_core, ["sex"])
    )
    panel = (estimator.compare_panel(d, "sex", "f", "m").difference for d in million)
    _assert_same(*panel)
