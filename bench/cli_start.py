"""How quickly a `sogopy` command starts: `sogopy ward list` and `sogopy --help` against
`python -c 'import sqlalchemy'`, the floor any command that reads the database pays.

Each is run as its own process, in turns (so a busy shared machine weighs on all
alike), several times; the medians and the ratios to the baseline are printed. The
database is a fresh SQLite file with its schema already made (the first command of a
new machine also creates the schema: that run is not counted).

    python -m bench.cli_start [--rounds 9]

Target: `ward list` at most 0.3 s where python itself starts in 0.02 s; on a loaded
machine, read the ratio to `import sqlalchemy`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOGOPY = str(Path(sys.executable).parent / "sogopy")


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="sogopy-bench-") as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/sogopy.db",
            "TELEGRAM_BOT_USERNAME": "bench_bot",
        }
        jobs = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import sqlalchemy'": [sys.executable, "-c", "import sqlalchemy"],
            "sogopy --help": [SOGOPY, "--help"],
            "sogopy ward list": [SOGOPY, "ward", "list"],
        }
        timed(jobs["sogopy ward list"], env)  # creates the schema
        times: dict[str, list[float]] = {name: [] for name in jobs}
        for _ in range(rounds):
            for name, command in jobs.items():
                times[name].append(timed(command, env))
    baseline = statistics.median(times["python -c 'import sqlalchemy'"])
    print(f"median of {rounds} runs each")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name:32} {median:6.3f} s  {median / baseline:5.2f}x import sqlalchemy")


if __name__ == "__main__":
    main()
