#!/usr/bin/env python3
"""Replay a scenario through the real firmware control code.

    python tools/replay.py SCENARIO.json
    python tools/replay.py --interactive [SCENARIO.json] < events.jsonl

Prints JSON Lines on stdout: one at the start and one at every change of
outputs or alerts (with --explain, also of a held reason) (batch), or
exactly one answer per event read from stdin (interactive). A command the thermostat refuses is reported on stderr and
the run goes on. A malformed scenario exits 2 with one line on stderr.
The control code is ``firmware/thermo``, imported as the board imports it.

The scenario's config goes through the config lint the board runs
(``firmware/thermo/lint.py``): each warning is one line on stderr
("replay.py: config.KEYS: warning CODE: ...") and the run goes on; a
refusal exits 2 like a value out of range. Rules on the board's wiring
need the board file: ``--board NAME`` (a file in boards/) gives it.
"""

import argparse
import json
import sys
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
sys.path.insert(0, str(FIRMWARE))

import scenario as sc  # noqa: E402
from app import config  # noqa: E402 -- the board's own config check and lint
from board import boardfile  # noqa: E402 -- the board's own loader

from thermo.values import SettingError  # noqa: E402

BOARDS = Path(__file__).resolve().parent.parent / "boards"


def load(path):
    """The scenario file as a dict, or ScenarioError with one clear line."""
    try:
        text = Path(path).read_bytes()  # json.loads decodes; a bad encoding is a ValueError
    except OSError as error:
        raise sc.ScenarioError("%s: cannot read: %s" % (path, error.strerror or error)) from None
    return parse_json(text, path)


def parse_json(text, where):
    """JSON text as Python values, or ScenarioError naming ``where``.

    NaN and Infinity parse here and are refused by the field checks, which
    name the field.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise sc.ScenarioError("%s: not valid JSON: nested too deeply" % where) from None
    except ValueError as error:
        raise sc.ScenarioError("%s: not valid JSON: %s" % (where, error)) from None


def board_terminals(name):
    """The terminals a board file wires (a name in boards/, or a path to a
    .json file), or ScenarioError."""
    path = Path(name) if name.endswith(".json") else BOARDS / (name + ".json")
    if not name.endswith(".json") and Path(name).name != name or not path.exists():
        known = ", ".join(sorted(p.stem for p in BOARDS.glob("*.json")))
        raise sc.ScenarioError("--board: no board %r (known: %s, or a path to a .json file)" % (name, known))
    try:
        return config.terminals_of(boardfile.load(str(path), source=str(path)))
    except boardfile.BoardError as error:
        raise sc.ScenarioError(str(error)) from None


def lint_config(parsed, terminals):
    """The config lint's warnings as lines; a refusal is a ScenarioError
    (exit 2, as a value out of range)."""
    try:
        found = config.lint(parsed["config"], terminals, refuse=True)
    except SettingError as error:
        raise sc.ScenarioError("config." + str(error)) from None
    return ["config." + finding[3] for finding in found]


def refused(t_ms, message):
    print("t=%s: refused: %s" % (sc.format_seconds(t_ms), message), file=sys.stderr, flush=True)


def run_batch(parsed, show_reasons):
    out = sys.stdout
    sc.run(parsed, refused, lambda text: out.write(text + "\n"), explain=show_reasons)


def run_interactive(parsed, stdin, show_reasons):
    """One answer per event line; bad lines are reported and answered too."""
    replay = sc.Replay(parsed, refused, explain=show_reasons)
    for number, text in enumerate(stdin, 1):
        if not text.strip():
            continue
        try:
            event = sc.parse_event(parse_json(text, "line %d" % number), "line %d" % number)
            if sc.fixed(event["t"], 3) < replay.now_ms:
                raise sc.ScenarioError("line %d.t: %s is before the current time %s" % (
                    number, event["t"], sc.format_seconds(replay.now_ms)))
            replay.event(event, [])
        except ValueError as error:
            print("ignored: %s" % error, file=sys.stderr, flush=True)
        sys.stdout.write(replay.line() + "\n")
        sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", help="scenario JSON file")
    parser.add_argument("--interactive", action="store_true",
                        help="read events from stdin, answer each with one line")
    parser.add_argument("--board", default=None,
                        help="lint the config against this board file too (a name in boards/, or a .json path)")
    parser.add_argument("--explain", action="store_true",
                        help='add "held": {terminal: code} for every terminal held back (by the safety '
                             "gate or the decision; codes in firmware/thermo/reasons.py), and print a "
                             "line also when a reason changes")
    args = parser.parse_args(argv)
    if args.scenario is None and not args.interactive:
        print("replay.py: a scenario file is required (or --interactive); see --help", file=sys.stderr)
        return 2
    try:
        raw = load(args.scenario) if args.scenario else {}
        parsed = sc.parse(raw, interactive=args.interactive)
        warnings = lint_config(parsed, board_terminals(args.board) if args.board else None)
    except sc.ScenarioError as error:
        print("replay.py: %s" % error, file=sys.stderr)
        return 2
    for text in warnings:
        print("replay.py: %s" % text, file=sys.stderr, flush=True)
    try:
        if args.interactive:
            run_interactive(parsed, sys.stdin, args.explain)
        else:
            run_batch(parsed, args.explain)
    except BrokenPipeError:
        return 0
    return 0



if __name__ == "__main__":
    sys.exit(main())
