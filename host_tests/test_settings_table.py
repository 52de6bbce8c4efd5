"""The README's settings table is generated from the schema and kept current.

``tools/settings_table.py`` writes the table between two marker lines of
README.md; the first test here fails whenever someone changes a setting in
``firmware/thermo/schema.py`` without regenerating it.
"""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / "tools"
FIRMWARE = REPO / "firmware"
for folder in (TOOLS, FIRMWARE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import settings_table  # noqa: E402

from thermo import schema  # noqa: E402
from thermo.meanings import MEANINGS  # noqa: E402

README = REPO / "README.md"


def test_readme_contains_the_current_settings_table():
    problem = settings_table.check(README)
    assert problem is None, problem


def rows():
    """{key: (default, allowed, meaning)} from the generated table."""
    result = {}
    for line in settings_table.table().splitlines()[2:]:
        if line.startswith("| **"):
            continue  # a group's title row
        key, default, allowed, meaning = [cell.strip() for cell in line.strip("|").split(" | ")]
        result[key.strip("`")] = (default, allowed, meaning)
    return result


def test_the_table_has_one_row_per_setting_in_group_order():
    assert list(rows()) == [key for _title, keys in schema.GROUPS for key in keys] + ["schedule"]
    assert sorted(rows()) == sorted(entry[0] for entry in schema.SCHEMA)


def test_the_table_header_names_key_default_allowed_meaning():
    assert settings_table.table().splitlines()[0] == "| key | default | allowed | meaning |"


@pytest.mark.parametrize("key, default", [
    ("reversing_valve", '`"O"`'),
    ("compressor_stages", "`1`"),
    ("heat_differential_f", "`1.0`"),
    ("compressor_min_outdoor_f", "`null`"),
    ("em_heat_w2", "`true`"),
])
def test_defaults_are_written_as_in_a_config_file(key, default):
    assert rows()[key][0] == default


@pytest.mark.parametrize("key, allowed", [
    ("min_off_s", "30 to 3600 s"),
    ("heat_differential_f", "0.5 to 5.0 °F"),
    ("max_starts_per_hour", "1 to 12"),
    ("compressor_min_outdoor_f", "-40.0 to 70.0 °F, or `null`"),
    ("backup_heat", '`"electric"`, `"dual_fuel"`, `"none"`'),
    ("em_heat_w2", "`true`, `false`"),
    ("fan_with_backup", "`true`, `false`, `null`"),
])
def test_allowed_shows_the_range_with_its_unit_or_the_choices(key, allowed):
    assert rows()[key][1] == allowed


def test_meaning_is_the_meanings_table_own_words():
    assert {key: row[2] for key, row in rows().items()} == MEANINGS


def test_every_setting_has_a_meaning_and_every_meaning_a_setting():
    assert sorted(MEANINGS) == sorted(entry[0] for entry in schema.SCHEMA)
    assert all(MEANINGS.values())


def readme_with(tmp_path, between):
    path = tmp_path / "README.md"
    path.write_text("# Thermostat\n\nIntro.\n\n%s%s%s\n\nMore text.\n" % (
        settings_table.BEGIN, between, settings_table.END), encoding="utf-8")
    return path


def test_check_passes_a_readme_with_the_current_table(tmp_path):
    assert settings_table.check(readme_with(tmp_path, settings_table.block())) is None


def test_check_reports_a_stale_table_and_how_to_fix_it(tmp_path):
    stale = settings_table.block().replace("`300`", "`600`")
    problem = settings_table.check(readme_with(tmp_path, stale))
    assert "out of date" in problem and "--write" in problem


def test_check_reports_a_readme_without_markers(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("# Thermostat\n", encoding="utf-8")
    problem = settings_table.check(path)
    assert settings_table.BEGIN in problem and settings_table.END in problem


def test_write_replaces_only_the_text_between_the_markers(tmp_path):
    path = readme_with(tmp_path, "\nold table\n")
    assert settings_table.write(path) is None
    text = path.read_text(encoding="utf-8")
    assert text == "# Thermostat\n\nIntro.\n\n%s%s%s\n\nMore text.\n" % (
        settings_table.BEGIN, settings_table.block(), settings_table.END)
    assert settings_table.check(path) is None


def test_cli_check_exits_1_with_the_message_on_stderr_when_stale(tmp_path):
    path = readme_with(tmp_path, "\nold table\n")
    result = subprocess.run([sys.executable, str(TOOLS / "settings_table.py"), "--check", str(path)],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 1
    assert "out of date" in result.stderr


def test_cli_write_then_check_exits_0(tmp_path):
    path = readme_with(tmp_path, "\nold table\n")
    tool = [sys.executable, str(TOOLS / "settings_table.py")]
    assert subprocess.run([*tool, "--write", str(path)], cwd=REPO).returncode == 0
    assert subprocess.run([*tool, "--check", str(path)], cwd=REPO).returncode == 0


def test_the_table_shows_the_web_pages_groups_in_order_each_setting_under_its_own():
    titles, under = [], {}
    for line in settings_table.table().splitlines()[2:]:
        if line.startswith("| **"):
            titles.append(line.split("**")[1])
        else:
            under[line.split("`")[1]] = titles[-1]
    assert titles == [title for title, _keys in schema.GROUPS] + ["Schedule"]
    assert under == {key: title for title, keys in schema.GROUPS for key in keys} | {"schedule": "Schedule"}
