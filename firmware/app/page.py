"""The web page: status, mode, fan and setpoints, the schedule, the
installer settings; plain HTML forms that work without JavaScript (each
post answers 303 back to its page, the outcome shown once in ``message``),
and a small inline script that refreshes the status every 5 s from
/api/status. No framework, no external file, one column for a phone.

A page is a generator of a few string pieces, which microdot streams as
they come: no page is ever held whole in the heap.

The element ids are a contract (browser tests, README): ``indoor``,
``outdoor``, ``action``, ``setpoint-heat``/``setpoint-cool`` (the inputs of
``setpoint-form``), ``mode`` in ``mode-form``, ``fan`` in ``fan-form``,
``terminal-<name>`` (class ``light on``/``light off``), ``alerts``,
``reasons``, ``balance-point``, ``message``, ``login-form``,
``login-password``, ``logout-form``, ``schedule-form``, ``settings-form``,
and ``err-<key>`` (class ``error``) beside a refused setting; on the
settings page ``warnings`` (the config lint's lines for the settings in
force, :mod:`thermo.lint`) and ``warn-<key>`` (class ``warning``) beside
each key a warning names.
"""

from app import webapi as api
from app.auth import same
from app.serve import form_of
from app.webapi import GROUPS, session_cookie
from thermo import modes as M
from thermo import schema
from thermo import terminals as T
from thermo.schedule import DAY_NAMES, DAY_SETS
from thermo.values import SettingError, show

DAYS = tuple(DAY_SETS) + DAY_NAMES
EMPTY_ROWS = 2  # blank schedule rows to add entries with
STYLE = ("body{font:16px sans-serif;margin:0 auto;max-width:40em;padding:0 .6em}"
         "nav a,nav button{margin-right:.8em}nav form{display:inline}"
         "label{display:block;margin-top:.5em}input,select,button{font-size:1em;max-width:100%}"
         ".big{font-size:2.4em;margin:.2em 0}.light{display:inline-block;padding:.2em .5em;margin:.1em;"
         "border-radius:1em;border:1px solid #888}.on{background:#f80;color:#000}.off{color:#888}"
         ".error{color:#b00;display:block}.warning{color:#850;display:block}#message{font-weight:bold}"
         "small{color:#555}fieldset{margin:.5em 0}.row{display:flex;flex-wrap:wrap;align-items:center;gap:.2em 1em}"
         ".row label{margin:0}.row input[size]{width:4.5em}.row .error{flex-basis:100%}")
SCRIPT = ("<script>(function(){function $(i){return document.getElementById(i)}"
          "function f(v){return v===null?'--':v.toFixed(1)}"
          "function t(i,v){var e=$(i);if(e)e.textContent=v}"
          "function v(i,x){var e=$(i);if(e&&document.activeElement!==e)e.value=x}"
          "function l(i,a){var e=$(i),k;if(!e)return;e.textContent='';if(!a.length)a=['none'];for(k=0;k<a.length;k++){"
          "var n=document.createElement('li');n.textContent=a[k];e.appendChild(n)}}"
          "function p(){fetch('/api/status',{credentials:'same-origin'}).then(function(r){"
          "return r.ok?r.json():null}).then(function(d){var k,e;if(!d)return;"
          "t('indoor',f(d.indoor_f));t('outdoor',f(d.outdoor_f));t('action',d.action_text);"
          "v('setpoint-heat',f(d.heat_setpoint_f));v('setpoint-cool',f(d.cool_setpoint_f));"
          "v('mode',d.mode);v('fan',d.fan);t('balance-point',d.balance_point_f===null?'learning':"
          "f(d.balance_point_f)+' \\u00b0F');for(k in d.terminals){e=$('terminal-'+k);"
          "if(e)e.className='light '+(d.terminals[k]?'on':'off')}"
          "l('alerts',d.alerts.map(function(a){return a.advice?a.text+': '+a.advice:a.text}));l('reasons',d.reasons)})"
          ".catch(function(){})}setInterval(p,5000)})()</script>")


NONE = "<li>none</li>"  # an empty list still says so


def esc(value):
    """Text for HTML, attribute values included."""
    text = "" if value is None else str(value)
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        if old in text:
            text = text.replace(old, new)
    return text


def _head(title, session, message):
    yield ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width,initial-scale=1"><title>%s</title><style>%s</style>'
           '</head><body><nav><a href="/">Status</a><a href="/schedule">Schedule</a><a href="/settings">Settings</a>'
           % (esc(title), STYLE))
    if session is not None:
        yield ('<form id="logout-form" method="post" action="/logout"><input type="hidden" name="csrf" value="%s">'
               '<button>Log out</button></form>' % session.csrf)
    else:
        yield '<a href="/login">Log in</a>'
    yield '</nav><h1>%s</h1><p id="message" role="status">%s</p>' % (esc(title), esc(message))


def _tail():
    yield ('<p><small><a href="/commission">Commissioning test</a> &middot; <a href="/wiring">Wiring diagram</a>'
           '</small></p></body></html>')


def commission_page(session, status, message):
    """The commissioning test: what it is doing or found, and start / abort."""
    yield from _head("Commissioning test", session, message)
    yield '<p id="commission-state">%s</p>' % esc(status["state"])
    if status["step"]:
        yield "<p>Now: %s</p>" % esc(status["note"] or status["step"])
    lines = ["%s: %s %s" % (r["step"], r["verdict"], r["text"]) for r in status["results"]]
    if status["state"] != "running":
        lines = status["verdict"] or lines
    yield '<ul id="commission-results">%s</ul>' % ("".join("<li>%s</li>" % esc(line) for line in lines) or NONE)
    csrf = '<input type="hidden" name="csrf" value="%s">' % session.csrf
    if status["state"] == "running":
        yield ('<form id="commission-abort" method="post" action="/commission">%s'
               '<input type="hidden" name="action" value="abort"><button>Abort (your settings come back)</button>'
               '</form>' % csrf)
    else:
        yield ('<p>Runs each terminal in turn (fan, heat, stage 2, backup heat, cool, emergency), about 1.5 h, '
               'through ordinary commands: every protection still applies. Run it in mild weather. Your mode, '
               'fan and setpoints come back at the end.</p>'
               '<form id="commission-start" method="post" action="/commission">%s'
               '<input type="hidden" name="action" value="start"><label for="brand">Heat pump brand '
               '(optional)</label><input id="brand" name="brand" maxlength="40"> <button>Start</button></form>'
               % csrf)
    yield from _tail()


WIRING_FILE = "wiring.svg"  # docs/wiring/<board>.svg, drawn by tools/wiring.py, copied here by make deploy


def wiring_file(path=WIRING_FILE):
    """The board's wiring diagram, opened to be streamed (microdot reads and
    closes it), or None if make deploy did not copy it."""
    try:
        return open(path, "rb")
    except OSError:
        return None


def _csrf(session):
    return '<input type="hidden" name="csrf" value="%s">' % (session.csrf if session is not None else "")


def _options(names, chosen, words=None):
    return "".join('<option value="%s"%s>%s</option>' % (
        esc(name), " selected" if name == chosen else "", esc(words[i] if words else name))
        for i, name in enumerate(names))


def status_page(device, session, message):
    th = device.thermostat
    st = api.status(device)
    yield from _head("Thermostat", session, message)
    balance = st["balance_point_f"]
    yield ('<p class="big"><span id="indoor">%s</span> &deg;F</p><p>Outside <span id="outdoor">%s</span> &deg;F'
           ' &middot; <span id="action">%s</span></p><p id="terminals">' % (
               _f(st["indoor_f"]), _f(st["outdoor_f"]), esc(st["action_text"])))
    yield "".join('<span id="terminal-%s" class="light %s">%s</span>' % (
        name, "on" if th.outputs & T.BITS[i] else "off", name) for i, name in enumerate(T.NAMES))
    yield ('</p><h2>Alerts</h2><ul id="alerts">%s</ul><h2>Why off</h2><ul id="reasons">%s</ul>'
           '<p>Balance point: <span id="balance-point">%s</span></p>' % (
               "".join("<li>%s</li>" % esc(_alert(a)) for a in st["alerts"]) or NONE,
               "".join("<li>%s</li>" % esc(r) for r in st["reasons"]) or NONE,
               "learning" if balance is None else "%s &deg;F" % _f(balance)))
    if session is not None:
        csrf = _csrf(session)
        yield ('<form id="mode-form" method="post" action="/mode">%s<label for="mode">Mode</label>'
               '<select id="mode" name="mode">%s</select> <button>Set mode</button></form>'
               '<form id="fan-form" method="post" action="/fan">%s<label for="fan">Fan</label>'
               '<select id="fan" name="fan">%s</select> <button>Set fan</button></form>' % (
                   csrf, _options(M.MODES, st["mode"]), csrf, _options(M.FANS, st["fan"])))
        yield ('<form id="setpoint-form" method="post" action="/setpoints" novalidate>%s'
               '<label for="setpoint-heat">Heat to (&deg;F)</label><input id="setpoint-heat" name="heat_setpoint_f"'
               ' inputmode="decimal" value="%s"><label for="setpoint-cool">Cool to (&deg;F)</label>'
               '<input id="setpoint-cool" name="cool_setpoint_f" inputmode="decimal" value="%s">'
               ' <button>Set</button></form>' % (csrf, _f(st["heat_setpoint_f"]), _f(st["cool_setpoint_f"])))
    else:
        yield ('<p>Heat to <span id="setpoint-heat">%s</span> &deg;F, cool to <span id="setpoint-cool">%s</span>'
               ' &deg;F; mode <span id="mode">%s</span>, fan <span id="fan">%s</span>. <a href="/login">Log in</a>'
               ' to change them.</p>' % (_f(st["heat_setpoint_f"]), _f(st["cool_setpoint_f"]), st["mode"], st["fan"]))
    yield SCRIPT
    yield from _tail()


def _alert(alert):
    """An alert's short words, and its advice when it has one (the live update writes the same)."""
    return "%s: %s" % (alert["text"], alert["advice"]) if alert.get("advice") else alert["text"]


def _f(value):
    return "--" if value is None else "%.1f" % value


def login_page(message, has_password=True):
    yield from _head("Log in", None, message)
    if not has_password:
        yield "<p>No password is set yet: set one in the set-up first.</p>"
    yield ('<form id="login-form" method="post" action="/login"><label for="login-password">Password</label>'
           '<input id="login-password" name="password" type="password" autocomplete="current-password" required>'
           ' <button>Log in</button></form>')
    yield from _tail()


def _allowed(kind, allowed, unit):
    if kind in (schema.FLAG, schema.FLAG_OR_NULL, schema.CHOICE):
        return ""
    text = "%s to %s%s" % (show(allowed[0]), show(allowed[1]), (" " + unit) if unit else "")
    return text + (", or empty" if kind in (schema.DEGREES_OR_NULL, schema.WHOLE_OR_NULL) else "")


def settings_page(session, values, message, field=None, refusal="", findings=()):
    """The installer settings in their groups; ``values`` as shown (the
    stored ones, or a refused form's); ``refusal`` beside ``field``; the
    lint's ``findings`` (app.config.lint, of the settings in force) listed
    at the top and each beside every key it names."""
    yield from _head("Installer settings", session, message)
    yield '<h2>Warnings</h2><ul id="warnings">%s</ul>' % (
        "".join("<li>%s</li>" % esc(finding[3]) for finding in findings) or NONE)
    beside = {}
    for finding in findings:
        for key in finding[2]:
            beside[key] = beside.get(key, "") + '<span class="warning">%s</span>' % esc(finding[3])
    yield '<form id="settings-form" method="post" action="/settings" novalidate>' + _csrf(session)
    kinds = {entry[0]: entry for entry in schema.SCHEMA}
    for title, keys in GROUPS:
        yield "<fieldset><legend>%s</legend>" % esc(title)
        for key in keys:
            _key, kind, _default, allowed, unit = kinds[key]
            value = values.get(key)
            piece = '<label for="%s">%s <small>%s</small></label>' % (key, key, esc(_allowed(kind, allowed, unit)))
            if kind == schema.CHOICE:
                piece += '<select id="%s" name="%s">%s</select>' % (key, key, _options(allowed, value))
            elif kind in (schema.FLAG, schema.FLAG_OR_NULL):
                names = ("true", "false", "") if kind == schema.FLAG_OR_NULL else ("true", "false")
                chosen = "" if value is None else "true" if value is True else "false" if value is False else value
                piece += '<select id="%s" name="%s">%s</select>' % (
                    key, key, _options(names, chosen, ("yes", "no", "automatic")))
            else:
                piece += '<input id="%s" name="%s" inputmode="decimal" value="%s">' % (
                    key, key, esc("" if value is None else value if isinstance(value, str) else show(value)))
            if key == field:
                piece += '<span id="err-%s" class="error">%s</span>' % (key, esc(refusal))
            if key in beside:
                piece += '<span id="warn-%s">%s</span>' % (key, beside[key])
            yield piece
        yield "</fieldset>"
    yield "<p><button>Save</button></p></form>"
    yield from _tail()


# A schedule row's fields: (form name, entry key) in the order shown.
ROW_FIELDS = (("days", "days"), ("at", "at"), ("heat", "heat_setpoint_f"), ("cool", "cool_setpoint_f"))


def refused_row_field(key):
    """(row, form name) of a schedule refusal's field ("schedule[2].at" ->
    (2, "at")): the page shows the entries as rows in order, so an entry's
    index is its row. A refusal of a whole entry (no setpoint) is put at
    its heat field; one of the whole schedule, at no row: (-1, "")."""
    if not isinstance(key, str) or not key.startswith("schedule["):
        return -1, ""
    end = key.find("]")
    index, field = key[9:end], key[end + 2:]
    if not index.isdigit():
        return -1, ""
    for name, entry_key in ROW_FIELDS:
        if field == entry_key:
            return int(index), name
    return int(index), "heat"


def _typed(value):
    return "" if value is None else value if isinstance(value, str) else show(value)


def schedule_page(session, entries, message, field=None, refusal=""):
    """The weekly schedule: a row per entry and blank rows to add one; each
    row a small box of labelled fields that wraps to a phone's width.
    ``refusal`` beside ``field`` (a refusal's key, "schedule[0].at")."""
    yield from _head("Weekly schedule", session, message)
    yield '<form id="schedule-form" method="post" action="/schedule" novalidate>' + _csrf(session)
    bad_row, bad_name = refused_row_field(field)
    rows = list(entries or ()) + [{}] * EMPTY_ROWS
    for i, entry in enumerate(rows):
        error = '<span id="err-%s-%d" class="error">%s</span>' % (bad_name, i, esc(refusal)) if i == bad_row else ""
        yield ('<fieldset class="row"><legend>Entry %d</legend><label>Days <select id="days-%d" name="days-%d">%s'
               '</select></label>%s' % (i + 1, i, i, _options(DAYS, entry.get("days", "daily")),
                                        error if bad_name == "days" else ""))
        yield ('<label>At <input id="at-%d" name="at-%d" placeholder="HH:MM" value="%s" size="5"></label>%s' % (
            i, i, esc(entry.get("at", "")), error if bad_name == "at" else ""))
        for name, key, words in (("heat", "heat_setpoint_f", "Heat to"), ("cool", "cool_setpoint_f", "Cool to")):
            yield ('<label>%s <input id="%s-%d" name="%s-%d" inputmode="decimal" value="%s" size="4"> &deg;F'
                   '</label>%s' % (words, name, i, name, i, esc(_typed(entry.get(key))),
                                   error if bad_name == name else ""))
        yield '<label><input type="checkbox" id="remove-%d" name="remove-%d"> Remove</label></fieldset>' % (i, i)
    yield ('<input type="hidden" name="rows" value="%d"><p><button>Save schedule</button></p>'
           '<p><small>Fill a blank entry to add one; tick Remove to drop one. An entry may leave one setpoint'
           ' empty.</small></p></form>' % len(rows))
    yield from _tail()


# -- reading forms -------------------------------------------------------------


def number(text):
    """A form's number as int or float; the text itself if it is none (the check then names it)."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def form_settings(form):
    """The installer settings a settings form sends, typed as the schema wants them."""
    changes = {}
    for key, kind, _default, _allowed, _unit in schema.SCHEMA:
        text = form.get(key)
        if text is None or kind == schema.SCHEDULE:
            continue
        if kind == schema.CHOICE:
            changes[key] = text
        elif kind in (schema.FLAG, schema.FLAG_OR_NULL):
            changes[key] = True if text == "true" else False if text == "false" else None if text == "" else text
        elif text.strip() == "" and kind in (schema.DEGREES_OR_NULL, schema.WHOLE_OR_NULL):
            changes[key] = None
        else:
            changes[key] = number(text)
    return changes


def form_schedule(form):
    """The schedule a schedule form sends (None when it has no entry)."""
    entries = []
    try:
        rows = min(int(form.get("rows", "0")), 64)
    except ValueError:
        rows = 0
    for i in range(rows):
        at = (form.get("at-%d" % i) or "").strip()
        if not at or form.get("remove-%d" % i):
            continue
        entry = {"days": form.get("days-%d" % i, "daily"), "at": at}
        for key, name in (("heat_setpoint_f", "heat-%d"), ("cool_setpoint_f", "cool-%d")):
            text = (form.get(name % i) or "").strip()
            if text:
                entry[key] = number(text)
        entries.append(entry)
    return entries or None


# -- the routes ----------------------------------------------------------------


def routes(web, app):
    def html(body, status=200, headers=None):
        head = {"Content-Type": "text/html; charset=UTF-8"}
        if headers:
            head.update(headers)
        return body, status, head

    def back(where, session, message):
        if session is not None:
            session.message = message
        return "", 303, {"Location": where}

    def taken(session):
        """The message left for this session by its last post, once."""
        if session is None:
            return ""
        message, session.message = session.message, ""
        return message

    def guarded(where, handler, form=False):
        """A page route: ``form`` posts need a session and its CSRF token."""

        async def route(request):
            try:
                session = web.session(request)[0]
                if form:
                    if session is None:
                        return html(login_page("log in first: nothing was changed"), 401)
                    fields = form_of(request)
                    if not same(fields.get("csrf"), session.csrf):
                        return html(login_page("the form was stale (csrf): nothing was changed; try again"), 403)
                    return handler(request, session, fields)
                return handler(request, session)
            except SettingError as exc:
                return html(login_page(str(exc)), 400)
            except Exception as exc:  # noqa: BLE001 (no request may crash the server or leave a trace)
                web.failed(where, exc)
                return html(login_page("server: internal error"), 500)

        return route

    def get_home(request, session):
        if session is None and not web.open_status():
            return "", 303, {"Location": "/login"}
        return html(status_page(web.device, session, taken(session)))

    def get_login(request, session):
        return html(login_page(taken(session), web.auth.has_password()))

    def post_command(key):
        def handler(request, session, fields):
            changes = {}
            for name in (("heat_setpoint_f", "cool_setpoint_f") if key == "setpoints" else (key,)):
                if fields.get(name) is not None:
                    changes[name] = number(fields[name]) if key == "setpoints" else fields[name]
            refusal = web.command(changes)
            return back("/", session, refusal or "done: " + ", ".join(
                "%s %s" % (name, show(changes[name])) for name in changes))

        return handler

    def post_logout(request, session, fields):
        web.auth.close(session)
        return "", 303, {"Location": "/login", "Set-Cookie": [session_cookie("", 0)]}

    def get_settings(request, session):
        if session is None:
            return "", 303, {"Location": "/login"}
        return html(settings_page(session, web.device.thermostat.settings.values, taken(session), None, "",
                                  api.lint_findings(web.device)))

    def post_settings(request, session, fields):
        changes = form_settings(fields)
        code, refusal, field = web.save(changes)
        if refusal is None:
            return back("/settings", session, "saved")
        shown = dict(web.device.thermostat.settings.values)
        for key in changes:
            shown[key] = fields.get(key)
        return html(settings_page(session, shown, "not saved: " + refusal, field, refusal,
                                  api.lint_findings(web.device)), code)

    def get_schedule(request, session):
        if session is None:
            return "", 303, {"Location": "/login"}
        return html(schedule_page(session, web.device.thermostat.settings.values["schedule"], taken(session)))

    def post_schedule(request, session, fields):
        entries = form_schedule(fields)
        code, refusal, field = web.save({"schedule": entries})
        if refusal is None:
            return back("/schedule", session, "schedule saved")
        return html(schedule_page(session, entries, "not saved: " + refusal, field, refusal), code)

    def get_commission(request, session):
        if session is None:
            return "", 303, {"Location": "/login"}
        return html(commission_page(session, api.commission_status(), taken(session)))

    def post_commission(request, session, fields):
        try:
            api.commission_action(web.device, {"action": fields.get("action"), "brand": fields.get("brand")})
        except SettingError as exc:
            return back("/commission", session, "not started: %s" % exc)
        return back("/commission", session, "started" if fields.get("action") == "start" else "aborted")

    def get_wiring(request, session):
        if session is None and not web.open_status():
            return "", 303, {"Location": "/login"}
        diagram = wiring_file(WIRING_FILE)
        if diagram is None:
            return "no wiring diagram on this board (make deploy copies docs/wiring/<board>.svg as /%s)" % (
                WIRING_FILE), 404, {"Content-Type": "text/plain; charset=UTF-8"}
        return diagram, 200, {"Content-Type": "image/svg+xml"}

    async def post_login(request):
        try:
            wait_s = web.auth.wait_s()
            if wait_s:
                return html(login_page("too many tries: try again in %d s" % wait_s), 429,
                            {"Retry-After": str(wait_s)})
            fields = form_of(request)
            session = await web.auth.login(fields.get("password"), web.pause)
            if session is None:
                return html(login_page("password: wrong", web.auth.has_password()), 401)
            session.message = "logged in"
            return "", 303, {"Location": "/", "Set-Cookie": [session_cookie(session.token)]}
        except SettingError as exc:
            return html(login_page(str(exc)), 400)
        except Exception as exc:  # noqa: BLE001
            web.failed("login", exc)
            return html(login_page("server: internal error"), 500)

    app.route("/", methods=["GET"])(guarded("home", get_home))
    app.route("/login", methods=["GET"])(guarded("login", get_login))
    app.route("/login", methods=["POST"])(post_login)
    app.route("/logout", methods=["POST"])(guarded("logout", post_logout, True))
    for key in ("mode", "fan", "setpoints"):
        app.route("/" + key, methods=["POST"])(guarded(key, post_command(key), True))
    app.route("/settings", methods=["GET"])(guarded("settings", get_settings))
    app.route("/settings", methods=["POST"])(guarded("settings", post_settings, True))
    app.route("/schedule", methods=["GET"])(guarded("schedule", get_schedule))
    app.route("/schedule", methods=["POST"])(guarded("schedule", post_schedule, True))
    app.route("/wiring", methods=["GET"])(guarded("wiring", get_wiring))
    app.route("/commission", methods=["GET"])(guarded("commission", get_commission))
    app.route("/commission", methods=["POST"])(guarded("commission", post_commission, True))
