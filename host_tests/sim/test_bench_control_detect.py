"""make bench-control also prints the fault detectors' report (issue 13, tools/bench_detect.py):
its own titled section and targets line, --detect-days normal days, --no-detect to skip it."""

import bench_control as B
import bench_detect
import pytest

DAY = {"energy_kwh": 50.0, "aux_kwh": 10.0, "unavoidable_aux_kwh": 10.0, "ideal_kwh": 50.0,
       "discomfort_degf_h": 0.5, "strip_starts": 12, "max_strip_starts_in_an_hour": 6, "short_strip_runs": 0,
       "max_starts_in_an_hour": 3, "short_cycles": 0, "short_cycle_alert_minutes": 0.0,
       "min_indoor_f": 69.0, "max_indoor_f": 71.0, "indoor_at_0630_f": 69.0, "recovery_aux_kwh": 0.0}
DETECT_LINES = ["| fault case | expected | first alert | detection time | target | result |",
                "false alarms over 1 normal days (...): 0"]


@pytest.fixture
def bench(monkeypatch):
    """bench_control's main on canned figures (one process): the jobs it was given, and its output."""
    jobs, verdict = [], {"ok": True}

    def run_one(job):
        jobs.append(job)
        if job[0] == "detect":
            return DETECT_LINES, verdict["ok"]
        return dict(DAY, energy_kwh=45.0) if job[2] == "setback" else DAY

    monkeypatch.setattr(B, "run_one", run_one)
    return jobs, verdict


def main(capsys, *argv):
    status = B.main(["--quiet", "--no-sequence", "--jobs", "1", *argv])
    return status, capsys.readouterr().out


def test_the_detectors_section_follows_the_control_report_with_its_own_targets_line(bench, capsys):
    jobs, _ = bench
    status, out = main(capsys, "--detect-days", "1")
    assert status == 0
    assert [job for job in jobs if job[0] == "detect"] == [("detect", 1)]
    assert out.index("targets (firmware)") < out.index(B.DETECT_TITLE) < out.index(DETECT_LINES[0])
    assert out.rstrip().splitlines()[-2:] == [
        "targets (fault detectors): 1 of 1 met",
        "  PASS every injected fault detected with its code in time (2 h, low_charge 3 days), none early; "
        "0 false alarms over 1 normal days: met"]


def test_a_detector_target_missed_is_a_miss_line_as_the_control_targets_are(bench, capsys):
    _, verdict = bench
    verdict["ok"] = False
    status, out = main(capsys, "--detect-days", "1")
    assert status == 0  # targets are reported, not enforced, as issue 10's are
    assert "targets (fault detectors): 0 of 1 met" in out
    assert out.rstrip().splitlines()[-1].startswith("  MISS every injected fault detected")


def test_the_detectors_run_30_normal_days_unless_told(bench, capsys):
    jobs, _ = bench
    main(capsys)
    assert ("detect", 30) in jobs


def test_no_detect_skips_the_detectors(bench, capsys):
    jobs, _ = bench
    status, out = main(capsys, "--no-detect")
    assert status == 0
    assert [job for job in jobs if job[0] == "detect"] == []
    assert B.DETECT_TITLE not in out and "fault detectors" not in out


@pytest.mark.parametrize("days", ["0", "-3"])
def test_detect_days_below_one_is_refused_naming_the_option(bench, capsys, days):
    with pytest.raises(SystemExit) as stop:
        B.main(["--detect-days", days])
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: --detect-days: %s is below 1 (allowed: 1 or more normal days)" % days)
    assert bench[0] == []


def test_the_detect_job_is_bench_detects_report_over_the_given_normal_days(monkeypatch):
    monkeypatch.setattr(bench_detect, "CASES", ())  # no fault case: the one normal day alone
    lines, ok = B.run_one(("detect", 1))
    assert lines[0] == DETECT_LINES[0]
    assert lines[-1].startswith("false alarms over 1 normal days")
    assert isinstance(ok, bool)
