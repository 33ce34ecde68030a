"""Layers import only downward: no import cycles in the package, and the survey layers in order.

Every ``import`` statement counts, including those inside functions and ``TYPE_CHECKING``
blocks, because a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "prevalence"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in (SRC / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """Modules of the package that ``name`` imports (a package's ``__init__`` excluded as target
    when the importer lives inside it)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for c in candidates:
            if c in mods and c != name and not name.startswith(c + "."):
                out.add(c)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, mods) for m, p in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_anywhere():
    cycles = _cycles(_graph())
    assert not cycles, "modules that import each other in a circle: " + "; ".join(
        " <-> ".join(c) for c in cycles
    )


# mse/: the estimators at the top, then inference (selection, searches, bootstrap, profile),
# model algebra (hierarchical models, designs, existence, graphs), the capture data, and the
# compiled kernels at the bottom
MSE_LAYERS = [
    ["loglinear", "closed", "latent_class", "decomposable_bma", "bayes_threshold", "pooled"],
    ["details"],
    ["inference.selection"],
    ["inference.search"],
    ["inference.profile"],
    ["algebra.existence"],
    ["algebra.design", "algebra.graphs"],
    ["algebra.hierarchical"],
    ["data.captures"],
    [
        "kernels.engine",
        "kernels.glm",
        "kernels.bayes_threshold_sampler",
        "kernels.latent_class_sampler",
    ],
    ["kernels.constants"],
    ["data", "algebra", "inference", "kernels"],
]


def test_mse_imports_only_downward():
    # the estimator family imports no other family (the package init files sit in the last row)
    _assert_downward(
        "mse",
        MSE_LAYERS,
        ("prevalence.survey", "prevalence.runs", "prevalence.impact", "prevalence.simulate"),
    )


# survey/: each module may import only modules of later (lower) layers
SURVEY_LAYERS = [
    ["prevalence", "pps", "twophase"],
    ["design"],
    ["replicate"],
    ["base"],
    ["regression", "daskdesign"],
    ["estimation", "calibration", "table", "linearization", "chisq", "outofcore"],
    ["stages", "intervals", "quantiles", "details"],
]


# impact/: the estimators above the cell combination above the results
IMPACT_LAYERS = [["did", "trend"], ["cells"], ["results"]]

# profits/: totals and survey-based profit per victim above the per-victim table, above
# assumptions and the published figures, above money (currency, price year)
PROFITS_LAYERS = [["totals", "per_victim"], ["tables"], ["assumptions", "published"], ["money"]]


# network/: estimators above the statistics they report (internal consistency, RDS weights and
# standard errors) above the data layer (answers and degrees, recruitment trees, the
# successive-sampling kernel)
NETWORK_LAYERS = [
    ["diagnostics"],
    ["scaleup", "generalized", "bayes_scaleup", "rds", "sspse"],
    ["consistency", "rds_weights", "gile_bootstrap"],
    ["answers", "recruitment", "successive", "details"],
]


# linkage/: linkage above pseudonymisation above normalisation
LINKAGE_LAYERS = [["uncertainty"], ["link"], ["pseudonymise"], ["normalise", "schema"]]


# synthesis/: the estimator above its model above the sources' data; the details schema apart
SYNTHESIS_LAYERS = [["synthesis"], ["model"], ["sources", "details"]]


# definitions/: the classification rules above the item mappings
DEFINITIONS_LAYERS = [["forced_labour"], ["mapping"]]


def _assert_downward(family: str, layers: list[list[str]], forbidden: tuple[str, ...] = ()):
    """Every module of ``prevalence.<family>`` is placed in ``layers`` and imports only from
    lower layers of the family, and from no package in ``forbidden``."""
    graph = _graph()
    prefix = f"prevalence.{family}."
    rank = {prefix + m: i for i, mods in enumerate(layers) for m in mods}
    assert set(rank) == {m for m in graph if m.startswith(prefix)}, (
        f"every {family} module must be placed in its layers"
    )
    for mod, r in rank.items():
        upward = sorted(d for d in graph[mod] if d in rank and rank[d] <= r and d != mod)
        assert not upward, f"{mod} imports {upward}, which are not below it"
        bad = sorted(d for d in graph[mod] if forbidden and d.startswith(forbidden))
        assert not bad, f"{mod} imports {bad}"


def test_definitions_imports_only_downward():
    # a definition knows only the core: surveys and runs use it, not the reverse
    _assert_downward("definitions", DEFINITIONS_LAYERS, ("prevalence.runs", "prevalence.survey"))


def test_linkage_imports_only_downward():
    _assert_downward("linkage", LINKAGE_LAYERS, ("prevalence.runs", "prevalence.impact"))


def test_synthesis_imports_only_downward():
    # a synthesis takes the other families' estimates as data: none of them imports it
    _assert_downward(
        "synthesis",
        SYNTHESIS_LAYERS,
        ("prevalence.runs", "prevalence.impact", "prevalence.workbench", "prevalence.simulate"),
    )


def test_network_imports_only_downward():
    _assert_downward("network", NETWORK_LAYERS)


def test_profits_imports_only_downward():
    _assert_downward("profits", PROFITS_LAYERS)


def test_impact_imports_only_downward():
    _assert_downward("impact", IMPACT_LAYERS)


@pytest.mark.parametrize("layer", range(len(SURVEY_LAYERS)))
def test_survey_imports_only_downward(layer):
    graph = _graph()
    rank = {f"prevalence.survey.{m}": i for i, mods in enumerate(SURVEY_LAYERS) for m in mods}
    assert set(rank) == {m for m in graph if m.startswith("prevalence.survey.")}, (
        "every survey module must be placed in SURVEY_LAYERS"
    )
    for mod in (f"prevalence.survey.{m}" for m in SURVEY_LAYERS[layer]):
        upward = sorted(d for d in graph[mod] if d in rank and rank[d] <= layer)
        assert not upward, f"{mod} imports {upward}, which are not below it"
