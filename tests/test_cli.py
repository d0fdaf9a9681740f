"""The `needle` command as a user runs it: scripted chat, help, settings errors, demo, db."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NEEDLE = [sys.executable, "-m", "bot.cli"]


def run(
    args: list[str], tmp_path: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_", "DATABASE_URL"))
    }
    environment.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'needle.db'}", **env})
    return subprocess.run(
        NEEDLE + args,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )


def test_scripted_chat_prints_questions_and_confirmation(tmp_path: Path) -> None:
    result = run(
        ["chat", "--as", "Ana"],
        tmp_path,
        stdin="12\n1h30\ndemo with Acme; proposal for Beta\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Hi Ana" in out
    assert "sales conversations" in out and "minutes" in out and "top activities" in out
    assert "Check-in saved for today" in out
    assert "12 / 5" in out and "90 / 60" in out


def test_chat_resumes_after_the_process_restarts(tmp_path: Path) -> None:
    first = run(["chat", "--as", "Ben"], tmp_path, stdin="7\n")
    assert first.returncode == 0
    second = run(["chat", "--as", "Ben"], tmp_path, stdin="45\ncalls with prospects\n")
    assert second.returncode == 0, second.stderr
    assert "Welcome back, Ben" in second.stdout
    assert "7 / 5" in second.stdout and "45 / 60" in second.stdout


def test_bad_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, DATABASE_URL="mysql://nope")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run(["db", "upgrade"], tmp_path, TICK_SECONDS="-4")
    assert result.returncode == 2 and "TICK_SECONDS" in result.stderr


def test_unknown_timezone_is_refused(tmp_path: Path) -> None:
    result = run(["chat", "--tz", "Mars/Base"], tmp_path)
    assert result.returncode == 2 and "Mars/Base" in result.stderr


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["chat", "--help"], ["demo", "--help"]]
)
def test_help_is_clear(tmp_path: Path, args: list[str]) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 0
    assert "usage: needle" in result.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert (tmp_path / "needle.db").exists()


def test_demo_prints_a_leaderboard(tmp_path: Path) -> None:
    result = run(["demo", "--database", f"sqlite:///{tmp_path / 'demo.db'}"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "8 members" in result.stdout
    assert "$ needle leaderboard calls week" in result.stdout
    assert "I don't know the command" not in result.stdout


def test_chat_at_another_time_counts_that_day(tmp_path: Path) -> None:
    # A Saturday in Chicago: the check-in is for that local date, and the week is that week.
    result = run(
        ["chat", "--as", "Rita", "--tz", "America/Chicago", "--at", "2026-11-28T10:00"],
        tmp_path,
        stdin="7 calls, 65 min; demo with Acme\nstats week\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Check-in saved for today" in result.stdout
    assert "this week (Mon 23 Nov – Sat 28 Nov)" in result.stdout


def test_chat_at_an_unreadable_time_is_refused(tmp_path: Path) -> None:
    result = run(["chat", "--at", "next tuesday"], tmp_path)
    assert result.returncode == 2
    assert "--at" in result.stderr and len(result.stderr.strip().splitlines()) == 1
