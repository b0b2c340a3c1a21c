"""deploy/nginx.conf run by this machine's nginx in front of local app servers (for the proxy test and the load benchmark).

Only what a machine without Docker needs is changed: the replicas' addresses,
the port, where nginx keeps its files (a folder given), and optionally a
header naming the replica that answered. Needs Debian's nginx (apt-get install nginx).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_TIMEOUT_S = 60


class ProxyError(RuntimeError):
    """nginx did not take the configuration or did not start."""


def proxy_config(replicas: Sequence[str], folder: Path, port: int, *, replica_header: bool = False) -> str:
    """deploy/nginx.conf with ``replicas`` (app URLs) as its upstream servers, listening on 127.0.0.1:``port``, its files in ``folder``."""
    conf = (REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    # 127.0.0.1, not localhost, which nginx would resolve to two upstreams where it also names ::1.
    servers = "".join(f"\n        server {_ipv4(urlparse(url).hostname)}:{urlparse(url).port} max_fails=1 fail_timeout=30s;" for url in replicas)
    conf, changed = re.subn(r"(\n\s*server app\w*:8501[^;]*;)+", servers, conf, count=1)
    if changed != 1:
        raise ProxyError("deploy/nginx.conf names no app replicas (server appN:8501) to replace with local servers")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("/var/cache/nginx/reegeo", str(folder / "cache"))
    if replica_header:
        conf = conf.replace("proxy_pass http://reegeo;", "proxy_pass http://reegeo;\n            add_header X-Test-Replica $upstream_addr always;")
    paths = "".join(f"\n    {name}_temp_path {folder / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return conf.replace("http {", "http {\n    access_log off;" + paths, 1)


def _ipv4(host: str | None) -> str:
    return "127.0.0.1" if host in (None, "localhost") else host


@contextlib.contextmanager
def local_proxy(replicas: Sequence[str], folder: Path, *, replica_header: bool = False) -> Iterator[str]:
    """Run :func:`proxy_config` with this machine's nginx (in the foreground, one process); yields its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nginx.conf").write_text(proxy_config(replicas, folder, port, replica_header=replica_header), encoding="utf-8")
    server = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log"),
         "-g", f"daemon off; master_process off; pid {folder / 'nginx.pid'};"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError as exc:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_process(server)
                errors = (folder / "error.log").read_text(errors="replace") if (folder / "error.log").exists() else ""
                raise ProxyError(f"nginx did not start on port {port}: {errors[-3000:] or exc}") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        stop_process(server)


def stop_process(process: subprocess.Popen) -> None:
    """Stop ``process`` and wait for it: asked first, killed if it does not go."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
