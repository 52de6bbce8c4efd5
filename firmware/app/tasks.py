"""Tasks that cannot go silent: supervision by construction.

Every task the application starts is a :class:`Task` with its own check-in
deadline, declared where it is started (:meth:`app.runner.App.spawn`). The
supervisor feeds the watchdog only while every task has checked in within
its deadline, so a task that is stuck stops the feeding and the watchdog
resets the board.

A task waits only through :meth:`Task.pause`: it checks in, then sleeps in
slices of at most half the deadline, checking in after each, so a long wait
(a minute between NTP attempts, five seconds between sensor readings) never
looks like a hang, and a hang never looks like a wait. Slow network
operations are given the pause to wait with (``board.net``), so they check
in while they wait too. A host test reads every ``await`` of ``app`` and
``board`` and allows only these.

Deadlines are at most :data:`MAX_DEADLINE_MS`, well below the smallest
hardware watchdog a board file allows (3000 ms) plus its feed period: a
stuck task is caught within its deadline + the feed period + the watchdog
timeout (under 15 s on an RP2040, whose watchdog is at most 8388 ms).
"""

import asyncio

from app.age import Age

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

MAX_DEADLINE_MS = const(5000)
# Declared by a task that only ever waits for a person (the bench REPL's
# prompt): it is not watched, and it holds nothing the thermostat needs.
UNSUPERVISED = None


class Task:
    """One task: its name, its deadline (or UNSUPERVISED), how long it has
    been silent; ``ends``: whether it may return (the bench self-test) rather
    than run for the life of the board."""

    def __init__(self, name, deadline_ms, ends=False):
        if deadline_ms is not UNSUPERVISED and not 0 < deadline_ms <= MAX_DEADLINE_MS:
            raise ValueError("task %s: deadline %r ms (allowed: 1 to %d)" % (name, deadline_ms, MAX_DEADLINE_MS))
        self.name = name
        self.deadline_ms = deadline_ms
        self.silent = Age(0)
        self.ends = ends
        self.done = False
        self.handle = None  # the asyncio task, once started

    def checkin(self):
        self.silent.restart()

    def silent_ms(self):
        return self.silent.read()

    def overdue(self):
        return self.deadline_ms is not UNSUPERVISED and self.silent.read() >= self.deadline_ms

    async def pause(self, ms):
        """Wait ``ms`` (at least one turn of the loop), checking in while waiting."""
        self.checkin()
        if self.deadline_ms is not UNSUPERVISED:
            slice_ms = self.deadline_ms // 2
            while ms > slice_ms:
                await asyncio.sleep_ms(slice_ms)
                ms -= slice_ms
                self.checkin()
        await asyncio.sleep_ms(max(0, ms))
        self.checkin()
