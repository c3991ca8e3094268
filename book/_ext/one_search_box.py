"""Sphinx extension: one search box per page, in the sidebar.

sphinx-book-theme shows a search field in the sidebar and, through pydata-sphinx-theme's
``navbar_persistent`` option, a second one in the header bar (and a third in its mobile
variant). Jupyter Book builds ``html_theme_options`` from ``_config.yml`` and replaces the
whole dictionary if ``sphinx.config`` sets it, so the one option is set here instead, after
the configuration is read.
"""

from __future__ import annotations

from typing import Any


def _one_search_box(app: Any, config: Any) -> None:
    options = dict(config.html_theme_options or {})
    options["navbar_persistent"] = []
    config.html_theme_options = options


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _one_search_box)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
