"""`needle run` serves HTTP in every mode: the console coach too, on 127.0.0.1 only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.config import Settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_the_console_coach_serves_healthz_and_the_dashboard(tmp_path: Path) -> None:
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_", "DATABASE_URL", "HOST", "PORT"))
    }
    environment.update(DATABASE_URL=f"sqlite:///{tmp_path / 'needle.db'}", PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=environment,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the web server never answered"
                time.sleep(0.2)
        assert status == 200 and '"ready": true' in body
        status, body = get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "Sign in from chat" in body
        status, body = get(f"http://127.0.0.1:{port}/static/dashboard.css")
        assert status == 200 and "focus-visible" in body
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the end of input ends the console coach, and Needle
        process.wait(timeout=30)


def test_the_web_server_listens_everywhere_only_for_a_chat_platform() -> None:
    quiet = Settings(_env_file=None)
    assert quiet.web_host == "127.0.0.1"
    assert quiet.dashboard_url == "http://localhost:3000"
    slack = Settings(_env_file=None, slack_bot_token="xoxb-1")
    assert slack.web_host == "0.0.0.0"
    chosen = Settings(_env_file=None, host="10.0.0.5", public_url="https://n.example.com/")
    assert chosen.web_host == "10.0.0.5" and chosen.dashboard_url == "https://n.example.com"
