"""tools/stability.py: rounds of the randomized and soak tests, each on a
fresh seed, counted; a failed round names its seed so it can be re-run."""

import io
import re

import pytest
import stability


def test_the_rounds_run_the_randomized_tests_and_every_soak_file():
    files = stability.selected_files()
    assert files[:2] == ["host_tests/test_properties.py", "host_tests/test_replay_audit.py"]
    assert "host_tests/board/test_soak.py" in files


def test_each_round_gets_its_own_fresh_seed_as_thermo_seed():
    seen = []
    out = io.StringIO()
    status = stability.main(["--rounds", "3"], run=lambda seed, files, args: seen.append(seed) or (True, [], ""),
                            out=out)
    assert status == 0 and len(set(seen)) == 3 and all(0 < seed < 2**32 for seed in seen)
    assert out.getvalue().splitlines()[-1] == "stability: 3 of 3 rounds passed"
    assert re.findall(r"THERMO_SEED=(\d+) passed", out.getvalue()) == [str(seed) for seed in seen]


def test_a_failed_round_is_counted_and_its_seed_and_tests_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(stability, "LOGS", tmp_path)

    def run(seed, files, args):
        return seed != 17, ["host_tests/test_properties.py::test_x[rotating]"], "the output"

    out = io.StringIO()
    status = stability.main(["--seeds", "5,17,23", "--", "-x"], run=run, out=out)
    lines = out.getvalue().splitlines()
    assert status == 1
    assert lines[-2] == "stability: 2 of 3 rounds passed"
    assert lines[-1].startswith("failed seeds: 17 (re-run one: THERMO_SEED=<seed> ")
    assert "round 2/3 THERMO_SEED=17 FAILED" in lines[2] and "test_x[rotating]" in lines[2]
    assert (stability.LOGS / "seed-17.log").read_text() == "the output"


def test_a_seed_out_of_range_is_refused_naming_the_option(capsys):
    with pytest.raises(SystemExit):
        stability.main(["--seeds", "0"])
    assert "--seeds: 0 is out of range (allowed: 1 to 4294967295)" in capsys.readouterr().err
