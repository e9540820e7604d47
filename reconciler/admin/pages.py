"""Page through Admin list calls with decimal-offset tokens and the largest sensible page.

Admin returns the next token only when a page is full, and in one quirk (ListProjects with
``limit=0``) a non-empty token with an empty page: stop on an empty token *or* an empty page.
Callers send a ``sort_by`` wherever the call supports one, since without it offsets are unstable
(§7.3). A token that does not advance ends the walk instead of looping forever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

PAGE_SIZE = 1000  # no server maximum (§7.4); large pages mean few round trips


def paginate(client: Any, method: str, make_request: Callable[[str], Any], items: str, *, target: str = ""
             ) -> Iterator[Any]:
    """Yield every item of ``response.<items>`` over all pages of ``client.call(method, …)``."""
    token = ""
    seen = {token}
    while True:
        response = client.call(method, make_request(token), target=target)
        page = list(getattr(response, items))
        yield from page
        token = response.token
        if not token or not page or token in seen:
            return
        seen.add(token)
