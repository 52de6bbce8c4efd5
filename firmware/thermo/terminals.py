"""The six output terminals, as bits of one integer.

An output mask is the energization of every terminal after the O/B polarity
is applied (1 = 24VAC on the terminal), before any active-low inversion a
board may need. One int per tick keeps the control path allocation-free.
"""

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


Y1 = const(1)
Y2 = const(2)
G = const(4)
W2 = const(8)
OB = const(16)
E = const(32)

# Terminals that make heat or cold: what "off" and a failed indoor sensor stop.
CONDITIONING = const(1 | 2 | 8 | 32)

# Replay and log order.
NAMES = ("Y1", "Y2", "G", "W2", "OB", "E")
BITS = (Y1, Y2, G, W2, OB, E)


def bit_of(name):
    """The bit of a terminal name; ValueError naming the allowed names."""
    for index in range(len(NAMES)):
        if NAMES[index] == name:
            return BITS[index]
    raise ValueError("unknown terminal %r (allowed: %s)" % (name, ", ".join(NAMES)))


def index_of(bit):
    """Position of a single-terminal bit in :data:`NAMES`."""
    index = 0
    while bit > 1:
        bit >>= 1
        index += 1
    return index
