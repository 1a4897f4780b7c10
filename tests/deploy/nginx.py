"""A real nginx (Debian's package; `make test` installs it) started by a test: the
production sample deploy/nginx-aurora.conf with the test's ports, every path in a temp folder,
in the foreground, stopped at the end."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests.deploy.servers import ROOT, free_port

SAMPLE = ROOT / "deploy" / "nginx-aurora.conf"

_MAIN = """
worker_processes 1;
{user}
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/aurora.conf;
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError("nginx is not installed: `make test` installs Debian's package")
    return found


def site_config(api_ports: list[int], listen: int) -> str:
    """The sample with this test's API servers and port (the UI upstream is left as is:
    nginx does not connect to it until a request asks)."""
    text = SAMPLE.read_text()
    one = "    server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;\n"
    assert one in text and "    listen 80;\n" in text, "the sample changed shape"
    servers = "".join(one.replace("8000", str(p)) for p in api_ports)
    return text.replace(one, servers).replace(
        "    listen 80;\n", f"    listen 127.0.0.1:{listen};\n"
    )


@contextlib.contextmanager
def nginx(api_ports: list[int], folder: Path) -> Iterator[str]:
    """nginx in front of `api_ports`; yields its base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (folder / "aurora.conf").write_text(site_config(api_ports, port))
    # As root, nginx's workers would drop to `nobody`, who cannot use a private temp folder.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(_MAIN.format(folder=folder, user=user))
    cmd = [nginx_binary(), "-p", str(folder), "-c", str(folder / "nginx.conf")]
    cmd += ["-e", str(folder / "error.log"), "-g", "daemon off;"]
    check = subprocess.run([*cmd, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port, process, folder)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((folder / "error.log").read_text())
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError("nginx did not start listening")
