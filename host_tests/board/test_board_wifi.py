"""Wi-Fi on a board with a network: joined again soon after it is lost,
not at the next hourly NTP sync (the MQTT link needs the network too)."""

import sys

from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from test_shell_supervision import FakeInternet, network_up, wifi_board


def test_a_board_that_lost_its_wifi_association_joins_again_within_a_minute(board, monkeypatch):
    wifi_board(board, wifi_ssid="home", wifi_password="secret")
    network_up(monkeypatch, board, FakeInternet())
    network = sys.modules["network"]
    joined = []  # when the station was connected, at each look

    def drop():
        network.WLAN(network.WLAN.IF_STA).disconnect()  # the access point went away and the station gave up

    def look():
        joined.append((board.world.now_ms, network.WLAN(network.WLAN.IF_STA).isconnected()))

    board.world.at(10 * 60_000 + 30_000, drop)
    for second in range(1, 200):
        board.world.at(10 * 60_000 + 30_000 + second * 1000, look)
    board.boot(14 * 60_000)
    assert not joined[0][1], "the drop took"
    back = [t for t, connected in joined if connected]
    assert back and back[0] - (10 * 60_000 + 30_000) <= 61_000 + 20_000  # within a minute (+ the join's own wait)
