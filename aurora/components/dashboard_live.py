"""Two small React components for the dashboard view, declared in custom code:

- `tile_watch`: a hidden marker inside a tile. While the tile is `pending` (its data is
  missing or out of date) it watches the tile with an IntersectionObserver and fires
  `on_visible` once the tile is on screen, so tiles below the fold load as they scroll in.
  With `eager` (the PDF print, `?print=1`) a pending tile reports at once, on screen or
  not. The server owns `pending`: when a filter change marks a tile stale, the effect runs
  again and a tile already on screen reports at once (the observer's first callback).
- `keys`: while mounted (present mode), the arrow keys, Page Up/Down and Escape anywhere on
  the page go to `on_key` with the key's name.
- `ticker`: fires `on_tick` every `seconds` (0: never), the auto-refresh; it stops when the
  page unmounts, so no server loop outlives the view.
"""

from __future__ import annotations

import reflex as rx
from reflex.event import no_args_event_spec

_WATCH = """
const AuroraTileWatch = ({pending, eager, onVisible}) => {
  const ref = useRef(null);
  useEffect(() => {
    const tile = ref.current && ref.current.parentElement;
    if (!pending || !tile || !onVisible) return undefined;
    if (eager) { onVisible(); return undefined; }
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { seen.disconnect(); onVisible(); }
    });
    seen.observe(tile);
    return () => seen.disconnect();
  }, [pending, eager]);
  return createElement("span", {ref, hidden: true, className: "tile-watch"});
};
"""

_TICKER = """
const AuroraTicker = ({seconds, onTick}) => {
  useEffect(() => {
    if (!seconds || seconds <= 0 || !onTick) return undefined;
    const timer = setInterval(() => onTick(), seconds * 1000);
    return () => clearInterval(timer);
  }, [seconds]);
  return null;
};
"""

_KEYS = """
const AuroraKeys = ({onKey}) => {
  const latest = useRef(onKey);
  latest.current = onKey;
  useEffect(() => {
    const wanted = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown",
      "Escape"];
    const press = (e) => {
      if (!wanted.includes(e.key) || !latest.current) return;
      e.preventDefault();
      latest.current(e.key);
    };
    window.addEventListener("keydown", press);
    return () => window.removeEventListener("keydown", press);
  }, []);
  return null;
};
"""


def _key_spec(key: rx.Var[str]) -> tuple[rx.Var[str]]:
    return (key,)


def _react_imports() -> dict[str, list[rx.ImportVar]]:
    return {"react": [rx.ImportVar(tag=t) for t in ("useRef", "useEffect", "createElement")]}


class TileWatch(rx.Component):
    library = None
    tag = "AuroraTileWatch"

    pending: rx.Var[bool]
    eager: rx.Var[bool]  # every tile at once, seen or not (a print: ?print=1)
    on_visible: rx.EventHandler[no_args_event_spec]

    def add_imports(self) -> dict[str, list[rx.ImportVar]]:
        return _react_imports()

    def add_custom_code(self) -> list[str]:
        return [_WATCH]


class Ticker(rx.Component):
    library = None
    tag = "AuroraTicker"

    seconds: rx.Var[int]
    on_tick: rx.EventHandler[no_args_event_spec]

    def add_imports(self) -> dict[str, list[rx.ImportVar]]:
        return _react_imports()

    def add_custom_code(self) -> list[str]:
        return [_TICKER]


class Keys(rx.Component):
    library = None
    tag = "AuroraKeys"

    on_key: rx.EventHandler[_key_spec]

    def add_imports(self) -> dict[str, list[rx.ImportVar]]:
        return _react_imports()

    def add_custom_code(self) -> list[str]:
        return [_KEYS]


keys = Keys.create
tile_watch = TileWatch.create
ticker = Ticker.create
