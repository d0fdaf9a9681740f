"""Benchmark: how fast the `needle` command starts.

Two figures, each over `--runs` fresh processes, as median and p95 in ms:

- `needle --help`: the whole process, from exec to exit;
- `needle run` to ready: the console coach on a SQLite file (already migrated by a warm-up
  run), from exec until the console's greeting is printed (the first stdout line after the
  connect hint), i.e. until Needle takes input. The process is then ended with end of input.

Also prints the import time (`python -X importtime`) of `needle --help`: the sum of the
top-level imports and the slowest of them.

With `--baseline DIR` the same figures are taken, interleaved in the same run, for another
checkout of Needle (e.g. `mkdir /tmp/base && git archive main | tar -x -C /tmp/base`), so
both are measured under the same load.

    python bench/startup.py [--runs 20] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def needle(*args: str) -> list[str]:
    """The command line running `needle ARGS` (from the checkout that is the working folder)."""
    return [sys.executable, "-m", "bot.cli", *args]


def environment(database: Path) -> dict[str, str]:
    """The environment without chat platform settings: `needle run` starts the console."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_", "DATABASE_URL", "PYTHONPATH"))
    }
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env["CONSOLE_USER"] = "Bench"
    return env


def time_help(tree: Path, env: dict[str, str]) -> float:
    """Seconds for one `needle --help`."""
    started = time.perf_counter()
    subprocess.run(needle("--help"), cwd=tree, env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def time_ready(tree: Path, env: dict[str, str]) -> float:
    """Seconds from starting `needle run` until its console greeting is printed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        needle("run"),
        cwd=tree,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    ready = 0.0
    for number, _line in enumerate(process.stdout, start=1):
        if number == 2:  # the connect hint, then the greeting
            ready = time.perf_counter() - started
            break
    process.stdin.close()  # end of input: the console coach says goodbye and Needle stops
    process.stdout.read()
    err = process.stderr.read() if process.stderr is not None else ""
    process.wait(timeout=60)
    if not ready or process.returncode != 0:
        raise RuntimeError(f"needle run did not get ready in {tree}: {err[-2000:]}")
    return ready


def import_time(tree: Path, env: dict[str, str]) -> tuple[float, str]:
    """Total top-level import time of `needle --help` (s), and its slowest top-level import."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *needle("--help")[1:]],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    slowest = (0, "")
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if found:  # a top-level import: no indentation before the module name
            micros, name = int(found.group(1)), found.group(2)
            total += micros
            slowest = max(slowest, (micros, name))
    return total / 1e6, f"{slowest[1]} {slowest[0] / 1000:.0f} ms"


def summary(seconds: list[float]) -> str:
    """Median and p95 in ms."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms"


def main() -> None:
    """Measure this checkout (and the baseline, when given) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline", type=Path, default=None, help="another Needle checkout")
    args = parser.parse_args()
    trees = {"this": ROOT}
    if args.baseline is not None:
        trees["baseline"] = args.baseline.resolve()
    with tempfile.TemporaryDirectory(prefix="needle-startup-") as folder:
        envs = {name: environment(Path(folder) / f"{name}.db") for name in trees}
        helps: dict[str, list[float]] = {name: [] for name in trees}
        readies: dict[str, list[float]] = {name: [] for name in trees}
        for name, tree in trees.items():
            time_ready(tree, envs[name])  # warm-up: migrates the database, fills caches
        for _ in range(args.runs):
            for name, tree in trees.items():
                helps[name].append(time_help(tree, envs[name]))
                readies[name].append(time_ready(tree, envs[name]))
        print(f"{args.runs} runs each, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        for name, tree in trees.items():
            total, slowest = import_time(tree, envs[name])
            print(f"[{name}] {tree}")
            print(f"  needle --help        {summary(helps[name])}")
            print(f"  needle run to ready  {summary(readies[name])}")
            print(f"  --help imports       {total * 1000:6.0f} ms (slowest: {slowest})")


if __name__ == "__main__":
    main()
