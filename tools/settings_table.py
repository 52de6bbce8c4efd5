#!/usr/bin/env python3
"""The README's table of installer settings, generated from the schema.

    python tools/settings_table.py                     # print the table
    python tools/settings_table.py --check README.md   # exit 1 if the README's copy is stale
    python tools/settings_table.py --write README.md   # replace the README's copy

The README keeps the table between two marker lines, so the rest of the
README stays hand-written and the table can never drift from
``firmware/thermo/schema.py``, the one place settings are defined.
"""

import argparse
import difflib
import json
import sys
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
if str(FIRMWARE) not in sys.path:
    sys.path.insert(0, str(FIRMWARE))

from thermo import schema  # noqa: E402
from thermo.meanings import MEANINGS  # noqa: E402

BEGIN = "<!-- settings-table -->"
END = "<!-- /settings-table -->"
WRITE_HINT = "run: python tools/settings_table.py --write README.md"


def default_text(value):
    """A default as it is written in a config file: "O", 1, 1.0, null, true."""
    return json.dumps(value)


def allowed_text(kind, allowed, unit):
    if kind == schema.CHOICE:
        return ", ".join("`%s`" % json.dumps(choice) for choice in allowed)
    if kind == schema.FLAG:
        return "`true`, `false`"
    if kind == schema.FLAG_OR_NULL:
        return "`true`, `false`, `null`"
    if kind == schema.SCHEDULE:
        return "`null`, or up to 16 entries (see Schedules)"
    low, high = allowed
    text = "%s to %s%s" % (json.dumps(low), json.dumps(high), (" " + unit) if unit else "")
    if kind in (schema.DEGREES_OR_NULL, schema.WHOLE_OR_NULL):
        text += ", or `null`"
    return text


def cell(text):
    """Text made safe for one Markdown table cell."""
    return text.replace("|", "\\|")


def table():
    """The Markdown table, one row per setting, in the web page's groups
    (thermo.schema.GROUPS; the schedule last), ending in a newline."""
    entries = {entry[0]: entry for entry in schema.SCHEMA}
    rows = ["| key | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    for title, keys in schema.GROUPS + (("Schedule", ("schedule",)),):
        rows.append("| **%s** | | | |" % title)
        for key in keys:
            _key, kind, default, allowed, unit = entries[key]
            rows.append("| `%s` | `%s` | %s | %s |" % (
                key, default_text(default), cell(allowed_text(kind, allowed, unit)), cell(MEANINGS[key])))
    return "\n".join(rows) + "\n"


def block():
    """What belongs between the markers: the table on lines of its own."""
    return "\n" + table()


def _between(text):
    """(start, end) of the text between the markers, or None if they are missing."""
    start = text.find(BEGIN)
    if start < 0:
        return None
    start += len(BEGIN)
    end = text.find(END, start)
    if end < 0:
        return None
    return start, end


def _read(readme_path, hint=""):
    """(path, text, span of the table) or (path, message, None) if it cannot be used."""
    path = Path(readme_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return path, "%s: cannot read: %s" % (path, error.strerror or error), None
    span = _between(text)
    if span is None:
        return path, "%s: no settings table: add the lines %s and %s where it goes%s" % (
            path, BEGIN, END, hint), None
    return path, text, span


def check(readme_path):
    """None if the README holds the current table, else one message saying what is wrong."""
    path, text, span = _read(readme_path, ", then " + WRITE_HINT)
    if span is None:
        return text
    current = text[span[0]:span[1]]
    if current == block():
        return None
    diff = difflib.unified_diff(current.splitlines(), block().splitlines(),
                                "%s (now)" % path, "schema.SCHEMA", lineterm="")
    return "%s: the settings table is out of date with firmware/thermo/schema.py; %s\n%s" % (
        path, WRITE_HINT, "\n".join(diff))


def write(readme_path):
    """Replace the table between the markers; None, or a message if it cannot."""
    path, text, span = _read(readme_path)
    if span is None:
        return text
    path.write_text(text[:span[0]] + block() + text[span[1]:], encoding="utf-8")
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", metavar="README", help="exit 1 unless README holds the current table")
    action.add_argument("--write", metavar="README", help="replace the table between the markers in README")
    args = parser.parse_args(argv)
    if args.check:
        problem = check(args.check)
    elif args.write:
        problem = write(args.write)
    else:
        sys.stdout.write(table())
        return 0
    if problem:
        print("settings_table.py: " + problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
