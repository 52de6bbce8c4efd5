"""MicroPython's ``asyncio`` on the harness's virtual clock, for CPython.

The board runs MicroPython's asyncio: a small scheduler that keeps tasks in a
queue keyed by the ``ticks_ms`` at which each one wakes, runs the earliest,
and sleeps until the next. This module is that scheduler, written anew for
the host tests, with two differences that make it a test double:

- time is the world's integer millisecond counter (``WORLD.now_ms``): when
  no task is due, the clock *jumps* to the next wake-up through
  ``WORLD.advance`` (which also fires the test's events, the watchdog and the
  deadline). A ``sleep_ms(750)`` therefore wakes at exactly +750 ms, never
  one float rounding early, and nothing ever really sleeps;
- it offers only the API MicroPython's asyncio offers (``run``,
  ``create_task``, ``sleep``, ``sleep_ms``, ``Event``, ``Lock``, ``gather``,
  ``wait_for``, ``wait_for_ms``, ``current_task``, ``get_event_loop``,
  ``new_event_loop``, ``CancelledError``, ``TimeoutError``), so a firmware
  change that reaches for a CPython-only feature fails here as on a board.

Semantics follow MicroPython's ``asyncio/core.py``: tasks due at the same
instant run in the order they were queued; an exception that escapes a task
nobody awaits goes to the loop's exception handler (by default printed);
``run`` returns when its main task ends, leaving other tasks unfinished.
It is also some ten times faster than CPython's asyncio on a virtual clock,
which is what lets the soak run days of board time in seconds.
"""

import heapq

from fakes import world as _world


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):  # noqa: A001 -- MicroPython's asyncio.TimeoutError
    pass


_queue = []  # (wake_ms, seq, task, version)
_seq = 0
_cur = None
_handler = None


def _now():
    return _world.WORLD.now_ms


def _push(task, wake_ms, throw=None):
    global _seq
    task.version += 1
    task.throw = throw
    _seq += 1
    heapq.heappush(_queue, (wake_ms, _seq, task, task.version))


class _Yield:
    """What a task hands the scheduler: wake in ``ms``, or None (parked)."""

    __slots__ = ("ms",)

    def __init__(self, ms):
        self.ms = ms

    def __await__(self):
        yield self.ms


_PARK = _Yield(None)


def sleep_ms(ms):
    return _Yield(ms if ms > 0 else 0)


def sleep(seconds):
    return sleep_ms(int(seconds * 1000))


class Task:
    def __init__(self, coro):
        self.coro = coro
        self.version = 0
        self.throw = None
        self.finished = False
        self.value = None  # what the coroutine returned
        self.exception = None
        self.waiters = []  # (task, version) parked in ``await self``
        self.awaited = False

    def done(self):
        return self.finished

    @property
    def data(self):
        """As MicroPython's Task keeps its outcome: the exception, or a
        StopIteration holding the value returned (no ``result()`` there)."""
        if not self.finished:
            return None
        return self.exception if self.exception is not None else StopIteration(self.value)

    def cancel(self):
        if self.finished or self is _cur:
            return False
        _push(self, _now(), CancelledError())
        return True

    def __await__(self):
        if not self.finished:
            self.awaited = True
            self.waiters.append((_cur, _cur.version + 1))
            yield None
        if self.exception is not None:
            raise self.exception
        return self.value

    def _step(self):
        global _cur
        _cur = self
        throw, self.throw = self.throw, None
        try:
            wake = self.coro.throw(throw) if throw is not None else self.coro.send(None)
        except StopIteration as stop:
            self._finish(stop.value, None)
        except (Exception, CancelledError) as exc:
            self._finish(None, exc)
        else:
            if wake is None:
                self.version += 1  # parked: only the waker's version counts
            else:
                _push(self, _now() + wake)
        finally:
            _cur = None

    def _finish(self, result, exc):
        self.finished = True
        self.value = result
        self.exception = exc
        for task, version in self.waiters:
            if task.version == version:
                _push(task, _now())
        if exc is not None and not self.awaited and not isinstance(exc, CancelledError):
            Loop.call_exception_handler({"message": "Task exception wasn't retrieved", "exception": exc,
                                         "future": self})


def create_task(coro):
    if not hasattr(coro, "send"):
        raise TypeError("coroutine expected")
    task = Task(coro)
    _push(task, _now())
    return task


def current_task():
    if _cur is None:
        raise RuntimeError("no running task")
    return _cur


class Event:
    def __init__(self):
        self.state = False
        self.waiting = []

    def is_set(self):
        return self.state

    def set(self):
        self.state = True
        for task, version in self.waiting:
            if task.version == version:
                _push(task, _now())
        self.waiting = []

    def clear(self):
        self.state = False

    async def wait(self):
        if not self.state:
            self.waiting.append((_cur, _cur.version + 1))
            await _PARK
        return True


class Lock:
    def __init__(self):
        self.held = False
        self.waiting = []

    def locked(self):
        return self.held

    async def acquire(self):
        while self.held:
            self.waiting.append((_cur, _cur.version + 1))
            await _PARK
        self.held = True
        return True

    def release(self):
        if not self.held:
            raise RuntimeError("Lock not acquired")
        self.held = False
        waiting, self.waiting = self.waiting, []
        for task, version in waiting:
            if task.version == version:
                _push(task, _now())

    async def __aenter__(self):
        return await self.acquire()

    async def __aexit__(self, *exc):
        self.release()


def _as_task(awaitable):
    return awaitable if isinstance(awaitable, Task) else create_task(awaitable)


async def wait_for_ms(awaitable, timeout_ms):
    task = _as_task(awaitable)
    if not task.finished:
        me = _cur
        task.awaited = True
        task.waiters.append((me, me.version + 1))
        _push(me, _now() + max(0, timeout_ms))  # the timeout: whichever wakes first wins
        me.version -= 1  # the timeout entry and the waiter share the next version
        await _PARK
    if not task.finished:
        task.cancel()
        raise TimeoutError()
    if task.exception is not None:
        raise task.exception
    return task.value


def wait_for(awaitable, timeout_s):
    return wait_for_ms(awaitable, int(timeout_s * 1000))


async def gather(*awaitables, return_exceptions=False):
    tasks = [_as_task(a) for a in awaitables]
    results = []
    for task in tasks:
        try:
            results.append(await task)
        except (Exception, CancelledError) as exc:
            if not return_exceptions:
                raise
            results.append(exc)
    return results


class Loop:
    @staticmethod
    def create_task(coro):
        return create_task(coro)

    @staticmethod
    def run_until_complete(main_task=None):
        return _run(main_task)

    @staticmethod
    def run_forever():
        return _run(None)

    @staticmethod
    def stop():
        pass

    @staticmethod
    def close():
        pass

    @staticmethod
    def set_exception_handler(handler):
        global _handler
        _handler = handler

    @staticmethod
    def get_exception_handler():
        return _handler

    @staticmethod
    def default_exception_handler(loop, context):
        print(context["message"])
        print("future:", context["future"], "coro=", getattr(context["future"], "coro", None))
        print("%s: %s" % (type(context["exception"]).__name__, context["exception"]))

    @staticmethod
    def call_exception_handler(context):
        (_handler or Loop.default_exception_handler)(Loop, context)


def get_event_loop():
    return Loop


def new_event_loop():
    global _queue, _cur, _handler
    _queue = []
    _cur = None
    _handler = None
    return Loop


def _run(main_task):
    world = _world.WORLD
    heappop = heapq.heappop
    while main_task is None or not main_task.finished:
        queue = _queue
        if not queue:
            if main_task is None:
                return None
            raise RuntimeError("every task is waiting and nothing can wake one: the board would hang")
        wake_ms, _seq_, task, version = queue[0]
        if task.version != version:
            heappop(queue)
        elif wake_ms > world.now_ms:
            world.advance(wake_ms - world.now_ms)  # may stop early at a test event: look again
        else:
            heappop(queue)
            task._step()
    if main_task.exception is not None:
        raise main_task.exception
    return main_task.value


def run(coro):
    new_event_loop()
    return _run(create_task(coro))
