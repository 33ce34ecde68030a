"""The batched engine and the single-model GLM path agree on every model of the reference data.

The engine (numba, all models and count vectors at once) drives model selection and the
bootstrap and, through ``fit_model``, fits the chosen model; the GLM path (``reduced_design`` +
``fit_poisson``, an independent Newton iteration on an explicit design) checks it. For every
hierarchical model up to the default maximum order that both declare fittable, the population
size, the deviance, the coefficients and their covariance must agree. With eight lists (NewOrl, 2**28 candidate models) the
engine fits the models of the first 4,096. The fast test compares an evenly spaced sample of
at most 600 models per data set (the engine still fits all of them); the slow one compares
every model (about four minutes).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from prevalence.mse.algebra.design import reduced_design
from prevalence.mse.algebra.existence import check_design
from prevalence.mse.algebra.hierarchical import HierarchicalModel
from prevalence.mse.inference.selection import ModelSet, default_max_order
from prevalence.mse.kernels.engine import FitStatus, fit_model, fit_models
from prevalence.mse.kernels.glm import fit_poisson

from ..conftest import load_reference_captures

DATA_SETS = ["Korea", "UK_4", "NewOrl_4", "Ned", "UKdat", "NewOrl"]


def _first_models(t: int, count: int) -> ModelSet:
    """Main effects plus the first ``count`` subsets of the two-way interactions."""
    pairs = [(i, j) for i in range(t) for j in range(i + 1, t)]
    terms = []
    for mask in range(count):
        chosen = [pairs[b] for b in range(len(pairs)) if mask >> b & 1]
        main = {0} | {1 << i for i in range(t)}
        terms.append(tuple(sorted(main | {(1 << i) | (1 << j) for i, j in chosen})))
    return ModelSet.from_terms(t, terms)


def _compare(name: str, most: int | None) -> None:
    captures = load_reference_captures(name)
    t = captures.n_lists
    y = np.asarray(captures.cell_counts, dtype=float)
    models = ModelSet.all(t, default_max_order(t)) if t <= 6 else _first_models(t, 4096)
    res = fit_models(models.table, models.lengths, y[None, :], t)
    n = float(captures.n_observed)
    stride = 1 if most is None else max(1, len(models) // most)
    compared = 0
    for k in range(0, len(models), stride):
        model = HierarchicalModel(models.terms[k], t)
        design = reduced_design(y, model)
        ok_glm = check_design(design, captures.lists).ok
        ok_engine = res["status"][k, 0] == FitStatus.OK
        assert ok_glm == ok_engine, (models.name(k), ok_glm, res["status"][k, 0])
        if not ok_glm:
            continue
        fit = fit_poisson(design.X, y[design.cells])
        N = n + math.exp(float(fit.coef[0]))
        assert res["N"][k, 0] == pytest.approx(N, rel=1e-7), models.name(k)
        assert res["deviance"][k, 0] == pytest.approx(fit.deviance, rel=1e-6, abs=1e-8)
        # the single-model result LogLinearMSE reports: the same terms, coefficients and
        # covariance (inverse information at the final iterate) as the GLM
        # the same iteration; the terms in another order change the rounding only (2e-11
        # relative on Ned's largest models)
        one = fit_model(model.terms, y, t)
        assert one.ok and one.N == pytest.approx(res["N"][k, 0], rel=1e-9)
        np.testing.assert_array_equal(one.terms, design.terms)
        np.testing.assert_array_equal(one.infinite_terms, design.infinite_terms)
        np.testing.assert_allclose(one.coef, fit.coef, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(one.cov, fit.cov, rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(one.fitted[design.cells], fit.fitted, rtol=1e-6, atol=1e-9)
        compared += 1
    assert compared > 0


@pytest.mark.parametrize("name", DATA_SETS)
def test_engine_and_glm_agree_on_a_sample_of_models(name):
    _compare(name, most=600)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Ned", "UKdat", "NewOrl"])
def test_engine_and_glm_agree_on_every_model(name):
    _compare(name, most=None)


def test_the_kernels_status_bits_are_fit_status():
    """The compiled kernel writes its status bits as literals (numba would freeze constants
    read from constants.py into its cache): they must be FitStatus's values."""
    from prevalence.mse.kernels.constants import FitStatus as Defined
    from prevalence.mse.kernels.engine import pack_models

    assert FitStatus is Defined  # one definition, re-exported by the engine
    y = np.zeros(8)
    y[1:] = [30, 25, 8, 20, 6, 5, 3]  # patterns 001..111 of three lists
    table, lengths = pack_models([(0, 1, 2, 4, 3, 5, 6)])  # [12,13,23]
    assert fit_models(table, lengths, y[None, :], 3)["status"][0, 0] == FitStatus.OK
    slow = fit_models(table, lengths, y[None, :], 3, max_iter=1)
    assert slow["status"][0, 0] == FitStatus.NOT_CONVERGED
    # no finite maximum: [12,13,23] is saturated on the seven observed cells, so a zero count
    # (pattern 111) must be fitted by a parameter at infinity; the information goes singular
    y_bad = y.copy()
    y_bad[0b111] = 0.0
    assert fit_models(table, lengths, y_bad[None, :], 3)["status"][0, 0] == FitStatus.SINGULAR
