"""Page through list calls with decimal-offset tokens and the largest sensible page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

PAGE_SIZE = 1000


def paginate(client: Any, method: str, make_request: Callable[[str], Any], items: str, *, target: str = ""
             ) -> Iterator[Any]:
    """Yield every item; stop on an empty token *or* an empty page (Admin can return a token with none)."""
    token = ""
    while True:
        response = client.call(method, make_request(token), target=target)
        page = list(getattr(response, items))
        yield from page
        token = response.token
        if not token or not page:
            return
