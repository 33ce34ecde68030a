"""Hierarchical model notation and enumeration."""

from __future__ import annotations

import pytest

from prevalence import DataError
from prevalence.mse import HierarchicalModel, hierarchical_models


@pytest.mark.parametrize(
    ("spec", "n", "canonical"),
    [
        ("[12,23]", 3, "[12,23]"),
        ("[23,12]", 3, "[12,23]"),
        ("[12]", 3, "[12,3]"),
        ("[1,2,3]", 3, "[1,2,3]"),
        ("[]", 3, "[1,2,3]"),
        ("[32,1]", 3, "[23,1]"),
        ("[123,4]", 4, "[123,4]"),
        ("[123,12,4]", 4, "[123,4]"),
        ("[45,36,35,25,13,12]", 6, "[12,13,25,35,36,45]"),
        ("[ 12 , 23 ]", 3, "[12,23]"),
        ("[1.10,2.3]", 10, "[1.10,2.3,4,5,6,7,8,9]"),
    ],
)
def test_canonical_form(spec, n, canonical):
    m = HierarchicalModel.parse(spec, n_lists=n)
    assert str(m) == canonical
    assert HierarchicalModel.parse(canonical, n_lists=n) == m


def test_none_is_independence_and_generators_by_name():
    lists = ["LA", "NG", "PF"]
    assert str(HierarchicalModel.parse(None, lists=lists)) == "[1,2,3]"
    m = HierarchicalModel.parse([("LA", "NG"), ("NG", "PF")], lists=lists)
    assert str(m) == "[12,23]"
    assert m.describe(lists) == "LA*NG + NG*PF"
    assert HierarchicalModel.parse([(1, 2), (2, 3)], lists=lists) == m


def test_terms_and_order():
    m = HierarchicalModel.parse("[123,4]", n_lists=4)
    assert m.order == 3
    assert m.n_parameters == 1 + 4 + 3 + 1
    assert m.terms[0] == 0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("12,23", "bracket notation"),
        ("[14]", "refers to list 4"),
        ("[1a]", "not a list"),
        ("[11]", "repeated"),
        ("[12,]", "empty generator"),
    ],
)
def test_bad_model_strings(spec, message):
    with pytest.raises(DataError, match=message):
        HierarchicalModel.parse(spec, n_lists=3)


def test_unknown_list_name_in_generator():
    with pytest.raises(DataError, match="unknown list 'XX'"):
        HierarchicalModel.parse([("A", "XX")], lists=["A", "B"])


@pytest.mark.parametrize(
    ("lists", "order", "count"),
    [(3, 2, 8), (4, 2, 64), (4, 3, 113), (5, 2, 1024), (5, 3, 6212), (5, 4, 6893)],
)
def test_enumeration_counts_match_r(lists, order, count):
    models = hierarchical_models(lists, max_order=order)
    assert len(models) == count
    assert len(set(models)) == count
    assert all(m.order <= order for m in models)
    assert str(models[0]) == "[" + ",".join(str(j) for j in range(1, lists + 1)) + "]"


def test_six_lists_pairwise_has_32768_models():
    models = hierarchical_models(6, max_order=2)
    assert len(models) == 2**15
    assert HierarchicalModel.parse("[12,13,25,35,36,45]", n_lists=6) in set(models)


def test_default_max_order_is_lists_minus_one():
    assert len(hierarchical_models(4)) == 113
    with pytest.raises(DataError):
        hierarchical_models(3, max_order=0)
