"""The SQL text of a page of a kept query, without rendering the whole tree again.

A page's response shows its own SQL: the unpaged query with LIMIT/OFFSET (FETCH on Oracle).
Rendering that tree was the largest CPU cost left in a cached page once compiles were kept
(backend.services.prepared). The pages of one unpaged tree differ only in two numbers, so
the tree is rendered once with two marker numbers in their place, and each page's text is
that template with the markers replaced. A template whose markers do not appear exactly
once each (a filter value equal to one) is not used: the caller renders the page itself.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable

from sqlglot import exp

from backend.services.sizes import ENTRY_BYTES

# Numbers no page reaches (MAX_ROW_LIMIT is far below): they stand for the offset and size.
_OFFSET, _SIZE = "987654321987", "876543219876"
_TEMPLATES_MAX = 1024


class PagedSql:
    """Page texts of unpaged trees by template, one template pair per tree (LRU-bounded);
    thread-safe. `render` is the adapter's renderer.

    >>> from sqlglot import parse_one
    >>> from backend.query.render import render
    >>> from backend.services.blocks import row_window
    >>> pages = PagedSql(lambda t: render(t, "oracle"))
    >>> tree = parse_one("SELECT a FROM t ORDER BY a")
    >>> pages.sql(tree, 2000, 50) == render(row_window(tree, 2000, 50), "oracle")
    True
    >>> pages.sql(tree, 0, 50)
    'SELECT "A" FROM "T" ORDER BY "A" NULLS FIRST FETCH FIRST 50 ROWS ONLY'
    >>> pages.sql(parse_one("SELECT a FROM t WHERE a = 987654321987"), 10, 5) is None
    True
    """

    def __init__(self, render: Callable[[exp.Select], str], max_bytes: int = 4 * 2**20) -> None:
        self._render = render
        # (tree id, with an offset) -> the tree, weakly (a dead tree's id may be reused: the
        # reference tells; holding it would keep trees the compile cache let go), its template
        self._templates: OrderedDict[
            tuple[int, bool], tuple[weakref.ref[exp.Select], str | None]
        ] = OrderedDict()
        self._lock = threading.Lock()
        self.max_bytes, self.bytes = max_bytes, 0  # template texts

    def __len__(self) -> int:
        return len(self._templates)

    def sql(self, unpaged: exp.Select, offset: int, size: int) -> str | None:
        """The text of `row_window(unpaged, offset, size)`, or None (render it yourself).
        Each template is rendered on first use: a tree used once costs one render, as
        rendering its page would."""
        key = (id(unpaged), offset > 0)
        with self._lock:
            found = self._templates.get(key)
            if found is not None and found[0]() is unpaged:
                self._templates.move_to_end(key)
        if found is None or found[0]() is not unpaged:
            found = (weakref.ref(unpaged), self._template(unpaged, offset > 0))
            self._keep(key, found)
        template = found[1]
        if template is None:
            return None
        return template.replace(_SIZE, str(size)).replace(_OFFSET, str(offset))

    def _keep(
        self, key: tuple[int, bool], found: tuple[weakref.ref[exp.Select], str | None]
    ) -> None:
        with self._lock:
            old = self._templates.pop(key, None)
            self.bytes -= _text_bytes(old[1]) if old is not None else 0
            self._templates[key] = found
            self.bytes += _text_bytes(found[1])
            while len(self._templates) > _TEMPLATES_MAX or (
                self.bytes > self.max_bytes and len(self._templates) > 1
            ):
                self.bytes -= _text_bytes(self._templates.popitem(last=False)[1][1])

    def _template(self, unpaged: exp.Select, offset: bool) -> str | None:
        text = self._render(_shell(unpaged, offset))
        if text.count(_SIZE) != 1 or text.count(_OFFSET) != (1 if offset else 0):
            return None
        return text


def _text_bytes(text: str | None) -> int:
    return ENTRY_BYTES + (len(text) if text is not None else 0)


def _shell(unpaged: exp.Select, offset: bool) -> exp.Select:
    """`unpaged` with the marker LIMIT (and OFFSET) for rendering only: a new top node over
    the same children, not a copy of them. Rendering copies the tree it is given anyway, so
    `unpaged.limit(...)` (a deep copy) made a template cost two; the children are put in
    without taking them over (their parent stays `unpaged`, which is shared and never
    edited) and nothing but the renderer ever sees this node."""
    shell = exp.Select()
    shell.args.update((k, v) for k, v in unpaged.args.items() if k not in ("limit", "offset"))
    shell.set("limit", exp.Limit(expression=exp.Literal.number(_SIZE)))
    if offset:
        shell.set("offset", exp.Offset(expression=exp.Literal.number(_OFFSET)))
    return shell
