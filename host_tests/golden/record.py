"""Golden timelines: the replay output of every bundled scenario and 300
seeded random ones, recorded before a refactor of the core so that the
refactor can be shown to change no behaviour (issue 9).

    python host_tests/golden/record.py          # re-record (after an intended change)

writes ``timelines.json.gz`` beside this file: for each scenario, the
scenario itself (so a later change to the random generator changes
nothing here), its plain replay lines and its ``--explain`` lines.
``test_golden_timelines.py`` replays each stored scenario and compares.
Re-record only for a change you intend, and list it in the commit message.
"""

import gzip
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (ROOT / "firmware", ROOT / "tools", ROOT / "host_tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import scenario as sc  # noqa: E402
from test_micropython_conformance import random_scenario  # noqa: E402

GOLDEN = HERE / "timelines.json.gz"
SEED = 20261130
RANDOM_COUNT = 300


def scenarios():
    """(name, scenario) for every bundled scenario, then the random ones."""
    named = [(path.stem, json.loads(path.read_text()))
             for path in sorted((ROOT / "host_tests" / "scenarios").glob("*.json"))]
    rng = random.Random(SEED)
    named += [("random-%d-%03d" % (SEED, number), random_scenario(rng)) for number in range(RANDOM_COUNT)]
    return named


def timeline(scenario, explain):
    refused = []
    lines = sc.run(sc.parse(scenario), on_refused=lambda t_ms, message: refused.append([t_ms, message]),
                   explain=explain)
    return {"lines": [json.loads(text) for text in lines], "refused": refused}


def record():
    entries = [{"name": name, "scenario": scenario, "plain": timeline(scenario, False),
                "explain": timeline(scenario, True)} for name, scenario in scenarios()]
    with gzip.open(GOLDEN, "wt", encoding="utf-8") as out:
        json.dump(entries, out, separators=(",", ":"), sort_keys=True)
    return entries


if __name__ == "__main__":
    print("recorded %d timelines in %s" % (len(record()), GOLDEN.relative_to(ROOT)))
