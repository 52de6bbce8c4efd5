"""A fake of micropython-lib's ``ssd1306`` driver, for the board harness.

``SSD1306_I2C`` has the real driver's shape (a 128x64 MONO_VLSB buffer,
``write_cmd``, ``write_data``, ``show``, ``poweron``, ``poweroff``) and
drawing calls that record rather than render: ``texts`` is what the page
being drawn says (``fill`` starts a new one), and a page sent to the glass
makes it ``shown``. Every transfer goes to the world's I2C bus through the
fake ``machine.I2C``, so a screen the world does not have (no
``world.i2c[(bus, address)]``) answers ``OSError(19)`` as a real one
would. The pixels are the real framebuf's business, proven by the golden
images on MicroPython (host_tests/test_screens.py).
"""

_SET_PAGE_ADDR = 0x22
_DISPLAY_OFF = 0xAE
_DISPLAY_ON = 0xAF


class SSD1306_I2C:
    def __init__(self, width, height, i2c, addr=0x3C, external_vcc=False):
        self.width = width
        self.height = height
        self.pages = height // 8
        self.buffer = bytearray(self.pages * width)
        self.i2c = i2c
        self.addr = addr
        self.texts = []  # the page being drawn
        self.shown = []  # the texts of the page on the glass, once fully sent
        self.frames = 0  # pages of 8 rows sent
        self.on = False
        self.commands = []
        self.page = 0
        self.poweron()

    # -- the bus ------------------------------------------------------------

    def write_cmd(self, cmd):
        self.i2c.writeto(self.addr, bytes((0x80, cmd)))
        self.commands.append(cmd)
        if len(self.commands) > 256:  # a soak draws for days: only the last few are ever read
            del self.commands[:-8]

    def write_data(self, buf):
        assert len(buf) == self.width, "one page of %d bytes at a time, not %d" % (self.width, len(buf))
        self.i2c.writeto(self.addr, b"\x40" + bytes(buf))
        page = self.commands[-2] if len(self.commands) >= 3 and self.commands[-3] == _SET_PAGE_ADDR else 0
        self.frames += 1
        if page == self.pages - 1:
            self.shown = list(self.texts)

    def show(self):
        raise AssertionError("show() sends the whole frame at once: app.display sends a page at a time")

    def poweroff(self):
        self.write_cmd(_DISPLAY_OFF)
        self.on = False

    def poweron(self):
        self.write_cmd(_DISPLAY_ON)
        self.on = True

    # -- the FrameBuffer API, recorded ---------------------------------------

    def fill(self, color):
        self.texts = []

    def text(self, text, x, y, color=1):
        self.texts.append(text)

    def fill_rect(self, x, y, w, h, color):
        pass

    def rect(self, x, y, w, h, color, fill=False):
        pass

    def hline(self, x, y, w, color):
        pass

    def vline(self, x, y, h, color):
        pass

    def pixel(self, x, y, color=None):
        return 0
