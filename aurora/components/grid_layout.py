"""`react-grid-layout` wrapped as a Reflex component: the dashboard's 12-column grid, with
tiles dragged by their header and resized by their corner in edit mode.

The grid measures its own width (`WidthProvider`), so it is declared in custom code and
imported from there; children are matched to `layout` items by their `key` (the tile id).
The library's CSS (placeholder, resize handle) is imported alongside.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.constants.compiler import MemoizationMode

RGL_VERSION = "1.5.2"
ROW_HEIGHT = 40
MARGIN = 8


def _layout_spec(layout: rx.Var) -> tuple[rx.Var[list[dict[str, Any]]]]:
    """The grid's layout as plain JSON: only what the dashboard keeps of each item."""
    plain = f"{layout}.map(l => ({{i: l.i, x: l.x, y: l.y, w: l.w, h: l.h}}))"
    return (rx.Var(plain).to(list[dict[str, Any]]),)


class GridLayout(rx.Component):
    """`WidthProvider(ReactGridLayout)`; `layout` items are `{i, x, y, w, h}`."""

    library = None  # declared in custom code (a wrapped default export)
    tag = "AuroraGridLayout"
    lib_dependencies: list[str] = [f"react-grid-layout@{RGL_VERSION}"]
    # The grid matches its children to layout items by `key`: Reflex must not wrap the
    # tiles' foreach in a memoized component of its own (that child would have no key).
    _memoization_mode = MemoizationMode(recursive=False)

    layout: rx.Var[list[dict[str, Any]]]
    cols: rx.Var[int]
    row_height: rx.Var[int]
    margin: rx.Var[list[int]]
    is_draggable: rx.Var[bool]
    is_resizable: rx.Var[bool]
    compact_type: rx.Var[str]
    draggable_handle: rx.Var[str]
    draggable_cancel: rx.Var[str]
    measure_before_mount: rx.Var[bool]
    use_css_transforms: rx.Var[bool]

    on_layout_change: rx.EventHandler[_layout_spec]

    def add_imports(self) -> dict[str, list[rx.ImportVar]]:
        return {
            "react-grid-layout": [
                rx.ImportVar(tag="ReactGridLayoutBase", is_default=True),
                rx.ImportVar(tag="WidthProvider"),
            ],
            "": [
                rx.ImportVar(tag="react-grid-layout/css/styles.css"),
                rx.ImportVar(tag="react-resizable/css/styles.css"),
            ],
        }

    def add_custom_code(self) -> list[str]:
        return ["const AuroraGridLayout = WidthProvider(ReactGridLayoutBase);"]


def grid_layout(*children: Any, **props: Any) -> rx.Component:
    defaults: dict[str, Any] = {
        "cols": 12,
        "row_height": ROW_HEIGHT,
        "margin": [MARGIN, MARGIN],
        "compact_type": "vertical",
        "draggable_handle": ".tile-drag",
        "draggable_cancel": ".tile-nodrag",
        "measure_before_mount": False,
        "use_css_transforms": False,
    }
    return GridLayout.create(*children, **{**defaults, **props})
