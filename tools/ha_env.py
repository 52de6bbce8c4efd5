"""Home Assistant core in its own cached virtualenv, for the tests of issue 11.

Home Assistant pins a few hundred packages of its own and needs a newer Python
than the project's .venv, so it lives OUTSIDE the repository, in
``~/.cache/heatpump-thermostat/ha-<version>-py<x.y>`` (``HPT_HA_CACHE`` names
another folder), built once and reused while its requirements file is
unchanged (a stamp file holds the file's hash).

The newest Home Assistant that installs here is chosen: 2025.4.4 on Python
3.13 (found through pyenv, ``~/.pyenv`` or ``python3.13`` on PATH), else
2024.3.3 on Python 3.11. ``HPT_HA_PYTHON`` forces an interpreter. Each
requirements file (``tools/ha-requirements-<x.y>.txt``) pins the whole
environment, including what the integrations the tests load ask for: the
tests start ``hass --skip-pip``, which installs nothing at run time.

    python tools/ha_env.py --ensure      # build if needed (or wait for a build under way); print the hass path
    python tools/ha_env.py --background  # start the build in a detached process and return at once

A fresh install takes about 6 minutes, so the test session starts it in the
background when it collects the Home Assistant tests and the first of them
waits for it (``ensure()`` waits on the install lock).
"""

import argparse
import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
# newest first: (python minor version, Home Assistant version)
CHOICES = (("3.13", "2025.4.4"), ("3.11", "2024.3.3"))
STAMP = ".hpt-installed"


class InstallError(Exception):
    """Home Assistant could not be installed; the message says why and where the log is."""


class Env:
    """One usable Home Assistant virtualenv."""

    def __init__(self, venv, version, python_version):
        self.venv = Path(venv)
        self.version = version
        self.python_version = python_version
        self.python = self.venv / "bin" / "python"
        self.hass = self.venv / "bin" / "hass"

    def __repr__(self):
        return "Env(%s, homeassistant %s, Python %s)" % (self.venv, self.version, self.python_version)


def cache_dir():
    if os.environ.get("HPT_HA_CACHE"):
        return Path(os.environ["HPT_HA_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "heatpump-thermostat"


def requirements_file(python_version):
    return TOOLS / ("ha-requirements-%s.txt" % python_version)


def _python_version(exe):
    """'3.13' for an interpreter that can make a virtualenv, else None."""
    try:
        out = subprocess.run([exe, "-c", "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _pyenv_roots():
    roots = []
    if shutil.which("pyenv"):
        try:
            out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=30)
            if out.returncode == 0 and out.stdout.strip():
                roots.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    if os.environ.get("PYENV_ROOT"):
        roots.append(os.environ["PYENV_ROOT"])
    roots.append(os.path.join(os.path.expanduser("~"), ".pyenv"))
    return roots


def find_python(minor):
    """An interpreter of Python ``minor`` ('3.13') that can make a virtualenv, or None."""
    candidates = []
    for root in _pyenv_roots():
        found = glob.glob(os.path.join(root, "versions", minor + ".*", "bin", "python"))
        found.sort(key=lambda p: [int(x) if x.isdigit() else 0 for x in p.split(os.sep)[-3].split(".")], reverse=True)
        candidates.extend(found)
    on_path = shutil.which("python" + minor)
    if on_path:
        candidates.append(on_path)
    if sys.version_info[:2] == tuple(int(x) for x in minor.split(".")):
        candidates.append(sys.executable)
    for exe in candidates:
        if _python_version(exe) == minor:
            return exe
    return None


def choices():
    """[(python exe, python minor, HA version)] this machine can try, newest first."""
    forced = os.environ.get("HPT_HA_PYTHON")
    if forced:
        minor = _python_version(forced)
        for want, version in CHOICES:
            if want == minor:
                return [(forced, minor, version)]
        raise InstallError("HPT_HA_PYTHON=%s: Python %s; Home Assistant is pinned for Python %s" % (
            forced, minor, ", ".join(m for m, _ in CHOICES)))
    found = []
    for minor, version in CHOICES:
        exe = find_python(minor)
        if exe:
            found.append((exe, minor, version))
    return found


def venv_path(minor, version):
    return cache_dir() / ("ha-%s-py%s" % (version, minor))


def _stamp_text(minor):
    return "%s python%s\n" % (hashlib.sha256(requirements_file(minor).read_bytes()).hexdigest(), minor)


def _ready(minor, version):
    venv = venv_path(minor, version)
    stamp = venv / STAMP
    try:
        if stamp.read_text() != _stamp_text(minor):
            return None
    except OSError:
        return None
    env = Env(venv, version, minor)
    return env if env.hass.exists() else None


def ready():
    """The newest already-built environment, without building anything, or None."""
    forced = os.environ.get("HPT_HA_PYTHON")
    forced_minor = _python_version(forced) if forced else None
    for minor, version in CHOICES:
        if forced_minor in (None, minor):
            env = _ready(minor, version)
            if env:
                return env
    return None


def _run(cmd, log):
    log.write("$ %s\n" % " ".join(str(c) for c in cmd))
    log.flush()
    done = subprocess.run([str(c) for c in cmd], stdout=log, stderr=subprocess.STDOUT)
    if done.returncode:
        raise InstallError("%s exited with %d" % (" ".join(str(c) for c in cmd[:4]), done.returncode))


def _install(exe, minor, version, log):
    venv = venv_path(minor, version)
    python = venv / "bin" / "python"
    if not python.exists() or _python_version(str(python)) != minor:
        _run([exe, "-m", "venv", "--clear", venv], log)
    (venv / STAMP).unlink(missing_ok=True)
    _run([python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
          "-r", requirements_file(minor)], log)
    out = subprocess.run([venv / "bin" / "hass", "--version"], capture_output=True, text=True)
    if out.stdout.strip() != version:
        raise InstallError("%s/bin/hass --version says %r, not %s" % (venv, out.stdout.strip(), version))
    (venv / STAMP).write_text(_stamp_text(minor))
    return Env(venv, version, minor)


def log_path():
    return cache_dir() / "ha-install.log"


def ensure(quiet=False):
    """The newest Home Assistant environment that installs here, built if needed.

    Waits while another process (``--background``) holds the install lock.
    Raises InstallError when none installs, with the log's tail."""
    env = ready()
    if env:
        return env
    found = choices()
    if not found:
        raise InstallError("no Python %s found for Home Assistant (pyenv, ~/.pyenv/versions, python3.x on PATH); "
                           "set HPT_HA_PYTHON" % " or ".join(m for m, _ in CHOICES))
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / "ha-install.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not quiet:
                print("ha_env: waiting for the Home Assistant install under way (log: %s)" % log_path(),
                      file=sys.stderr, flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        env = ready()  # what the other process built
        if env:
            return env
        failures = []
        with open(log_path(), "a") as log:
            for exe, minor, version in found:
                log.write("\n== %s: homeassistant %s on %s (Python %s)\n" % (time.ctime(), version, exe, minor))
                log.flush()
                if not quiet:
                    print("ha_env: installing homeassistant %s on Python %s into %s (about 6 minutes; log: %s)" % (
                        version, minor, venv_path(minor, version), log_path()), file=sys.stderr, flush=True)
                try:
                    return _install(exe, minor, version, log)
                except InstallError as e:
                    failures.append("homeassistant %s on Python %s: %s" % (version, minor, e))
                    log.write("FAILED: %s\n" % e)
    raise InstallError("Home Assistant did not install: %s\nlast lines of %s:\n%s" % (
        "; ".join(failures), log_path(), log_tail()))


def log_tail(lines=30):
    try:
        return "\n".join(log_path().read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_background():
    """Start ``ensure()`` in a detached process unless an environment is ready; return at once."""
    if ready():
        return False
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(os.devnull, "rb") as devnull, open(log_path(), "a") as log:
        subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--ensure", "--quiet"],
                         stdin=devnull, stdout=log, stderr=log, start_new_session=True, close_fds=True)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--ensure", action="store_true", help="build if needed, then print the hass path")
    what.add_argument("--background", action="store_true", help="start the build in a detached process")
    what.add_argument("--python", action="store_true", help="build if needed, then print the venv's python")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if args.background:
        print("started: log in %s" % log_path() if start_background() else "ready")
        return 0
    try:
        env = ensure(quiet=args.quiet)
    except InstallError as e:
        print("ha_env: %s" % e, file=sys.stderr)
        return 1
    print(env.python if args.python else env.hass)
    return 0


if __name__ == "__main__":
    sys.exit(main())
