# ruff: noqa: F821 -- metadata/include/package are provided by the freezing tool
# Freeze the thermostat firmware into your own MicroPython build:
#
#   make -C ports/rp2 BOARD=RPI_PICO FROZEN_MANIFEST=/path/to/firmware/manifest.py
#   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=/path/to/firmware/manifest.py
#
# Read by MicroPython's tools/manifestfile.py, not imported: metadata(),
# include() and package() are provided by that tool. Paths are relative to
# this file. Target MicroPython 1.27 (mpy v6.3), the version the host tests
# and tools/build_mpy.py use.
#
# A FROZEN_MANIFEST replaces the default one, so include() brings back the
# port's own frozen modules (asyncio, onewire, ds18x20, ...). Boards with a
# manifest of their own (e.g. RPI_PICO_W) include "$(BOARD_DIR)/manifest.py"
# instead, which includes the port's.
#
# main.py and boot.py are not frozen: the board runs them as source from its
# filesystem (copy them with mpremote).

metadata(
    description="Heat-pump thermostat control firmware.",
    version="0.1.0",
    license="MIT",
)

include("$(PORT_DIR)/boards/manifest.py")

package("thermo")  # the control core
package("board")  # the hardware layer
package("app")  # the board's application
