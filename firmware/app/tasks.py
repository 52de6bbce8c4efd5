"""Task supervision: tasks that cannot go silent, and the one safe way out.

Every task the application starts is a :class:`Task` with its own check-in
deadline, declared where it is started (:meth:`Supervisor.spawn`). The
supervisor feeds the watchdog only while every task has checked in within
its deadline, so a task that is stuck stops the feeding and the watchdog
resets the board. An exception in any task ends in :meth:`Supervisor.fail`:
log, relays off, the crash recorded, no more feeding.

A task waits only through :meth:`Task.pause`: it checks in, then sleeps in
slices of at most half the deadline, checking in after each, so a long wait
(a minute between NTP attempts, five seconds between sensor readings) never
looks like a hang, and a hang never looks like a wait. Slow network
operations are given the pause to wait with (``board.net``), so they check
in while they wait too. A host test reads every ``await`` of ``app`` and
``board`` and allows only these.

The pause is the task itself, awaited: no coroutine is made per wait, so a
task's steady loop allocates nothing (a coroutine call costs ~100 bytes of
heap on the board, and the buttons wait twenty times a second).

Deadlines are at most :data:`MAX_DEADLINE_MS`, well below the smallest
hardware watchdog a board file allows (3000 ms) plus its feed period: a
stuck task is caught within its deadline + the feed period + the watchdog
timeout (under 15 s on an RP2040, whose watchdog is at most 8388 ms).
"""

import asyncio
import sys

from app.age import Age
from app.bootguard import STABLE_MS
from app.console import log, print_exception

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

MAX_DEADLINE_MS = const(5000)
FEED_PERIOD_MS = const(1000)
# Declared by a task that only ever waits for a person (the bench REPL's
# prompt): it is not watched, and it holds nothing the thermostat needs.
UNSUPERVISED = None
# MicroPython's sleep_ms is an iterator; CPython's (and the host tests'
# scheduler's) an awaitable whose iterator is its __await__().
_SLEEP_IS_ITERATOR = sys.implementation.name == "micropython"
_DONE = -1
# What ends every pause: one instance, raised afresh each time (tasks take
# turns, and the scheduler consumes it before any other task runs).
_STOP = StopIteration()


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
        self.left_ms = _DONE  # of the pause under way
        self.sleep = None  # the scheduler's sleep under way

    def checkin(self):
        self.silent.restart()

    def silent_ms(self):
        return self.silent.read()

    def overdue(self):
        return self.deadline_ms is not UNSUPERVISED and self.silent.read() >= self.deadline_ms

    def pause(self, ms):
        """``await task.pause(ms)``: wait ``ms`` (at least one turn of the
        loop), checking in now, after each slice and at the end."""
        self.checkin()
        self.left_ms = ms if ms > 0 else 0
        self.sleep = None
        return self

    def __iter__(self):
        return self

    __await__ = __iter__

    def __next__(self):
        """One step of the pause, for the scheduler: sleep the next slice
        (at most half the deadline), or end the pause."""
        while True:
            if self.sleep is not None:
                try:
                    # MicroPython's sleep_ms is an iterator; the stubs type it a coroutine.
                    return next(self.sleep)  # pyright: ignore[reportArgumentType]
                except StopIteration:
                    self.sleep = None
                    self.checkin()
            ms = self.left_ms
            if ms == _DONE:
                _STOP.__traceback__ = None
                raise _STOP
            if self.deadline_ms is not UNSUPERVISED and ms > self.deadline_ms // 2:
                self.left_ms = ms - self.deadline_ms // 2
                ms = self.deadline_ms // 2
            else:
                self.left_ms = _DONE
            sleep = asyncio.sleep_ms(ms)
            self.sleep = sleep if _SLEEP_IS_ITERATOR else sleep.__await__()


class Supervisor:
    """The tasks started, whether one has failed, and the watchdog's feed.

    ``relays`` are switched off and ``guard`` (:class:`app.bootguard.BootGuard`)
    records the crash when a task fails; ``hw`` feeds the watchdog."""

    def __init__(self, hw, guard):
        self.hw = hw
        self.guard = guard
        self.started = []  # every Task started, in order
        self.failed = False
        self.failure = asyncio.Event()
        self.reported_overdue = None

    def spawn(self, name, deadline_ms, body, *args, ends=False):
        """Start ``body(task, *args)`` as a supervised task with its own
        check-in deadline. Only a task started with ``ends`` may return."""
        task = Task(name, deadline_ms, ends)
        task.handle = asyncio.create_task(self._guarded(task, body(task, *args)))
        self.started.append(task)
        return task

    async def _guarded(self, task, coro):
        try:
            await coro
            if not task.ends:
                raise RuntimeError("task %s ended" % task.name)
            task.done = True
        except Exception as exc:  # every crash goes the same safe way
            self.fail(task.name, exc)

    def healthy(self):
        """Whether every running task has checked in within its deadline."""
        for task in self.started:
            if not task.done and task.overdue():
                if self.reported_overdue != task.name:
                    self.reported_overdue = task.name
                    log("supervisor: task %s silent %d ms (deadline %d ms): watchdog no longer fed" % (
                        task.name, task.silent_ms(), task.deadline_ms))
                return False
        self.reported_overdue = None
        return True

    def fail(self, where, exc):
        """Log, relays off, record the crash, stop feeding the watchdog."""
        if self.failed:
            return
        self.failed = True
        self.hw.relays.all_off()
        log("CRASH in %s: %r; relays off, waiting for the watchdog to reset the board" % (where, exc))
        print_exception(exc)
        self.guard.crashed("%s: %r" % (where, exc))
        self.failure.set()

    async def feed(self, task):
        """The supervisor task: the watchdog fed while all is well, and a
        stable run reported to the boot guard."""
        running = Age(0)
        stable = False
        while True:
            if not self.failed and self.healthy():
                self.hw.feed_watchdog()
            if not stable and running.read() >= STABLE_MS:
                stable = True
                self.guard.stable()
            await task.pause(FEED_PERIOD_MS)

    def cancel_all(self):
        for task in self.started:
            task.handle.cancel()
