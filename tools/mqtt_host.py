"""The MQTT link on CPython: micropython-lib's umqtt.simple, fetched, and a
host device that runs it in real time.

CPython only (the board and the unix port need none of this):

- :func:`umqtt_dir` fetches ``micropython-umqtt.simple`` 1.3.4 by package
  name from the package registry pip uses (the registry's copy has no
  setup.py, so pip downloads it but refuses to install it), checks it
  against a pinned sha256, and unpacks ``umqtt/simple.py`` into a cache
  outside git (``$THERMO_CACHE``, default ``~/.cache/heatpump-thermostat``).
  No third-party code is committed. The same directory goes on the unix
  port's ``sys.path`` in the tests.
- :func:`install_shims` gives CPython what MicroPython has and the firmware
  uses: the ``usocket``/``ustruct``/``ubinascii`` names umqtt.simple
  imports, ``time.ticks_ms``/``ticks_diff``/``ticks_add`` (a real
  monotonic clock in ms, wrapping at 2**30 as on the boards) and
  ``asyncio.sleep_ms``.
- The command line runs :func:`netdevice.main`: a thermostat with fixed
  wired readings and its MQTT link, until killed or for ``--seconds``::

      python tools/mqtt_host.py --host 127.0.0.1 --port 1883 --device-id demo --seconds 60

  The broker password is read from ``$MQTT_PASSWORD`` (or ``--password``)
  and never printed.
"""

import argparse
import asyncio
import binascii
import hashlib
import io
import os
import re
import shutil
import socket
import struct
import sys
import tarfile
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"
TOOLS = ROOT / "tools"

UMQTT_PROJECT = "micropython-umqtt.simple"
UMQTT_VERSION = "1.3.4"
UMQTT_SDIST = "micropython-umqtt.simple-1.3.4.tar.gz"
# The registry's published digests for the sdist and what we take from it.
UMQTT_SDIST_SHA256 = "b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f"
UMQTT_SIMPLE_SHA256 = "8555d2f654deb8eb0d724f79b0811a78cc94029d070f3d96bbd74288653d63a5"
UMQTT_MEMBER = "micropython-umqtt.simple-1.3.4/umqtt/simple.py"



class FetchError(RuntimeError):
    pass


def cache_root():
    """Where fetched third-party code is kept: ``$THERMO_CACHE``, else
    ``$XDG_CACHE_HOME/heatpump-thermostat``, else ``~/.cache/heatpump-thermostat``."""
    explicit = os.environ.get("THERMO_CACHE", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "heatpump-thermostat"


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _index_url():
    """The simple index pip installs from: ``$PIP_INDEX_URL``, else pip's own default."""
    url = os.environ.get("PIP_INDEX_URL", "").strip()
    if url:
        return url.rstrip("/") + "/"
    from pip._internal.models.index import PyPI  # the registry `pip install` uses by default

    return PyPI.simple_url.rstrip("/") + "/"


def _get(url):
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 -- the index pip uses
        return response.read()


def _sdist_url():
    """The sdist's address, read from the project's page on the simple index (PEP 503)."""
    project = re.sub(r"[-_.]+", "-", UMQTT_PROJECT).lower()
    page_url = urllib.parse.urljoin(_index_url(), project + "/")
    page = _get(page_url).decode("utf-8", "replace")
    for href in re.findall(r'href="([^"]+)"', page):
        link = urllib.parse.urljoin(page_url, href.replace("&amp;", "&"))
        if urllib.parse.urlsplit(link).path.rsplit("/", 1)[-1] == UMQTT_SDIST:
            return link.split("#", 1)[0]
    raise FetchError("%s: no %s on %s" % (UMQTT_PROJECT, UMQTT_SDIST, page_url))


def _simple_py_ok(path):
    try:
        return _sha256(path.read_bytes()) == UMQTT_SIMPLE_SHA256
    except OSError:
        return False


def umqtt_dir():
    """The directory holding ``umqtt/simple.py`` (umqtt.simple 1.3.4), fetched on first use.

    Put it on ``sys.path`` (CPython or the unix port) to ``import umqtt.simple``.
    Raises :class:`FetchError` when it cannot be fetched or does not match its pinned sha256.
    """
    target = cache_root() / ("umqtt-" + UMQTT_VERSION)
    if _simple_py_ok(target / "umqtt" / "simple.py"):
        return target
    try:
        url = _sdist_url()
        data = _get(url)
    except OSError as exc:
        raise FetchError("%s %s: cannot fetch it from the package index (%s)" % (
            UMQTT_PROJECT, UMQTT_VERSION, exc)) from exc
    if _sha256(data) != UMQTT_SDIST_SHA256:
        raise FetchError("%s: sha256 %s, expected %s: not using it" % (url, _sha256(data), UMQTT_SDIST_SHA256))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile(UMQTT_MEMBER)
        if member is None:
            raise FetchError("%s: no %s in it" % (url, UMQTT_MEMBER))
        source = member.read()
    if _sha256(source) != UMQTT_SIMPLE_SHA256:
        raise FetchError("%s: umqtt/simple.py has sha256 %s, expected %s" % (
            url, _sha256(source), UMQTT_SIMPLE_SHA256))
    # Unpack beside the target and rename into place: a run stopped half-way,
    # or two test runs fetching at once, never leave a half-written copy.
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    os.chmod(staging, 0o755)  # mkdtemp makes it private
    (staging / "umqtt").mkdir()
    (staging / "umqtt" / "simple.py").write_bytes(source)
    (staging / "SOURCE").write_text("%s %s from %s (sha256 %s)\n" % (UMQTT_PROJECT, UMQTT_VERSION, url, UMQTT_SDIST_SHA256))
    if target.exists():  # a damaged copy
        old = Path(tempfile.mkdtemp(prefix=target.name + ".old.", dir=target.parent))
        os.replace(target, old / "copy")
        shutil.rmtree(old, ignore_errors=True)
    try:
        os.replace(staging, target)
    except OSError:
        if not _simple_py_ok(target / "umqtt" / "simple.py"):  # not another run's good copy
            raise
    return target


# -- MicroPython's names on CPython ------------------------------------------------


def _ticks_ms():
    from thermo.ticks import TICKS_MASK  # the boards' wrap, as the core has it

    return (time.monotonic_ns() // 1_000_000) & TICKS_MASK


async def _sleep_ms(ms):
    await asyncio.sleep(ms / 1000)


def install_shims():
    """Give CPython the MicroPython names umqtt.simple and the firmware use
    (only those missing: a test harness's own clock is left alone)."""
    for name, module in (("usocket", socket), ("ustruct", struct), ("ubinascii", binascii)):
        sys.modules.setdefault(name, module)
    if str(FIRMWARE) not in sys.path:
        sys.path.insert(0, str(FIRMWARE))
    from thermo.ticks import ticks_add, ticks_diff  # the core's wraparound arithmetic, the boards' own

    for name, function in (("ticks_ms", _ticks_ms), ("ticks_add", ticks_add), ("ticks_diff", ticks_diff)):
        if not hasattr(time, name):
            setattr(time, name, function)
    if not hasattr(asyncio, "sleep_ms"):
        asyncio.sleep_ms = _sleep_ms


def setup():
    """Shims installed; firmware/, tools/ and umqtt.simple importable."""
    install_shims()
    for path in (str(umqtt_dir()), str(TOOLS), str(FIRMWARE)):
        if path not in sys.path:
            sys.path.insert(0, path)


# -- the command line -----------------------------------------------------------------


def _tenths(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number of °F" % text) from None
    if value != value or not -60 <= value <= 150:
        raise argparse.ArgumentTypeError("%r is out of range (allowed: -60 to 150 °F)" % text)
    return int(round(value * 10))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="A host thermostat (fixed readings) with its MQTT link, in real time.")
    parser.add_argument("--host", required=True, help="broker host name or IPv4 address")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--user", default="")
    parser.add_argument("--tls", action="store_true", help="TLS to the broker (mqtt_tls)")
    parser.add_argument("--password", default=None,
                        help="broker password (default: $MQTT_PASSWORD); never printed")
    parser.add_argument("--device-id", default="host_thermostat")
    parser.add_argument("--device-name", default=None)
    parser.add_argument("--prefix", default=None, help="topic prefix (default: the device option's)")
    parser.add_argument("--indoor-topic", default=None)
    parser.add_argument("--outdoor-topic", default=None)
    parser.add_argument("--topic-unit", default=None, choices=("F", "C"))
    parser.add_argument("--indoor", type=_tenths, default=680, metavar="°F", help="the wired indoor reading (68.0)")
    parser.add_argument("--outdoor", type=_tenths, default=300, metavar="°F", help="the wired outdoor reading (30.0)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: run until killed)")
    return parser.parse_args(argv)


def options_from_args(args):
    """The device-option changes the arguments ask for (checked by the firmware's own validation)."""
    changes = {"mqtt_host": args.host, "mqtt_port": args.port, "device_id": args.device_id}
    password = args.password if args.password is not None else os.environ.get("MQTT_PASSWORD", "")
    if args.user:
        changes["mqtt_user"] = args.user
    if args.tls:
        changes["mqtt_tls"] = True
    if password:
        changes["mqtt_password"] = password
    for key, value in (("device_name", args.device_name), ("mqtt_prefix", args.prefix),
                       ("indoor_topic", args.indoor_topic), ("outdoor_topic", args.outdoor_topic),
                       ("topic_unit", args.topic_unit)):
        if value is not None:
            changes[key] = value
    return changes


def main(argv=None):
    args = parse_args(argv)
    setup()
    import netdevice

    from thermo.values import SettingError

    try:
        options = netdevice.options(options_from_args(args))
    except SettingError as exc:
        print("mqtt_host: %s" % exc, file=sys.stderr)
        return 2
    seconds = args.seconds
    return asyncio.run(netdevice.main(options, None, seconds, args.indoor, args.outdoor))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
