#!/usr/bin/env python3
"""Run the randomized and soak tests again and again, each time on a fresh
rotating seed, and count how many rounds pass.

    .venv/bin/python tools/stability.py [--rounds 20] [--seeds 5,17] [-- PYTEST ARGS]

Each round is one pytest process, one after the other (this machine's cores
are for the tests, not for rounds side by side), with ``THERMO_SEED`` set to
the round's seed: the randomized tests take it as their rotating seed, so a
failed round is re-run exactly by ``THERMO_SEED=<seed>``. The tests are
selected by file pattern (:data:`PATTERNS`), so soak files added later are
included. A failed round's whole output is kept under build/stability/.
Prints one line per round, then the pass count and the failed seeds; exits
1 if any round failed.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ("host_tests/test_properties.py", "host_tests/test_replay_audit.py", "host_tests/board/test_soak*.py")
LOGS = ROOT / "build" / "stability"
SEED_LIMIT = 2**32  # THERMO_SEED is a whole number from 1 to 2**32 - 1


def selected_files():
    """The test files the patterns match today, as paths from the repository root."""
    files = []
    for pattern in PATTERNS:
        files.extend(sorted(path.relative_to(ROOT).as_posix() for path in ROOT.glob(pattern)))
    return files


def fresh_seeds(count):
    generator = random.SystemRandom()
    return [generator.randrange(1, SEED_LIMIT) for _ in range(count)]


def run_round(seed, files, pytest_args):
    """One pytest run on ``seed``; returns (passed, failed test ids, output)."""
    command = [sys.executable, "-m", "pytest", *files, "-p", "no:cacheprovider", *pytest_args]
    env = dict(os.environ, THERMO_SEED=str(seed))
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    output = done.stdout + done.stderr
    failed = [line.split()[1] for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return done.returncode == 0, failed, output


def shown(path):
    """A path as typed from the repository root."""
    path = Path(path)
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def minutes(seconds):
    return "%dm%02ds" % divmod(round(seconds), 60)


def seed_list(text):
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("--seeds: %r is not a comma-separated list of whole numbers" % text) from None
    for seed in seeds:
        if not 0 < seed < SEED_LIMIT:
            raise argparse.ArgumentTypeError("--seeds: %d is out of range (allowed: 1 to %d)" % (seed, SEED_LIMIT - 1))
    return seeds


def main(argv=None, run=run_round, out=sys.stdout):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="how many rounds (default 20)")
    parser.add_argument("--seeds", type=seed_list, help="run these seeds instead of fresh ones, e.g. 5,17")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args(argv)
    if args.rounds < 1 and not args.seeds:
        parser.error("--rounds: %d is out of range (allowed: 1 or more)" % args.rounds)
    seeds = args.seeds or fresh_seeds(args.rounds)
    files = selected_files()
    print("stability: %d rounds of %s" % (len(seeds), " ".join(files)), file=out, flush=True)
    failures = []
    number = 0
    try:
        for number, seed in enumerate(seeds, 1):
            started = time.monotonic()
            passed, failed, output = run(seed, files, args.pytest_args)
            took = minutes(time.monotonic() - started)
            if passed:
                print("round %d/%d THERMO_SEED=%d passed (%s)" % (number, len(seeds), seed, took), file=out, flush=True)
                continue
            LOGS.mkdir(parents=True, exist_ok=True)
            log = LOGS / ("seed-%d.log" % seed)
            log.write_text(output)
            failures.append(seed)
            print("round %d/%d THERMO_SEED=%d FAILED (%s): %s; output in %s" % (
                number, len(seeds), seed, took, ", ".join(failed) or "see the output", shown(log)),
                file=out, flush=True)
    except KeyboardInterrupt:
        number -= 1
        print("stability: interrupted during round %d" % (number + 1), file=out)
    print("stability: %d of %d rounds passed" % (number - len(failures), number), file=out)
    if failures:
        print("failed seeds: %s (re-run one: THERMO_SEED=<seed> %s -m pytest %s)" % (
            ", ".join(str(seed) for seed in failures), shown(sys.executable), " ".join(files)), file=out)
    return 1 if failures or number < len(seeds) else 0


if __name__ == "__main__":
    sys.exit(main())
