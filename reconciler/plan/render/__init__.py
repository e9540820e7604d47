"""Plan renderers: terminal text, a policy-friendly JSON document and PR-comment Markdown.

Each renderer is a pure function from a ``Plan`` (plus display options) to strings; none prints,
reads the environment or performs I/O: the caller decides colour and where the output goes.
"""

from __future__ import annotations

from reconciler.plan.render.json_doc import JSON_FORMAT_VERSION, plan_document, render_json
from reconciler.plan.render.links import ConsoleLinks, default_console_url
from reconciler.plan.render.markdown import markdown_document, render_markdown
from reconciler.plan.render.split import split_markdown
from reconciler.plan.render.text import render_text, text_lines

__all__ = [
    "JSON_FORMAT_VERSION",
    "ConsoleLinks",
    "default_console_url",
    "markdown_document",
    "plan_document",
    "render_json",
    "render_markdown",
    "render_text",
    "split_markdown",
    "text_lines",
]
