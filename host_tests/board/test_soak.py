"""Soak: the whole board firmware for hours and days on the virtual clock.

Every board file x every situation of :mod:`soak_plan` (Wi-Fi up, never
connecting, dropping hourly, NTP unreachable, a flapping or long-gone indoor
sensor, a failing flash, a crash during set-up, the MQTT link configured with
its broker down, black-holed, up, or all three in turns, and every optional
part on at once: a screen, Wi-Fi (steady or dropping hourly), MQTT and the
web page with a phone using it and now and then attacking it): no watchdog
reset, no boot-guard trip, no task silent, and the relays switch as the replay
engine switches them for the same sensor trace (and the same button presses
and web commands), within one control period (:mod:`soak`); with the web, it
answers every visit as the API says, and again after each attack, leaves no
connection open and keeps at most its cap of sessions. Every run starts a
minute before the ``ticks_ms`` wrap.
``make test`` runs two hours of each (one hour of each MQTT and web situation);
``pytest -m slow`` runs 72 hours of each (the sensor gone for 8 days: 8
days and 6 hours). The selected combinations run two at a
time in worker processes (:func:`soak.soak_many`); each is still its own test.
"""

import os

import pytest
import soak
import soak_plan
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture

HOUR_MS = soak_plan.HOUR_MS


def _combinations():
    """Every board file x every situation; on a board without Wi-Fi, of the
    MQTT situations only the flapping broker (the board ignores the broker
    settings whatever the broker does)."""
    out = []
    for name in soak.board_names():
        wifi = soak.board_data(name).get("wifi")
        for situation in soak_plan.SITUATIONS:
            if wifi or situation not in soak_plan.MQTT_SITUATIONS or situation == "mqtt_broker_flaps":
                out.append((name, situation))
    return out


COMBINATIONS = _combinations()
IDS = ["%s-%s" % combination for combination in COMBINATIONS]
SHORT_MS = 2 * HOUR_MS
SHORT_MQTT_MS = HOUR_MS  # make test's share: the broker flaps three times an hour (soak_plan)
SHORT_WEB_MS = HOUR_MS  # 12 visits of the phone, each of its 4 attacks once (fakes/webclient.py)


def short_soak_ms(situation):
    if situation in soak_plan.WEB_SITUATIONS:
        return SHORT_WEB_MS
    return SHORT_MQTT_MS if situation in soak_plan.MQTT_SITUATIONS else SHORT_MS


def long_soak_ms(situation):
    if situation == "indoor_gone_8_days":
        return soak_plan.GONE_FROM_MS + soak_plan.GONE_FOR_MS + 6 * HOUR_MS  # and back for a while
    return 72 * HOUR_MS


SOAKS = {  # test function name -> duration of one combination
    "test_two_hours_without_a_reset_switching_as_the_replay": short_soak_ms,
    "test_three_days_without_a_reset_switching_as_the_replay": long_soak_ms,
}


@pytest.fixture(scope="session")
def soak_results(request):
    """Every selected soak combination, run once, two at a time."""
    jobs = []
    for item in request.session.items:
        duration = SOAKS.get(getattr(item, "originalname", None))
        if duration is not None:
            name, situation = item.callspec.params["name"], item.callspec.params["situation"]
            jobs.append((name, situation, duration(situation)))
    results = soak.soak_many(jobs, workers=min(2, os.cpu_count() or 1))
    yield results
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if results and reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # a fixture's teardown output is captured otherwise
            reporter.write_line("\n" + summary(results))


def summary(results):
    """One line of the soak's figures, added up over every combination run."""
    figures = [entry[0] for entry in results.values()]
    total = {key: sum(f.get(key, 0) for f in figures)
             for key in ("hours", "watchdog_resets", "guard_trips", "resets", "relay_changes", "divergences")}
    web = {key: sum(f.get(key, 0) for f in figures) for key in ("web_visits", "web_logins", "web_misbehaviours")}
    return ("soak: %d combinations, %.0f virtual hours, %d watchdog resets, %d boot-guard trips, %d resets, "
            "%d relay changes, %d divergences from the replay (largest lag %d ms), %d web visits (%d logins, "
            "%d attacks, at most %d sessions), %d failed" % (
                len(figures), total["hours"], total["watchdog_resets"], total["guard_trips"], total["resets"],
                total["relay_changes"], total["divergences"], max(f.get("largest_lag_ms", 0) for f in figures),
                web["web_visits"], web["web_logins"], web["web_misbehaviours"],
                max(f.get("web_most_sessions", 0) for f in figures), sum(1 for entry in results.values() if entry[1])))


def test_a_750_ms_conversion_wait_never_wakes_early_in_ten_hours(board):
    """A DS18B20 read before its 750 ms conversion returns the 85 °C power-on
    value (a false reading, or a lost sensor). Ten hours of 5-second sensor
    cycles (7,200 waits per sensor, among 720,000 button polls) all wake at
    or after +750 ms on the harness's clock."""
    board.install("rpi_pico")
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    assert board.boot(10 * 3_600_000) == "halt"
    assert len(board.world.converted) == 2
    assert board.world.early_reads == 0


@pytest.mark.parametrize(("name", "situation"), COMBINATIONS, ids=IDS)
def test_two_hours_without_a_reset_switching_as_the_replay(name, situation, soak_results):
    figures, failures = soak_results[(name, situation, short_soak_ms(situation))]
    assert failures == [], figures


@pytest.mark.slow
@pytest.mark.parametrize(("name", "situation"), COMBINATIONS, ids=IDS)
def test_three_days_without_a_reset_switching_as_the_replay(name, situation, soak_results):
    figures, failures = soak_results[(name, situation, long_soak_ms(situation))]
    assert failures == [], figures
