# The thermostat. A thin wrapper: relays off first (again: boot.py may have
# been replaced), then the application; anything that escapes it resets the
# board, whose boot-loop guard stops after repeated crashes.
from board import early

early.all_off()

from app import runner  # noqa: E402 -- only after the relays are off

runner.main()
