"""Settings and state on flash that a power cut cannot corrupt.

A record is one file: a header line ``THERMO1 <length> <crc32>`` and a JSON
payload ``{"seq": n, "data": ...}``. :meth:`Store.save` writes the record to
``<name>.new``, reads it back and checks it, then renames it over
``<name>``. littlefs (the rp2 and esp32 default) renames atomically; FAT
removes the old file first, so for a moment only ``<name>.new`` exists.
:meth:`Store.load` therefore reads both and keeps the valid record with the
higher ``seq``: whenever the power goes, the next boot finds the old record
or the new one, never a torn one. Neither valid: ``None`` and a status the
caller turns into an alert; never an exception.

Every read is bounded (:data:`MAX_FILE_BYTES`): a file larger than that is
reported as corrupt without being read whole, so no file on the flash can
exhaust the heap.
"""

import json

try:
    from binascii import crc32
except ImportError:  # a port built without it
    crc32 = None

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

MAGIC = "THERMO1"
SPARE = ".new"
# The largest record: a settings document of app.config.MAX_CONFIG_BYTES
# (16384) plus the record's header and envelope.
MAX_FILE_BYTES = const(16640)


def checksum(data):
    if crc32 is not None:
        return crc32(data) & 0xFFFFFFFF
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xEDB88320 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def encode(seq, data):
    payload = json.dumps({"seq": seq, "data": data}).encode()
    header = "%s %d %08x\n" % (MAGIC, len(payload), checksum(payload))
    return header.encode() + payload


def decode(blob):
    """(seq, data) of a record; ValueError saying what is wrong."""
    end = blob.find(b"\n")
    if end < 0:
        raise ValueError("no header")
    parts = blob[:end].decode().split(" ")
    if len(parts) != 3 or parts[0] != MAGIC:
        raise ValueError("bad header")
    payload = blob[end + 1:]
    if len(payload) != int(parts[1]):
        raise ValueError("length %d, header says %s" % (len(payload), parts[1]))
    if checksum(payload) != int(parts[2], 16):
        raise ValueError("checksum mismatch")
    record = json.loads(payload)
    if not isinstance(record, dict) or not isinstance(record.get("seq"), int) or "data" not in record:
        raise ValueError("bad record")
    return record["seq"], record["data"]


class Flash:
    """The board's filesystem, relative to the working directory ("/")."""

    def read(self, name, limit=MAX_FILE_BYTES):
        """At most ``limit`` + 1 bytes of the file (more than ``limit``: it
        is too large, and the caller says so), or None if it cannot be read."""
        try:
            with open(name, "rb") as f:
                # Ask for what the file holds, not for the limit: MicroPython's
                # read(n) allocates n bytes first, and a 16 KB buffer for every
                # state save's read-back can fail on a fragmented Pico heap.
                size = f.seek(0, 2)
                f.seek(0)
                return f.read(min(size, limit) + 1)
        except OSError:
            return None

    def write(self, name, data):
        with open(name, "wb") as f:
            f.write(data)

    def rename(self, old, new):
        import os

        os.rename(old, new)

    def remove(self, name):
        import os

        try:
            os.remove(name)
        except OSError:
            pass


class Store:
    def __init__(self, name, flash=None):
        self.name = name
        self.flash = flash or Flash()
        self.seq = 0

    def _try(self, name):
        blob = self.flash.read(name)
        if blob is None:
            return None, "missing"
        if len(blob) > MAX_FILE_BYTES:
            return None, "corrupt (larger than %d bytes)" % MAX_FILE_BYTES
        try:
            seq, data = decode(blob)
        except (ValueError, UnicodeError) as exc:
            return None, "corrupt (%s)" % (exc,)
        return (seq, data), "ok"

    def load(self):
        """(data or None, status): status is "ok", "missing" or "corrupt (...)"."""
        main, status = self._try(self.name)
        spare, _ = self._try(self.name + SPARE)
        best = main
        if spare is not None and (best is None or spare[0] > best[0]):
            best = spare
        if best is None:
            return None, status
        self.seq = best[0]
        return best[1], "ok"

    def save(self, data):
        """Write ``data`` as the next record; OSError if it did not verify."""
        seq = self.seq + 1
        blob = encode(seq, data)
        if len(blob) > MAX_FILE_BYTES:  # it could never be read back
            raise OSError("%s: %d bytes is too large (allowed: at most %d)" % (self.name, len(blob), MAX_FILE_BYTES))
        spare = self.name + SPARE
        self.flash.write(spare, blob)
        if self.flash.read(spare) != blob:
            raise OSError("%s: write did not verify" % spare)
        try:
            self.flash.rename(spare, self.name)
        except OSError:
            # Not saved means not saved: a verified spare left behind would
            # win at the next load. Keep it only if it is all there is (FAT
            # removed the old record before its rename failed).
            if self._try(self.name)[0] is not None:
                self.flash.remove(spare)
            raise
        self.seq = seq

    def erase(self):
        self.flash.remove(self.name + SPARE)
        self.flash.remove(self.name)
        self.seq = 0
