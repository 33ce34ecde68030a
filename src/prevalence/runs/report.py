"""A run's ``report.html`` and figures: what a statistician would publish.

The page (a Jinja2 template, ``templates/report.html.j2``, self-contained with its images
embedded) opens with a sentence per result ("an estimated 4,870 people (95% interval 4,420
to 5,390) at endline, down from ..."; whether the change is distinguishable from zero), a
note when estimators disagree about that, and a caveats section with every warning raised
during the run. Then the tables, the methods and their assumptions in words, goodness of
fit, a key from model strings to list names, the capture patterns under disclosure control,
the figures (counts, proportions and money never share an axis) and the inputs with their
filters.
"""

from __future__ import annotations

import base64
import html
import math
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.disclosure import SUPPRESSED, WITHHELD
from .config import RunConfig

__all__ = [
    "render_report",
    "make_figures",
    "headlines",
    "disagreements",
    "human_time",
    "human_duration",
    "format_value",
]


# ---------------------------------------------------------------------------- formatting
def format_value(value: float, scale: str | None) -> str:
    """A number as a reader expects it: counts whole, proportions in percent, ratios to 2 places.

    Examples
    --------
    >>> format_value(4870.4, "count"), format_value(0.0312, "proportion"), format_value(0.82, "ratio")
    ('4,870', '3.1%', '0.82')
    >>> format_value(0.0042, "proportion"), format_value(1.5e7, "USD 2021")
    ('0.42%', '15,000,000 USD 2021')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if scale == "count":
        return f"{value:,.0f}"
    if scale == "proportion":
        pct = 100 * value
        return f"{pct:.2f}%" if abs(pct) < 1 else f"{pct:.1f}%"
    if scale == "ratio":
        return f"{value:.2f}"
    if scale and scale not in ("log", "logit", "mean", "total"):
        return f"{value:,.0f} {scale}"
    return f"{value:,.4g}"


def human_time(iso: str) -> str:
    """``2026-11-27T22:40:05+00:00`` as ``27 November 2026, 22:40 UTC``.

    Examples
    --------
    >>> human_time("2026-11-27T22:40:05.123+00:00")
    '27 November 2026, 22:40 UTC'
    """
    t = datetime.fromisoformat(iso)
    return f"{t.day} {t.strftime('%B %Y, %H:%M')} UTC"


def human_duration(seconds: float) -> str:
    """Seconds as ``12.3 s``, ``2 min 5 s`` or ``1 h 3 min``.

    Examples
    --------
    >>> human_duration(12.34), human_duration(125), human_duration(3790)
    ('12.3 s', '2 min 5 s', '1 h 3 min')
    """
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(round(seconds % 60))} s"
    return f"{int(seconds // 3600)} h {int(round(seconds % 3600 / 60))} min"


def _cell(x: Any) -> str:
    if isinstance(x, float | np.floating):
        if math.isnan(x):
            return ""
        return f"{x:,.4g}" if abs(float(x)) < 1e5 else f"{x:,.0f}"
    return html.escape(str(x))


def html_table(frame: pd.DataFrame, text_cols: tuple[str, ...] = ()) -> str:
    """A DataFrame as an HTML table (suppressed and withheld cells marked)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for _, r in frame.iterrows():
        cells = []
        for c in frame.columns:
            v = r[c]
            if isinstance(v, str) and v in (SUPPRESSED, WITHHELD):
                cells.append(f"<td class='suppressed'>{html.escape(v)}</td>")
            else:
                cls = " class='text'" if c in text_cols or isinstance(v, str) else ""
                cells.append(f"<td{cls}>{_cell(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ---------------------------------------------------------------------------- sentences
def _interval(row: pd.Series, scale: str | None) -> str:
    pct = f"{100 * row['level']:g}%"
    return (
        f"{pct} interval {format_value(row['lower'], scale)} to {format_value(row['upper'], scale)}"
    )


def _amount(row: pd.Series, scale: str | None) -> str:
    if scale == "proportion":
        return f"prevalence of {format_value(row['value'], scale)}"
    noun = " people" if scale == "count" else ""
    return f"{format_value(row['value'], scale)}{noun}"


def _money(value: float, unit: str, millions: bool | None = None) -> str:
    """``15.7 million USD of 2021`` (or the whole amount below a million); ``unit=""`` drops it."""
    if millions is None:
        millions = abs(value) >= 1e6
    text = f"{value / 1e6:,.1f} million" if millions else f"{value:,.0f}"
    return f"{text} {unit}".rstrip()


def _verdict(diff: pd.Series) -> int:
    """-1: a fall distinguishable from zero, +1: a rise, 0: not distinguishable."""
    if diff["upper"] < 0:
        return -1
    if diff["lower"] > 0:
        return 1
    return 0


def headlines(estimates: pd.DataFrame, config: RunConfig) -> list[str]:
    """One sentence per result: each compared pair, each other estimate, each impact area."""
    out: list[str] = []
    est = estimates[estimates["quantity"] == "estimate"]
    in_pairs: set[tuple[str, str]] = set()
    for pair in config.compares:
        b_name, e_name, label = pair["baseline"], pair["endline"], pair["name"]
        for estimator in dict.fromkeys(est["estimator"]):
            rows = est[est["estimator"] == estimator].set_index("input")
            diff = estimates[
                (estimates["estimator"] == estimator)
                & (estimates["input"] == label)
                & (estimates["quantity"] == "difference")
            ]
            if b_name not in rows.index or e_name not in rows.index or diff.empty:
                continue
            in_pairs |= {(estimator, b_name), (estimator, e_name)}
            b, e, d = rows.loc[b_name], rows.loc[e_name], diff.iloc[0]
            scale = e.get("scale")
            if any(pd.isna(x) for x in (b["value"], e["value"], d["value"])):
                out.append(f"{estimator}, {label}: withheld under disclosure control.")
                continue
            direction = (
                "down"
                if e["value"] < b["value"]
                else "up"
                if e["value"] > b["value"]
                else "unchanged"
            )
            change = "fall" if d["value"] < 0 else "rise"
            v = _verdict(d)
            real = "is distinguishable from zero" if v else "is not distinguishable from zero"
            diff_text = format_value(abs(d["value"]), scale)
            if scale == "proportion":
                diff_text = f"{100 * abs(d['value']):.2g} percentage points"
            out.append(
                f"{estimator}: an estimated {_amount(e, scale)} ({_interval(e, scale)}) at "
                f"{e_name}, {direction} from {_amount(b, scale)} at {b_name}; the {change} of "
                f"{diff_text} ({_interval(d, scale if scale != 'proportion' else None)}) {real}."
            )
    for _, row in est.iterrows():
        if (row["estimator"], row["input"]) in in_pairs:
            continue
        if row["type"] == "profits" or str(row["type"]).startswith("impact"):
            continue
        scale = row.get("scale")
        if pd.isna(row["value"]):
            out.append(f"{row['estimator']} on {row['input']}: withheld under disclosure control.")
            continue
        out.append(
            f"{row['estimator']} on {row['input']}: an estimated {_amount(row, scale)} "
            f"({_interval(row, scale)})."
        )
    for spec in config.profits:
        rows = estimates[estimates["input"] == f"{spec['name']}: total"].set_index("quantity")
        if "profits at baseline" not in rows.index:
            continue
        money = f"{spec.get('currency', 'USD')} of {spec.get('year', 2021)}"
        base = rows.loc["profits at baseline"]
        if pd.isna(base["value"]):
            out.append(f"{spec['name']}: withheld under disclosure control.")
            continue
        text = f"{spec['name']}: an estimated {_money(base['value'], money)}"
        if "change in profits" in rows.index and "profits at endline" in rows.index:
            end, ch = rows.loc["profits at endline"], rows.loc["change in profits"]
            v = _verdict(ch)
            direction = "down" if end["value"] < base["value"] else "up"
            big = abs(ch["value"]) >= 1e6
            text = (
                f"{spec['name']}: an estimated {_money(end['value'], money)} a year at endline, "
                f"{direction} from {_money(base['value'], money)} at baseline; the "
                f"{'fall' if ch['value'] < 0 else 'rise'} of {_money(abs(ch['value']), money)} "
                f"({100 * ch['level']:g}% interval {_money(ch['lower'], '', big).replace(' million', '')} "
                f"to {_money(ch['upper'], '', big)}) "
                f"{'is' if v else 'is not'} distinguishable from zero."
            )
        else:
            text += " a year at baseline."
        out.append(text)
    did = estimates[estimates["quantity"] == "difference in differences"]
    for _, row in did.iterrows():
        if pd.isna(row["value"]):
            out.append(f"{row['input']}: withheld under disclosure control.")
            continue
        v = _verdict(row)
        word = {-1: "a fall", 1: "a rise", 0: "no change"}[v]
        real = "distinguishable from zero" if v else "not distinguishable from zero"
        out.append(
            f"{row['input']}: the difference in differences (programme minus comparison "
            f"areas) is {row['value']:+.3g} ({_interval(row, None)}), {real}"
            f"{'' if not v else f': {word} beyond the comparison areas'}."
        )
    return out


def disagreements(estimates: pd.DataFrame, config: RunConfig) -> list[str]:
    """A note for each compared pair on which estimators disagree about whether the change is real."""
    notes = []
    words = {
        -1: "a fall distinguishable from zero",
        1: "a rise distinguishable from zero",
        0: "no change distinguishable from zero",
    }
    for pair in config.compares:
        diff = estimates[
            (estimates["input"] == pair["name"]) & (estimates["quantity"] == "difference")
        ].dropna(subset=["lower", "upper"])
        verdicts = {r["estimator"]: _verdict(r) for _, r in diff.iterrows()}
        if len(set(verdicts.values())) > 1:
            groups = {
                v: [k for k, x in verdicts.items() if x == v]
                for v in sorted(set(verdicts.values()))
            }
            parts = [f"{', '.join(names)} find {words[v]}" for v, names in groups.items()]
            notes.append(
                f"The estimators disagree about whether the change {pair['name']} is real: "
                + "; ".join(parts)
                + ". Read the methods and their assumptions below before reporting either."
            )
    return notes


# ---------------------------------------------------------------------------- figures
def _safe(s: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in s)


SCALE_WORDS = {"count": "people", "proportion": "prevalence", "ratio": "ratio"}


def _models_caption(n_models: int, selection: Any) -> str:
    """What a details["models"] table shows: a criterion's ranking or a posterior's."""
    if selection is None:
        return (
            f"The 10 most probable of {n_models} models (weight: the posterior probability of "
            "each model)."
        )
    crit = str(selection).upper()
    return (
        f"The 10 best of {n_models} models by {crit} (weight: the {crit} weight, "
        f"exp(-Δ{crit}/2) normalised over the table)."
    )


def make_figures(
    directory: Path,
    config: RunConfig,
    protected: dict[str, pd.DataFrame],
    fitted: dict,
    comparisons: dict,
    scorecard: pd.DataFrame | None = None,
) -> dict[str, str]:
    """Write the run's PNG figures into ``directory``; returns file name -> caption.

    Estimates are drawn one figure per scale (counts, proportions and money never share an
    axis), the list overlap from the published (protected) patterns only, and one scorecard
    per impact section.
    """
    import matplotlib.pyplot as plt  # the backend is the caller's (the CLI picks Agg)

    from .. import plot

    images: dict[str, str] = {}

    def save(fig: Any, name: str, title: str) -> None:
        fig.savefig(directory / name, dpi=100)
        plt.close(fig)
        images[name] = title

    by_scale: dict[str, dict[str, Any]] = {}
    for (e, i), est in fitted.items():
        by_scale.setdefault(est.scale or "other", {})[f"{e} / {i}"] = est

    def forests(groups: dict[str, dict[str, Any]], stem: str, caption: str) -> None:
        # one figure per scale: counts, proportions and money never share an axis
        for scale, group in groups.items():
            word = SCALE_WORDS.get(scale, scale)
            name = f"{stem}.png" if len(groups) == 1 else f"{stem}_{_safe(scale)}.png"
            save(plot.forest(group, xlabel=word), name, caption.format(word=word))

    forests(by_scale, "estimates", "Estimates ({word}) with their intervals")
    for name, table in protected.items():
        shown = table[pd.to_numeric(table["count"], errors="coerce").notna()]
        if len(shown):
            save(
                plot.list_overlap(shown.astype({"count": float})),
                f"overlap_{name}.png",
                f"Overlap of the lists, {name} (patterns suppressed under disclosure control "
                "not shown)",
            )
    for (e, i), est in fitted.items():
        if est.draws is not None and est.draws.size > 1:
            fig, ax = plt.subplots(figsize=(6, 3))
            ax.hist(est.draws, bins=40, color="tab:gray")
            ax.axvline(est.value, color="black")
            for x in est.interval:
                ax.axvline(x, color="black", linestyle="--")
            ax.set_xlabel(SCALE_WORDS.get(est.scale or "", "estimate"))
            ax.set_title(f"{e} / {i}: bootstrap or posterior draws", fontsize=9)
            fig.tight_layout()
            save(fig, f"draws_{_safe(e)}_{_safe(i)}.png", f"Draws, {e} on {i}")
    change_by_scale: dict[str, dict[str, Any]] = {}
    several = len(config.compares) > 1
    for (e, p), c in comparisons.items():
        scale = c.difference.scale or "other"
        change_by_scale.setdefault(scale, {})[f"{e} / {p}" if several else e] = c
    forests(change_by_scale, "change", "Baseline and endline ({word})")
    if scorecard is not None:
        card = scorecard[(scorecard["kind"] != "profits") & scorecard["change"].notna()]
        sections = list(dict.fromkeys(card["impact"]))
        for section in sections:
            rows = card[card["impact"] == section]
            save(
                plot.scorecard(rows),
                "scorecard.png" if len(sections) == 1 else f"scorecard_{_safe(section)}.png",
                f"Scorecard, {section}: change in the programme areas (and the difference in "
                "differences) with their intervals; red ticks mark each area's target",
            )
    return images


# ---------------------------------------------------------------------------- page
def _fit_table(fitted: dict) -> pd.DataFrame | None:
    rows = []
    for (e, i), est in fitted.items():
        d = est.details
        if "deviance" not in d or "df" not in d:
            continue
        dev, df = float(d["deviance"]), int(d["df"])
        model = str(d.get("model", ""))
        rows.append(
            {
                "estimator": e,
                "input": i,
                "model": model,
                "model (lists)": d.get("model_terms", ""),
                "deviance": dev,
                "df": df,
                "p-value": float(stats.chi2.sf(dev, df)) if df > 0 else float("nan"),
                "AIC": d.get("AIC", float("nan")),
                "BIC": d.get("BIC", float("nan")),
            }
        )
    return pd.DataFrame(rows) if rows else None


def _caveats(estimates: pd.DataFrame, run_warnings: list[str]) -> list[str]:
    out: dict[str, None] = {}
    for _, r in estimates.iterrows():
        if isinstance(r["warnings"], str) and r["warnings"]:
            for w in r["warnings"].split("; "):
                out.setdefault(f"{r['estimator']} on {r['input']}: {w}")
    for w in run_warnings:
        out.setdefault(w)
    return list(out)


def _withheld(protected: dict, name: str) -> bool:
    """The input's figures are withheld under disclosure control."""
    return name in protected and bool((protected[name]["count"] == WITHHELD).any())


def _inputs_table(config: RunConfig, inputs: dict, protected: dict, manifest: dict) -> pd.DataFrame:
    from ..mse.data.captures import CaptureHistories

    rows = []
    hashes = {x["name"]: x["sha256"] for x in manifest["inputs"]}
    for spec in config.inputs:
        obj = inputs.get(spec["name"])
        if _withheld(protected, spec["name"]):
            size = "withheld"
        elif isinstance(obj, CaptureHistories):
            size = f"{obj.n_observed:,} people on {obj.n_lists} lists"
            if spec.get("kind") == "case_lists":
                size += f" (linked on {'Spark' if spec.get('engine') == 'spark' else 'DuckDB'})"
        elif obj is not None and hasattr(obj, "data"):
            size = f"{len(obj.data):,} respondents"
            if spec.get("engine") == "dask":
                size += " (read out of core with Dask)"
        elif isinstance(obj, pd.DataFrame):
            size = f"{len(obj):,} rows"
        else:
            size = ""
        filt = spec.get("filter")
        rows.append(
            {
                "name": spec["name"],
                "kind": spec["kind"],
                "size": size,
                "filter": ", ".join(f"{k} = {v!r}" for k, v in filt.items()) if filt else "none",
                "file": Path(spec["path"]).name,
                "sha256 (start)": hashes.get(spec["name"], "")[:16],
            }
        )
    return pd.DataFrame(rows)


def _synthesis_sections(
    syntheses: list[Any], config: RunConfig, withheld: dict[str, str]
) -> list[dict[str, Any]]:
    """One report section per ``[[synthesis]]``: its tables, or why they are withheld."""
    from markupsafe import Markup

    from .synthesis import report_tables

    out = []
    for run in syntheses:
        if run.name in withheld:
            out.append(
                {
                    "name": run.name,
                    "text": f"Withheld under disclosure control: the input {withheld[run.name]!r} "
                    f"has fewer than {config.threshold} people on its lists.",
                    "tables": [],
                    "conflicts": [],
                }
            )
            continue
        est = run.estimate
        tables = report_tables(run, config.threshold)
        out.append(
            {
                "name": run.name,
                "text": est.method.split(";")[0] + ". Each source's own figures stand beside "
                "the combined estimate: as given, on the count scale (for lists their "
                "independence MSE estimate), adjusted by the source's posterior visibility, and "
                "a posterior predictive p-value (small: the source disagrees with the others "
                "beyond its stated visibility and sampling error).",
                "tables": [
                    {
                        "title": title,
                        "table": Markup(html_table(t, ("area", "period", "source", "check"))),
                    }
                    for title, t in tables.items()
                ],
                "conflicts": list(est.details["conflicts"]),
            }
        )
    return out


def _linkage_sections(config: RunConfig, protected: dict) -> list[dict[str, Any]]:
    """For each case_lists input: how its lists were linked, the model's own estimate of its
    errors, and the people observed at other thresholds (counts only, no identifier)."""
    from markupsafe import Markup

    out = []
    for name, notes in config.input_notes.items():
        if "linkage" not in notes:
            continue
        if _withheld(protected, name):
            continue  # withheld: the capture-pattern section says so
        s = notes["linkage"]
        per_list = ", ".join(f"{k} {v:,}" for k, v in s["records_per_list"].items())
        text = (
            f"{s['records']:,} pseudonymised records ({per_list}) linked and deduplicated "
            f"(Fellegi-Sunter, parameters by EM, Splink); {s['pairs_scored']:,} pairs scored, "
            f"{s['pairs_linked']:,} linked at match probability {s['threshold']:g} or more, "
            f"giving {s['people']:,} people. By the model's own probabilities about "
            f"{s['expected_false_links']:.1f} of the linked pairs are false links and about "
            f"{s['expected_missed_links']:.1f} true links were left below the threshold "
            "(pairs the blocking never scored are not counted). False links merge people and "
            "lower the estimate; missed links split them and raise it: the table shows the "
            "people observed at other thresholds."
        )
        if s.get("links_on_names_alone"):
            text += (
                f" {s['links_on_names_alone']:,} of the links "
                f"({s['share_of_links_on_names_alone']:.0%}) rest on the names alone (the dates "
                "of birth missing or different): where many people share names, those are the "
                "links to doubt."
            )
        table = notes["sensitivity"].rename(
            columns={
                "people_observed": "people observed",
                "records_per_person": "records per person",
                "on_several_lists": "on several lists",
                "pairs_linked": "pairs linked",
            }
        )
        out.append({"input": name, "text": text, "table": Markup(html_table(table))})
    return out


def render_report(
    directory: Path,
    config: RunConfig,
    estimates: pd.DataFrame,
    inputs: dict,
    protected: dict[str, pd.DataFrame],
    fitted: dict,
    images: dict[str, str],
    manifest: dict,
    scorecard: pd.DataFrame | None = None,
    run_warnings: list[str] | None = None,
    syntheses: list[Any] | None = None,
    withheld_sections: dict[str, str] | None = None,
) -> str:
    """The self-contained ``report.html`` of a run."""
    from jinja2 import Environment
    from markupsafe import Markup

    from ..mse.data.captures import CaptureHistories
    from .config import estimator_class

    lists_of = {
        name: list(obj.lists) for name, obj in inputs.items() if isinstance(obj, CaptureHistories)
    }
    text = ("input", "estimator", "type", "scale", "method", "warnings")
    est_rows = estimates[estimates["quantity"] == "estimate"].drop(columns=["quantity"])
    changes = estimates[estimates["quantity"] != "estimate"]
    changes = changes[changes["input"].isin([c["name"] for c in config.compares])]
    methods = []
    for spec in config.estimators:
        settings = ", ".join(f"{k} = {v!r}" for k, v in spec.get("settings", {}).items())
        if spec.get("args"):
            settings = ", ".join([*map(repr, spec["args"]), *([settings] if settings else [])])
        methods.append(
            {
                "name": spec["name"],
                "type": spec["type"],
                "settings": settings,
                "assumptions": estimator_class(spec).assumptions or "(not stated by the estimator)",
            }
        )
    fit = _fit_table(fitted)
    model_tables = []
    for (e, i), est in fitted.items():
        models = est.details.get("models")
        if isinstance(models, pd.DataFrame):
            model_tables.append(
                {
                    "title": f"{e} on {i}",
                    "caption": _models_caption(len(models), est.details.get("selection")),
                    "table": Markup(html_table(models.head(10), ("model",))),
                }
            )
    patterns = []
    for name, table in protected.items():
        if (table["count"] == WITHHELD).any():
            patterns.append(
                {
                    "input": name,
                    "text": f"Withheld under disclosure control: fewer than {config.threshold} "
                    "people on the lists, so no figure derived from them is published.",
                    "table": None,
                }
            )
            continue
        lists = [c for c in table.columns if c != "count"]
        hidden = int((table["count"] == SUPPRESSED).sum())
        note = (
            f"{hidden} counts are suppressed: those below {config.threshold} and as many others "
            "as keep them from being derived from the total (disclosure control)."
            if hidden
            else f"No count is below {config.threshold}."
        )
        patterns.append(
            {
                "input": name,
                "text": f"{table.attrs['n_observed']:,} people on {len(lists)} lists "
                f"({', '.join(lists)}). {note}",
                "table": Markup(html_table(table)),
            }
        )
    linkage = _linkage_sections(config, protected)
    synthesis = _synthesis_sections(syntheses or [], config, withheld_sections or {})
    figures = [
        {"title": title, "data": base64.b64encode((directory / f).read_bytes()).decode()}
        for f, title in images.items()
    ]
    template = resources.files("prevalence").joinpath("runs/templates/report.html.j2").read_text()
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(template).render(
        name=config.name,
        started=human_time(manifest["started"]),
        duration=human_duration(manifest["seconds"]),
        version=manifest["versions"]["prevalence"],
        seed=config.seed,
        level_pct=f"{100 * config.level:g}%",
        config_name=config.path.name,
        config_sha=manifest["config"]["sha256"],
        threshold=config.threshold,
        headlines=headlines(estimates, config),
        disagreements=disagreements(estimates, config),
        caveats=_caveats(estimates, run_warnings or []),
        estimates_table=Markup(html_table(est_rows, text)),
        change_table=Markup(html_table(changes, text)) if len(changes) else None,
        scorecard_table=(
            Markup(html_table(scorecard, ("impact", "kind", "area", "probability_kind")))
            if scorecard is not None
            else None
        ),
        methods=methods,
        fit_table=Markup(html_table(fit, ("estimator", "input", "model", "model (lists)")))
        if fit is not None
        else None,
        list_keys=[
            {"input": n, "text": ", ".join(f"{k + 1} = {x}" for k, x in enumerate(lists))}
            for n, lists in lists_of.items()
            if n in protected and not _withheld(protected, n)
        ],
        model_tables=model_tables,
        patterns=patterns,
        linkage=linkage,
        synthesis=synthesis,
        figures=figures,
        inputs_table=Markup(
            html_table(
                _inputs_table(config, inputs, protected, manifest),
                ("name", "kind", "size", "filter", "file", "sha256 (start)"),
            )
        ),
    )
