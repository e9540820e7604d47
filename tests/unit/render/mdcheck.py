"""An independent balance check for Markdown parts (not the splitter's own parser)."""

from __future__ import annotations

import re

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def balanced(part: str) -> bool:
    """An independent check: every fence opened is closed, <details> tags pair up, in order."""
    fence: str | None = None
    depth = 0
    for line in part.split("\n"):
        match = FENCE.match(line)
        if fence is not None:
            if match and match[1][0] == fence[0] and len(match[1]) >= len(fence) and not match[2].strip():
                fence = None
            continue
        if match:
            fence = match[1]
            continue
        for tag in re.findall(r"</?details\b", line):
            depth += -1 if tag.startswith("</") else 1
            if depth < 0:
                return False
    return fence is None and depth == 0
