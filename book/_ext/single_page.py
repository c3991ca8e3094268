"""Sphinx extension: let the single-page HTML builder write every node the HTML builder can.

Extensions register how to write their own nodes per builder name, and most register only
``html``. Sphinx falls back from a builder's name to its format (``html``) only when no
extension registered anything under the name itself; once one has (for ``singlehtml``,
several do), myst-nb's nodes for hidden code cells have no writer there and the build of
the single page, which ``make pdf`` prints, stops with "unknown node type". This copies each
``html`` handler that the builder's own name lacks.

It also lifts every page out of the root page's table of contents. The single-page builder
pastes each page where the root's toctree stands, inside the root's "Contents" section, so a
chapter's title would become a third-level heading and its sections fourth-level ones. Moved to
the top level, in order, every page of the book starts with a first-level heading, as on the
site: the PDF then starts each chapter on a new sheet and its outline lists the chapters at the
top.
"""

from __future__ import annotations

from typing import Any


def _inherit_html_handlers(app: Any) -> None:
    builder = app.builder
    if builder.format != "html" or builder.name == "html":
        return
    handlers = app.registry.translation_handlers
    own = handlers.setdefault(builder.name, {})
    for node_name, visit_depart in handlers.get("html", {}).items():
        own.setdefault(node_name, visit_depart)


def _pages_at_top_level(app: Any, doctree: Any, docname: str) -> None:
    if app.builder.name != "singlehtml" or docname != app.config.root_doc:
        return
    from docutils import nodes
    from sphinx import addnodes

    pages = list(doctree.findall(addnodes.start_of_file))
    holders = {id(page.parent): page.parent for page in pages}
    for page in pages:
        page.parent.remove(page)
        doctree.append(page)
    # what held the toctree is now empty: drop it, and a section left with only its title
    for holder in holders.values():
        if holder.children or holder.parent is None:
            continue
        parent = holder.parent
        parent.remove(holder)
        if isinstance(parent, nodes.section) and all(isinstance(c, nodes.title) for c in parent.children):
            parent.parent.remove(parent)


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _inherit_html_handlers)
    app.connect("doctree-resolved", _pages_at_top_level)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
