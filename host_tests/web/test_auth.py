"""The web's password and sessions (app.auth): stored only as a salted
hash, computed in chunks with a pause between, sessions that expire, and
failed logins that slow down."""

# isort: off
import pytest

from .webcore import PASSWORD, MemoryFlash, Pauses, fake_clock, run  # first: MicroPython's names on CPython

from app import auth as A
from app.store import Store
from thermo.values import SettingError

# isort: on


@pytest.fixture
def clock(monkeypatch):
    return fake_clock(monkeypatch)


def new_auth(flash=None):
    return A.Auth(Store("auth", flash or MemoryFlash()))


def test_the_password_is_stored_only_as_a_salted_hash(clock):
    flash = MemoryFlash()
    first = new_auth(flash)
    run(first.set_password(PASSWORD, Pauses()))
    stored = b"".join(flash.files.values())
    assert PASSWORD.encode() not in stored
    second = new_auth()
    run(second.set_password(PASSWORD, Pauses()))
    assert first.record["salt"] != second.record["salt"] and first.record["hash"] != second.record["hash"]
    assert first.record["rounds"] == A.ROUNDS


def test_the_stored_password_is_checked_after_a_restart(clock):
    flash = MemoryFlash()
    run(new_auth(flash).set_password(PASSWORD, Pauses()))
    again = new_auth(flash)
    assert again.has_password()
    assert run(again.check(PASSWORD, Pauses()))
    assert not run(again.check(PASSWORD + " ", Pauses()))


def test_hashing_pauses_between_chunks_of_rounds(clock):
    pauses = Pauses()
    run(new_auth().set_password(PASSWORD, pauses))
    assert pauses.calls >= A.ROUNDS // A.CHUNK_ROUNDS


@pytest.mark.parametrize("text", ["1234567", "x" * 65, "é" * 33, None, 12345678])
def test_a_password_outside_8_to_64_bytes_is_refused_and_nothing_stored(clock, text):
    flash = MemoryFlash()
    auth = new_auth(flash)
    with pytest.raises(SettingError) as refused:
        run(auth.set_password(text, Pauses()))
    assert str(refused.value).startswith("password: ")
    assert not auth.has_password() and flash.files == {}


@pytest.mark.parametrize("text", ["12345678", "x" * 64])
def test_passwords_of_8_and_64_bytes_are_taken(clock, text):
    auth = new_auth()
    run(auth.set_password(text, Pauses()))
    assert run(auth.check(text, Pauses()))


def test_a_stored_record_asking_absurd_rounds_is_not_believed(clock):
    flash = MemoryFlash()
    Store("auth", flash).save({"salt": "00", "hash": "00", "rounds": 10 ** 9})
    assert not new_auth(flash).has_password()


def test_same_compares_whole_strings():
    assert A.same("abc", "abc")
    assert not A.same("abc", "abd") and not A.same("abc", "ab") and not A.same(None, "abc")


def test_at_most_four_sessions_the_least_recently_used_dropped(clock):
    auth = new_auth()
    sessions = [auth.open() for _ in range(A.SESSIONS_MAX)]
    clock.advance(1000)
    assert auth.session(sessions[0].token) is sessions[0]  # used: now the newest
    auth.open()
    assert auth.session(sessions[1].token) is None
    assert auth.session(sessions[0].token) is sessions[0]


def test_a_session_idle_for_seven_days_is_forgotten_across_the_ticks_wrap(clock):
    auth = new_auth()
    kept = auth.open()
    idle = auth.open()
    for _ in range(6):
        clock.advance(86_400_000)
        assert auth.session(kept.token) is kept
    clock.advance(86_400_000)
    assert auth.session(idle.token) is None
    assert auth.session(kept.token) is kept


def test_each_session_has_its_own_csrf_token(clock):
    auth = new_auth()
    first, second = auth.open(), auth.open()
    assert first.csrf != second.csrf and first.csrf != first.token and len(first.csrf) == 32


def test_failed_logins_wait_twice_as_long_each_time_after_three_at_most_300_s(clock):
    auth = new_auth()
    run(auth.set_password(PASSWORD, Pauses()))
    waits = []
    for _ in range(12):
        waits.append(auth.wait_s())
        clock.advance(waits[-1] * 1000)
        assert run(auth.login("wrong password", Pauses())) is None
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300]


def test_a_successful_login_resets_the_failures(clock):
    auth = new_auth()
    run(auth.set_password(PASSWORD, Pauses()))
    for _ in range(3):
        run(auth.login("wrong password", Pauses()))
    clock.advance(2000)
    assert run(auth.login(PASSWORD, Pauses())) is not None
    assert run(auth.login("wrong password", Pauses())) is None
    assert auth.wait_s() == 0
