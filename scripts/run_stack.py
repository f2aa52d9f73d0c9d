"""Start Peerloop's web server, a Celery worker and celery beat together in the
foreground; Ctrl-C stops all three. Used by `make run`."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
URL = f"http://{HOST}:{PORT}"


def start(name: str, args: list[str]) -> subprocess.Popen:
    print(f"[run] starting {name}: {' '.join(args)}", flush=True)
    # Each process leads its own group so stopping it also stops its children
    # (runserver's reloader, the worker's pool processes).
    return subprocess.Popen(args, cwd=ROOT, start_new_session=True)


def stop(processes: dict[str, subprocess.Popen]) -> None:
    for name, proc in processes.items():
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                # Celery's main process stops its own pool (warm shutdown); the
                # web server's reloader child needs the whole group.
                if name == "web":
                    os.killpg(proc.pid, signal.SIGTERM)
                else:
                    os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, proc in processes.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"[run] {name} did not stop in time; killing it", flush=True)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def wait_until_ready(web: subprocess.Popen, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with urllib.request.urlopen(f"{URL}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def main() -> int:
    from cohorts.demo import DEMO_PASSWORD, demo_logins

    celery = [PYTHON, "-m", "celery", "-A", "config"]
    processes = {
        "web": start("web", [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}"]),
        "worker": start("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=2",
                                   "--hostname=worker@%h"]),
        "beat": start("beat", [*celery, "beat", "--loglevel=INFO",
                               "--schedule=var/celerybeat-schedule"]),
    }
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    if wait_until_ready(processes["web"]):
        lines = [
            "",
            "=" * 64,
            f"  Peerloop is running at {URL}/",
            f"  API docs: {URL}/api/docs/   Admin: {URL}/admin/",
            f"  Demo logins (password: {DEMO_PASSWORD}):",
            *[f"    {label:<26} {email}" for label, email in demo_logins()],
            "  Web, worker and beat are running. Press Ctrl-C to stop all three.",
            "=" * 64,
            "",
        ]
        print("\n".join(lines), flush=True)
    else:
        print(f"[run] the web server did not answer on {URL}/healthz", flush=True)
        stopping = True

    exit_code = 0
    while not stopping:
        for name, proc in processes.items():
            if proc.poll() is not None:
                print(f"[run] {name} exited with code {proc.returncode}; stopping the rest",
                      flush=True)
                exit_code = proc.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    print("[run] stopping web, worker and beat ...", flush=True)
    stop(processes)
    print("[run] stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    sys.exit(main())
