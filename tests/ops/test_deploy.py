"""The production deployment: settings that refuse to start half-configured,
`check --deploy`, static files collected with the manifest storage, and the
exact gunicorn command and HEALTHCHECK of the Dockerfile serving /healthz.

Everything runs in subprocesses with the production settings and a scrubbed
environment: a temporary SQLite database and filesystem broker, never the
database or broker the rest of the suite uses.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SETTINGS_DIR = ROOT / "config" / "settings"
PRODUCTION = "config.settings.production"
ENV_READ = re.compile(r"""(?:os\.environ\.get|env_bool|env_list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# Read by gunicorn itself, not by Django settings.
GUNICORN_ENV = {"PORT", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"}


def settings_env_names() -> set[str]:
    """Every environment variable the settings modules read."""
    names: set[str] = set()
    for module in SETTINGS_DIR.glob("*.py"):
        names.update(ENV_READ.findall(module.read_text()))
    return names


def clean_env(**overrides: str) -> dict[str, str]:
    """The parent's environment without anything that configures Peerloop or
    gunicorn (so CI's DATABASE_URL or CELERY_BROKER_URL cannot leak in), with
    this virtualenv first on PATH, the production settings, and `overrides`."""
    scrubbed = settings_env_names() | GUNICORN_ENV | {"DJANGO_SETTINGS_MODULE"}
    env = {name: value for name, value in os.environ.items() if name not in scrubbed}
    env["PATH"] = os.pathsep.join(filter(None, [str(VENV_BIN), env.get("PATH", "")]))
    env["DJANGO_SETTINGS_MODULE"] = PRODUCTION
    env.update(overrides)
    return env


def strong_secret_key() -> str:
    return secrets.token_urlsafe(64)


def manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def dockerfile_cmd() -> list[str]:
    return json.loads([rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"][-1])


def dockerfile_healthcheck() -> list[str]:
    (rest,) = [rest for keyword, rest in dockerfile_instructions() if keyword == "HEALTHCHECK"]
    return json.loads(rest.split(" CMD ", 1)[1])


def dockerfile_env() -> dict[str, str]:
    env = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            env.update(pair.split("=", 1) for pair in rest.split())
    return env


# --- settings that refuse to start ----------------------------------------------


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "ImproperlyConfigured: SECRET_KEY must be set in production."),
        ("ALLOWED_HOSTS", "ImproperlyConfigured: ALLOWED_HOSTS must be set in production"),
    ],
)
def test_production_settings_refuse_to_start_without(missing, message, tmp_path):
    # Given production settings with everything but one required variable
    env = clean_env(SECRET_KEY=strong_secret_key(), ALLOWED_HOSTS="peerloop.example.com",
                    PEERLOOP_VAR_DIR=str(tmp_path / "var"))
    del env[missing]

    # When Django starts
    result = manage("check", env=env)

    # Then it stops with a message that names what is missing
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


def test_deploy_checks_pass_with_a_strong_secret_key(tmp_path):
    env = clean_env(SECRET_KEY=strong_secret_key(), ALLOWED_HOSTS="peerloop.example.com",
                    PEERLOOP_VAR_DIR=str(tmp_path / "var"))

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- one production deployment shared by the tests below -------------------------


@dataclass
class Deployment:
    env: dict[str, str]
    static_root: Path
    tmp: Path

    def manifest(self) -> dict[str, str]:
        return json.loads((self.static_root / "staticfiles.json").read_text())["paths"]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    """A migrated temporary SQLite database and collected static files, both
    made with the production settings (in parallel: they are independent)."""
    tmp = tmp_path_factory.mktemp("deploy")
    static_root = tmp / "staticfiles"
    env = clean_env(
        SECRET_KEY=strong_secret_key(),
        # The first host is what the Dockerfile's HEALTHCHECK sends as Host.
        ALLOWED_HOSTS="peerloop.example.com,127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp / 'peerloop.sqlite3'}",
        PEERLOOP_VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
    )
    steps = {
        name: subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for name, args in {
            "migrate": ["migrate", "--noinput", "--verbosity", "0"],
            "collectstatic": ["collectstatic", "--noinput", "--verbosity", "0"],
        }.items()
    }
    outputs = {name: proc.communicate(timeout=120)[0] for name, proc in steps.items()}
    for name, proc in steps.items():
        assert proc.returncode == 0, f"{name} failed:\n{outputs[name]}"
    return Deployment(env=env, static_root=static_root, tmp=tmp)


def test_collectstatic_uses_the_manifest_and_includes_vendored_assets(deployment):
    manifest = deployment.manifest()
    for name in [
        "vendor/htmx/htmx.min.js",
        "vendor/pico/pico.min.css",
        "css/peerloop.css",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
    ]:
        hashed = manifest.get(name)
        assert hashed and hashed != name, f"{name} is missing from the manifest"
        assert (deployment.static_root / hashed).is_file()
        # whitenoise's compressed copy, served to clients that accept gzip
        assert (deployment.static_root / f"{hashed}.gz").is_file()


# --- gunicorn, exactly as the Dockerfile runs it ----------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    env: dict[str, str]
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()


@contextlib.contextmanager
def gunicorn(deployment: Deployment, name: str, **env_overrides: str) -> Iterator[Server]:
    port = free_port()
    # The Dockerfile's command unchanged; gunicorn takes the address from
    # GUNICORN_CMD_ARGS (loopback here, 0.0.0.0:$PORT in the image).
    env = {**deployment.env, "PORT": str(port), "WEB_CONCURRENCY": "1",
           "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}", **env_overrides}
    log = deployment.tmp / f"gunicorn-{name}.log"
    with log.open("w") as log_file:
        proc = subprocess.Popen(dockerfile_cmd(), cwd=ROOT, env=env, stdout=log_file,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"gunicorn exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"gunicorn did not listen in 30 s:\n{log.read_text()}"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.1)
        yield Server(port=port, env=env, log=log)
    finally:
        # SIGINT: gunicorn's quick shutdown (its master stops the workers); the group is ours alone.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def server(deployment) -> Iterator[Server]:
    with gunicorn(deployment, "up") as running:
        yield running


def run_healthcheck(server: Server) -> subprocess.CompletedProcess:
    return subprocess.run(dockerfile_healthcheck(), cwd=ROOT, env=server.env, capture_output=True,
                          text=True, timeout=30, check=False)


def test_gunicorn_serves_healthz_over_plain_http(server):
    # Given the production settings, which redirect plain HTTP to HTTPS
    # When a load balancer probes /healthz over plain HTTP
    status, _, body = server.get("/healthz")

    # Then it answers 200 itself instead of redirecting
    assert status == 200, body
    health = json.loads(body)
    assert health["status"] == "ok"
    assert health["database"] == {"ok": True, "detail": "sqlite"}
    assert health["broker"] == {"ok": True, "detail": "filesystem"}


def test_gunicorn_redirects_other_plain_http_requests_to_https(server):
    status, headers, _ = server.get("/accounts/login/")
    assert status == 301
    assert headers["location"] == "https://127.0.0.1/accounts/login/"


def test_pages_behind_the_tls_proxy_use_hashed_static_files_served_by_whitenoise(server, deployment):
    proxied = {"X-Forwarded-Proto": "https"}
    manifest = deployment.manifest()

    status, headers, body = server.get("/accounts/login/", proxied)
    assert status == 200, server.log.read_text()
    assert "max-age=31536000" in headers["strict-transport-security"]
    page = body.decode()
    for name in ["vendor/htmx/htmx.min.js", "vendor/pico/pico.min.css"]:
        assert f"/static/{manifest[name]}" in page

    status, _, body = server.get("/api/docs/", proxied)
    assert status == 200, server.log.read_text()
    swagger_bundle = f"/static/{manifest['drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js']}"
    assert swagger_bundle in body.decode()

    status, headers, body = server.get(f"/static/{manifest['vendor/htmx/htmx.min.js']}",
                                       {**proxied, "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "immutable" in headers["cache-control"]
    status, _, _ = server.get(swagger_bundle, proxied)
    assert status == 200


def test_dockerfile_healthcheck_passes_against_a_healthy_server(server):
    result = run_healthcheck(server)
    assert result.returncode == 0, result.stderr


def test_healthz_answers_503_naming_the_broker_when_the_broker_is_down(deployment):
    # Given a web process whose broker is a closed port
    with gunicorn(deployment, "broker-down", CELERY_BROKER_URL="redis://127.0.0.1:1/0",
                  HEALTHZ_BROKER_TIMEOUT="1") as server:
        # When it is probed
        status, _, body = server.get("/healthz")
        healthcheck = run_healthcheck(server)

    # Then /healthz says what is down, and the container would turn unhealthy
    assert status == 503, body
    health = json.loads(body)
    assert health["status"] == "unavailable"
    assert health["down"] == ["broker"]
    assert health["broker"]["ok"] is False
    assert health["database"]["ok"] is True
    assert healthcheck.returncode != 0


# --- the files that describe the deployment --------------------------------------


def test_subprocess_environment_keeps_path_and_drops_the_parent_configuration(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://ci@127.0.0.1/peerloop")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 9")

    env = clean_env(DATABASE_URL="sqlite:///x.sqlite3")

    assert env["PATH"].split(os.pathsep)[0] == str(VENV_BIN)
    assert os.environ["PATH"] in env["PATH"]
    assert env["DATABASE_URL"] == "sqlite:///x.sqlite3"
    assert "CELERY_BROKER_URL" not in env and "GUNICORN_CMD_ARGS" not in env
    assert env["DJANGO_SETTINGS_MODULE"] == PRODUCTION


def test_dockerfile_runs_gunicorn_as_a_non_root_user_with_production_settings():
    instructions = dockerfile_instructions()
    assert sum(keyword == "FROM" for keyword, _ in instructions) >= 2, "multi-stage build"
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert dockerfile_env()["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    assert dockerfile_cmd()[:2] == ["gunicorn", "config.wsgi:application"]
    assert "/healthz" in " ".join(dockerfile_healthcheck())


def test_compose_runs_one_beat_and_configures_only_settings_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]

    known = settings_env_names() | GUNICORN_ENV | {"DJANGO_SETTINGS_MODULE"}
    for name in ["web", "worker", "beat", "migrate"]:
        environment = services[name]["environment"]
        assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= set(environment)
        assert set(environment) <= known, f"{name} sets variables no setting reads"
        assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION


def test_readme_documents_every_setting_read_from_the_environment():
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in settings_env_names() if f"`{name}`" not in readme)
    assert not undocumented, f"README.md's settings table lacks {undocumented}"
