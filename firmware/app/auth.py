"""The web's password and sessions: who may change the thermostat.

The password is kept only as a salted, iterated SHA-256 hash in the
power-safe store (:class:`app.store.Store`, record ``auth``):
``{"salt": hex, "hash": hex, "rounds": n}``. The hash is
``h0 = sha256(salt + password)``, then ``h = sha256(h + salt + password)``
``rounds`` times, computed :data:`CHUNK_ROUNDS` at a time with an awaited
``pause(0)`` between chunks, so a login never holds the control loop more
than a few milliseconds (MicroPython has no ``hmac`` and no pbkdf2: this is
hashlib alone, on both interpreters). Comparisons take the same time
whatever matches.

A login opens a session: a random 128-bit token (the ``session`` cookie or
``Authorization: Bearer``) with its own CSRF token for forms. At most
:data:`SESSIONS_MAX` are kept (a new one drops the least recently used),
and one unused for :data:`IDLE_S` is forgotten. Time is the uptime of
:mod:`app.age` in whole seconds, which neither wraps nor saturates (an
:class:`app.age.Age` stops at 6.2 days, less than the idle limit).

After :data:`FREE_FAILURES` failed logins in a row, each further attempt
must wait 2**n seconds (at most :data:`LOCK_MAX_S`) after the last failure;
meanwhile it is refused without the password even being hashed.

Nothing here logs or returns a password, a hash or a token except the token
of the login that made it.
"""

import binascii
import hashlib
import os

from app import age
from app.age import Age
from thermo.values import SettingError

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

ROUNDS = const(4000)
ROUNDS_MAX = const(100000)  # a stored record asking more is not believed
CHUNK_ROUNDS = const(50)  # ~3 ms of hashing on an RP2040 between pauses
SALT_BYTES = const(16)
TOKEN_BYTES = const(16)
PASSWORD_MIN = const(8)
PASSWORD_MAX = const(64)
SESSIONS_MAX = const(4)
IDLE_S = const(7 * 86400)
FREE_FAILURES = const(3)
LOCK_MAX_S = const(300)


def _hex(data):
    return binascii.hexlify(data).decode()


def token():
    """A fresh random token: 128 bits as hex."""
    return _hex(os.urandom(TOKEN_BYTES))


def same(a, b):
    """Whether two strings are equal, in a time that depends only on their lengths."""
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    a = a.encode()
    b = b.encode()
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


def check_password(text):
    """The password as bytes, or SettingError("password", ...) (never quoting it)."""
    if not isinstance(text, str):
        raise SettingError("password", "must be text of %d to %d bytes" % (PASSWORD_MIN, PASSWORD_MAX))
    data = text.encode()
    if not PASSWORD_MIN <= len(data) <= PASSWORD_MAX:
        raise SettingError("password", "a %d-byte password is not allowed (allowed: %d to %d bytes)" % (
            len(data), PASSWORD_MIN, PASSWORD_MAX))
    return data


async def digest(salt, data, rounds, pause):
    """The iterated hash of ``data`` with ``salt``, awaiting ``pause(0)`` every chunk."""
    h = hashlib.sha256(salt + data).digest()
    done = 0
    while done < rounds:
        end = min(done + CHUNK_ROUNDS, rounds)
        while done < end:
            h = hashlib.sha256(h + salt + data).digest()
            done += 1
        await pause(0)
    return h


class Session:
    def __init__(self, key, csrf, now_s):
        self.token = key
        self.csrf = csrf
        self.used_s = now_s
        self.message = ""  # the outcome of the last form post, shown once by the next page


class Auth:
    """The password's record in ``store`` (an :class:`app.store.Store`), the
    sessions, and the failed-login limit."""

    def __init__(self, store):
        self.store = store
        self.record = None
        data, _status = store.load()
        if isinstance(data, dict) and isinstance(data.get("salt"), str) and isinstance(data.get("hash"), str) \
                and isinstance(data.get("rounds"), int) and 0 < data["rounds"] <= ROUNDS_MAX:
            self.record = data
        self.sessions = []
        self.failures = 0
        self.since_failure = Age()  # made once: Ages live for the life of the board
        self.busy = False  # a password is being hashed: one at a time

    def has_password(self):
        return self.record is not None

    # -- the password ------------------------------------------------------

    async def set_password(self, text, pause):
        """Store a new password's hash (SettingError if it does not fit,
        OSError if the flash refuses it; then nothing changes). Every
        session ends: whoever knew the old password is logged out."""
        data = check_password(text)
        salt = os.urandom(SALT_BYTES)
        h = await digest(salt, data, ROUNDS, pause)
        record = {"salt": _hex(salt), "hash": _hex(h), "rounds": ROUNDS}
        self.store.save(record)
        self.record = record
        self.sessions = []

    async def check(self, text, pause):
        """Whether ``text`` is the password (False while none is set)."""
        record = self.record
        if record is None or not isinstance(text, str):
            return False
        data = text.encode()
        if len(data) > PASSWORD_MAX:
            return False
        try:
            salt = binascii.unhexlify(record["salt"])
        except ValueError:
            return False
        h = await digest(salt, data, record["rounds"], pause)
        return same(_hex(h), record["hash"])

    # -- logins ------------------------------------------------------------

    def wait_s(self):
        """Seconds before another login may be tried (0: now)."""
        if self.busy:
            return 1
        if self.failures < FREE_FAILURES:
            return 0
        lock_s = min(1 << min(self.failures - FREE_FAILURES + 1, 9), LOCK_MAX_S)
        left_ms = lock_s * 1000 - self.since_failure.read()
        return (left_ms + 999) // 1000 if left_ms > 0 else 0

    async def login(self, text, pause):
        """A new session for the right password; None for a wrong one.
        The caller asks :meth:`wait_s` first and refuses while it is not 0."""
        self.busy = True
        try:
            right = await self.check(text, pause)
        finally:
            self.busy = False
        if not right:
            self.failures += 1
            self.since_failure.restart()
            return None
        self.failures = 0
        return self.open()

    def open(self):
        """A new session, dropping the least recently used beyond SESSIONS_MAX."""
        self._expire()
        while len(self.sessions) >= SESSIONS_MAX:
            oldest = self.sessions[0]
            for session in self.sessions:
                if session.used_s < oldest.used_s:
                    oldest = session
            self.sessions.remove(oldest)
        session = Session(token(), token(), age.uptime()[0])
        self.sessions.append(session)
        return session

    def _expire(self):
        now_s = age.uptime()[0]
        self.sessions = [s for s in self.sessions if now_s - s.used_s < IDLE_S]

    def session(self, key):
        """The live session of ``key`` (a token from a cookie or a bearer
        header), marked used now; None if there is none."""
        if not key:
            return None
        self._expire()
        found = None
        for session in self.sessions:
            if same(session.token, key):
                found = session
        if found is not None:
            found.used_s = age.uptime()[0]
        return found

    def close(self, session):
        if session in self.sessions:
            self.sessions.remove(session)
