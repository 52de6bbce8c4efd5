"""Settings and state on the board: checked whole, saved, then applied; a
failing flash is retried with a back-off; every input is bounded."""

import os
import sys

import pytest
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture

HOUR_MS = 3_600_000
Y1_PIN = 2


def store_file(board, name, data, seq=1):
    from app.store import encode

    board.file(name).write_bytes(encode(seq, data))


def running(board, settings=None, stored=None, mode="heat", run_ms=400_000):
    """A board running for ``run_ms`` with 68 °F inside, 32 °F outside;
    returns its App (the loop has stopped: the test calls it directly)."""
    board.install()
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    store_file(board, "state.json", {"mode": mode, "fan": "auto", "heat_setpoint_dF": 700,
                                     "cool_setpoint_dF": 760, "start_ages_ms": []})
    if stored is not None:
        store_file(board, "settings.json", stored)
    elif settings is not None:
        board.write_config(settings=settings)
    assert board.boot(run_ms) == "halt"
    return sys.modules["app.runner"].current


def stored_settings(board):
    from app.store import Flash, Store

    return Store("settings.json", Flash()).load()[0]


def test_a_settings_change_the_flash_refuses_is_not_applied(board, monkeypatch):
    app = running(board, settings={"min_off_s": 300})

    def failing_rename(old, new):
        raise OSError(28)  # ENOSPC

    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(OSError):
        app.save_settings({"min_off_s": 900})
    assert app.thermostat.settings.values["min_off_s"] == 300
    assert stored_settings(board)["settings"] == {"min_off_s": 300}


def test_a_settings_change_the_core_refuses_is_not_saved(board):
    from thermo.schema import SettingError

    app = running(board, settings={"auto_deadband_f": 3.0}, mode="auto")
    # heat 70 / cool 76 in auto: a deadband of 8 °F is refused by the core.
    with pytest.raises(SettingError, match="cool_setpoint_f"):
        app.save_settings({"auto_deadband_f": 8.0})
    assert stored_settings(board)["settings"] == {"auto_deadband_f": 3.0}
    assert app.thermostat.settings.values["auto_deadband_f"] == 3.0


def test_an_invalid_stored_file_is_not_merged_into_a_save_nor_its_alert_cleared(board, capsys):
    from thermo.schema import SettingError

    app = running(board, stored={"settings": {"min_off_s": 5}, "device": {}})
    assert "settings_file" in app.report.alerts
    with pytest.raises(SettingError, match="min_off_s: 5 is out of range"):
        app.save_settings({"aux_delay_s": 900})
    assert "settings_file" in app.report.alerts
    assert stored_settings(board)["settings"] == {"min_off_s": 5}
    assert app.thermostat.settings.values["aux_delay_s"] == 1800
    app.save_settings({"min_off_s": 600, "aux_delay_s": 900})  # the bad value replaced: all valid now
    assert "settings_file" not in app.report.alerts
    assert stored_settings(board)["settings"] == {"min_off_s": 600, "aux_delay_s": 900}
    assert app.thermostat.settings.values["aux_delay_s"] == 900


def test_a_saved_settings_change_acts_at_once(board):
    app = running(board)
    now = board.world.now_ms
    assert board.world.levels[Y1_PIN] == 0  # heating
    app.save_settings({"compressor_min_outdoor_f": 40.0})  # 32 °F outside: locked out
    assert [(t, v) for t, p, v in board.world.pin_log if p == Y1_PIN][-1] == (round(now), 1)


def test_a_failing_state_save_backs_off_instead_of_writing_every_tick(board, capsys, monkeypatch):
    board.install()
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    attempts = []
    real_rename = os.rename

    def failing_rename(old, new):
        if str(new).endswith("state.json"):
            attempts.append(board.world.now_ms)
            raise OSError(5)  # EIO: only the rename fails
        real_rename(old, new)

    monkeypatch.setattr(os, "rename", failing_rename)
    board.world.at(10_000, lambda: sys.modules["app.runner"].current.thermostat.command({"mode": "heat"}))
    assert board.boot(HOUR_MS) == "halt"
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert 1 <= len(attempts) <= 7, len(attempts)  # tries after 1, 2, 4, 8, 16, 32 minutes
    assert gaps == sorted(gaps) and (not gaps or gaps[0] >= 60_000)
    out = capsys.readouterr().out
    assert "ALERT state_write: state.json not saved (" in out and "next try in 60 s" in out


def test_the_state_save_back_off_ends_when_the_flash_works_again(board, capsys, monkeypatch):
    board.install()
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    broken = [True]
    real_rename = os.rename

    def rename(old, new):
        if broken[0] and str(new).endswith("state.json"):
            raise OSError(5)
        real_rename(old, new)

    monkeypatch.setattr(os, "rename", rename)
    board.world.at(10_000, lambda: sys.modules["app.runner"].current.thermostat.command({"mode": "cool"}))
    board.world.at(100_000, lambda: broken.__setitem__(0, False))
    assert board.boot(400_000) == "halt"
    out = capsys.readouterr().out
    assert "alert cleared: state_write" in out
    from app.store import Flash, Store

    assert Store("state.json", Flash()).load()[0]["mode"] == "cool"
    assert "state_write" not in sys.modules["app.runner"].current.report.alerts


@pytest.mark.parametrize("key, longest", [("wifi_ssid", 32), ("wifi_password", 64), ("ntp_host", 253)])
def test_device_strings_are_bounded_by_their_standards(board, key, longest):
    from app import device

    from thermo.schema import SettingError

    assert device.validate({key: "a" * longest})[key] == "a" * longest
    with pytest.raises(SettingError, match=r"device\.%s: .* is too long \(allowed: at most %d bytes\)" % (key, longest)):
        device.validate({key: "a" * (longest + 1)})


def test_a_megabyte_ntp_host_is_refused_naming_the_field(board):
    from app import config

    from thermo.schema import SettingError

    with pytest.raises(SettingError) as caught:
        config.parse('{"device": {"ntp_host": "%s"}}' % ("h" * 10_000))
    assert str(caught.value).startswith("device.ntp_host: ")
    assert "at most 253 bytes" in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize("password", ["correct horse battery staple " * 3, 12345678])
def test_a_refused_wifi_password_is_never_quoted(board, password):
    """A refusal is printed on the console, logged as an alert and shown by
    make deploy: the password is named by its size or kind, never shown."""
    from app import config

    from thermo.schema import SettingError

    with pytest.raises(SettingError) as caught:
        config.check({"device": {"wifi_password": password}})
    assert str(caught.value).startswith("device.wifi_password: ")
    assert "horse" not in str(caught.value) and "12345678" not in str(caught.value)


def test_every_flash_read_is_bounded(board):
    from app.store import MAX_FILE_BYTES, Flash, Store

    board.file("big").write_bytes(b"x" * 1_000_000)
    assert len(Flash().read("big", 100)) == 101  # enough to know it is too large, no more
    assert len(Flash().read("big")) == MAX_FILE_BYTES + 1
    board.file("settings.json").write_bytes(b"THERMO1 999999 00000000\n" + b"x" * 1_000_000)
    data, status = Store("settings.json", Flash()).load()
    assert data is None and status == "corrupt (larger than %d bytes)" % MAX_FILE_BYTES
