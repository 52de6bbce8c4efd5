"""The web page (app.page): plain forms that work without JavaScript, the
element ids the browser tests and README rely on, the settings in groups
covering the schema, and form posts that need the session's CSRF token."""

import re

import pytest

from .webcore import PASSWORD, Rig, fake_clock

IDS = ("indoor", "outdoor", "action", "setpoint-heat", "setpoint-cool", "mode", "mode-form", "fan", "fan-form",
       "alerts", "reasons", "balance-point", "message", "logout-form", "setpoint-form") + tuple(
    "terminal-" + name for name in ("Y1", "Y2", "G", "W2", "OB", "E"))
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def rig(monkeypatch):
    return Rig(fake_clock(monkeypatch))


def logged_in(rig):
    """Log in through the form; the test client keeps the cookie."""
    response = rig.request("POST", "/login", "password=" + PASSWORD.replace(" ", "+"), headers=FORM)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    return rig


def csrf(rig, path="/"):
    return re.search(r'name="csrf" value="([0-9a-f]{32})"', rig.request("GET", path).text).group(1)


def post(rig, path, fields):
    body = "&".join("%s=%s" % (key, str(value).replace(" ", "+").replace(":", "%3A")) for key, value in fields.items())
    return rig.request("POST", path, body, headers=FORM)


def element(html, ident):
    match = re.search(r'<(\w+)[^>]* id="%s"[^>]*>([^<]*)' % re.escape(ident), html)
    return match and match.group(2)


def test_the_groups_cover_every_installer_setting_but_the_schedule_exactly_once():
    from app.webapi import GROUPS

    from thermo.schema import KEYS

    grouped = [key for _title, keys in GROUPS for key in keys]
    assert sorted(grouped) == sorted(key for key in KEYS if key != "schedule")


def test_the_status_page_has_every_element_the_tests_and_readme_name(rig):
    html = logged_in(rig).request("GET", "/").text
    for ident in IDS:
        assert 'id="%s"' % ident in html, ident
    assert element(html, "indoor") == "68.0"


def test_the_page_is_for_a_phone_and_loads_nothing_from_elsewhere(rig):
    html = logged_in(rig).request("GET", "/").text
    assert '<meta name="viewport" content="width=device-width,initial-scale=1">' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "fetch('/api/status'" in html and "setInterval(p,5000)" in html


def test_terminals_are_lights_on_or_off(rig):
    logged_in(rig)
    rig.device.thermostat.outputs = 1  # Y1 on, as a tick would leave it
    html = rig.request("GET", "/").text
    assert '<span id="terminal-Y1" class="light on">' in html
    assert '<span id="terminal-G" class="light off">' in html


def test_without_a_login_the_status_page_sends_to_the_login_page(rig):
    response = rig.request("GET", "/")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    html = rig.request("GET", "/login").text
    assert 'id="login-form"' in html and 'id="login-password"' in html


def test_with_open_status_the_page_shows_readings_but_no_forms_without_a_login(monkeypatch):
    rig = Rig(fake_clock(monkeypatch), open_status=True)
    html = rig.request("GET", "/").text
    assert element(html, "indoor") == "68.0"
    assert 'id="mode-form"' not in html and 'name="csrf"' not in html


def test_a_wrong_password_in_the_login_form_shows_the_message(rig):
    response = rig.request("POST", "/login", "password=nope+nope", headers=FORM)
    assert response.status_code == 401
    assert element(response.text, "message") == "password: wrong"


def test_a_mode_form_changes_the_mode_and_shows_the_outcome_once(rig):
    logged_in(rig)
    response = post(rig, "/mode", {"csrf": csrf(rig), "mode": "heat"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert rig.device.thermostat.mode == 1
    html = rig.request("GET", "/").text
    assert element(html, "message") == "done: mode &quot;heat&quot;"
    assert element(rig.request("GET", "/").text, "message") == ""


def test_a_refused_setpoint_form_changes_nothing_and_says_why(rig):
    logged_in(rig)
    before = rig.state()
    post(rig, "/setpoints", {"csrf": csrf(rig), "heat_setpoint_f": "120", "cool_setpoint_f": "76"})
    assert rig.state() == before
    assert element(rig.request("GET", "/").text, "message").startswith("heat_setpoint_f: 120 is out of range")


def test_a_form_post_without_the_session_csrf_token_is_refused(rig):
    logged_in(rig)
    before = rig.state()
    response = post(rig, "/mode", {"csrf": "0" * 32, "mode": "heat"})
    assert response.status_code == 403
    assert rig.state() == before


def test_a_cross_site_form_post_is_refused_even_with_the_token(rig):
    logged_in(rig)
    token = csrf(rig)
    before = rig.state()
    response = rig.request("POST", "/mode", "csrf=%s&mode=heat" % token,
                           headers=dict(FORM, **{"Sec-Fetch-Site": "cross-site"}))
    assert response.status_code == 403
    assert rig.state() == before


def test_after_logging_out_a_form_post_is_refused(rig):
    logged_in(rig)
    token = csrf(rig)
    response = post(rig, "/logout", {"csrf": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    before = rig.state()
    assert post(rig, "/mode", {"csrf": token, "mode": "heat"}).status_code == 401
    assert rig.state() == before


def test_the_settings_page_has_a_field_for_every_grouped_setting(rig):
    from app.webapi import GROUPS

    html = logged_in(rig).request("GET", "/settings").text
    assert 'id="settings-form"' in html
    for _title, keys in GROUPS:
        for key in keys:
            assert 'id="%s" name="%s"' % (key, key) in html, key


def test_a_refused_setting_shows_its_message_beside_that_field_and_changes_nothing(rig):
    logged_in(rig)
    before = rig.state()
    response = post(rig, "/settings", {"csrf": csrf(rig, "/settings"), "min_off_s": "600", "min_on_s": "5"})
    assert response.status_code == 400
    assert rig.state() == before
    error = re.search(r'<input id="min_on_s" name="min_on_s" [^>]*value="5"><span id="err-min_on_s" class="error">'
                      r'([^<]*)</span>', response.text)
    assert error.group(1) == "settings.min_on_s: 5 is out of range (allowed: 30 to 3600 s)"


def test_a_settings_form_is_saved_and_applied(rig):
    logged_in(rig)
    response = post(rig, "/settings", {"csrf": csrf(rig, "/settings"), "min_off_s": "600",
                                       "compressor_min_outdoor_f": "", "fan_with_backup": "true"})
    assert response.status_code == 303
    values = rig.device.thermostat.settings.values
    assert (values["min_off_s"], values["compressor_min_outdoor_f"], values["fan_with_backup"]) == (600, None, True)


def test_the_schedule_form_adds_and_removes_rows(rig):
    logged_in(rig)
    token = csrf(rig, "/schedule")
    post(rig, "/schedule", {"csrf": token, "rows": 2, "days-0": "weekdays", "at-0": "06:30", "heat-0": "70",
                            "days-1": "daily", "at-1": "22:00", "heat-1": "62", "cool-1": "80"})
    assert rig.device.thermostat.settings.values["schedule"] == [
        {"days": "weekdays", "at": "06:30", "heat_setpoint_f": 70},
        {"days": "daily", "at": "22:00", "heat_setpoint_f": 62, "cool_setpoint_f": 80}]
    html = rig.request("GET", "/schedule").text
    assert 'id="schedule-form"' in html and 'id="at-3"' in html  # two entries and two blank rows
    post(rig, "/schedule", {"csrf": token, "rows": 4, "days-0": "weekdays", "at-0": "06:30", "heat-0": "70",
                            "remove-0": "on", "days-1": "daily", "at-1": "22:00", "heat-1": "62"})
    assert rig.device.thermostat.settings.values["schedule"] == [{"days": "daily", "at": "22:00",
                                                                   "heat_setpoint_f": 62}]


def test_a_refused_schedule_form_changes_nothing_and_keeps_the_rows_typed(rig):
    logged_in(rig)
    before = rig.state()
    response = post(rig, "/schedule", {"csrf": csrf(rig, "/schedule"), "rows": 1, "days-0": "daily",
                                       "at-0": "25:00", "heat-0": "70"})
    assert response.status_code == 400
    assert rig.state() == before
    assert element(response.text, "message").startswith("not saved: settings.schedule[0].at: ")
    assert 'id="at-0" name="at-0" placeholder="HH:MM" value="25:00"' in response.text


def test_a_refused_schedule_entry_shows_its_message_beside_that_field_of_its_row(rig):
    logged_in(rig)
    before = rig.state()
    response = post(rig, "/schedule", {"csrf": csrf(rig, "/schedule"), "rows": 2, "days-0": "daily", "at-0": "06:00",
                                       "heat-0": "70", "days-1": "daily", "at-1": "25:00", "heat-1": "70"})
    assert response.status_code == 400 and rig.state() == before
    error = re.search(r'<input id="at-1" name="at-1" placeholder="HH:MM" value="25:00" size="5"></label>'
                      r'<span id="err-at-1" class="error">([^<]*)</span>', response.text)
    assert error.group(1) == 'settings.schedule[1].at: &quot;25:00&quot; is not a time (allowed: &quot;HH:MM&quot;, ' \
                             '&quot;00:00&quot; to &quot;23:59&quot;)'
    assert response.text.count('class="error"') == 1


@pytest.mark.parametrize("fields,beside", [({"heat-0": "95"}, "heat-0"), ({"cool-0": "40"}, "cool-0"),
                                           ({}, "heat-0")])
def test_a_refused_setpoint_or_an_entry_without_one_is_shown_beside_its_setpoint_field(rig, fields, beside):
    logged_in(rig)
    response = post(rig, "/schedule", dict({"csrf": csrf(rig, "/schedule"), "rows": 1, "days-0": "daily",
                                            "at-0": "06:00"}, **fields))
    assert response.status_code == 400
    assert re.search(r'<input id="%s" [^>]*> &deg;F</label><span id="err-%s" class="error">settings\.schedule\[0\]'
                     % (beside, beside), response.text), response.text


def test_the_schedule_rows_are_labelled_boxes_that_wrap_not_a_table(rig):
    html = logged_in(rig).request("GET", "/schedule").text
    assert "<table" not in html
    assert html.count('<fieldset class="row">') == 2  # no entry yet: two blank ones
    for name in ("days-0", "at-0", "heat-0", "cool-0", "remove-0"):
        assert re.search(r'<label>[^<]*<(input|select) (type="checkbox" )?id="%s"' % name, html), name


FORM_PATHS = ("/login", "/mode", "/fan", "/setpoints", "/settings", "/schedule", "/logout")


@pytest.mark.parametrize("path", FORM_PATHS)
@pytest.mark.parametrize("body", [b"password=\xff\xfe&mode=\xff&min_off_s=\xff&at-0=\xff&rows=1",
                                  b"password=%ff%fe&mode=%ff&min_off_s=%c3&at-0=%ff&rows=1", b"mode=%zz&rows=%-1"])
def test_a_form_that_is_not_utf8_is_refused_with_400_and_one_message_changing_nothing(rig, path, body):
    logged_in(rig)
    token = csrf(rig)
    before = rig.state()
    response = rig.request("POST", path, b"csrf=" + token.encode() + b"&" + body, headers=FORM)
    assert response.status_code == 400, response.status_code
    assert element(response.text, "message") == "form: not URL-encoded UTF-8 text (nothing was changed)"
    assert rig.state() == before
    assert rig.request("GET", "/settings").status_code == 200  # still logged in


def test_an_empty_list_of_alerts_or_reasons_says_none_rather_than_leaving_its_heading_bare(rig):
    logged_in(rig)
    th = rig.device.thermostat
    th.alerts = 0
    th.held = [None] * 6
    th.noted = [None] * 6
    html = rig.request("GET", "/").text
    assert '<ul id="alerts"><li>none</li></ul>' in html
    assert '<ul id="reasons"><li>none</li></ul>' in html
    assert "if(!a.length)a=['none']" in html  # and so do the live updates


def test_an_alert_shows_its_fix_in_words_on_the_page_in_the_api_and_in_the_live_updates(rig):
    """The detectors' sentences (app/advice.py) reach the user, not only the screen's short words."""
    from thermo.control import ALERT_NAMES

    logged_in(rig)
    th = rig.device.thermostat
    th.alerts = 1 << ALERT_NAMES.index("ob_reversed")
    status = rig.request("GET", "/api/status").json
    assert status["alerts"] == [{"name": "ob_reversed", "text": "O/B reversed", "advice": (
        "heats in cool mode / cools in heat mode: the O/B setting is probably reversed. Set reversing_valve to B "
        "(or O) and confirm with the commissioning test")}]
    html = rig.request("GET", "/").text
    assert "<li>O/B reversed: heats in cool mode / cools in heat mode: the O/B setting is probably reversed." in html
    assert "a.advice?a.text+': '+a.advice:a.text" in html


def test_every_core_and_detector_alert_has_advice_in_words():
    from app.advice import ADVICE

    from thermo.control import ALERT_NAMES

    assert sorted(ADVICE) == sorted(ALERT_NAMES)
    assert all(text and text[0].islower() and not text.endswith(".") for text in ADVICE.values())
