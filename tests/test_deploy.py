"""Tests of deploy/: the compose file of app replicas behind a proxy, and what each replica must share.

The two-server restore (a reload on another replica) is a browser test in
tests/test_browser.py; here the files are checked as a deployer would run them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _apps(compose: dict) -> dict[str, dict]:
    return {name: service for name, service in compose["services"].items() if name.startswith("app")}


def test_the_replicas_share_the_data_folder_and_the_session_store(compose):
    apps = _apps(compose)
    assert len(apps) >= 2
    for service in apps.values():
        env = service["environment"]
        assert env["REEGEO_SESSIONS_DIR"] == "/srv/reegeo/sessions" and env["REEGEO_DATA_DIR"] == "/srv/reegeo/data"
        assert set(service["volumes"]) == {"reegeo-data:/srv/reegeo/data", "reegeo-sessions:/srv/reegeo/sessions"}
        assert "REEGEO_DASK_SCHEDULER" in env and "REEGEO_MAX_READ_S" in env


def test_the_proxy_keeps_a_browser_on_one_replica_and_passes_websockets(compose):
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream reegeo \{(.*?)\}", conf, re.S).group(1)
    assert "hash $replica_key consistent;" in upstream  # sticky: the cookie's key picks the replica
    assert sorted(re.findall(r"server (\w+):8501", upstream)) == sorted(_apps(compose))
    assert "Set-Cookie \"reegeo_replica=$replica_key" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf  # Streamlit's websocket
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in compose["services"]["proxy"]["volumes"]


def test_the_dask_profile_runs_a_scheduler_and_workers_the_apps_can_use(compose):
    services = compose["services"]
    assert services["scheduler"]["profiles"] == ["dask"] and services["scheduler"]["command"][:2] == ["dask", "scheduler"]
    workers = [s for name, s in services.items() if name.startswith("worker")]
    assert workers and all(w["command"][:3] == ["dask", "worker", "tcp://scheduler:8786"] for w in workers)
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "PYTHONPATH=/srv/reegeo/app" in dockerfile  # workers import reegeo to screen partitions


def _compose_command() -> list[str] | None:
    """Debian's docker-compose, or Docker's compose plugin where it is installed (a docker without it says "unknown command")."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        done = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=60)
        if done.returncode == 0:
            return ["docker", "compose"]
    return None


COMPOSE = _compose_command()


@pytest.mark.skipif(COMPOSE is None, reason="docker compose is not installed (.ci/run installs Debian's docker-compose)")
def test_docker_compose_validates_the_file():
    assert COMPOSE is not None
    command = COMPOSE
    for profile in ([], ["--profile", "dask"]):
        done = subprocess.run([*command, "-f", str(DEPLOY / "compose.yaml"), *profile, "config", "-q"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
