"""The MQTT link on the board changes nothing the thermostat does.

The real board firmware (boot.py, main.py, app/, board/) with Wi-Fi and the
MQTT link to Home Assistant configured (mqtt_host set; umqtt.simple as
``make deploy`` installs it), against the fake network of fakes/socket.py,
fakes/select.py and fakes/broker.py: a broker that is down (connections
refused), black-holed (a connect never completes), up, or all three in
turns. Hours of virtual time, crossing the ``ticks_ms`` wrap (the harness's
clock starts a minute before it).
"""

import sys

import pytest
import soak
import soak_plan
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from soak_plan import HOUR_MS, MINUTE_MS, Plan

BOARD = "rpi_pico_w"
DEADLINE_MS = 3000  # the link's supervisor deadline (spec11.md: app.mqtt.DEADLINE_MS)
IDENTICAL_MS = 4 * HOUR_MS


def _commands(world):
    """What a user does from the REPL (app.runner.current.command), the
    same in every run: heat only, the fan on, a cooler cool setpoint, back
    to auto. And Wi-Fi drops from :20 to :30 of every hour."""

    def command(changes):
        def act():
            sys.modules["app.runner"].current.command(changes)

        return act

    world.at(2 * HOUR_MS + 10 * MINUTE_MS, command({"mode": "heat"}))
    world.at(2 * HOUR_MS + 50 * MINUTE_MS, command({"fan": "on"}))
    world.at(3 * HOUR_MS + 20 * MINUTE_MS, command({"cool_setpoint_f": 76}))
    world.at(3 * HOUR_MS + 40 * MINUTE_MS, command({"mode": "auto", "fan": "auto"}))
    world.wifi_ok = lambda t_ms: not 20 * MINUTE_MS <= t_ms % HOUR_MS < 30 * MINUTE_MS


def _relay_log(tmp_path, broker, name, duration_ms=IDENTICAL_MS):
    """The relay writes and the console of a run of the flapping indoor
    sensor situation with the user's commands, MQTT off (broker None) or on."""
    plan = Plan(BOARD, soak.board_data(BOARD), "indoor_flaps", duration_ms, broker=broker)
    root = tmp_path / name
    root.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        plan, world = soak.run_on_cpython(BOARD, "indoor_flaps", duration_ms, root, monkeypatch, plan=plan,
                                          setup=_commands)
    assert [ended for _t, ended, _first in plan.boots] == ["halt"], plan.console[-2000:]
    return list(world.pin_log), plan.console, world


@pytest.fixture(scope="module")
def without_mqtt(tmp_path_factory):
    pin_log, console, _world = _relay_log(tmp_path_factory.mktemp("off"), None, "off")
    assert "mqtt" not in console
    return pin_log


@pytest.mark.parametrize(("broker", "says"), [("down", "mqtt: connect: OSError %d" % soak_plan.ECONNREFUSED),
                                              ("black_hole", "mqtt: connect: OSError %d" % soak_plan.ETIMEDOUT)])
def test_with_the_broker_down_or_black_holed_the_relays_switch_exactly_as_without_mqtt(
        broker, says, without_mqtt, tmp_path):
    """Four hours of the same house, a flapping indoor sensor (failed for
    five minutes once), the buttons, REPL commands and Wi-Fi dropping every
    hour: every relay write at the same millisecond, with the same level,
    whether or not the link is trying a broker it cannot reach."""
    pin_log, console, world = _relay_log(tmp_path, broker, broker)
    assert says in console
    assert "mqtt: connected" not in console
    assert world.tcp_connects > 100  # it kept trying, all along
    assert len(without_mqtt) > 20
    assert pin_log == without_mqtt


@pytest.mark.slow
@pytest.mark.parametrize("broker", ["up", "flaps"])
def test_connected_or_with_a_flapping_broker_the_relays_switch_exactly_as_without_mqtt(
        broker, without_mqtt, tmp_path):
    """The same with a broker that answers (state published every change,
    pings, discovery), or is up, down and black-holed in turns."""
    pin_log, console, world = _relay_log(tmp_path, Plan.broker_flaps if broker == "flaps" else "up", broker)
    assert world.broker_seen is not None and world.broker_seen.published > 100
    assert world.broker_seen.password == soak_plan.MQTT_PASSWORD.encode()
    hours = IDENTICAL_MS // HOUR_MS  # connected at boot, then again after each return of Wi-Fi (and the broker)
    assert console.count("mqtt: connected") == 1 + (hours if broker == "up" else 2 * hours)
    assert pin_log == without_mqtt


def test_wifi_lost_under_a_connection_stalls_the_loop_less_than_50_ms_and_changes_no_relay_write(
        without_mqtt, tmp_path):
    """Connected, then Wi-Fi gone from :20 to :30 (the connection goes
    silent; lwIP keeps what is written until its send buffer is full): no
    network call may hold the loop past the issue's 50 ms target, and the
    relays switch as without MQTT. The first hour and a half of the run above."""
    pin_log, console, world = _relay_log(tmp_path, "up", "up", HOUR_MS * 3 // 2)
    assert console.count("mqtt: connected") == 2
    assert world.network_stall_ms < 50
    assert pin_log == [write for write in without_mqtt if write[0] < HOUR_MS * 3 // 2]


def test_a_hung_broker_stalls_the_loop_less_than_50_ms_and_changes_no_relay_write(without_mqtt, tmp_path):
    """A broker whose process hangs (its computer still accepts connections
    and data, nothing answers): the issue's target is a stall under 50 ms,
    and control exactly as without network. One hour of the run above."""
    pin_log, console, world = _relay_log(tmp_path, "mute", "mute", HOUR_MS)
    assert "mqtt: connect: OSError %d" % soak_plan.ETIMEDOUT in console
    assert world.network_stall_ms < 50
    assert pin_log == [write for write in without_mqtt if write[0] < HOUR_MS]


def test_a_hung_broker_never_makes_the_link_miss_its_deadline(tmp_path):
    """Whatever it stalls, the link against a hung broker checks in within
    its deadline: no silent task, no watchdog reset, over an hour."""
    plan = Plan(BOARD, soak.board_data(BOARD), "wifi_up", HOUR_MS, broker="mute")
    found = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        plan, world = soak.run_on_cpython(BOARD, "wifi_up", HOUR_MS, tmp_path, monkeypatch, plan=plan,
                                          setup=lambda world: _watch_link(world, found))
    assert [ended for _t, ended, _first in plan.boots] == ["halt"]
    assert "silent" not in plan.console
    assert max(found["silences"]) < DEADLINE_MS
    assert world.tcp_connects > 150 and found["link"].connects == 0


def test_a_user_name_and_password_beyond_ascii_reach_the_broker_whole_and_are_never_printed(tmp_path):
    """umqtt.simple sizes the CONNECT with len(): given text, a non-ASCII
    password would make the packet short and the broker drop it."""
    password = "pässwörd-ünïcode-7f3a"
    plan = Plan(BOARD, soak.board_data(BOARD), "wifi_up", 10 * MINUTE_MS, broker="up")
    plan.device.update({"mqtt_user": "thérmostat", "mqtt_password": password})
    with pytest.MonkeyPatch.context() as monkeypatch:
        plan, world = soak.run_on_cpython(BOARD, "wifi_up", 10 * MINUTE_MS, tmp_path, monkeypatch, plan=plan)
    broker = world.broker_seen
    assert broker.connects == 1 and "mqtt: connected" in plan.console
    assert (broker.user, broker.password) == ("thérmostat".encode(), password.encode())
    assert "7f3a" not in plan.console


def _watch_link(world, found, every_ms=100):
    """The mqtt task's silence (since its last check-in), sampled every
    ``every_ms`` of the run into ``found["silences"]``; the link in
    ``found["link"]``."""
    samples = found["silences"] = []

    def sample():
        runner = sys.modules.get("app.runner")
        current = runner.current if runner is not None else None
        if current is not None:
            found["link"] = current.link
            for task in current.supervisor.started:
                if task.name == "mqtt":
                    samples.append(task.silent_ms())
        world.at(world.now_ms + every_ms, sample)

    world.at(every_ms, sample)


@pytest.mark.parametrize("scheduler", ["cpython", "micropython"])
def test_a_black_holed_broker_never_makes_the_link_miss_its_deadline(scheduler, tmp_path):
    """An hour of connects that never complete (five seconds each, then a
    backoff up to 16 s), on CPython's asyncio and on MicroPython's
    scheduling model: the link checks in well within its 3 s deadline all
    along, the supervisor never reports it silent, the watchdog never bites,
    and no step of the link holds the loop."""
    plan = Plan(BOARD, soak.board_data(BOARD), "wifi_up", HOUR_MS, broker="black_hole")
    found = {}

    with pytest.MonkeyPatch.context() as monkeypatch:
        plan, world = soak.run_on_cpython(BOARD, "wifi_up", HOUR_MS, tmp_path, monkeypatch, scheduler=scheduler,
                                          plan=plan, setup=lambda world: _watch_link(world, found))
    silences, link = found["silences"], found["link"]
    assert [ended for _t, ended, _first in plan.boots] == ["halt"]
    assert "silent" not in plan.console
    assert len(silences) > 35_000
    assert max(silences) < DEADLINE_MS // 2 + 100  # a pause's slice, and not a step more
    assert world.tcp_connects > 150 and link.connects == 0
    assert link.last_error == "connect: OSError %d" % soak_plan.ETIMEDOUT
    assert world.network_stall_ms == 0  # not one blocking call


def test_the_links_own_longest_step_figure_is_the_longest_synchronous_stretch(tmp_path):
    """spec11.md: ``link.longest_step_ms`` is the longest synchronous
    stretch between two pauses. Against a black-holed broker found by name
    nothing blocks at all (the harness's network never held the loop), so
    the figure must stay under the issue's 50 ms stall target."""
    plan = Plan(BOARD, soak.board_data(BOARD), "wifi_up", 10 * MINUTE_MS, broker="black_hole")
    found = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        plan, world = soak.run_on_cpython(BOARD, "wifi_up", 10 * MINUTE_MS, tmp_path, monkeypatch, plan=plan,
                                          setup=lambda world: _watch_link(world, found))
    assert world.network_stall_ms == 0 and world.tcp_connects > 20
    assert found["link"].longest_step_ms < 50


def test_a_socket_that_polls_writable_yet_takes_nothing_ends_the_write_instead_of_spinning(board, monkeypatch):
    """A silent connection whose send buffer has room for less than the
    packet: the socket polls writable, yet refuses the whole write (TLS
    wanting to read does the same). The write must end (a lost connection),
    not spin forever with the board's time standing still: the 24-hour
    MicroPython soak with a flapping broker hung there, at the second
    black-holing."""
    from board_harness import install_network

    install_network(monkeypatch)
    from app import mqtt
    from app.age import Age
    from fakes import socket as fake_socket

    board.world.wifi_ok = True
    stream = fake_socket.socket()
    stream.state = "silent"
    stream.unacked = fake_socket.SEND_BUFFER - 10
    conn = mqtt._Conn(stream, Age(0))
    assert conn.writable()
    conn.write(b"x" * 100)
    with pytest.raises(OSError):
        conn.flush()
