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
CHECKBOX_LABEL: dict[str, Any] = {**row(), "display": "inline-flex", "cursor": "pointer"}
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
