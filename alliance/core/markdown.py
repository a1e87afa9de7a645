"""Markdown written by users, rendered to HTML and sanitised."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is off at the parser and the output is cleaned again: two locks.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for ``text``; headings start at h2 under the page's h1."""
    if not text:
        return Markup("")
    html = _md.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return Markup(
        nh3.clean(
            html,
            tags=_TAGS,
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )
