"""The bell's poll: a small React component that fires `on_tick` every `seconds` while the
tab is visible (a hidden tab asks nothing; it asks at once when shown again, if a tick was
missed). It stops when the navigation bar unmounts."""

from __future__ import annotations

import reflex as rx
from reflex.event import no_args_event_spec

POLL_S = 60

_POLL = """
const AuroraBellPoll = ({seconds, onTick}) => {
  const latest = useRef(onTick);
  latest.current = onTick;
  useEffect(() => {
    if (!seconds || seconds <= 0) return undefined;
    let last = Date.now();
    const visible = () => document.visibilityState === "visible";
    const tick = () => {
      if (!visible() || !latest.current) return;
      last = Date.now();
      latest.current();
    };
    const shown = () => { if (visible() && Date.now() - last >= seconds * 1000) tick(); };
    const timer = setInterval(tick, seconds * 1000);
    document.addEventListener("visibilitychange", shown);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", shown);
    };
  }, [seconds]);
  return null;
};
"""


class BellPoll(rx.Component):
    library = None
    tag = "AuroraBellPoll"

    seconds: rx.Var[int]
    on_tick: rx.EventHandler[no_args_event_spec]

    def add_imports(self) -> dict[str, list[rx.ImportVar]]:
        return {"react": [rx.ImportVar(tag=t) for t in ("useRef", "useEffect")]}

    def add_custom_code(self) -> list[str]:
        return [_POLL]


bell_poll = BellPoll.create
