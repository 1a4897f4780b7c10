"""The design system: palette, spacing and the few styled primitives every page uses.

Dense and calm, like a spreadsheet: navy chrome, slate surfaces, one bright blue for actions.
Every style lives here so pages only lay things out.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

NAVY = "#0f1f3d"
NAVY_2 = "#1a2d52"
SLATE_50 = "#f8fafc"
SLATE_100 = "#f1f5f9"
SLATE_200 = "#e2e8f0"
SLATE_300 = "#cbd5e1"
SLATE_400 = "#94a3b8"
SLATE_500 = "#64748b"
SLATE_700 = "#334155"
SLATE_900 = "#0f172a"
BLUE = "#2563eb"
BLUE_DARK = "#1d4ed8"
BLUE_50 = "#eff6ff"
RED = "#b91c1c"
RED_50 = "#fef2f2"
AMBER_50 = "#fffbeb"
AMBER_700 = "#b45309"

# A chart's series and pie slices, in this order (12: aurora.chart_data.MAX_SERIES).
CHART_COLOURS = (
    "#2563eb",
    "#f59e0b",
    "#10b981",
    "#ef4444",
    "#8b5cf6",
    "#0ea5e9",
    "#ec4899",
    "#84cc16",
    "#64748b",
    "#14b8a6",
    "#f97316",
    "#6366f1",
)

FONT = "Inter, 'Segoe UI', system-ui, -apple-system, sans-serif"
FONT_SIZE = "13px"
RADIUS_PILL = "999px"

APP_THEME = rx.theme(accent_color="blue", gray_color="slate", radius="medium", scaling="90%")

GLOBAL_STYLE: dict[str, Any] = {
    "font_family": FONT,
    "font_size": FONT_SIZE,
    "color": SLATE_900,
    "background": SLATE_100,
}

# A modal never outgrows the window: the body scrolls inside it and no child may force
# it wider (min-width: 0 on flex children lets long values wrap instead of bleeding).
MODAL_CONTENT: dict[str, Any] = {
    "max_height": "90vh",
    "width": "min(960px, 94vw)",
    "max_width": "94vw",
    "display": "flex",
    "flex_direction": "column",
    "padding": "0",
    "overflow": "hidden",
}
MODAL_BODY: dict[str, Any] = {
    "flex": "1 1 auto",
    "min_height": "0",
    "min_width": "0",
    "overflow_y": "auto",
    "overflow_x": "hidden",
    "padding": "12px 16px",
}
MODAL_HEADER: dict[str, Any] = {
    "padding": "10px 16px",
    "border_bottom": f"1px solid {SLATE_200}",
    "background": SLATE_50,
    "align_items": "center",
    "gap": "8px",
    "min_width": "0",
}
MODAL_FOOTER: dict[str, Any] = {
    "padding": "10px 16px",
    "border_top": f"1px solid {SLATE_200}",
    "background": SLATE_50,
    "justify_content": "flex-end",
    "gap": "8px",
    "flex_wrap": "wrap",
}

PILL_INPUT: dict[str, Any] = {
    "border": f"1px solid {SLATE_300}",
    "border_radius": RADIUS_PILL,
    "padding": "3px 10px",
    "height": "28px",
    "font_size": FONT_SIZE,
    "background": "white",
    "outline": "none",
    "min_width": "0",
    "_focus": {"border_color": BLUE, "box_shadow": f"0 0 0 2px {BLUE_50}"},
}
PILL_SELECT: dict[str, Any] = {**PILL_INPUT, "padding": "3px 8px", "cursor": "pointer"}
TEXTAREA: dict[str, Any] = {
    **PILL_INPUT,
    "border_radius": "8px",
    "height": "auto",
    "min_height": "56px",
    "width": "100%",
    "resize": "vertical",
    "font_family": "ui-monospace, monospace",
}

_BUTTON_BASE: dict[str, Any] = {
    "display": "inline-flex",
    "align_items": "center",
    "gap": "5px",
    "height": "28px",
    "padding": "0 11px",
    "border_radius": RADIUS_PILL,
    "font_size": FONT_SIZE,
    "font_weight": "500",
    "cursor": "pointer",
    "white_space": "nowrap",
    "flex_shrink": "0",
    "_disabled": {"opacity": "0.45", "cursor": "not-allowed"},
}
BUTTON_PRIMARY: dict[str, Any] = {
    **_BUTTON_BASE,
    "background": BLUE,
    "color": "white",
    "border": f"1px solid {BLUE}",
    "_hover": {"background": BLUE_DARK},
}
BUTTON_SECONDARY: dict[str, Any] = {
    **_BUTTON_BASE,
    "background": "white",
    "color": SLATE_700,
    "border": f"1px solid {SLATE_300}",
    "_hover": {"background": SLATE_50, "border_color": SLATE_400},
}
BUTTON_GHOST: dict[str, Any] = {
    **_BUTTON_BASE,
    "background": "transparent",
    "color": SLATE_700,
    "border": "1px solid transparent",
    "padding": "0 6px",
    "_hover": {"background": SLATE_200},
}
BUTTON_DANGER: dict[str, Any] = {**BUTTON_GHOST, "color": RED}

PILL: dict[str, Any] = {
    "display": "inline-flex",
    "align_items": "center",
    "gap": "4px",
    "max_width": "360px",
    "min_width": "0",
    "padding": "1px 4px 1px 10px",
    "border_radius": RADIUS_PILL,
    "background": BLUE_50,
    "border": "1px solid #bfdbfe",
    "color": BLUE_DARK,
    "font_size": "12px",
}
PILL_TEXT: dict[str, Any] = {
    "overflow": "hidden",
    "text_overflow": "ellipsis",
    "white_space": "nowrap",
    "min_width": "0",
}

TOPBAR: dict[str, Any] = {
    "background": NAVY,
    "color": "white",
    "height": "44px",
    "padding": "0 14px",
    "align_items": "center",
    "gap": "12px",
    "flex_shrink": "0",
    "width": "100%",
}
SIDEBAR: dict[str, Any] = {
    "width": "220px",
    "flex_shrink": "0",
    "background": "white",
    "border_right": f"1px solid {SLATE_200}",
    "display": "flex",
    "flex_direction": "column",
    "min_height": "0",
}
TOOLBAR: dict[str, Any] = {
    "padding": "6px 10px",
    "gap": "5px",
    "align_items": "center",
    "flex_wrap": "wrap",
    "background": "white",
    "border_bottom": f"1px solid {SLATE_200}",
    "width": "100%",
    "min_width": "0",
}
NAV_LINK: dict[str, Any] = {
    "display": "inline-flex",
    "align_items": "center",
    "gap": "5px",
    "height": "30px",
    "padding": "0 10px",
    "border_radius": "6px",
    "color": SLATE_300,
    "background": "transparent",
    "font_size": FONT_SIZE,
    "font_weight": "500",
    "white_space": "nowrap",
    "text_decoration": "none",
    "_hover": {"background": NAVY_2, "color": "white", "text_decoration": "none"},
}
NAV_LINK_ACTIVE: dict[str, Any] = {"background": NAVY_2, "color": "white"}

PAGE: dict[str, Any] = {
    "height": "100vh",
    "display": "flex",
    "flex_direction": "column",
    "overflow": "hidden",
    "background": SLATE_100,
}
PAGE_BODY: dict[str, Any] = {
    "flex": "1 1 auto",
    "min_height": "0",
    "min_width": "0",
    "overflow_y": "auto",
    "overflow_x": "hidden",
    "padding": "14px 18px",
    "display": "flex",
    "flex_direction": "column",
    "gap": "12px",
}
CARD: dict[str, Any] = {
    "background": "white",
    "border": f"1px solid {SLATE_200}",
    "border_radius": "10px",
    "padding": "12px 14px",
    "min_width": "0",
}
H1: dict[str, Any] = {"font_size": "17px", "font_weight": "650", "color": NAVY, "margin": "0"}
H2: dict[str, Any] = {"font_size": "14px", "font_weight": "650", "color": SLATE_900, "margin": "0"}

# Plain HTML tables for lists (reports, schedules, users, audit): dense, sticky header.
TABLE: dict[str, Any] = {
    "width": "100%",
    "border_collapse": "collapse",
    "table_layout": "auto",
    "font_size": "12.5px",
}
TH: dict[str, Any] = {
    "text_align": "left",
    "font_weight": "600",
    "color": SLATE_700,
    "background": SLATE_100,
    "border_bottom": f"1px solid {SLATE_200}",
    "padding": "6px 8px",
    "position": "sticky",
    "top": "0",
    "white_space": "nowrap",
    "z_index": "1",
}
TD: dict[str, Any] = {
    "padding": "5px 8px",
    "border_bottom": f"1px solid {SLATE_100}",
    "vertical_align": "middle",
    "overflow_wrap": "anywhere",
    "max_width": "420px",
}
TD_NUM: dict[str, Any] = {**TD, "text_align": "right", "font_variant_numeric": "tabular-nums"}
TABLE_WRAP: dict[str, Any] = {
    "overflow": "auto",
    "min_width": "0",
    "max_width": "100%",
    "border": f"1px solid {SLATE_200}",
    "border_radius": "8px",
    "background": "white",
}
BADGE: dict[str, Any] = {
    "display": "inline-block",
    "padding": "1px 8px",
    "border_radius": RADIUS_PILL,
    "font_size": "11px",
    "font_weight": "600",
    "background": SLATE_100,
    "color": SLATE_700,
    "border": f"1px solid {SLATE_200}",
    "white_space": "nowrap",
}
BADGE_BLUE: dict[str, Any] = {
    **BADGE,
    "background": BLUE_50,
    "color": BLUE_DARK,
    "border": "1px solid #bfdbfe",
}
BADGE_GREEN: dict[str, Any] = {
    **BADGE,
    "background": "#ecfdf5",
    "color": "#047857",
    "border": "1px solid #a7f3d0",
}
BADGE_RED: dict[str, Any] = {
    **BADGE,
    "background": RED_50,
    "color": RED,
    "border": "1px solid #fecaca",
}

NOTICE: dict[str, Any] = {
    "padding": "8px 12px",
    "border_radius": "8px",
    "background": AMBER_50,
    "border": "1px solid #fde68a",
    "color": AMBER_700,
    "overflow_wrap": "anywhere",
    "min_width": "0",
}
SUCCESS: dict[str, Any] = {
    "padding": "8px 12px",
    "border_radius": "8px",
    "background": "#ecfdf5",
    "border": "1px solid #a7f3d0",
    "color": "#047857",
    "overflow_wrap": "anywhere",
    "min_width": "0",
}


def row(gap: str = "6px", *, wrap: bool = False, align: str = "center") -> dict[str, Any]:
    """A flex row: children side by side, `gap` apart (forms.row draws one)."""
    style: dict[str, Any] = {"display": "flex", "gap": gap}
    if align:
        style["align_items"] = align
    if wrap:
        style["flex_wrap"] = "wrap"
    return style


def column(gap: str = "6px") -> dict[str, Any]:
    """A flex column: children one under another, `gap` apart."""
    return {"display": "flex", "flex_direction": "column", "gap": gap}


CARD_COLUMN: dict[str, Any] = {**CARD, "display": "flex", "flex_direction": "column"}
CHECKBOX: dict[str, Any] = {"accent_color": BLUE}
# A long label (a user name, a column) wraps inside its box rather than pushing it wider.
CHECKBOX_LABEL: dict[str, Any] = {
    **row(),
    "display": "inline-flex",
    "cursor": "pointer",
    "max_width": "100%",
    "min_width": "0",
    "overflow_wrap": "anywhere",
}
# A scrolling list of ticks (recipients): as many per line as fit, the rest on the next.
CHOICE_LIST: dict[str, Any] = {
    "max_height": "120px",
    "overflow_y": "auto",
    **row("12px", wrap=True),
}
DROP_ZONE: dict[str, Any] = {
    "border": f"1px dashed {SLATE_300}",
    "border_radius": "8px",
    "padding": "14px",
    "background": SLATE_50,
    "cursor": "pointer",
}
PROGRESS_TRACK: dict[str, Any] = {
    "height": "8px",
    "width": "200px",
    "background": SLATE_200,
    "border_radius": RADIUS_PILL,
    "overflow": "hidden",
}
PROGRESS_BAR: dict[str, Any] = {"height": "100%", "background": BLUE, "border_radius": RADIUS_PILL}
TD_NOWRAP: dict[str, Any] = {**TD, "white_space": "nowrap"}
MONO: dict[str, Any] = {"font_family": "ui-monospace, monospace"}
TD_CODE: dict[str, Any] = {**TD, **MONO, "font_size": "11px", "color": SLATE_500}
SECRET: dict[str, Any] = {"font_size": "13px", "user_select": "all", "overflow_wrap": "anywhere"}
LIST_COMPACT: dict[str, Any] = {"margin": "2px 0 0 18px", "padding": "0"}
TD_RIGHT: dict[str, Any] = {**TD, "text_align": "right"}
TD_EMPTY: dict[str, Any] = {**TD, "color": SLATE_500}

FORM_ROW: dict[str, Any] = {
    "display": "flex",
    "flex_wrap": "wrap",
    "gap": "8px",
    "align_items": "flex-end",
    "min_width": "0",
}
FIELD: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "3px",
    "min_width": "0",
}

# Long text in a list cell: two lines, then an ellipsis (the full text is in `title`).
CLAMP_2: dict[str, Any] = {
    "display": "-webkit-box",
    "-webkit-line-clamp": "2",
    "-webkit-box-orient": "vertical",
    "overflow": "hidden",
}

LABEL: dict[str, Any] = {"font_size": "11px", "color": SLATE_500, "font_weight": "600"}
MUTED: dict[str, Any] = {"color": SLATE_500, "font_size": "12px"}

BANNER: dict[str, Any] = {
    "display": "flex",
    "gap": "8px",
    "align_items": "flex-start",
    "padding": "8px 12px",
    "margin": "6px 10px 0 10px",
    "border_radius": "8px",
    "background": RED_50,
    "border": "1px solid #fecaca",
    "color": RED,
    "min_width": "0",
    "overflow_wrap": "anywhere",
}
BANNER_INLINE: dict[str, Any] = {**BANNER, "margin": "6px 0 0 0", "display": "block"}
FIELD_ERROR: dict[str, Any] = {
    "color": RED,
    "font_size": "12px",
    "overflow_wrap": "anywhere",
    "min_width": "0",
}

# The pages' and components' own styles, named for what they lay out (they were inline
# dicts; the CSS is the same, key for key and in the same order).
PILL_SELECT_FULL: dict[str, Any] = {**PILL_SELECT, "width": "100%"}
PIVOT_CORNER: dict[str, Any] = {**TH, "position": "sticky", "left": "0", "z_index": "2"}
FIELD_TIGHT: dict[str, Any] = {**FIELD, "gap": "5px"}
FIELD_SPACED: dict[str, Any] = {**FIELD, "gap": "6px"}
PIVOT_SIDEBAR: dict[str, Any] = {
    **SIDEBAR,
    "width": "260px",
    "padding": "12px",
    "gap": "16px",
    "overflow_y": "auto",
    "overflow_x": "hidden",
}
PIVOT_CELL: dict[str, Any] = {
    **TD_NUM,
    "cursor": "pointer",
    "white_space": "nowrap",
    "_hover": {"background": BLUE_50},
}
TABLE_WRAP_FILL: dict[str, Any] = {**TABLE_WRAP, "flex": "1 1 auto", "min_height": "0"}
PIVOT_MAIN: dict[str, Any] = {
    "flex": "1 1 auto",
    "display": "flex",
    "flex_direction": "column",
    "gap": "10px",
    "padding": "12px 14px",
    "min_width": "0",
    "min_height": "0",
}
BUTTON_GHOST_SMALL: dict[str, Any] = {**BUTTON_GHOST, "height": "20px", "padding": "0 3px"}
TABLE_FILL: dict[str, Any] = {"flex": "1 1 auto", "min_height": "200px"}
GRID_CONTAINER: dict[str, Any] = {"height": "100%", "width": "100%"}
PILL_WRAP: dict[str, Any] = {"display": "flex", "flex_wrap": "wrap", "gap": "4px", "min_width": "0"}
ROW_TIGHT: dict[str, Any] = {
    "display": "flex",
    "gap": "4px",
    "align_items": "center",
    "min_width": "0",
}
FILL_ROW: dict[str, Any] = {
    "flex": "1 1 auto",
    "display": "flex",
    "min_height": "0",
    "min_width": "0",
}
PILL_SELECT_AGG: dict[str, Any] = {**PILL_SELECT, "width": "96px", "flex_shrink": "0"}
PILL_SELECT_FILL: dict[str, Any] = {**PILL_SELECT, "flex": "1 1 auto", "min_width": "0"}
LINK_BUTTON_PRIMARY: dict[str, Any] = {
    **BUTTON_PRIMARY,
    "text_decoration": "none",
    "align_self": "flex-start",
}
CARD_MUTED: dict[str, Any] = {**CARD, "color": SLATE_500}
TABLE_WRAP_TALL: dict[str, Any] = {**TABLE_WRAP, "max_height": "60vh"}
BUTTON_GHOST_TINY: dict[str, Any] = {**BUTTON_GHOST, "height": "20px", "padding": "0 2px"}
ICON_SPACER: dict[str, Any] = {"display": "inline-block", "width": "20px"}
CHART_SELECT: dict[str, Any] = {**PILL_SELECT, "max_width": "200px"}
WRAP_ROW: dict[str, Any] = {
    "display": "flex",
    "gap": "6px",
    "align_items": "center",
    "flex_wrap": "wrap",
    "min_width": "0",
}
KPI_TILE: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "4px",
    "padding": "18px 24px",
    "align_items": "flex-start",
}
KPI_VALUE: dict[str, Any] = {
    "font_size": "34px",
    "font_weight": "700",
    "color": NAVY,
    "font_variant_numeric": "tabular-nums",
}
CHART_PANEL: dict[str, Any] = {
    **CARD,
    "margin": "6px 10px 0 10px",
    "padding": "8px 10px",
    "flex_shrink": "0",
    "display": "flex",
    "flex_direction": "column",
    "gap": "6px",
    "& .recharts-bar-rectangle, & .recharts-pie-sector": {"cursor": "pointer"},
}
# The chart and its Insights panel side by side (the panel beside the chart, where the
# reader compares them); below about 880 px of room the row wraps, the panel under the chart.
CHART_ROW: dict[str, Any] = {
    "display": "flex",
    "flex_wrap": "wrap",
    "align_items": "stretch",
    "gap": "10px",
    "margin": "6px 10px 0 10px",
    "flex_shrink": "0",
}
CHART_BESIDE: dict[str, Any] = {**CHART_PANEL, "margin": "0", "flex": "1 1 520px"}
INSIGHTS_BESIDE: dict[str, Any] = {
    **CARD,
    "display": "flex",
    "flex_direction": "column",
    "gap": "6px",
    "padding": "8px 10px",
    "flex": "0 1 340px",
    "min_width": "260px",
}
LIMIT_INPUT: dict[str, Any] = {**PILL_INPUT, "width": "70px"}
FULL_WIDTH: dict[str, Any] = {"width": "100%", "min_width": "0"}
EXPLORE_MAIN: dict[str, Any] = {
    "flex": "1 1 auto",
    "display": "flex",
    "flex_direction": "column",
    "min_width": "0",
    "min_height": "0",
}
GRID_AREA: dict[str, Any] = {
    "flex": "1 1 auto",
    "min_height": "0",
    "display": "flex",
    "padding": "6px 10px 0 10px",
    "min_width": "0",
}

PIVOT_CORNER_LOW: dict[str, Any] = {**PIVOT_CORNER, "top": "29px"}


# The pivot table's styles that follow its data: total rows and columns stand out, and a
# row's label is indented by its level.
def pivot_header(total: Any, top: Any) -> dict[str, Any]:
    """A column header cell: `top` is the upper of the two header rows."""
    return {
        **TH,
        "text_align": "right",
        "background": rx.cond(total, SLATE_200, SLATE_100),
        "top": rx.cond(top, "0", "29px"),
    }


def pivot_row_head(total: Any) -> dict[str, Any]:
    """A row's header cell, sticky at the left edge."""
    return {
        **TD,
        "font_weight": rx.cond(total, "700", "500"),
        "white_space": "nowrap",
        "position": "sticky",
        "left": "0",
        "background": rx.cond(total, SLATE_100, "white"),
    }


def pivot_row_label(level: Any) -> dict[str, Any]:
    return {
        "display": "flex",
        "align_items": "center",
        "gap": "2px",
        "padding_left": (level * 16).to_string() + "px",
    }


def pivot_row(total: Any) -> dict[str, Any]:
    return {"font_weight": rx.cond(total, "700", "400")}


NO_SHRINK: dict[str, Any] = {"flex_shrink": "0"}
COLUMN_TIGHT: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "2px",
    "min_width": "0",
}
CARD_COMPACT: dict[str, Any] = {**CARD, "padding": "8px 10px"}
BADGE_TRUNCATE: dict[str, Any] = {
    **BADGE,
    "font_weight": "400",
    "max_width": "260px",
    "overflow": "hidden",
    "text_overflow": "ellipsis",
}
TABLE_WRAP_SHORT: dict[str, Any] = {**TABLE_WRAP, "max_height": "260px"}
JOIN_SECTION: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "8px",
    "min_width": "0",
    "margin_top": "12px",
}
JOIN_DATASET_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "220px"}
INLINE_ROW: dict[str, Any] = {
    "display": "flex",
    "gap": "6px",
    "align_items": "center",
    "min_width": "0",
}
INLINE_ROW_WIDE: dict[str, Any] = {
    "display": "flex",
    "gap": "10px",
    "align_items": "center",
    "min_width": "0",
}
JOIN_KEYS: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "4px",
    "margin": "6px 0 0 58px",
    "min_width": "0",
    "align_items": "flex-start",
}
BOLD: dict[str, Any] = {"font_weight": "600"}
TEXT_MUTED: dict[str, Any] = {"color": SLATE_500}
JOIN_KEY_SELECT: dict[str, Any] = {**PILL_SELECT, "flex": "1 1 200px", "min_width": "120px"}
JOIN_EQUALS: dict[str, Any] = {"color": SLATE_500, "font_weight": "600"}
FLEX_FILL: dict[str, Any] = {"flex": "1 1 auto", "min_width": "0"}
JOIN_LIST: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "8px",
    "margin_top": "8px",
    "min_width": "0",
    "align_items": "stretch",
}
JOIN_TYPE_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "120px"}
QUICK_SEARCH: dict[str, Any] = {
    **PILL_INPUT,
    "display": "flex",
    "align_items": "center",
    "gap": "6px",
    "width": "140px",
    "color": SLATE_500,
}
COLUMN_PICK_ROW: dict[str, Any] = {"display": "flex", "align_items": "center", "min_width": "0"}
COLUMN_PICK_LABEL: dict[str, Any] = {
    "display": "flex",
    "gap": "6px",
    "align_items": "center",
    "padding": "2px 4px",
    "cursor": "pointer",
    "min_width": "0",
}
COLUMN_PICKER: dict[str, Any] = {"width": "260px", "padding": "10px"}
VINTAGE_PICKER: dict[str, Any] = {
    "display": "flex",
    "gap": "6px",
    "align_items": "center",
    "color": SLATE_500,
    "min_width": "0",
}
QUICK_SEARCH_INPUT: dict[str, Any] = {
    "border": "none",
    "outline": "none",
    "background": "transparent",
    "width": "100%",
    "min_width": "0",
    "font_size": FONT_SIZE,
}
COLUMN_SEARCH: dict[str, Any] = {**PILL_INPUT, "width": "100%", "margin_top": "4px"}
COLUMN_PICK_BUTTONS: dict[str, Any] = {"display": "flex", "gap": "4px", "margin_top": "4px"}
COLUMN_PICK_LIST: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "max_height": "60vh",
    "overflow_y": "auto",
    "min_width": "0",
    "margin_top": "4px",
}
FLEX: dict[str, Any] = {"display": "flex"}
VINTAGE_TYPE_SELECT: dict[str, Any] = {**PILL_SELECT, "max_width": "120px"}
VINTAGE_ID_SELECT: dict[str, Any] = {**PILL_SELECT, "max_width": "196px"}
STATUS_BAR: dict[str, Any] = {
    **TOOLBAR,
    "border_bottom": "none",
    "border_top": f"1px solid {SLATE_200}",
    "flex_wrap": "nowrap",
}
EMPTY_PANEL: dict[str, Any] = {
    "flex": "1",
    "display": "flex",
    "flex_direction": "column",
    "gap": "6px",
    "align_items": "center",
    "justify_content": "center",
    "color": SLATE_500,
    "background": "white",
    "margin": "10px",
    "border_radius": "10px",
    "border": f"1px dashed {SLATE_300}",
}
PILL_CLEAR_BUTTON: dict[str, Any] = {
    **BUTTON_GHOST,
    "height": "20px",
    "padding": "0 3px",
    "color": BLUE_DARK,
}
ROW_RANGE: dict[str, Any] = {"font_variant_numeric": "tabular-nums", "color": SLATE_700}
EMPTY_PANEL_TITLE: dict[str, Any] = {"font_size": "15px", "font_weight": "600"}
NOTICE_BAR: dict[str, Any] = {**NOTICE, "margin": "6px 10px 0 10px"}
TEXT_BODY: dict[str, Any] = {"color": SLATE_700}
MEDIUM: dict[str, Any] = {"font_weight": "500"}
NAV: dict[str, Any] = {"display": "flex", "gap": "2px", "align_items": "center", "min_width": "0"}
DATASET_OPTION_LABEL: dict[str, Any] = {"font_weight": "600", "font_size": "13px"}
DATASET_SEARCH: dict[str, Any] = {
    "padding": "10px",
    "display": "flex",
    "flex_direction": "column",
    "gap": "6px",
}
DATASET_LIST: dict[str, Any] = {
    "padding": "0 6px 10px 6px",
    "overflow_y": "auto",
    "flex": "1 1 auto",
    "min_height": "0",
    "display": "flex",
    "flex_direction": "column",
    "gap": "2px",
}
BUTTON_ON_NAVY: dict[str, Any] = {
    **BUTTON_GHOST,
    "color": "white",
    "_hover": {"background": NAVY_2},
}
CURRENT_TITLE: dict[str, Any] = {
    "color": SLATE_300,
    "overflow": "hidden",
    "white_space": "nowrap",
    "text_overflow": "ellipsis",
    "min_width": "0",
}
DATASET_OPTION_NOTE: dict[str, Any] = {**MUTED, "line_height": "1.3"}
PILL_INPUT_FULL: dict[str, Any] = {**PILL_INPUT, "width": "100%"}
FILTER_RANGE: dict[str, Any] = {
    "display": "flex",
    "gap": "6px",
    "align_items": "center",
    "flex": "1 1 260px",
    "min_width": "0",
}
FILTER_VALUES: dict[str, Any] = {"flex": "1 1 260px", "min_width": "0"}
FILTER_VALUE_INPUT: dict[str, Any] = {**PILL_INPUT, "flex": "1 1 140px", "width": "100%"}
FILTER_ROW: dict[str, Any] = {
    "display": "flex",
    "flex_wrap": "wrap",
    "gap": "6px",
    "align_items": "flex-start",
    "min_width": "0",
}
FILTER_GROUP_OP_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "126px"}
FILTER_NOT: dict[str, Any] = {
    "display": "flex",
    "gap": "4px",
    "align_items": "center",
    "font_size": "12px",
    "color": SLATE_700,
}
FILTER_COLUMN_SELECT: dict[str, Any] = {**PILL_SELECT, "flex": "0 1 190px", "min_width": "110px"}
FILTER_OP_SELECT: dict[str, Any] = {**PILL_SELECT, "flex": "0 0 auto", "width": "124px"}
MIN_WIDTH_0: dict[str, Any] = {"min_width": "0"}
SPACER_10: dict[str, Any] = {"height": "10px"}
REPORT_OPTIONS: dict[str, Any] = {
    "display": "flex",
    "gap": "18px",
    "margin_top": "10px",
    "flex_wrap": "wrap",
}
TEXTAREA_PROSE: dict[str, Any] = {**TEXTAREA, "font_family": FONT}
HIDDEN: dict[str, Any] = {"display": "none"}
NO_MARGIN: dict[str, Any] = {"margin": "0"}
GRID_FILL: dict[str, Any] = {
    "flex": "1 1 auto",
    "min_height": "0",
    "min_width": "0",
    "width": "100%",
}
PILL_TEXT_FILL: dict[str, Any] = {**PILL_TEXT, "flex": "1 1 auto"}
CALC_LIST: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "4px",
    "margin_bottom": "10px",
    "min_width": "0",
}
MUTED_HINT: dict[str, Any] = {**MUTED, "margin": "2px 0 8px 0"}
FIELD_ERROR_BELOW: dict[str, Any] = {**FIELD_ERROR, "margin_top": "6px"}
EXPORT_PROGRESS_TRACK: dict[str, Any] = {
    "height": "8px",
    "background": SLATE_200,
    "border_radius": "999px",
    "overflow": "hidden",
    "width": "100%",
}
EXPORT_FORMAT_SELECT: dict[str, Any] = {
    **PILL_SELECT,
    "width": "200px",
    "margin": "4px 0 10px 0",
    "display": "block",
}
PILL_INPUT_FILL: dict[str, Any] = {**PILL_INPUT, "flex": "1 1 auto"}
FIELD_ERROR_SPACED: dict[str, Any] = {**FIELD_ERROR, "margin_top": "8px"}
LINK_BUTTON: dict[str, Any] = {**BUTTON_PRIMARY, "text_decoration": "none"}
BUCKET_SELECT: dict[str, Any] = {
    **PILL_SELECT,
    "height": "22px",
    "padding": "0 4px",
    "width": "auto",
}
MEASURE_ROW: dict[str, Any] = {
    "display": "flex",
    "flex_wrap": "wrap",
    "gap": "6px",
    "align_items": "center",
    "padding": "4px 0",
    "min_width": "0",
}
MEASURE_MODE_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "110px"}
MEASURE_AGG_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "130px"}
MEASURE_COLUMN_SELECT: dict[str, Any] = {**PILL_SELECT, "flex": "1 1 180px", "min_width": "110px"}
MEASURE_ALIAS_INPUT: dict[str, Any] = {**PILL_INPUT, "flex": "1 1 140px"}
FIELD_ERROR_LINE: dict[str, Any] = {**FIELD_ERROR, "flex_basis": "100%"}
MEASURE_EXPR_INPUT: dict[str, Any] = {**PILL_INPUT, "flex": "1 1 200px"}
GROUP_ROW: dict[str, Any] = {
    "display": "flex",
    "flex_wrap": "wrap",
    "gap": "6px",
    "align_items": "center",
    "margin": "4px 0 12px 0",
    "min_width": "0",
}
AGG_GROUP_SELECT: dict[str, Any] = {**PILL_SELECT, "max_width": "220px"}
PILL_BAR_BUTTON: dict[str, Any] = {**BUTTON_GHOST, "height": "24px", "color": BLUE_DARK}
NOTICE_ROW: dict[str, Any] = {
    **NOTICE,
    "display": "flex",
    "flex_wrap": "wrap",
    "gap": "10px",
    "align_items": "center",
    "margin": "6px 10px 0 10px",
}

LOGIN_PAGE: dict[str, Any] = {
    "min_height": "100vh",
    "display": "flex",
    "align_items": "center",
    "justify_content": "center",
    "background": f"linear-gradient(160deg, {NAVY} 0%, {NAVY_2} 45%, {SLATE_100} 45%)",
}
LOGIN_INPUT: dict[str, Any] = {**PILL_INPUT, "width": "100%", "height": "34px"}
LOGIN_CARD: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "12px",
    "width": "min(360px, 92vw)",
    "padding": "28px",
    "background": "white",
    "border_radius": "14px",
    "border": f"1px solid {SLATE_200}",
    "box_shadow": "0 10px 30px rgba(15, 31, 61, 0.08)",
}
TEXT_NAVY: dict[str, Any] = {"color": NAVY}
LOGIN_BUTTON: dict[str, Any] = {**BUTTON_PRIMARY, "justify_content": "center", "height": "34px"}
ROW_ACTIONS: dict[str, Any] = {
    "display": "flex",
    "gap": "4px",
    "justify_content": "flex-end",
    "align_items": "center",
}
LINK_BUTTON_SECONDARY: dict[str, Any] = {**BUTTON_SECONDARY, "text_decoration": "none"}
CLAMP_2_BOLD: dict[str, Any] = {**CLAMP_2, "font_weight": "600"}
NAME_INPUT: dict[str, Any] = {**PILL_INPUT, "width": "260px", "max_width": "100%"}
MUTED_CLAMP_2: dict[str, Any] = {**MUTED, **CLAMP_2}
BADGE_SPACED: dict[str, Any] = {**BADGE, "margin_right": "6px"}
FORM_CARD: dict[str, Any] = {**FORM_ROW, **CARD}
NOTICE_COLUMN: dict[str, Any] = {**NOTICE, **column(), "align_items": "flex-start"}
CARD_STACK: dict[str, Any] = {**CARD_COLUMN, "gap": "8px"}
ROW_ACTIONS_END: dict[str, Any] = {"display": "flex", "gap": "4px", "justify_content": "flex-end"}
ROLE_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "180px"}
ATTRIBUTES_INPUT: dict[str, Any] = {**TEXTAREA, "width": "260px", "min_height": "34px"}
TD_NOWRAP_SMALL: dict[str, Any] = {**TD, "white_space": "nowrap", "font_size": "12px"}
TD_ERROR: dict[str, Any] = {**TD, "color": RED}
MUTED_SMALL: dict[str, Any] = {**MUTED, "font_size": "11px"}
ROW_ACTIONS_WRAP: dict[str, Any] = {
    "display": "flex",
    "gap": "4px",
    "justify_content": "flex-end",
    "flex_wrap": "wrap",
}
COLUMN_START: dict[str, Any] = {**column("4px"), "align_items": "flex-start"}
CARD_STACK_10: dict[str, Any] = {**CARD_COLUMN, "gap": "10px"}
COLUMN_FILL: dict[str, Any] = {**column(), "min_width": "0"}
COLUMN_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "180px"}
COLUMN_INPUT: dict[str, Any] = {**PILL_INPUT, "width": "180px"}
TYPE_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "150px"}
UPLOAD_META: dict[str, Any] = {**row("8px", wrap=True), "color": SLATE_500}
ATTRIBUTE_INPUT: dict[str, Any] = {**PILL_INPUT, "width": "160px"}
CARD_STACK_14: dict[str, Any] = {**CARD_COLUMN, "gap": "14px"}
ROW_WRAP_BELOW: dict[str, Any] = {**row("4px", wrap=True, align=""), "margin_top": "4px"}
FORMAT_SELECT: dict[str, Any] = {**PILL_SELECT, "width": "120px"}


# A filter row is indented by its depth in the condition tree.
def filter_condition(depth: Any) -> dict[str, Any]:
    return {"padding": "4px 0", "min_width": "0", "margin_left": f"calc({depth} * 18px)"}


def filter_group(depth: Any) -> dict[str, Any]:
    return {
        "display": "flex",
        "gap": "6px",
        "align_items": "center",
        "flex_wrap": "wrap",
        "padding": "4px 6px",
        "margin_top": "4px",
        "border_radius": "6px",
        "background": SLATE_100,
        "min_width": "0",
        "margin_left": f"calc({depth} * 18px)",
    }


def nav_link(on: bool) -> dict[str, Any]:
    """A top-bar link; `on` for the page shown."""
    return {**NAV_LINK, **(NAV_LINK_ACTIVE if on else {})}


def nav_button(on: bool) -> dict[str, Any]:
    """A top-bar menu button drawn as a link."""
    return {**NAV_LINK, **(NAV_LINK_ACTIVE if on else {}), "border": "none", "cursor": "pointer"}


def tab_link(on: bool) -> dict[str, Any]:
    """A tab of the admin pages; `on` for the page shown."""
    return {
        **BUTTON_GHOST,
        "text_decoration": "none",
        **({"background": SLATE_200} if on else {}),
    }


def dataset_option(chosen: Any) -> dict[str, Any]:
    """A dataset in the explorer's list, marked at the left when chosen."""
    return {
        "text_align": "left",
        "width": "100%",
        "border": "none",
        "color": SLATE_900,
        "padding": "6px 10px",
        "border_radius": "6px",
        "cursor": "pointer",
        "overflow_wrap": "anywhere",
        "background": rx.cond(chosen, BLUE_50, "transparent"),
        "border_left": rx.cond(chosen, f"3px solid {BLUE}", "3px solid transparent"),
        "_hover": {"background": SLATE_100},
    }


def pill_bar(shown: Any, padding: str) -> dict[str, Any]:
    """The filter pills' bar, out of the layout while there are none."""
    return {
        "display": rx.cond(shown, "flex", "none"),
        "flex_wrap": "wrap",
        "align_items": "center",
        "gap": "4px",
        "padding": padding,
        "min_width": "0",
    }


def progress_bar(width: Any) -> dict[str, Any]:
    return {**PROGRESS_BAR, "width": width}


def export_progress_bar(width: Any) -> dict[str, Any]:
    return {
        "height": "100%",
        "width": width,
        "background": BLUE,
        "border_radius": "999px",
        "transition": "width 0.3s",
    }


def export_progress(shown: Any) -> dict[str, Any]:
    """The export's progress and status, out of the layout until an export starts."""
    return {
        "display": rx.cond(shown, "flex", "none"),
        "flex_direction": "column",
        "gap": "4px",
        "margin_top": "12px",
    }


# AG Grid theme parameters (compact rows, our palette); turned into a JS theme object.
GRID_PARAMS: dict[str, Any] = {
    "fontFamily": FONT,
    "fontSize": 12,
    "headerFontSize": 12,
    "rowHeight": 26,
    "headerHeight": 30,
    "spacing": 4,
    "accentColor": BLUE,
    "foregroundColor": SLATE_900,
    "headerBackgroundColor": SLATE_100,
    "headerTextColor": SLATE_700,
    "borderColor": SLATE_200,
    "oddRowBackgroundColor": SLATE_50,
    "wrapperBorderRadius": 0,
    "columnBorder": True,
}


# The navigation bar's notifications menu (aurora.components.notifications_menu).
NOTIFY_COUNT: dict[str, Any] = {
    "min_width": "18px",
    "padding": "0 5px",
    "border_radius": RADIUS_PILL,
    "font_size": "11px",
    "font_weight": "700",
    "line_height": "18px",
    "text_align": "center",
    "background": NAVY_2,
    "color": SLATE_300,
}
NOTIFY_COUNT_ON: dict[str, Any] = {**NOTIFY_COUNT, "background": RED, "color": "white"}
NOTIFY_PANEL: dict[str, Any] = {"width": "340px", "max_width": "90vw", "padding": "8px"}
NOTIFY_LIST: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "4px",
    "max_height": "60vh",
    "overflow_y": "auto",
}
NOTIFY_ITEM: dict[str, Any] = {
    "text_align": "left",
    "padding": "6px 8px",
    "border_radius": "6px",
    "border": f"1px solid {SLATE_200}",
    "background": "white",
    "cursor": "pointer",
    "overflow_wrap": "anywhere",
}
NOTIFY_ITEM_UNREAD: dict[str, Any] = {
    **NOTIFY_ITEM,
    "background": BLUE_50,
    "border": "1px solid #bfdbfe",
}


def icon(name: str, size: int = 14) -> rx.Component:
    """A Lucide icon at our compact size."""
    return rx.icon(name, size=size, stroke_width=1.75)


def button(
    label: str | rx.Var[str],
    *children: rx.Component,
    icon_name: str | None = None,
    kind: str = "secondary",
    **props: Any,
) -> rx.Component:
    """A pill button; `kind` picks primary, secondary, ghost or danger styling."""
    style = {
        "primary": BUTTON_PRIMARY,
        "secondary": BUTTON_SECONDARY,
        "ghost": BUTTON_GHOST,
        "danger": BUTTON_DANGER,
    }[kind]
    parts = [icon(icon_name)] if icon_name else []
    text = [rx.el.span(label)] if isinstance(label, rx.Var) or label else []
    return rx.el.button(*parts, *text, *children, type="button", style=style, **props)


def icon_button(icon_name: str, label: str, **props: Any) -> rx.Component:
    """An icon-only button that still has an accessible name."""
    style = {**BUTTON_GHOST, **props.pop("style", {})}
    return rx.el.button(
        icon(icon_name),
        type="button",
        aria_label=label,
        title=label,
        style=style,
        **props,
    )


# The dashboards', the Ask box's and the Insights panel's own styles (they were inline
# dicts; the CSS is the same, key for key and in the same order).
DASH_ROW: dict[str, Any] = row("8px", wrap=True)
NOTES_ROW: dict[str, Any] = row("6px", wrap=True)
DASH_VIEW_GRID: dict[str, Any] = {
    "display": "grid",
    "grid_template_columns": "repeat(12, minmax(0, 1fr))",
    "grid_auto_rows": "40px",
    "gap": "8px",
    "padding": "8px",  # react-grid-layout's container padding: the same geometry
}
TILE_TITLE: dict[str, Any] = {**H2, "flex": "1"}
TILE_TEXT: dict[str, Any] = {"overflow": "auto", "font_size": "13px"}
TILE_LOADING: dict[str, Any] = {"margin": "auto"}
TILE_PENDING: dict[str, Any] = {**MUTED, "margin": "auto"}
TILE_KPI: dict[str, Any] = {
    "font_size": "28px",
    "font_weight": "650",
    "color": NAVY,
    "margin": "auto",
}
TILE_CHART: dict[str, Any] = {"flex": "1", "min_height": "0"}
TILE_TABLE: dict[str, Any] = {"overflow": "auto", "flex": "1", "min_height": "0"}
DASH_TABS: dict[str, Any] = {**DASH_ROW, "gap": "4px", "width": "100%"}
DASH_FILTER_BAR: dict[str, Any] = {**DASH_ROW, **CARD, "padding": "6px 8px"}
DASH_CROSS_PILL: dict[str, Any] = {**BADGE_BLUE, "display": "inline-flex", "align_items": "center"}
DASH_FILTER: dict[str, Any] = {**DASH_ROW, "gap": "4px"}
ANCHOR: dict[str, Any] = {"position": "relative"}
DASH_VALUE_MENU: dict[str, Any] = {
    **CARD,
    "position": "absolute",
    "z_index": "20",
    "max_height": "260px",
    "overflow": "auto",
    "padding": "6px",
    "min_width": "180px",
}
DASH_VALUE_OPTION: dict[str, Any] = {**CHECKBOX_LABEL, "display": "flex"}
DASH_DATE_INPUT: dict[str, Any] = {**PILL_INPUT, "width": "90px"}
DASH_NAME_LINK: dict[str, Any] = {"font_weight": "600", "color": BLUE}
DASH_RENAME_ROW: dict[str, Any] = {"display": "flex", "gap": "6px"}
COMMENTS_PANEL: dict[str, Any] = {
    **CARD,
    "position": "fixed",
    "right": "12px",
    "top": "64px",
    "width": "320px",
    "max_height": "80vh",
    "overflow": "auto",
    "padding": "8px",
    "display": "flex",
    "flex_direction": "column",
    "gap": "6px",
    "z_index": "50",
}
COMMENT_INPUT: dict[str, Any] = {**PILL_INPUT, "width": "100%", "height": "auto"}
COMMENT: dict[str, Any] = {
    "padding": "4px 0",
    "border_bottom": "1px solid #e5e7eb",
    "font_size": "13px",
}
COMMENT_TEXT: dict[str, Any] = {"white_space": "pre-wrap"}
BOOKMARK_REMOVE: dict[str, Any] = {**BUTTON_GHOST, "padding": "0 4px"}
PRESENT_OVERLAY: dict[str, Any] = {
    "position": "fixed",
    "inset": "0",
    "z_index": "100",
    "background": "white",
    "padding": "16px 24px",
    "display": "flex",
    "flex_direction": "column",
    "gap": "8px",
    "outline": "none",
}
PRESENT_SLIDE: dict[str, Any] = {
    "display": "flex",
    "flex_direction": "column",
    "gap": "8px",
    "flex": "1",
}
PRESENT_CAPTION: dict[str, Any] = {"font_size": "15px"}
PRESENT_BODY: dict[str, Any] = {"flex": "1", "min_height": "0", "display": "flex"}
EXPORT_MENU_NOTE: dict[str, Any] = {**MUTED, "padding": "6px 10px"}
ASK_PILL_INPUT: dict[str, Any] = {**PILL_INPUT, "height": "22px", "width": "140px"}
ASK_PILL_BUTTON: dict[str, Any] = {"height": "20px"}
ASK_BOX: dict[str, Any] = {**row("8px"), "width": "min(760px, 100%)"}
ASK_TOGGLE: dict[str, Any] = {**BUTTON_GHOST, "width": "100%", "justify_content": "space-between"}
PLAIN_LIST: dict[str, Any] = {"list_style": "none", "margin": "0", "padding": "0"}
INSIGHT_FINDING: dict[str, Any] = {
    **row("8px", align="flex-start"),
    "background": "none",
    "border": "none",
    "padding": "2px 0",
    "text_align": "left",
    "cursor": "pointer",
    "color": BLUE_DARK,
}
PLAIN_FIELDSET: dict[str, Any] = {"border": "none", "padding": "0", "margin": "0"}
AS_OF_INPUT: dict[str, Any] = {**PILL_INPUT, "width": "210px"}
DASH_TILE: dict[str, Any] = {
    **CARD,
    "padding": "6px 8px",
    "display": "flex",
    "flex_direction": "column",
    "height": "100%",
    "overflow": "hidden",
}
