"""The hardware layer: the only package that imports ``machine``, ``onewire``,
``ds18x20``, ``network`` and ``socket``. Everything above it (``app``) talks
to pins, buses and clocks through :class:`board.hw.Hardware`."""
