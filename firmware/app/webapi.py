"""The JSON API under ``/api/`` (shapes: README, "The JSON API").

Every answer is a JSON object; a refusal is ``{"error": "<field>: <why>"}``
with 400 (bad value: nothing changed), 401 (log in), 403 (cross-site),
404, 405, 413 (body over 4096 bytes) or 429 (too many failed logins, with
Retry-After). Readings are °F with one decimal, or null when missing.

``GET /api/settings`` (and a successful ``POST``) carries ``"warnings"``:
the config lint's findings for the settings in force, one line each
(:mod:`thermo.lint`, against the board file's wired terminals); a lint
refusal is a 400 like any bad value.
"""

import json

from app import config, screen
from app import device as device_options
from app.auth import check_password
from thermo import modes as M
from thermo import schema
from thermo import terminals as T
from thermo.values import SettingError, show

SECTIONS = ("settings", "device")
COOKIE = "session"
COOKIE_LIFE_S = 7 * 86400
# The installer settings as the page groups them: every key of the schema
# but the schedule (its own page), each exactly once (a test checks).
GROUPS = schema.GROUPS  # the settings page's groups, the README table's too


def json_response(body, status=200, headers=None):
    head = {"Content-Type": "application/json; charset=UTF-8"}
    if headers:
        head.update(headers)
    return json.dumps(body), status, head


def error(status, message, headers=None):
    return json_response({"error": message}, status, headers)


def session_cookie(value, life_s=COOKIE_LIFE_S):
    return "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict" % (COOKIE, value, life_s)


def degrees(value_dF, ok=True):
    return value_dF / 10 if ok and value_dF is not None else None


# Why a terminal is held (thermo.reasons), as the page and API say it; the
# screen's 16-character words stay the screen's. Codes the screen leaves
# out (screen.QUIET_REASONS: facts of the wiring) are left out here too.
REASON_TEXT = {
    "min_on": "minimum run time", "aux_min_on": "minimum run time", "rewiring": "wiring settings changed",
    "indoor_sensor": "no indoor reading", "emergency": "off in emergency heat",
    "valve_in_cool": "valve still set to cool", "cooling": "off while cooling",
    "outdoor_lockout": "too cold outside", "aux_lockout": "too warm outside",
    "dual_fuel": "fuel switch delay", "changeover": "valve changeover delay", "valve_moving": "valve moving",
    "min_off": "minimum off time", "max_starts": "starts per hour used up", "aux_max_starts": "starts per hour used up",
    "stage1_off": "runs only with Y1", "wait_stage2": "waiting before stage 2",
    "wait_droop": "waiting for a droop or its delay", "wait_compressor": "the compressor starts first",
    "duty_rest": "resting between duty pulses", "recovery": "recovery by heat pump alone",
    "furnace_backup": "the furnace heats instead", "outdoor_sensor": "no outdoor reading: furnace heats",
}
# What each terminal of thermo.terminals.NAMES drives (W2: the furnace with dual fuel).
TERMINAL_ROLES = ("compressor", "stage 2", "fan", "backup heat", "reversing valve", "emergency heat")


def reasons(th):
    """Why each terminal is held, in words, with the time left:
    "Y1 (compressor): minimum off time, 2:10 left"; terminals held alike
    (same reason, same time left) share a line."""
    held = th.held_reasons()
    dual_fuel = th.settings.values["backup_heat"] == "dual_fuel"
    lines = []
    shown = {}  # (code, time left) -> its index in lines
    for i in range(len(T.NAMES)):
        name = T.NAMES[i]
        code = held.get(name)
        if code is None or code in screen.QUIET_REASONS:
            continue
        left_ms = screen.left_ms(th, name, code)
        role = "furnace" if name == "W2" and dual_fuel else TERMINAL_ROLES[i]
        who = "%s (%s)" % (name, role)
        key = (code, left_ms)
        if key in shown:
            lines[shown[key]][0].append(who)
            continue
        shown[key] = len(lines)
        text = REASON_TEXT.get(code, code)
        lines.append(([who], "%s, %s left" % (text, screen.clock(left_ms)) if left_ms else text))
    return ["%s: %s" % (", ".join(who), text) for who, text in lines]


def alerts(th, report):
    names = th.alert_names()
    found = []
    if names:
        from app.advice import ADVICE  # only while an alert stands

        found = [{"name": name, "text": screen.ALERT_WORDS.get(name, name), "advice": ADVICE.get(name, "")}
                 for name in names]
    for name in sorted(report.alerts):
        found.append({"name": name, "text": report.alerts[name]})
    return found


def network(device):
    """{"state": ..., "address": ...} when the device can tell (a board with Wi-Fi), else {}."""
    if not hasattr(device, "network"):
        return {}
    state, address = device.network()
    return {"state": state, "address": address}


def status(device):
    th = device.thermostat
    terminals = {}
    for i in range(len(T.NAMES)):
        terminals[T.NAMES[i]] = bool(th.outputs & T.BITS[i])
    balance = th.model.balance_point_dF()
    return {
        "indoor_f": degrees(th.indoor_dF, th.indoor_ok), "outdoor_f": degrees(th.outdoor_dF, th.outdoor_ok),
        "mode": M.MODES[th.mode], "fan": M.FANS[th.fan],
        "heat_setpoint_f": degrees(th.heat_setpoint_dF), "cool_setpoint_f": degrees(th.cool_setpoint_dF),
        "action": th.action_name(), "action_text": screen.ACTION_WORDS[th.action], "terminals": terminals,
        "alerts": alerts(th, device.report), "reasons": reasons(th), "balance_point_f": degrees(balance),
        "network": network(device),
    }


def shown_options(options):
    """Device options without their secrets."""
    return {key: options[key] for key in options if key not in device_options.SECRET_KEYS}


def lint_findings(device):
    """The config lint's findings ``(level, code, keys, line)`` for the
    settings the device runs, against its board file's wired terminals
    when it has one."""
    return config.lint(device.thermostat.settings.values, config.terminals_of(getattr(device, "board", None)))


def settings_error(exc):
    """A settings refusal, its field under "settings." when it is an installer setting."""
    text = str(exc)
    root = exc.key.split("[")[0].split(".")[0] if isinstance(exc.key, str) else ""
    return "settings." + text if root in schema.KEYS else text


def body_object(request):
    """The request's JSON object; SettingError("body", ...) otherwise."""
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeError):
        raise SettingError("body", "not valid JSON (send a JSON object)") from None
    if not isinstance(data, dict):
        raise SettingError("body", "must be a JSON object")
    return data


def commission_status():
    """The commissioning test's status (app.commission), imported only when asked."""
    from app import commission

    test = commission.current
    if test is None:
        return {"state": "not run", "step": None, "steps": [], "note": "", "results": [], "findings": [],
                "verdict": []}
    return test.status()


def commission_action(device, data):
    """Start or abort the commissioning test: ``{"action": "start", "brand": ...}``
    or ``{"action": "abort"}``; SettingError naming the field otherwise."""
    from app import commission

    for key in data:
        if key not in ("action", "brand"):
            raise SettingError(str(key)[:40], "unknown key (known: action, brand)")
    action = data.get("action")
    if action == "abort":
        commission.abort()
        return
    if action != "start":
        raise SettingError("action", "%s is not allowed (allowed: \"start\", \"abort\")" % show(action))
    brand = data.get("brand") or None
    if brand is not None and (not isinstance(brand, str) or len(brand) > 40):
        raise SettingError("brand", "must be a brand name of at most 40 characters, or empty")
    commission.start(device, brand)


def routes(web, app):
    def guarded(where, handler, need=None):
        """A route around ``handler(request, session)``: the session ``need``s
        ("read": any; "write": and a cookie only with a JSON body), and
        every exception answered (SettingError: 400 with its message)."""

        async def route(request):
            try:
                session = None
                if need is not None:
                    session, how = web.session(request)
                    if session is None:
                        return error(401, "auth: log in first (POST /api/login)")
                    if need == "write" and how == "cookie" and \
                            (request.content_type or "").split(";")[0] != "application/json":
                        return error(403, "auth: a session cookie is taken only with Content-Type: application/json")
                return handler(request, session)
            except SettingError as exc:
                return error(400, str(exc))
            except Exception as exc:  # noqa: BLE001 (no request may crash the server or leave a trace)
                web.failed(where, exc)
                return error(500, "server: internal error")

        return route

    async def post_login(request):
        try:
            wait_s = web.auth.wait_s()
            if wait_s:
                return error(429, "password: too many tries; try again in %d s" % wait_s,
                             {"Retry-After": str(wait_s)})
            text = body_object(request).get("password")
            if not web.auth.has_password():
                return error(401, "password: none is set yet (set one in the set-up)")
            session = await web.auth.login(text, web.pause)
            if session is None:
                return error(401, "password: wrong")
            return json_response({"token": session.token}, 200, {"Set-Cookie": [session_cookie(session.token)]})
        except SettingError as exc:
            return error(400, str(exc))
        except Exception as exc:  # noqa: BLE001
            web.failed("login", exc)
            return error(500, "server: internal error")

    async def post_password(request):
        try:
            session, how = web.session(request)
            if session is None:
                return error(401, "auth: log in first (POST /api/login)")
            if how == "cookie" and (request.content_type or "").split(";")[0] != "application/json":
                return error(403, "auth: a session cookie is taken only with Content-Type: application/json")
            data = body_object(request)
            wait_s = web.auth.wait_s()
            if wait_s:
                return error(429, "old: too many tries; try again in %d s" % wait_s, {"Retry-After": str(wait_s)})
            check_password(data.get("new"))
            if await web.auth.login(data.get("old"), web.pause) is None:
                return error(401, "old: wrong")
            await web.auth.set_password(data["new"], web.pause)
            session = web.auth.open()
            return json_response({"token": session.token}, 200, {"Set-Cookie": [session_cookie(session.token)]})
        except SettingError as exc:
            return error(400, str(exc))
        except OSError as exc:
            return error(503, "flash: not saved (%s); the password is unchanged" % (exc,))
        except Exception as exc:  # noqa: BLE001
            web.failed("password", exc)
            return error(500, "server: internal error")

    def get_status(request, session):
        if not web.open_status() and web.session(request)[0] is None:
            return error(401, "auth: log in first (POST /api/login), or set web_open_status")
        return json_response(status(web.device))

    def post_command(request, session):
        refusal = web.command(body_object(request))
        return error(400, refusal) if refusal else json_response(status(web.device))

    def get_settings(request, session):
        groups = [[title, list(keys)] for title, keys in GROUPS]
        return json_response({"settings": web.device.thermostat.settings.values,
                              "device": shown_options(web.device_options()), "groups": groups,
                              "warnings": [finding[3] for finding in lint_findings(web.device)]})

    def post_settings(request, session):
        data = body_object(request)
        for key in data:
            if key not in SECTIONS:
                raise SettingError("body." + str(key)[:40], "unknown section (known: settings, device)")
        code, message, _field = web.save(data.get("settings"), data.get("device"))
        if message is None:
            return get_settings(request, session)
        return error(code, message)

    def get_schedule(request, session):
        return json_response({"schedule": web.device.thermostat.settings.values["schedule"]})

    def put_schedule(request, session):
        data = body_object(request)
        for key in data:
            if key != "schedule":
                raise SettingError("body." + str(key)[:40], "unknown key (known: schedule)")
        if "schedule" not in data:
            raise SettingError("schedule", "missing (give a list of entries, or null)")
        code, message, _field = web.save({"schedule": data["schedule"]})
        return get_schedule(request, session) if message is None else error(code, message)

    def post_logout(request, session):
        found = web.session(request)[0]
        if found is not None:
            web.auth.close(found)
        return json_response({}, 200, {"Set-Cookie": [session_cookie("", 0)]})

    def get_commission(request, session):
        return json_response(commission_status())

    def post_commission(request, session):
        commission_action(web.device, body_object(request))
        return json_response(commission_status())

    app.route("/api/commission", methods=["GET"])(guarded("commission", get_commission, "read"))
    app.route("/api/commission", methods=["POST"])(guarded("commission", post_commission, "write"))
    app.route("/api/status", methods=["GET"])(guarded("status", get_status))
    app.route("/api/command", methods=["POST"])(guarded("command", post_command, "write"))
    app.route("/api/settings", methods=["GET"])(guarded("settings", get_settings, "read"))
    app.route("/api/settings", methods=["POST"])(guarded("settings", post_settings, "write"))
    app.route("/api/schedule", methods=["GET"])(guarded("schedule", get_schedule, "read"))
    app.route("/api/schedule", methods=["PUT", "POST"])(guarded("schedule", put_schedule, "write"))
    app.route("/api/logout", methods=["POST"])(guarded("logout", post_logout))
    app.route("/api/login", methods=["POST"])(post_login)
    app.route("/api/password", methods=["POST"])(post_password)
