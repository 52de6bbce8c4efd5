"""Fake ``select`` for the fake sockets (fakes/socket.py): ``poll()`` with
``register``/``modify``/``unregister``/``poll``, as MicroPython's.

Only what app.mqtt sees is meant to be fake, but whatever else imports
``select`` while it is installed gets the real thing: every other name is
the real module's, and a poll object hands objects that are not fake sockets
(real file descriptors) to a real poll. ``poll(timeout)`` with nothing ready
moves the world's clock by ``timeout`` ms, as a board's loop would stall;
``poll()`` (for ever) on fake sockets alone is refused: the board's loop
must never wait on the network. Runs on CPython and MicroPython alike.
"""

import select as _real  # imported before this module is installed as ``select``

from fakes import socket as _socket
from fakes import world as _world

POLLIN = _socket.POLLIN
POLLOUT = _socket.POLLOUT
POLLERR = _socket.POLLERR
POLLHUP = _socket.POLLHUP

for _name in dir(_real):  # select.select, epoll, PIPE_BUF, ... as they are
    if not _name.startswith("_") and _name not in globals():
        globals()[_name] = getattr(_real, _name)


class _Poll:
    def __init__(self):
        self.fakes = []  # [socket, mask]
        self.real = None

    def _entry(self, obj):
        for entry in self.fakes:
            if entry[0] is obj:
                return entry
        return None

    def register(self, obj, mask=POLLIN | POLLOUT):
        if not hasattr(obj, "poll_flags"):
            if self.real is None:
                self.real = _real.poll()
            self.real.register(obj, mask)
            return
        entry = self._entry(obj)
        if entry is None:
            self.fakes.append([obj, mask])
        else:
            entry[1] = mask

    def modify(self, obj, mask):
        if self._entry(obj) is None:
            if self.real is None:
                raise OSError(2)  # ENOENT, as for an object never registered
            self.real.modify(obj, mask)
            return
        self.register(obj, mask)

    def unregister(self, obj):
        entry = self._entry(obj)
        if entry is not None:
            self.fakes.remove(entry)
        elif self.real is not None:
            self.real.unregister(obj)

    def _ready(self):
        out = []
        for obj, mask in self.fakes:
            flags = obj.poll_flags() & (mask | POLLERR | POLLHUP)
            if flags:
                out.append((obj, flags))
        return out

    def poll(self, timeout=-1):
        if self.real is not None:
            if self.fakes:
                raise ValueError("fakes/select.py: a poll of fake sockets and real files at once")
            return self.real.poll(timeout)
        ready = self._ready()
        if ready or timeout == 0:
            return ready
        if timeout is None or timeout < 0:
            raise ValueError("the board's loop must never block on the network (a poll without timeout)")
        found = []

        def done():
            found[:] = self._ready()
            return bool(found)

        _socket._wait_until(_world.WORLD.now_ms + int(timeout), done)
        return found

    ipoll = poll


def poll():
    return _Poll()
