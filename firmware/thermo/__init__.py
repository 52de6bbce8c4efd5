"""Heat-pump thermostat control core.

Pure decision code shared by the board and the desktop: nothing in this
package touches hardware, a clock, a file or the console. The shells
(``main.py`` on the board, ``tools/replay.py`` on the desktop) feed it
readings, commands and the time, and write out what it decides.
"""

VERSION = "0.1.0"
