"""The Reflex side of the UI mix: the Reflex backend as `make run` starts it, and
one browser tab speaking its websocket protocol. No Locust here (importing Locust patches the
standard library for gevent), so tests drive a tab too.

`ReflexSession` speaks Reflex 0.10's event protocol with python-socketio's client, as the
browser's `state.js` does: a socket.io connection to the `/_event` namespace carrying the
tab's client token in the query and the hydrate event in the CONNECT packet; events sent as
`{"name", "payload", "router_data"}`; state deltas and frontend events (`_redirect`,
`_call_script`) received as `event` messages and merged into a local copy of the state.
Navigation sends the page's on_load event, as the router does.

Every event name comes from the handler itself through Reflex's own naming
(`format_event_handler(ExplorerState.next_page)`), and every state field read is checked
against the state class when this module is imported, so a renamed handler or var breaks
the load test at once instead of turning into timeouts.

An action is timed from the click to what the person would see: the grid's rows for what
was asked (page, sort, filter, dataset), the explorer after signing in, a downloaded file.
Nothing seen within ANSWER_TIMEOUT_S is a failure, "unanswered".
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
import socketio
from reflex.state import OnLoadInternalState, State
from reflex_base.config import get_config
from reflex_base.constants import CompileVars
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.event import EventHandler
from reflex_base.utils.format import format_event_handler

from aurora import filters as flt
from aurora.state.auth import AuthState
from aurora.state.explorer import ExplorerState
from aurora.state.export import ExportState
from aurora.state.filter_editor import FilterState
from aurora.state.freshness import FreshnessState

CONNECT_TIMEOUT_S = 10.0  # socket.io's default is 1 s: under a login burst that drops sockets
ANSWER_TIMEOUT_S = 30.0

Delta = dict[str, dict[str, Any]]


class ActionFailed(Exception):
    """What the person saw instead: nothing in time, or an error on the screen."""


def event_name(handler: EventHandler) -> str:
    return format_event_handler(handler)


@dataclass(frozen=True)
class Field:
    """A state var as it travels in a delta: under the state's full name, with the marker."""

    state: type[State]
    name: str

    def __post_init__(self) -> None:
        if self.name not in self.state.vars:
            raise LookupError(f"{self.state.__name__} has no var {self.name!r}")

    @property
    def key(self) -> tuple[str, str]:
        return self.state.get_full_name(), self.name + FIELD_MARKER


HYDRATE = event_name(State.hydrate_and_load)
ON_LOAD = event_name(OnLoadInternalState.on_load_internal)
LOGIN = event_name(AuthState.login)
PICK_DATASET = event_name(ExplorerState.pick_dataset)
NEXT_PAGE = event_name(ExplorerState.next_page)
SET_SORT = event_name(ExplorerState.set_sort)
OPEN_FILTER = event_name(FilterState.open_modal)
CLEAR_FILTER = event_name(FilterState.clear)
ADD_CONDITION = event_name(FilterState.add_condition)
SET_COLUMN = event_name(FilterState.set_column)
SET_OPERATOR = event_name(FilterState.set_operator)
SET_TEXT_VALUE = event_name(FilterState.set_text_value)
APPLY_FILTER = event_name(FilterState.apply)
OPEN_EXPORT = event_name(ExportState.open_modal)
START_EXPORT = event_name(ExportState.start)
# The page's own ticker while a dataset is on screen (aurora/components/new_data.py).
FRESHNESS_CHECK = event_name(FreshnessState.check)

IS_HYDRATED = Field(State, CompileVars.IS_HYDRATED)
SIGNED_IN = Field(AuthState, "user_name")  # a name once signed in, empty before
LOGIN_ERROR = Field(AuthState, "login_error")
DATASETS = Field(ExplorerState, "datasets")
DATASET_KEY = Field(ExplorerState, "dataset_key")
ROWS = Field(ExplorerState, "rows")
LOADING = Field(ExplorerState, "loading")
HAS_RESULT = Field(ExplorerState, "has_result")
PAGE = Field(ExplorerState, "page")
CAN_NEXT = Field(ExplorerState, "can_next")
SORT = Field(ExplorerState, "sort")
TOTAL_ROWS = Field(ExplorerState, "total_rows")
ROW_RANGE = Field(ExplorerState, "row_range")
RESULT_COLUMNS = Field(ExplorerState, "result_columns")
PILLS = Field(ExplorerState, "pills")
ERROR_CODE = Field(ExplorerState, "error_code")
ERROR_MESSAGE = Field(ExplorerState, "error_message")
FILTER_ROWS = Field(FilterState, "rows")
EXPORT_STATUS = Field(ExportState, "status")
EXPORT_ERROR = Field(ExportState, "error")
DOWNLOAD_HREF = Field(ExportState, "download_href")

# What `rx.call_script` sends for a browser fetch (the session cookie at sign-in).
_FETCH = re.compile(
    r'^fetch\(("[^"]*"), (\{[^}]*\})\)'
    r'(?:\.finally\(\(\) => window\.location\.replace\(("[^"]*")\)\))?$'
)
_METHOD = re.compile(r'method: "(\w+)"')


class ReflexSession:
    """One browser tab: its client token, socket, cookies and the state it has been sent."""

    def __init__(self, base: str, connect_timeout: float = CONNECT_TIMEOUT_S) -> None:
        self.base = base.rstrip("/")
        self.connect_timeout = connect_timeout
        self.token = str(uuid.uuid4())
        self.path = "/"
        self.http = requests.Session()  # the browser's cookies, also sent on connect
        self.state: Delta = {}
        self._reload = ""  # a page load a script asked for (after the sign-in's cookie claim)
        self._since: list[Delta] = []  # deltas since the last event sent
        self._changed = threading.Condition()
        self.namespace = get_config().get_event_namespace()
        self.sio = socketio.Client(reconnection=False, handle_sigint=False, http_session=self.http)
        self.sio.on("event", self._on_update, namespace=self.namespace)
        self.sio.on("new_token", self._on_new_token, namespace=self.namespace)

    # ---- the wire -------------------------------------------------------------------------

    def connect(self, path: str) -> None:
        """Open the socket on `path` with the hydrate event in the CONNECT packet, and wait
        until the page is hydrated (its on_load handlers done)."""
        self.path = path
        boot = self._event(HYDRATE, {})
        self.sio.connect(
            f"{self.base}?token={self.token}",
            transports=["websocket"],
            socketio_path=self.namespace,
            namespaces=[self.namespace],
            auth={CompileVars.CONNECT_AUTH_EVENT: boot},
            wait_timeout=self.connect_timeout,
        )
        self.wait(lambda since: self.get(IS_HYDRATED) is True, "hydrated")

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
        self.http.close()

    def send(self, name: str, **payload: Any) -> None:
        self.click(name, 1, **payload)

    def click(self, name: str, times: int, **payload: Any) -> None:
        """The same event `times` times in a row, as fast clicks send it."""
        with self._changed:
            self._since = []
        for _ in range(times):
            self.sio.emit("event", self._event(name, payload), namespace=self.namespace)

    def tick(self, name: str) -> None:
        """An event the page sends by itself (a ticker), not a click: the deltas since the
        last click stay, so an action under way still sees its own answer."""
        self.sio.emit("event", self._event(name, {}), namespace=self.namespace)

    def since(self) -> list[Delta]:
        """The deltas received since the last click."""
        with self._changed:
            return list(self._since)

    def _event(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        router = {"pathname": path, "asPath": self.path}
        if query:
            router["query"] = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        return {"name": name, "payload": payload, "router_data": router}

    def _on_update(self, update: dict[str, Any]) -> None:
        delta: Delta = update.get("delta") or {}
        with self._changed:
            for state, fields in delta.items():
                self.state.setdefault(state, {}).update(fields)
            if delta:
                self._since.append(delta)
            self._changed.notify_all()
        for event in update.get("events") or []:
            self._frontend_event(event)

    def _on_new_token(self, token: str) -> None:
        self.token = token

    def _frontend_event(self, event: dict[str, Any]) -> None:
        """What the browser does with the events the backend sends it."""
        payload = event.get("payload") or {}
        if event.get("name") == "_redirect" and not payload.get("external"):
            self.path = str(payload.get("path") or "/")
            self.sio.emit("event", self._event(ON_LOAD, {}), namespace=self.namespace)
        elif event.get("name") == "_call_script":
            self._run_script(str(payload.get("javascript_code", "")).strip())

    def _run_script(self, script: str) -> None:
        """The scripts the UI sends that matter here: a fetch with this tab's cookies (the
        sign-in's cookie claim among them), and the full page load that may follow it."""
        fetch = _FETCH.match(script)
        if not fetch:
            return
        url, options = json.loads(fetch.group(1)), fetch.group(2)
        method = _METHOD.search(options)
        verb = method.group(1) if method else "GET"
        self.http.request(verb, self.base + url, timeout=30)
        if fetch.group(3):
            with self._changed:
                self._reload = json.loads(fetch.group(3))
                self._changed.notify_all()

    def reload(self, path: str) -> None:
        """A full page load: the old socket closes, a new one (with the cookies) hydrates."""
        self._reload = ""
        self.sio.disconnect()
        self.state = {}
        self.connect(path)

    # ---- what the person sees -------------------------------------------------------------

    def get(self, field: Field, default: Any = None) -> Any:
        state, key = field.key
        return self.state.get(state, {}).get(key, default)

    def wait(self, seen: Callable[[list[Delta]], bool], what: str) -> None:
        """Until `seen(deltas since the last event sent)` holds; ActionFailed after
        ANSWER_TIMEOUT_S."""
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        with self._changed:
            while not seen(self._since):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ActionFailed(f"unanswered in {ANSWER_TIMEOUT_S:.0f} s ({what})")
                self._changed.wait(left)

    @staticmethod
    def arrived(since: list[Delta], field: Field) -> bool:
        state, key = field.key
        return any(key in d.get(state, {}) for d in since)

    def grid_shows(self, what: str, check: Callable[[], bool]) -> None:
        """The grid got rows since the click, is not loading, and shows what was asked;
        the API's error shown instead fails the action with its code."""

        def done(since: list[Delta]) -> bool:
            if not self.arrived(since, ROWS) or self.get(LOADING):
                return False
            return bool(self.get(ERROR_CODE)) or check()

        self.wait(done, what)
        if self.get(ERROR_CODE):
            raise ActionFailed(f"{what}: {self.get(ERROR_CODE)}")

    # ---- the actions ----------------------------------------------------------------------

    def login(self, username: str, password: str) -> None:
        """The login form, then the explorer's dataset list (its on_load)."""
        self.send(LOGIN, form={"username": username, "password": password})

        def done(since: list[Delta]) -> bool:
            refused = self.arrived(since, LOGIN_ERROR) and bool(self.get(LOGIN_ERROR))
            return refused or (bool(self.get(SIGNED_IN)) and bool(self._reload))

        self.wait(done, "login")
        if not self.get(SIGNED_IN):
            raise ActionFailed(f"login refused: {self.get(LOGIN_ERROR)}")
        self.reload(self._reload)  # the page the browser loads with its new cookie
        if not self.get(SIGNED_IN) or self.path == "/login":
            raise ActionFailed("signed out by the page load after sign-in")

    def open_dataset(self, key: str) -> None:
        self.send(PICK_DATASET, key=key)
        opened = lambda: self.get(DATASET_KEY) == key and bool(self.get(HAS_RESULT))  # noqa: E731
        self.grid_shows("open dataset", opened)

    def next_page(self) -> None:
        page = int(self.get(PAGE, 1)) + 1
        self.send(NEXT_PAGE)
        self.grid_shows("next page", lambda: self.get(PAGE) == page)

    def sort(self, column: str, direction: str) -> None:
        model = [{"colId": column, "sort": direction}]
        self.send(SET_SORT, model=model)
        wanted = [{"column": column, "direction": direction}]
        self.grid_shows("sort", lambda: self.get(SORT) == wanted)

    def filter(self, conditions: dict[str, str]) -> None:
        """The filter builder: open, clear, one `column = value` row each, Apply."""
        for step in (OPEN_FILTER, CLEAR_FILTER):  # the builder opens on the grid's filters
            self.send(step)
            self.wait(lambda since: self.arrived(since, FILTER_ROWS), "filter builder")
        for column, value in conditions.items():
            row = self._new_condition()
            self.send(SET_COLUMN, row_id=row, column=column)
            self.send(SET_OPERATOR, row_id=row, operator="=")
            self.send(SET_TEXT_VALUE, row_id=row, value=value)
        self.send(APPLY_FILTER)
        self.grid_shows("filter", lambda: len(self.get(PILLS) or []) == len(conditions))

    def _new_condition(self) -> str:
        before = {r["id"] for r in self.get(FILTER_ROWS) or []}
        self.send(ADD_CONDITION, group_id=flt.ROOT)

        def added(since: list[Delta]) -> bool:
            rows = self.get(FILTER_ROWS) or []
            return self.arrived(since, FILTER_ROWS) and any(
                r["kind"] == "cond" and r["id"] not in before for r in rows
            )

        self.wait(added, "filter row")
        rows = self.get(FILTER_ROWS) or []
        return str(next(r["id"] for r in rows if r["kind"] == "cond" and r["id"] not in before))

    def export_csv(self) -> int:
        """The export dialog's Start, until its link is ready; then the download. Bytes."""
        self.send(OPEN_EXPORT)
        self.send(START_EXPORT)

        def done(since: list[Delta]) -> bool:
            # The link of this export, not the last one's: the tab's copy of the state still
            # holds that until the dialog's reset arrives (after 300 s its ticket is gone).
            fresh = self.arrived(since, DOWNLOAD_HREF) and bool(self.get(DOWNLOAD_HREF))
            ended = self.get(EXPORT_STATUS) in ("failed", "cancelled")
            return fresh or (self.arrived(since, EXPORT_STATUS) and ended)

        self.wait(done, "export")
        href = self.get(DOWNLOAD_HREF)
        if not href:
            raise ActionFailed(f"export {self.get(EXPORT_STATUS)}: {self.get(EXPORT_ERROR)}")
        got = self.http.get(self.base + href, timeout=ANSWER_TIMEOUT_S)
        if got.status_code != 200 or not got.content:
            raise ActionFailed(f"download: status {got.status_code}")
        return len(got.content)


# -- the server ----------------------------------------------------------------------------


def start_backend(
    port: int, env: dict[str, str], log: Any, cwd: str, workers: int | None = None
) -> subprocess.Popen[bytes]:
    """`reflex run --env prod --backend-only`: the backend `make run` serves beside the built
    frontend (the simulated tabs load no pages). Its state goes to Redis with
    REFLEX_REDIS_URL; `workers` (granian's) above one needs it."""
    env = dict(env)
    if workers:
        if workers > 1 and not env.get("REFLEX_REDIS_URL"):
            raise ValueError("more than one Reflex worker needs REFLEX_REDIS_URL")
        env["GRANIAN_WORKERS"] = str(workers)
    cmd = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only"]
    cmd += ["--backend-host", "127.0.0.1", "--backend-port", str(port), "--loglevel", "warning"]
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=log)


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the Reflex backend exited")
        try:
            if requests.get(f"{base}/ping", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError("the Reflex backend did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def backend(env: dict[str, str], log: Any, cwd: str, workers: int | None = None) -> Iterator[str]:
    """The Reflex backend (`start_backend`) on a free port while the block runs: its address
    once it answers; stopped after (killed, with its workers, if it will not stop)."""
    port = free_port()
    process = start_backend(port, env, log, cwd, workers)
    try:
        wait_ready(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            for child in _children(process.pid):
                child.kill()
            process.kill()
            process.wait(timeout=60)


def _children(pid: int) -> list[Any]:
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        return list(psutil.Process(pid).children(recursive=True))
    return []
