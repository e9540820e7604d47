"""Split Markdown into parts that each fit in one GitHub comment, without breaking its structure.

A part never ends inside a code fence or a ``<details>`` block that it does not also close: the
splitter cuts at top-level boundaries (preferring the line before a heading, so that a section
stays whole, then blank lines), and only when a single fence or
details block is larger than the limit does it close the open constructs at the end of one part
and reopen them (same fence marker and info string; details marked "continued") at the start of
the next. Every part, label included, is at most ``max_chars`` characters. Pure string work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_MAX_CHARS = 65000
MIN_MAX_CHARS = 200

_FENCE_OPEN = re.compile(r"^ {0,3}(?P<marker>`{3,}|~{3,})(?P<info>.*)$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(?P<marker>`{3,}|~{3,})[ \t]*$")
_TAG = re.compile(r"<details\b[^>]*>|</details\s*>", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary>(?P<text>.*?)</summary>", re.IGNORECASE | re.DOTALL)
# Room for the label of any part of any split: "<title> (part 99999/99999)" plus a blank line.
_LABEL_DIGITS = 5


@dataclass(frozen=True)
class _Frame:
    """An open construct: a fence (``marker`` set) or a details block (``summary`` set or None)."""

    marker: str | None = None
    info: str = ""
    summary: str | None = None

    def opener(self) -> str:
        if self.marker is not None:
            return f"{self.marker}{self.info}\n"
        summary = f"{self.summary} (continued)" if self.summary else "(continued)"
        return f"<details><summary>{summary}</summary>\n\n"

    def closer(self) -> str:
        return f"{self.marker}\n" if self.marker is not None else "\n</details>\n"


_State = tuple[_Frame, ...]


def _step(state: _State, line: str) -> _State:
    """The open constructs after ``line`` (without its newline), given those before it."""
    if state and state[-1].marker is not None:
        fence = state[-1].marker
        closing = _FENCE_CLOSE.match(line)
        closes = (closing is not None and closing["marker"][0] == fence[0]
                  and len(closing["marker"]) >= len(fence))
        return state[:-1] if closes else state
    opened = _FENCE_OPEN.match(line)
    if opened and not (opened["marker"][0] == "`" and "`" in opened["info"]):
        return (*state, _Frame(marker=opened["marker"], info=opened["info"]))
    frames = list(state)
    for tag in _TAG.finditer(line):
        if tag.group().startswith("</"):
            if frames:
                frames.pop()
        else:
            summary = _SUMMARY.search(line, tag.end())
            frames.append(_Frame(summary=summary["text"].strip() if summary else None))
    return tuple(frames)


def _openers(state: _State) -> str:
    return "".join(f.opener() for f in state)


def _closers(state: _State) -> str:
    return "".join(f.closer() for f in reversed(state))


def _label(title: str | None, index: int, total: int) -> str:
    head = f"**{title}** " if title else ""
    return f"{head}(part {index}/{total})\n\n"


@dataclass(frozen=True)
class _Item:
    line: str  # with its newline (the text's last line may lack one)
    before: _State
    after: _State


def _items(text: str, budget: int) -> list[_Item]:
    """Lines with the open constructs around them; a content line too long for any part is cut
    into pieces (the only place the splitter changes the text: it adds newlines)."""
    items: list[_Item] = []
    state: _State = ()
    # Split on "\n" only (str.splitlines would also cut at \r, \x0c, \u2028 … which Markdown does not).
    for line in re.findall(r"[^\n]*\n|[^\n]+", text):
        after = _step(state, line.rstrip("\n"))
        room = budget - len(_openers(state)) - len(_closers(after))
        if len(line) > room:
            if after != state:
                raise ValueError(f"a line opening or closing a block is longer than a part "
                                 f"({len(line)} chars): {line[:80]!r}")
            if room < 2:
                raise ValueError(f"max_chars is too small to hold the blocks open at {line[:80]!r}")
            body, width = line.rstrip("\n"), room - 1
            items.extend(_Item(body[i:i + width] + "\n", state, state) for i in range(0, len(body), width))
        else:
            items.append(_Item(line, state, after))
        state = after
    return items


# Where a part may end, best first: before a heading (a whole section moves to the next part),
# after a blank line, after any line. All three only where no fence or details block is open.
_TIERS = ("heading", "blank", "line")


def _ends_cleanly(items: list[_Item], i: int, tier: str) -> bool:
    """Whether a part can end after items[i] at the given tier."""
    item = items[i]
    if item.after:
        return False
    if tier == "heading":
        return i + 1 == len(items) or items[i + 1].line.startswith("#")
    return tier == "line" or not item.line.strip()


def _run_sizes(items: list[_Item], tier: str) -> list[int]:
    """For each index, the size from it to the next boundary of ``tier`` where a part could end."""
    sizes = [0] * (len(items) + 1)
    for i in range(len(items) - 1, -1, -1):
        sizes[i] = len(items[i].line) + (0 if _ends_cleanly(items, i, tier) else sizes[i + 1])
    return sizes


def _cut_point(items: list[_Item], start: int, stop: int, budget: int, runs: dict[str, list[int]]) -> int:
    """Where to end the part holding items[start:stop] (items[stop] does not fit): the last clean
    boundary of the best tier whose following run fits in a fresh part, else ``stop`` (cutting
    inside blocks). A section is only cut when it alone is larger than a part."""
    for tier in _TIERS:
        for k in range(stop, start, -1):
            if _ends_cleanly(items, k - 1, tier):
                if k == stop or runs[tier][k] <= budget:
                    return k
                break  # an earlier boundary only carries more into the next part
    return stop


def split_markdown(text: str, max_chars: int = DEFAULT_MAX_CHARS, *, title: str | None = None) -> list[str]:
    """Split ``text`` into parts of at most ``max_chars`` characters each, fences and details intact.

    Text that fits is returned unchanged as one part; otherwise every part starts with a
    "(part i/n)" label (prefixed by ``title`` when given). Raises ``ValueError`` when ``max_chars``
    is too small to hold the label and the open constructs, or when a line that opens or closes a
    fence/details block is itself longer than a part.
    """
    if len(text) <= max_chars:
        return [text]
    reserve = len(_label(title, 10**_LABEL_DIGITS - 1, 10**_LABEL_DIGITS - 1))
    budget = max_chars - reserve
    if budget < MIN_MAX_CHARS:
        raise ValueError(f"max_chars={max_chars} is too small to split Markdown (need at least "
                         f"{MIN_MAX_CHARS + reserve})")
    items = _items(text, budget)
    runs = {tier: _run_sizes(items, tier) for tier in _TIERS}
    done: list[str] = []
    start, size = 0, 0  # the current part holds items[start:i]; size includes its reopened prefix
    prefix = ""
    i = 0
    while i < len(items):
        item = items[i]
        if size + len(item.line) + len(_closers(item.after)) <= budget:
            size += len(item.line)
            i += 1
            continue
        cut = _cut_point(items, start, i, budget, runs)
        carried = items[cut].before  # open at the cut: closed here, reopened in the next part
        done.append(prefix + "".join(x.line for x in items[start:cut]) + _closers(carried))
        prefix = _openers(carried)
        start, i = cut, cut
        size = len(prefix)
    done.append(prefix + "".join(x.line for x in items[start:]))
    total = len(done)
    return [_label(title, n, total) + body for n, body in enumerate(done, start=1)]
