"""The board's flash with faults: ``open``, ``os.rename`` and ``os.remove``
as the firmware calls them, on the real files of the test's directory, but
each operation first asks ``world.flash_fault(op, name, size)`` whether it
fails (op: "read", "write", "rename" or "remove"; size: the bytes a read
asks for, -1 for all). Writes and renames are logged in
``world.flash_log`` as (t_ms, op, name). Absolute paths (the test's own
files, the interpreter's) pass straight through.
"""

from fakes import world as _world

_real = {}


def install(builtins_module, os_module):
    """Put the faulty flash in place; returns the real (open, rename, remove)."""
    _real["open"] = builtins_module.open
    _real["rename"] = os_module.rename
    _real["remove"] = os_module.remove
    return _real["open"], _real["rename"], _real["remove"]


def _ask(op, name, size=None):
    world = _world.WORLD
    if world.flash_log is not None and op in ("write", "rename"):
        world.flash_log.append((world.now_ms, op, name))
    if world.flash_fault is not None:
        fault = world.flash_fault(op, name, size)
        if fault is not None:
            raise fault


class _File:
    def __init__(self, name, f):
        self.name = name
        self.f = f

    def read(self, size=-1):
        _ask("read", self.name, size)
        return self.f.read(size) if size is not None and size >= 0 else self.f.read()

    def write(self, data):
        return self.f.write(data)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def __getattr__(self, attr):
        return getattr(self.f, attr)


def open(name, mode="r", *args, **kwargs):  # noqa: A001 -- it is the board's open
    real = _real["open"]
    if not isinstance(name, str) or name.startswith("/"):
        return real(name, mode, *args, **kwargs)
    _ask("write" if ("w" in mode or "a" in mode) else "open", name)
    return _File(name, real(name, mode, *args, **kwargs))


def rename(old, new):
    if not old.startswith("/"):
        _ask("rename", old)
    return _real["rename"](old, new)


def remove(name):
    if not name.startswith("/"):
        _ask("remove", name)
    return _real["remove"](name)
