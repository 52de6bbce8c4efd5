"""tools/micropython.mjs runs scripts on the real MicroPython 1.27 interpreter.

These tests pin down the runner's contract, which the MicroPython-side host
tests rely on: byte-exact output, failures that surface as exit status plus
traceback, and firmware packages importable from --path.
"""

import os
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(REPO, "tools", "micropython.mjs")
WASM_PACKAGE = os.path.join(REPO, "node_modules", "@micropython", "micropython-webassembly-pyscript", "micropython.mjs")


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not on PATH: install Node.js >= 18, then run `make test`")
    if not os.path.exists(WASM_PACKAGE):
        pytest.fail(f"{WASM_PACKAGE} is missing: run `make test` (it runs `npm ci`)")
    return path


@pytest.fixture
def run(node, tmp_path):
    """Write `source` to a script and run it under MicroPython."""

    def run(source, *args, options=(), stdin=b""):
        script = tmp_path / "script.py"
        script.write_text(source)
        return subprocess.run(
            [node, RUNNER, *options, str(script), *args],
            input=stdin,
            capture_output=True,
            timeout=120,
            check=False,
        )

    return run


def test_stdout_is_forwarded_byte_exact_including_a_last_line_without_newline(run):
    source = (
        "import sys\n"
        "print('alpha')\n"
        "print()\n"
        "print('72\\u00b0F', 'tab\\there', sep='|')\n"
        "sys.stdout.write('last line without newline')\n"
    )
    result = run(source)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"alpha\n\n72\xc2\xb0F|tab\there\nlast line without newline"
    assert result.stderr == b""


def test_megabytes_of_stdout_arrive_complete(run):
    source = "line = 'x' * 99\nfor i in range(30000):\n    print(line)\nprint('end', end='')\n"
    result = run(source)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == (b"x" * 99 + b"\n") * 30000 + b"end"


def test_an_uncaught_exception_exits_1_with_the_traceback_on_stderr(run):
    source = "print('before')\ndef fail():\n    raise ValueError('setpoint_dF 999 out of range')\nfail()\n"
    result = run(source)
    assert result.returncode == 1
    assert result.stdout == b"before\n"
    stderr = result.stderr.decode()
    assert stderr.startswith("Traceback (most recent call last):\n")
    assert 'script.py", line 4, in <module>' in stderr
    assert 'script.py", line 3, in fail' in stderr
    assert stderr.endswith("ValueError: setpoint_dF 999 out of range\n")


def test_a_syntax_error_fails_the_run(run):
    result = run("x = (\n")
    assert result.returncode == 1
    assert b"SyntaxError" in result.stderr


def test_system_exit_sets_the_exit_status(run):
    assert run("import sys\nsys.exit(3)\n").returncode == 3
    assert run("raise SystemExit\n").returncode == 0
    message = run("raise SystemExit('bad config')\n")
    assert message.returncode == 1
    assert message.stderr == b"bad config\n"


def test_a_package_under_a_path_dir_is_importable(run, tmp_path):
    firmware = tmp_path / "firmware"
    (firmware / "thermo" / "core").mkdir(parents=True)
    (firmware / "thermo" / "__init__.py").write_text("")
    (firmware / "thermo" / "settings.py").write_text("MIN_OFF_MS = 300_000\n")
    (firmware / "thermo" / "core" / "__init__.py").write_text("")
    (firmware / "thermo" / "core" / "decide.py").write_text(
        "from thermo.settings import MIN_OFF_MS\ndef min_off_ms():\n    return MIN_OFF_MS\n"
    )
    source = "from thermo.core.decide import min_off_ms\nprint(min_off_ms())\n"
    result = run(source, options=("--path", str(firmware)))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"300000\n"


def test_arguments_after_the_script_become_sys_argv(run):
    result = run("import sys\nprint(sys.argv[1:])\n", "scenario.json", "--fast")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"['scenario.json', '--fast']\n"


def test_file_option_places_a_host_file_in_the_interpreter(run, tmp_path):
    data = tmp_path / "readings.csv"
    data.write_bytes(b"t_ms,indoor_dF\n0,685\n")
    source = "print(open('/data/readings.csv').read(), end='')\n"
    result = run(source, options=("--file", f"{data}=/data/readings.csv"))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"t_ms,indoor_dF\n0,685\n"


def test_stdin_is_readable_by_the_script(run):
    result = run("import sys\nprint(repr(sys.stdin.read()))\n", stdin=b"on\noff")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"'on\\noff'\n"


def test_interpreter_is_micropython_1_27_loading_mpy_v6_3(run):
    source = (
        "import sys\n"
        "print(sys.implementation.name, sys.implementation.version[:3])\n"
        "mpy = sys.implementation._mpy\n"
        "print(mpy & 0xff, (mpy >> 8) & 3)\n"
    )
    result = run(source)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"micropython (1, 27, 0)\n6 3\n"


def test_ticks_wrap_at_2_to_the_30_like_the_boards(run):
    source = "import time\nprint(time.ticks_add(0, -1))\nprint(time.ticks_diff(5, time.ticks_add(0, -5)))\n"
    result = run(source)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"1073741823\n10\n"


def test_asyncio_run_waits_for_main_and_reports_its_exception(run):
    source = (
        "import asyncio\n"
        "async def main():\n"
        "    ev = asyncio.Event()\n"
        "    async def setter():\n"
        "        ev.set()\n"
        "    asyncio.create_task(setter())\n"
        "    await ev.wait()\n"
        "    print('event seen')\n"
        "    raise RuntimeError('sensor lost')\n"
        "asyncio.run(main())\n"
    )
    result = run(source)
    assert result.returncode == 1
    assert result.stdout == b"event seen\n"
    assert result.stderr.decode().endswith("RuntimeError: sensor lost\n")
