"""Sphinx extension: drop repeated <script> entries from each page's head.

sphinx-thebe and sphinx-togglebutton add inline configuration scripts from event handlers
that run after the HTML builder exists, so Sphinx 7.4 records them both on the builder
(filename ``None``) and in its registry (filename ``""``), and each page's ``script_files``
holds them twice. For
``var`` declarations that is harmless, but sphinx-thebe's ``const THEBE_JS_URL`` then throws
"Identifier 'THEBE_JS_URL' has already been declared" in the browser console of every page.
Identical entries (same file, same attributes, same inline body) are kept once, in order.
"""

from __future__ import annotations

from typing import Any


def _key(script: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    # the same inline script arrives once with filename None (builder) and once with ""
    # (registry), so both count as "no file"
    filename = str(getattr(script, "filename", script) or "")
    attributes = getattr(script, "attributes", {}) or {}
    return filename, tuple(sorted((str(k), str(v)) for k, v in attributes.items()))


def _unique_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # in place: this list is the builder's own, to which handlers that run after this one
    # (sphinx.ext.mathjax, on pages with maths) still append
    scripts[:] = unique


def setup(app: Any) -> dict[str, Any]:
    # early: Sphinx emits html-page-context with emit_firstresult, so a handler placed
    # after one that returns a template name would never run; the duplicates are already
    # in the page's list when the event starts
    app.connect("html-page-context", _unique_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
