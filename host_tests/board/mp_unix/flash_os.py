# MicroPython only: the ``os`` module the firmware imports (sys.modules["os"]),
# the real one but for rename and remove, which go through fakes/flash.py's
# fault injection. Built-in modules cannot be patched on MicroPython, so this
# module stands in for it.
from fakes import flash as _flash

_REAL = __import__("os")
rename = _flash.rename
remove = _flash.remove
stat = _REAL.stat
listdir = _REAL.listdir
ilistdir = _REAL.ilistdir
getcwd = _REAL.getcwd
chdir = _REAL.chdir
mkdir = _REAL.mkdir
rmdir = _REAL.rmdir
statvfs = _REAL.statvfs
urandom = _REAL.urandom
sep = _REAL.sep
unlink = remove
