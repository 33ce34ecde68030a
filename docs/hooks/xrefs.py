"""MkDocs hook: the docstrings' Sphinx roles (:class:`~prevalence.Estimate`) become links.

mkdocstrings renders ``:class:`X``` as the literal text ``:class:`` followed by ``<code>X</code>``.
This hook, run on every page's HTML, links each such reference to the object's anchor on
the API page (ids are the objects' full paths; a short or re-exported name is matched by its
last components when that is unique) and otherwise keeps the name in code, without the role.
A role left in the output is logged as a warning, so ``mkdocs build --strict`` fails on it.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger("mkdocs.hooks.xrefs")

ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):<code>(~?)([^<]+)</code>")
_IDS: set[str] = set()
_API = "api/"


def on_page_content(html, page, config, files):
    if page.url == _API:
        _IDS.update(re.findall(r'id="(prevalence[^"]*)"', html))
    return html


def resolve(target: str, ids: set[str]) -> str | None:
    """The anchor id of ``target`` among ``ids`` (exact, or unique by trailing components)."""
    target = target.strip("`").rstrip("()")
    if target in ids:
        return target
    parts = target.split(".")
    for k in range(len(parts), 0, -1):
        tail = "." + ".".join(parts[-k:])
        found = [i for i in ids if i.endswith(tail)]
        if len(found) == 1:
            return found[0]
        if found:
            # a re-exported name: prefer the shortest path (the public one)
            shortest = min(found, key=len)
            if sum(len(f) == len(shortest) for f in found) == 1 and k == len(parts) > 1:
                return shortest
    return None


def link_roles(html: str, ids: set[str], api_url: str) -> str:
    def replace(m: re.Match) -> str:
        tilde, target = m.group(1), m.group(2)
        shown = target.split(".")[-1] if tilde else target
        anchor = resolve(target, ids)
        code = f"<code>{shown}</code>"
        return f'<a href="{api_url}#{anchor}">{code}</a>' if anchor else code

    return ROLE.sub(replace, html)


def on_post_page(output, page, config):
    # every page is rendered by now: the API page's ids are known
    depth = page.url.count("/")
    api_url = "../" * depth + _API
    if page.url == _API:
        api_url = ""
    output = link_roles(output, _IDS, api_url)
    left = re.findall(r":(?:class|func|meth|mod|attr|data|exc|obj):`?", output)
    if left:
        log.warning("%s: %d Sphinx roles left unconverted", page.url, len(left))
    return output
