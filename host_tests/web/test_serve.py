"""app.serve.Server: the one guard every microdot app on the board is served
through (the web page and API, the Wi-Fi set-up page), its rules tested once
on a bare microdot app, on CPython's asyncio with a pause the test steers
(no time passes: the watcher's milliseconds are counted, not waited)."""

# isort: off
import asyncio

import pytest
from microdot import Microdot

from .webcore import Wire, reader_of, run, settle  # first: MicroPython's names on CPython

from app import serve
from app.serve import CONNECTIONS_MAX, POLL_MS, REQUEST_MS, Server
from thermo.values import SettingError

# isort: on

GET = b"GET / HTTP/1.0\r\n\r\n"


def bare_app():
    app = Microdot()

    @app.get("/")
    async def index(request):
        return "hello"

    @app.post("/form")
    async def form(request):
        try:
            fields = serve.form_of(request)
        except SettingError as exc:
            return str(exc), 400
        return ",".join(sorted(fields))

    return app


class Steered:
    """A pause that returns only once let go (``free``), counting the ms asked for."""

    def __init__(self):
        self.gate = asyncio.Event()
        self.asked_ms = 0

    async def __call__(self, ms):
        self.asked_ms += ms
        await self.gate.wait()

    def free(self):
        self.gate.set()


async def zero_pause(ms):
    await asyncio.sleep(0)


def status_line(wire):
    return wire.data.split(b"\r\n", 1)[0]


def stalled_reader():
    """A client that connected and sends nothing more (slowloris)."""
    return asyncio.StreamReader()


def test_connections_beyond_the_cap_are_closed_at_once_unanswered_and_counted():
    async def scenario():
        pause = Steered()
        server = Server(bare_app(), pause, "test")
        held = [Wire() for _ in range(CONNECTIONS_MAX)]
        watchers = [asyncio.create_task(server.connection(stalled_reader(), wire)) for wire in held]
        await settle()
        extra = Wire()
        await server.connection(reader_of(GET), extra)
        await settle()
        seen = (server.open, server.refused, extra.data, extra.closed)
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        return seen

    assert run(scenario()) == (CONNECTIONS_MAX, 1, b"", True)


def test_a_smaller_cap_is_kept_too():
    async def scenario():
        server = Server(bare_app(), Steered(), "test", most=2)
        wires = [Wire() for _ in range(3)]
        watchers = [asyncio.create_task(server.connection(stalled_reader(), wire)) for wire in wires]
        await settle()
        seen = (server.open, server.refused, [wire.closed for wire in wires])
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        return seen

    assert run(scenario()) == (2, 1, [False, False, True])


def test_a_slot_is_free_the_moment_its_answer_is_sent_before_the_watchers_next_look():
    async def scenario():
        pause = Steered()  # the watchers never come back from their pause until the end
        server = Server(bare_app(), pause, "test")
        wires, watchers, open_after = [], [], []
        for _ in range(3 * CONNECTIONS_MAX):
            wire = Wire()
            watchers.append(asyncio.create_task(server.connection(reader_of(GET), wire)))
            await settle()
            wires.append(wire)
            open_after.append(server.open)
        pause.free()
        await asyncio.gather(*watchers)
        return wires, open_after, server

    wires, open_after, server = run(scenario())
    assert [status_line(wire) for wire in wires] == [b"HTTP/1.0 200 OK"] * (3 * CONNECTIONS_MAX)
    assert open_after == [0] * (3 * CONNECTIONS_MAX) and server.refused == 0


def test_a_request_not_whole_within_the_deadline_is_cut_its_slot_freed_and_counted(capsys):
    async def scenario():
        pause = Steered()
        pause.free()  # each pause returns at once; its milliseconds are counted
        server = Server(bare_app(), pause, "test")
        wire = Wire()
        await server.connection(stalled_reader(), wire)
        await settle()
        return server, wire, pause.asked_ms

    server, wire, asked_ms = run(scenario())
    assert (server.timeouts, server.open, wire.data, wire.closed) == (1, 0, b"", True)
    assert asked_ms == REQUEST_MS and REQUEST_MS % POLL_MS == 0
    assert capsys.readouterr().out.count("\n") == 1


def test_a_watcher_cancelled_cancels_its_request_and_frees_the_slot():
    async def scenario():
        server = Server(bare_app(), Steered(), "test")
        watcher = asyncio.create_task(server.connection(stalled_reader(), Wire()))
        await settle()
        during = server.open
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        await settle()
        return during, server.open

    assert run(scenario()) == (1, 0)


@pytest.mark.parametrize("data", [b"GARBAGE\r\n\r\n", b"\xff\xfe\x00 / HTTP/1.1\r\n\r\n",
                                  b"GET / HTTP/1.1\r\nNoColonHere\r\n\r\n",
                                  b"GET / HTTP/1.1\r\nX: " + b"a" * 600 + b"\r\n\r\n"])
def test_what_microdot_cannot_read_is_400_and_one_log_line_by_kind_with_the_servers_name(capsys, data):
    async def scenario():
        server = Server(bare_app(), zero_pause, "test")
        wire = Wire()
        await server.connection(reader_of(data), wire)
        return server, wire

    server, wire = run(scenario())
    assert status_line(wire) == b"HTTP/1.0 400 Bad Request" and wire.closed and server.unparsed == 1
    logged = capsys.readouterr()
    assert logged.err == "" and logged.out.count("\n") == 1 and "test: request refused by microdot: " in logged.out
    assert b"a" * 20 not in logged.out.encode() and "GARBAGE" not in logged.out


def test_a_body_over_the_limit_is_413():
    async def scenario():
        server = Server(bare_app(), zero_pause, "test")
        wire = Wire()
        body = b"x" * (serve.BODY_MAX + 1)
        head = b"POST /form HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        await server.connection(reader_of(head + b"Content-Length: %d\r\n\r\n" % len(body) + body), wire)
        return wire

    assert status_line(run(scenario())) == b"HTTP/1.0 413 Payload Too Large"


@pytest.mark.parametrize("body", [b"a=\xff\xfe", b"a=%ff%fe&b=%c3"])
def test_a_form_that_is_not_url_encoded_utf8_is_one_message_naming_the_form(body):
    async def scenario():
        server = Server(bare_app(), zero_pause, "test")
        wire = Wire()
        head = b"POST /form HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
        await server.connection(reader_of(head % len(body) + body), wire)
        return wire

    wire = run(scenario())
    assert status_line(wire) == b"HTTP/1.0 400 Bad Request"
    assert wire.data.split(b"\r\n\r\n", 1)[1] == b"form: not URL-encoded UTF-8 text (nothing was changed)"


def test_a_cpython_stream_writer_is_served_through_awrite_and_aclose():
    class StreamWriter:  # CPython's: write, drain, close, wait_closed
        def __init__(self):
            self.data = b""
            self.closed = False

        def write(self, data):
            self.data += data

        async def drain(self):
            pass

        def close(self):
            self.closed = True

        async def wait_closed(self):
            pass

        def get_extra_info(self, name):
            return ("127.0.0.1", 50000) if name == "peername" else None

    async def scenario():
        server = Server(bare_app(), zero_pause, "test")
        writer = StreamWriter()
        await server.connection(reader_of(GET), writer)
        return writer

    writer = run(scenario())
    assert writer.data.startswith(b"HTTP/1.0 200 OK") and writer.closed


def test_serve_listens_until_cancelled_then_closes():
    class Task:
        async def pause(self, ms):
            await asyncio.sleep(0)

    async def scenario():
        server = Server(bare_app(), zero_pause, "test")
        serving = asyncio.create_task(server.serve(Task(), "127.0.0.1", 0))
        while server.listener is None:
            await asyncio.sleep(0)
        port = server.listener.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(GET)
        answer = await reader.read()
        writer.close()
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        return answer, server.listener, server.open

    answer, listener, still_open = run(scenario())
    assert answer.startswith(b"HTTP/1.0 200 OK") and answer.endswith(b"hello")
    assert listener is None and still_open == 0


def test_a_connection_that_fails_mid_answer_is_logged_in_one_line_closed_and_its_slot_freed(capsys):
    class Broken(Wire):
        async def awrite(self, data):
            raise OSError(113)  # EHOSTUNREACH: not one microdot keeps quiet

    async def scenario():
        server = Server(bare_app(), zero_pause, "test")
        wire = Broken()
        await server.connection(reader_of(GET), wire)
        await settle()
        return server, wire

    server, wire = run(scenario())
    assert server.open == 0 and wire.closed
    logged = capsys.readouterr()
    assert logged.err == "" and logged.out.count("\n") == 1 and "test: connection ended: OSError" in logged.out


@pytest.mark.parametrize("path, status", [("/", b"200 OK"), ("/nowhere", b"404 Not Found"), ("/form", b"405 Method Not Allowed")])
def test_the_status_line_says_what_its_code_means_not_n_a(path, status):
    async def scenario():
        wire = Wire()
        await Server(bare_app(), zero_pause, "test").connection(reader_of(b"GET %s HTTP/1.0\r\n\r\n" % path.encode()), wire)
        return wire

    assert status_line(run(scenario())) == b"HTTP/1.0 " + status
