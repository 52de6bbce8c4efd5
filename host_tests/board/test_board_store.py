"""Settings on flash: old or new after a power cut at any moment, never torn."""

import json

import pytest
from app import store


class PowerCut(Exception):
    pass


class FakeFlash:
    """A filesystem whose power fails after ``budget`` steps: opening for
    write (truncation), each byte written, each rename or remove. ``fat``:
    rename over an existing file is remove-then-rename, as MicroPython's
    VfsFat does it; otherwise atomic, as littlefs does."""

    def __init__(self, files=None, budget=None, fat=False):
        self.files = dict(files or {})
        self.budget = budget
        self.fat = fat

    def _step(self):
        if self.budget is not None:
            if self.budget <= 0:
                raise PowerCut()
            self.budget -= 1

    def read(self, name):
        data = self.files.get(name)
        return None if data is None else bytes(data)

    def write(self, name, data):
        self._step()
        self.files[name] = bytearray()
        for byte in data:
            self._step()
            self.files[name].append(byte)

    def rename(self, old, new):
        if self.fat and new in self.files:
            self._step()
            del self.files[new]
        self._step()
        self.files[new] = self.files.pop(old)

    def remove(self, name):
        self._step()
        self.files.pop(name, None)


OLD = {"settings": {"min_off_s": 300}, "device": {}}
NEW = {"settings": {"min_off_s": 600, "backup_heat": "dual_fuel"}, "device": {"bench": True}}


def saved_old():
    flash = FakeFlash()
    s = store.Store("settings.json", flash)
    s.save(OLD)
    return flash.files


def test_a_saved_record_loads_back():
    flash = FakeFlash()
    store.Store("settings.json", flash).save(NEW)
    assert store.Store("settings.json", flash).load() == (NEW, "ok")


def test_a_missing_file_is_reported_not_raised():
    assert store.Store("settings.json", FakeFlash()).load() == (None, "missing")


@pytest.mark.parametrize("damage", [
    lambda b: b[:-1],  # truncated
    lambda b: b[:20] + bytes([b[20] ^ 1]) + b[21:],  # one bit flipped in the payload
    lambda b: b"garbage",
    lambda b: b"\xff" * 40,  # erased flash
    lambda b: b"",
])
def test_a_corrupt_file_is_reported_not_raised(damage):
    files = saved_old()
    files["settings.json"] = bytearray(damage(bytes(files["settings.json"])))
    data, status = store.Store("settings.json", FakeFlash(files)).load()
    assert data is None and status.startswith("corrupt")


@pytest.mark.parametrize("fat", [False, True], ids=["littlefs", "fat"])
def test_a_power_cut_at_every_byte_of_a_write_leaves_old_or_new(fat):
    total = None
    cut = 0
    outcomes = set()
    while total is None or cut <= total:
        flash = FakeFlash(saved_old(), budget=cut, fat=fat)
        writer = store.Store("settings.json", flash)
        writer.load()
        try:
            writer.save(NEW)
            if total is None:
                total = cut  # the first budget that completes the write
        except PowerCut:
            pass
        data, status = store.Store("settings.json", FakeFlash(flash.files)).load()
        assert status == "ok", "cut after %d steps: %s" % (cut, status)
        assert data in (OLD, NEW), "cut after %d steps: %r" % (cut, data)
        outcomes.add(json.dumps(data, sort_keys=True))
        cut += 1
        if total is None and cut > 10_000:
            raise AssertionError("the write never completed")
    assert len(outcomes) == 2  # both the old and the new were seen
    assert total > len(store.encode(2, NEW))  # every byte was a cut point


def test_a_write_that_does_not_verify_keeps_the_old_record():
    class BitRot(FakeFlash):
        def write(self, name, data):
            super().write(name, data[:-1] + b"!")

    flash = BitRot(saved_old())
    writer = store.Store("settings.json", flash)
    writer.load()
    with pytest.raises(OSError, match="did not verify"):
        writer.save(NEW)
    assert store.Store("settings.json", flash).load() == (OLD, "ok")


def test_the_newer_of_two_valid_records_wins():
    files = saved_old()
    files["settings.json.new"] = bytearray(store.encode(5, NEW))
    assert store.Store("settings.json", FakeFlash(files)).load() == (NEW, "ok")


def test_a_read_asks_for_what_the_file_holds_not_for_the_16_kb_limit(tmp_path, monkeypatch):
    """MicroPython's read(n) allocates n bytes first: a state save's read-back
    asking for the whole limit allocated 16 KB at every compressor start."""
    import builtins

    asked = []
    real_open = builtins.open

    class Recording:
        def __init__(self, f):
            self.f = f

        def read(self, size=-1):
            asked.append(size)
            return self.f.read(size)

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(builtins, "open", lambda name, mode="r": Recording(real_open(name, mode)))
    record = store.Store("state.json", store.Flash())
    record.save({"mode": "heat"})
    blob = (tmp_path / "state.json").read_bytes()
    assert asked and max(asked) <= len(blob) + 1
    assert record.load()[0] == {"mode": "heat"}
    (tmp_path / "big").write_bytes(b"x" * (store.MAX_FILE_BYTES + 100))
    assert len(store.Flash().read("big")) == store.MAX_FILE_BYTES + 1  # still said to be too large
