"""The golden timelines: behaviour pinned before the core's refactor.

``golden/timelines.json.gz`` holds the replay output (plain and
``--explain``) of every bundled scenario and 300 seeded random ones, as
the core produced them before issue 9 reshaped it. Each is replayed again
here and must match line for line. A key the golden line lacks is allowed
only if it is one this refactor added on purpose (:data:`ADDED_KEYS`);
every other difference fails, naming the scenario and the first line that
differs. Re-record with ``python host_tests/golden/record.py`` only for a
change you intend, and say why in the commit.
"""

import gzip
import json

import pytest
from golden.record import GOLDEN, timeline

from thermo.detect import ALERT_NAMES as DETECTOR_ALERTS

# Keys a replay line gained after the recording, on purpose.
ADDED_KEYS = ("action",)
# Alerts added after the recording, on purpose: the fault detectors (issue
# 13) judge how the house answers, and a scenario's indoor reading that does
# not move under a long heat call is, to them, a dead compressor. They never
# move a relay, so a line that differs from the one before only by them is
# dropped, and they are left out of the others: the relays stay pinned.
ADDED_ALERTS = DETECTOR_ALERTS


def without_added_alerts(lines):
    """``lines`` without the added alerts, and without the lines that only
    those alerts' coming or going printed."""
    kept = []
    previous = None
    for line in lines:
        filtered = dict(line, alerts=[name for name in line["alerts"] if name not in ADDED_ALERTS]) \
            if "alerts" in line else line
        same = previous is not None and {k: v for k, v in line.items() if k not in ("t", "alerts")} == \
            {k: v for k, v in previous.items() if k not in ("t", "alerts")}
        only_added = same and kept and filtered.get("alerts") == kept[-1].get("alerts") \
            and line.get("alerts") != previous.get("alerts")
        previous = line
        if not only_added:
            kept.append(filtered)
    return kept


with gzip.open(GOLDEN, "rt", encoding="utf-8") as stored:
    ENTRIES = json.load(stored)


def first_difference(golden, now):
    now = dict(now, lines=without_added_alerts(now["lines"]))
    if golden["refused"] != now["refused"]:
        return "refusals differ: %s, now %s" % (golden["refused"], now["refused"])
    for number, (was, line) in enumerate(zip(golden["lines"], now["lines"], strict=False)):
        shown = {key: value for key, value in line.items() if key not in was and key in ADDED_KEYS}
        kept = {key: value for key, value in line.items() if key not in shown}
        if kept != was:
            return "line %d was\n  %s\nnow\n  %s" % (number, json.dumps(was), json.dumps(kept))
    if len(golden["lines"]) != len(now["lines"]):
        return "%d lines, now %d" % (len(golden["lines"]), len(now["lines"]))
    return None


def test_the_golden_set_covers_every_bundled_scenario_and_300_random_ones():
    names = [entry["name"] for entry in ENTRIES]
    assert sum(name.startswith("random-") for name in names) == 300
    assert len(names) == len(set(names))


@pytest.mark.parametrize("explain", (False, True), ids=("plain", "explain"))
def test_every_timeline_is_as_recorded(explain):
    differences = []
    for entry in ENTRIES:
        difference = first_difference(entry["explain" if explain else "plain"], timeline(entry["scenario"], explain))
        if difference:
            differences.append("%s: %s" % (entry["name"], difference))
    assert not differences, "%d of %d timelines changed; the first:\n%s" % (
        len(differences), len(ENTRIES), "\n".join(differences[:3]))
