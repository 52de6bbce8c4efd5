# Runs on MicroPython 1.27 (tools/micropython.mjs): the board-side modules
# that need no machine: the board-file loader, the atomic store (with a
# power cut at every byte), device options, wall clock, SHT3x and DS18B20
# arithmetic, the bench clock. Prints one "ok ..." line per check.
import json
import time

from app import bootguard, device, store, wallclock
from app.vclock import ControlClock
from board import boardfile, sht3x

for name in ("rpi_pico", "rpi_pico_w", "esp32_devkitc"):
    board = boardfile.load("/%s.json" % name, "boards/%s.json" % name)
    print("ok board", name, board["mpy_arch"], len(board["terminals"]))

with open("/rpi_pico.json") as f:
    data = json.load(f)
data["terminals"]["Y1"] = 40
try:
    boardfile.validate(data, "boards/rpi_pico.json")
except boardfile.BoardError as exc:
    print("ok refused", exc)


class Cut(Exception):
    pass


class Flash:
    def __init__(self, files, budget):
        self.files = dict(files)
        self.budget = budget

    def step(self):
        if self.budget <= 0:
            raise Cut()
        self.budget -= 1

    def read(self, name):
        data = self.files.get(name)
        return None if data is None else bytes(data)

    def write(self, name, data):
        self.step()
        self.files[name] = bytearray()
        for byte in data:
            self.step()
            self.files[name].append(byte)

    def rename(self, old, new):
        self.step()
        self.files[new] = self.files.pop(old)

    def remove(self, name):
        self.step()
        self.files.pop(name, None)


OLD = {"settings": {"min_off_s": 300}, "device": {}}
NEW = {"settings": {"min_off_s": 600}, "device": {"bench": True}}
base = Flash({}, 10 ** 6)
store.Store("s.json", base).save(OLD)
cut = 0
seen = set()
while True:
    flash = Flash(base.files, cut)
    writer = store.Store("s.json", flash)
    writer.load()
    done = True
    try:
        writer.save(NEW)
    except Cut:
        done = False
    loaded, status = store.Store("s.json", Flash(flash.files, 0)).load()
    assert status == "ok" and loaded in (OLD, NEW), (cut, status, loaded)
    seen.add(loaded == NEW)
    if done:
        break
    cut += 1
print("ok power cut at each of", cut, "steps; saw old and new:", sorted(seen))

real = store.Store("real.json")
real.save({"a": 1})
real.save({"a": 2})
print("ok real flash", store.Store("real.json").load())
open("real.json", "wb").write(b"THERMO1 3 00000000\nabc")
print("ok corrupt", store.Store("real.json").load()[1])

guard = bootguard.BootGuard()
guard.crashed("x")
print("ok guard", bootguard.BootGuard().count)
try:
    device.validate({"bench_speed": 1000})
except ValueError as exc:
    print("ok device", exc)
print("ok minute", wallclock.minute_of_week(time.mktime((2026, 7, 6, 12, 0, 0, 0, 0)), -300, "us"))
print("ok sht3x", sht3x.decode(bytes([0x66, 0x66, 0x93, 0x80, 0x00, 0xA2])))
clock = ControlClock(60)
print("ok clock", clock.speed)
