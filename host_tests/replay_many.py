"""Replay a JSON list of scenarios and print every timeline.

Runs unchanged on CPython and on MicroPython (tools/micropython.mjs), so the
conformance test can require both interpreters to print the same bytes.
Usage: replay_many.py SCENARIOS.json  (firmware/ and tools/scenario.py must be importable)
"""

import json
import sys

import scenario as sc


def main(path):
    with open(path) as handle:
        scenarios = json.load(handle)
    for index in range(len(scenarios)):
        print("# scenario %d" % index)
        try:
            parsed = sc.parse(scenarios[index])
        except sc.ScenarioError as error:
            print("malformed: %s" % error)
            continue
        sc.run(parsed, lambda t_ms, message: print("refused at %s: %s" % (sc.format_seconds(t_ms), message)),
               print, True)


main(sys.argv[1])
