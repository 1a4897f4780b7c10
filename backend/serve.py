"""`python -m backend.serve [--workers N] [uvicorn options]`: the API in production shape.

`API_WORKERS` uvicorn worker processes (default: the core count) share one listening socket.
uvicorn's own supervisor is enough here: it pings its workers, replaces one that dies or
hangs, restarts them one by one on SIGHUP and can recycle them (`--limit-max-requests`).
Gunicorn would add a second server and the separate `uvicorn-worker` package for the same.

What must happen once per deployment, not once per process, happens here before the workers
start: metadata migrations, the first admin, the signing secret. Done in each worker at the
same moment, two migrations would race on an empty SQLite file and two first starts could
read a secret file the other is still writing.

Each worker's DuckDB gets `DUCKDB_MEMORY_LIMIT`, by default an equal share of 60% of the
machine's memory (or its cgroup limit) over the API processes, plus the export worker when
`REDIS_URL` is set (backend.memory_budget says why that number). Every other argument goes
to uvicorn unchanged.
"""

from __future__ import annotations

import argparse
import os
import sys

from backend.config import Settings, get_settings
from backend.memory_budget import MEMORY_SHARE, api_workers, machine_memory, memory_limit

__all__ = ["MEMORY_SHARE", "api_workers", "machine_memory", "main", "memory_limit"]


def prepare(settings: Settings) -> None:
    """Migrations, first admin and signing secret, once, before any worker starts."""
    from backend.security.bootstrap import ensure_first_admin
    from backend.security.passwords import Passwords
    from backend.security.secret import signing_secret
    from backend.wiring import open_store

    store = open_store(settings)
    try:
        ensure_first_admin(store, Passwords(settings.argon2_profile), settings)
    finally:
        store.close()
    signing_secret(settings)


DEFAULTS = {
    # uvicorn kills a worker that does not answer its ping within this many seconds (5 by
    # default); a busy machine can be that slow to schedule a healthy worker's answer.
    "--timeout-worker-healthcheck": "30",
    # An idle keep-alive connection is closed after this many seconds (uvicorn: 5). A client
    # or proxy reusing it just then gets "connection closed" on a request it already sent;
    # it must be longer than the proxy's keep-alive (nginx: 60 s) and than users think.
    "--timeout-keep-alive": "75",
}


# uvicorn's default believes X-Forwarded-For from any caller on 127.0.0.1, so a local caller
# could pick its address for the login limits and the audit log. The app reads forwarded
# addresses itself, only from TRUSTED_PROXIES or the UI server (backend.security.client_address).
NO_PROXY_HEADERS = "--no-proxy-headers"
_PROXY_OPTIONS = ("--proxy-headers", NO_PROXY_HEADERS, "--forwarded-allow-ips")


def uvicorn_command(workers: int, extra: list[str]) -> list[str]:
    """The uvicorn command line: `DEFAULTS` unless `extra` names the option itself, and no
    proxy headers unless `extra` asks for them.

    >>> command = uvicorn_command(2, ["--port", "9", "--timeout-keep-alive=5"])
    >>> command[4:9]
    ['--workers', '2', '--no-proxy-headers', '--timeout-worker-healthcheck', '30']
    >>> command[9:]
    ['--port', '9', '--timeout-keep-alive=5']
    """
    command = [sys.executable, "-m", "uvicorn", "backend.main:app", "--workers", str(workers)]
    if not any(arg.split("=")[0] in _PROXY_OPTIONS for arg in extra):
        command.append(NO_PROXY_HEADERS)
    for option, value in DEFAULTS.items():
        if not any(arg.split("=")[0] == option for arg in extra):
            command += [option, value]
    return command + extra


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m backend.serve", description=__doc__)
    parser.add_argument("--workers", type=int, default=None, help="default: API_WORKERS")
    parser.add_argument(
        "--print-memory-limit",
        action="store_true",
        help="print one process's DuckDB memory limit and exit (for the export worker)",
    )
    args, extra = parser.parse_known_args(argv)
    # This is the production shape; the workers inherit it (API docs behind credentials).
    os.environ.setdefault("AURORA_ENV", "production")
    settings = get_settings()
    workers = api_workers(settings, args.workers)
    limit = memory_limit(settings, workers)
    if args.print_memory_limit:
        print(limit)
        return
    prepare(settings)
    os.environ["DUCKDB_MEMORY_LIMIT"] = limit
    command = uvicorn_command(workers, extra)
    sys.stdout.flush()
    os.execv(command[0], command)  # uvicorn takes this pid: signals reach it directly


if __name__ == "__main__":
    main()
