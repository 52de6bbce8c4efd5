# Runs on the MicroPython unix port (test_sensor_conversion.py):
#
#   micropython sensor_conversion_mp.py FIRMWARE HOST_BOARD
#
# Converts every raw value in each sensor's range with the firmware's own
# functions and prints one result per line, under a header line per
# conversion, for the host to compare with its exact reference. The fake
# ``machine`` (host_tests/board/fakes) stands in for the board's, which
# board.sensors imports; the conversions themselves touch no hardware.
import sys

FIRMWARE, HOST_BOARD = sys.argv[1:3]
sys.path[:0] = [FIRMWARE, HOST_BOARD]

from fakes import machine  # noqa: E402

sys.modules["machine"] = machine

from board import sensors, sht3x  # noqa: E402

DS18B20_RAW = range(-880, 2001)  # -55 °C to +125 °C in 1/16 °C

print("ds18b20_raw_to_dF")
for raw in DS18B20_RAW:
    print(sensors.ds18b20_raw_to_dF(raw & 0xFFFF))
print("temperature_dF")
for raw in range(65536):
    print(sht3x.temperature_dF(raw))
print("humidity_dpct")
for raw in range(65536):
    print(sht3x.humidity_dpct(raw))
print("end")
