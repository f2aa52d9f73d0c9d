"""`make run`'s process runner: web, worker and beat start together on the
embedded defaults, the site answers, and Ctrl-C stops all three."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .test_deploy import ROOT, clean_env, free_port, manage

pytestmark = pytest.mark.worker


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; it only waits for its parent to collect it.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _children(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        try:
            with open(f"/proc/{parent}/task/{parent}/children") as handle:
                kids = {int(k) for k in handle.read().split()}
        except FileNotFoundError:
            kids = set()
        frontier.extend(kids - found)
        found |= kids
    return found


def test_run_starts_web_worker_and_beat_and_ctrl_c_stops_all_three(tmp_path):
    port = free_port()
    env = clean_env(DJANGO_SETTINGS_MODULE="config.settings.local", PEERLOOP_VAR_DIR=str(tmp_path),
                    PORT=str(port))
    migrated = manage("migrate", "--noinput", env=env, timeout=180)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        runner = subprocess.Popen([sys.executable, "scripts/run_stack.py"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "Press Ctrl-C" not in log.read_text(errors="replace"):
            assert runner.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        banner = log.read_text()
        assert f"Peerloop is running at http://127.0.0.1:{port}/" in banner, banner[-3000:]
        assert "learner@acme.example" in banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.status == 200
        processes = _children(runner.pid)
        commands = " ".join(Path(f"/proc/{p}/cmdline").read_text().replace("\0", " ")
                            for p in processes if _alive(p))
        assert "runserver" in commands and " worker" in commands and " beat" in commands

        runner.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert runner.wait(timeout=60) == 0
        time.sleep(1)
        assert [p for p in processes if _alive(p)] == []
        assert "stopped." in log.read_text()
    finally:
        if runner.poll() is None:
            runner.kill()
