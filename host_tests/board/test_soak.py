"""Soak: the whole board firmware for hours on the harness's virtual clock."""

from board_harness import board_fixture  # noqa: F401 -- the `board` fixture


def test_a_750_ms_conversion_wait_never_wakes_early_in_ten_hours(board):
    """A DS18B20 read before its 750 ms conversion returns the 85 °C power-on
    value (a false reading, or a lost sensor). Ten hours of 5-second sensor
    cycles (7,200 waits per sensor, among 720,000 button polls) all wake at
    or after +750 ms on the harness's clock."""
    board.install("rpi_pico")
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    assert board.boot(10 * 3_600_000) == "halt"
    assert len(board.world.converted) == 2
    assert board.world.early_reads == 0
