"""Every endpoint of the web page and JSON API (app.web) gets missing,
malformed and hostile input, unauthenticated and logged in: never a 500,
nothing changes when it is refused, and no secret is in any response.

The bulk runs in-process on CPython through microdot's TestClient (a real
request parser, no socket) against ``make run``'s device (tools/run.py's
Live) with a known password, a second session, and device options holding
Wi-Fi and MQTT passwords. A smaller pass sends raw bytes over a real socket
to the host thermostat's server (tools/web_host.py), so what TestClient
cannot send (broken request lines and headers, lies in Content-Length)
reaches the server too.

"Nothing changes" is read two ways: the device itself (mode, fan,
setpoints, installer settings, device options, the password's record, the
sessions) and what the API says (/api/status and /api/settings, read by a
separate logged-in client).
"""

import asyncio
import json
import sys
import traceback
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # webserver.py beside this file (host_tests/web is a package)
    sys.path.insert(0, HERE)

import web_host  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from webserver import PASSWORD, Server, exchange, http_json, login  # noqa: E402

from thermo import schema  # noqa: E402

MQTT_SECRET = "mqtt-Secret-4242"
WIFI_SECRET = "wifi-Secret-9191"
WRONG_PASSWORD = "Wr0ngPassw0rd!xyz"
EXAMPLES = 150

# (method, path): every route of the design (notes/web_design.md).
API = [("POST", "/api/login"), ("POST", "/api/logout"), ("GET", "/api/status"), ("POST", "/api/command"),
       ("GET", "/api/settings"), ("POST", "/api/settings"), ("GET", "/api/schedule"), ("PUT", "/api/schedule"),
       ("POST", "/api/schedule"), ("POST", "/api/password"), ("GET", "/api/commission"),
       ("POST", "/api/commission")]
PAGES = [("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("POST", "/mode"),
         ("POST", "/fan"), ("POST", "/setpoints"), ("GET", "/schedule"), ("POST", "/schedule"),
         ("GET", "/settings"), ("POST", "/settings"), ("GET", "/wiring"), ("GET", "/commission"),
         ("POST", "/commission")]
ROUTES = API + PAGES
WRITES = [(m, p) for m, p in ROUTES if m != "GET"]
LOGOUTS = {"/api/logout", "/logout"}
# What each JSON endpoint reads, and each form.
FIELDS = {
    "/api/login": ["password"], "/api/command": ["mode", "fan", "heat_setpoint_f", "cool_setpoint_f"],
    "/api/settings": ["settings", "device"], "/api/schedule": ["schedule"], "/api/password": ["old", "new"],
    "/login": ["password"], "/mode": ["mode", "csrf"], "/fan": ["fan", "csrf"],
    "/setpoints": ["heat_setpoint_f", "cool_setpoint_f", "csrf"], "/schedule": ["days", "at", "csrf"],
    "/settings": list(schema.KEYS[:6]) + ["csrf"], "/logout": ["csrf"], "/api/logout": [],
    "/api/commission": ["action", "brand"], "/commission": ["action", "brand", "csrf"],
}

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**20, max_value=10**400)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
           | st.sampled_from(["heat", "cool", "emergency", "auto", "off", "on", "circulate", "70", "1e999", "NaN",
                              "../../etc/passwd", "<script>alert(1)</script>", "\u202e\u0000\ud7ff", "x" * 5000]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
RAW_BODIES = [b"", b"{", b"[]", b"null", b"NaN", b'{"mode": NaN}', b'{"heat_setpoint_f": 1e999}',
              b"{'mode': 'heat'}", b'{"mode": "heat"', b"\xff\xfe\x00", b'{"a":' * 200 + b"1" + b"}" * 200,
              b'{"heat_setpoint_f": ' + b"9" * 4000 + b"}", b"mode=heat&csrf=", b"%zz=%%%", b"\x00" * 100]
CONTENT_TYPES = [None, "application/json", "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=x", "application/json; charset=utf-16", "\u00e9/\u00e9"]
AUTH_HEADERS = [None, "Bearer", "Bearer ", "Bearer " + "0" * 32, "Bearer " + "x" * 3000, "Basic dXNlcjpwYXNz",
                "bearer \u00ff", "Bearer ../../"]
COOKIES = [None, "session=", "session=" + "0" * 32, "session=" + "a" * 3000, "session=x; session=y", "=;=;"]
PATH_TAILS = ["", "/", "//", "/..", "/../", "/%2e%2e/", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "?a=%ff", "?x=" + "y" * 1000,
              "/\u00e9", "%00", "?csrf=&password=x"]
PATH_HEADS = ["", "/", "/..", "/%2e%2e", "//", "/static/..", "/api/.."]


class Stack:
    """make run's device with its web app, a password, two sessions, and
    secrets in its device options; requests through TestClient on one loop."""

    def __init__(self):
        import run
        from microdot.test_client import TestClient

        self.loop = asyncio.new_event_loop()
        self.live = run.Live()
        options = dict(self.live.options, wifi_ssid="home", wifi_password=WIFI_SECRET, mqtt_host="192.0.2.1",
                       mqtt_password=MQTT_SECRET)
        self.live.options = web_host.web_options(options, port=8080)
        self.auth = self.call(web_host.make_auth(PASSWORD))
        self.web = web_host.make_web(self.live, self.auth, self.live.options)
        self.client_class = TestClient
        self.tokens = {}
        for name in ("A", "B"):
            client = TestClient(self.web.app)
            response = self.call(client.post("/api/login", body={"password": PASSWORD}))
            assert response.status_code == 200, (response.status_code, response.text)
            self.tokens[name] = response.json["token"]
        self.csrf = {s.token: s.csrf for s in self.auth.sessions}
        self.reader = TestClient(self.web.app)

    def call(self, coro):
        return self.loop.run_until_complete(coro)

    def close(self):
        self.loop.close()

    def secrets(self, as_):
        """What no response to a request made ``as_`` ("A" or None) may contain."""
        record = self.auth.record
        found = {"the password": PASSWORD, "the hash": record["hash"], "the salt": record["salt"],
                 "the MQTT password": MQTT_SECRET, "the Wi-Fi password": WIFI_SECRET}
        for name, token in self.tokens.items():
            if name != as_:
                found["session %s's token" % name] = token
                found["session %s's CSRF token" % name] = self.csrf[token]
        return found

    def state(self):
        """The device's state and what the API says about it."""
        th = self.live.thermostat
        device = (th.mode, th.fan, th.heat_setpoint_dF, th.cool_setpoint_dF, json.dumps(th.settings.values),
                  json.dumps(self.live.options, sort_keys=True), json.dumps(self.auth.record, sort_keys=True),
                  sorted(s.token for s in self.auth.sessions))
        headers = {"Authorization": "Bearer " + self.tokens["A"]}
        status = self.call(self.reader.get("/api/status", headers=headers))
        settings_ = self.call(self.reader.get("/api/settings", headers=headers))
        return device, status.status_code, status.text, settings_.status_code, settings_.text

    def request(self, method, path, headers=None, body=None, as_=None):
        client = self.client_class(self.web.app)
        given = headers or {}
        headers = {k: v for k, v in given.items() if v is not None}
        if as_ is not None and "Authorization" not in given:  # None there: logged in by the cookie instead
            headers["Authorization"] = "Bearer " + self.tokens[as_]
        try:
            response = self.call(client.request(method, path, headers=headers, body=body))
        except (ValueError, UnicodeError) as exc:
            # Refused by microdot's request parser (a line too long, not UTF-8...): TestClient
            # lets it out; the real server (Microdot.handle_request) dispatches no request, as here.
            frames = traceback.extract_tb(exc.__traceback__)
            if not any(frame.name == "create" and frame.filename.endswith("microdot.py") for frame in frames):
                raise
            response = self.call(self._unparsed())
        assert response.status_code is not None, "%s %s: no response at all" % (method, path)
        return response

    async def _unparsed(self):
        from microdot.test_client import TestResponse

        response = await self.web.app.dispatch_request(None)
        response.complete()
        return await TestResponse.create(response)


@pytest.fixture
def stack():
    made = Stack()
    yield made
    made.close()


def check(stack, method, path, headers=None, body=None, as_=None, refused=None):
    """One request: no 500; no secret; an /api/ error is JSON naming the
    field; refused (status >= 400, or ``refused``): nothing changed."""
    before = stack.state()
    response = stack.request(method, path, headers, body, as_)
    what = "%s %r as %s, headers %r, body %r -> %s %r" % (
        method, path, as_ or "nobody", headers, body if not isinstance(body, bytes) or len(body) < 300 else body[:300],
        response.status_code, (response.body or b"")[:300])
    assert response.status_code < 500, what
    shown = (response.body or b"").decode("utf-8", "replace") + json.dumps(response.headers, default=str)
    for name, secret in stack.secrets(as_).items():
        assert secret not in shown, "%s in the response: %s" % (name, what)
    if refused is None:
        refused = response.status_code >= 400
    if refused:
        assert stack.state() == before, "refused, yet something changed: " + what
    if path.startswith("/api/") and response.status_code >= 400 and response.status_code != 405:
        assert isinstance(response.json, dict) and isinstance(response.json.get("error"), str), \
            "an API error is {\"error\": \"<field>: <message>\"}: " + what
    return response


def body_for(path, value):
    """``value`` as the body of ``path``: JSON under the API, a form otherwise."""
    if path.startswith("/api/"):
        return value
    from urllib.parse import urlencode

    if isinstance(value, dict):
        return urlencode({str(k): json.dumps(v) if not isinstance(v, str) else v for k, v in value.items()})
    return urlencode({"x": json.dumps(value)})


targeted = st.sampled_from(sorted(FIELDS)).flatmap(
    lambda path: st.tuples(st.just(path), st.fixed_dictionaries({}, optional={
        field: json_values for field in FIELDS[path]})))

fuzz_settings = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                HealthCheck.data_too_large])


def method_of(path):
    return "PUT" if path == "/api/schedule" else [m for m, p in WRITES if p == path][0]


@fuzz_settings
@given(case=targeted, content_type=st.sampled_from(CONTENT_TYPES))
def test_writes_with_the_endpoints_own_fields_holding_anything_are_refused_unauthenticated(stack, case, content_type):
    path, fields = case
    check(stack, method_of(path), path, {"Content-Type": content_type}, body_for(path, fields),
          refused=path not in ("/api/login", "/login"))


@fuzz_settings
@given(case=targeted, content_type=st.sampled_from(CONTENT_TYPES))
def test_writes_with_the_endpoints_own_fields_holding_anything_logged_in_give_no_500_and_no_secret(
        stack, case, content_type):
    path, fields = case
    if path in LOGOUTS:
        return  # a logout with any body ends the session: its own test
    # A form without the session's CSRF token is refused, whatever else it holds.
    check(stack, method_of(path), path, {"Content-Type": content_type}, body_for(path, fields), as_="A",
          refused=not path.startswith("/api/"))


FORMS = [path for path in FIELDS if not path.startswith("/api/") and path not in ("/login", "/logout")]


@fuzz_settings
@given(path=st.sampled_from(FORMS), fields=st.data())
def test_forms_with_the_sessions_csrf_token_and_any_values_give_no_500_and_no_secret(stack, path, fields):
    token = stack.tokens["A"]
    values = fields.draw(st.fixed_dictionaries({}, optional={
        field: json_values for field in FIELDS[path] if field != "csrf"}))
    from urllib.parse import urlencode

    form = {key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}
    form["csrf"] = stack.csrf[token]
    response = check(stack, "POST", path, {"Content-Type": "application/x-www-form-urlencoded",
                                           "Cookie": "session=" + token, "Authorization": None},
                     urlencode(form), as_="A", refused=False)
    assert response.status_code in (200, 303, 400, 413), (path, form, response.status_code)


@fuzz_settings
@given(route=st.sampled_from(WRITES), body=st.sampled_from(RAW_BODIES) | st.binary(max_size=600) | json_values,
       content_type=st.sampled_from(CONTENT_TYPES), as_=st.sampled_from([None, "A"]))
def test_malformed_bodies_to_every_write_are_refused_with_a_message(stack, route, body, content_type, as_):
    method, path = route
    if as_ and path in LOGOUTS:
        return
    # A JSON object logged in may be a valid request (even {}: nothing to change, acted on at once).
    valid = as_ is not None and path.startswith("/api/") and isinstance(body, dict)
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    # Not JSON objects, or no valid CSRF token, or not logged in: refused.
    check(stack, method, path, {"Content-Type": content_type}, body, as_, refused=None if valid else True)


@fuzz_settings
@given(route=st.sampled_from(ROUTES), authorization=st.sampled_from(AUTH_HEADERS), cookie=st.sampled_from(COOKIES),
       extra=st.dictionaries(st.sampled_from(["Origin", "Sec-Fetch-Site", "X-Forwarded-For", "Host", "Accept",
                                              "Content-Length", "Transfer-Encoding", "Expect"]),
                             st.sampled_from(["null", "cross-site", "http://evil.example", "chunked", "100-continue",
                                              "-1", "99999999999", "\u00e9", ""]), max_size=3))
def test_forged_tokens_cookies_and_odd_headers_give_no_access_and_no_500(stack, route, authorization, cookie, extra):
    method, path = route
    headers = dict(extra, Authorization=authorization, Cookie=cookie)
    body = body_for(path, {"mode": "heat", "heat_setpoint_f": 71, "password": WRONG_PASSWORD})
    response = check(stack, method, path, headers, body if method != "GET" else None,
                     refused=method != "GET" and path not in ("/api/login", "/login"))
    if path.startswith("/api/") and path not in ("/api/login", "/api/status", "/api/logout"):
        assert response.status_code in (400, 401, 403, 404, 405, 413, 429), (path, headers, response.status_code)


@fuzz_settings
@given(head=st.sampled_from(PATH_HEADS), route=st.sampled_from(ROUTES), tail=st.sampled_from(PATH_TAILS),
       as_=st.sampled_from([None, "A"]))
def test_path_traversal_and_odd_paths_reach_nothing_else_and_give_no_500(stack, head, route, tail, as_):
    method, path = route
    if as_ and path in LOGOUTS:
        return
    odd = (head + path + tail).replace("//", "/" * 2)
    response = check(stack, method, odd, body=None if method == "GET" else b"{}", as_=as_,
                     refused=method != "GET" and (as_ is None or not path.startswith("/api/")))
    text = (response.body or b"").decode("utf-8", "replace")
    assert "root:" not in text and "import " not in text, "%s %s served a file: %r" % (method, odd, text[:200])


def test_a_form_that_is_not_utf8_is_refused_with_400_not_500(stack):
    for path in [p for m, p in WRITES if not p.startswith("/api/")]:
        for as_ in (None, "A"):
            if as_ and path in LOGOUTS:
                continue
            for body in (b"password=\xff\xfe&mode=\xff", b"password=%ff%fe&mode=%ff&csrf=%c3"):
                response = check(stack, "POST", path, {"Content-Type": "application/x-www-form-urlencoded"}, body,
                                 as_, refused=True)
                assert response.status_code in (400, 401, 403), (path, as_, body, response.status_code)


def test_a_wrong_password_is_never_echoed(stack):
    for path, body in (("/api/login", {"password": WRONG_PASSWORD}),
                       ("/login", "password=" + WRONG_PASSWORD.replace("!", "%21")),
                       ("/api/password", {"old": WRONG_PASSWORD, "new": WRONG_PASSWORD + "2"})):
        for as_ in (None, "A"):
            response = check(stack, "POST", path, None, body, as_, refused=True)
            assert WRONG_PASSWORD.encode() not in (response.body or b""), (path, response.body)


def test_a_logout_with_any_body_ends_only_its_own_session(stack):
    for body in (b"", b"{", b'{"token": "%s"}' % stack.tokens["B"].encode(), b"\xff"):
        token = stack.call(stack.client_class(stack.web.app).post(
            "/api/login", body={"password": PASSWORD})).json["token"]
        response = stack.call(stack.client_class(stack.web.app).post(
            "/api/logout", headers={"Authorization": "Bearer " + token}, body=body))
        assert response.status_code == 200, (body, response.status_code, response.text)
        again = stack.request("GET", "/api/settings", {"Authorization": "Bearer " + token})
        assert again.status_code == 401, "the token still works after its logout"
        assert stack.request("GET", "/api/settings", as_="B").status_code == 200, "another session ended"


def test_every_write_needs_a_login(stack):
    for method, path in WRITES:
        if path in ("/api/login", "/login"):
            continue
        response = check(stack, method, path, {"Content-Type": "application/json"},
                         body_for(path, {"mode": "cool", "heat_setpoint_f": 72}), refused=True)
        if path.startswith("/api/") and path != "/api/logout":  # a logout of nobody: nothing to end
            assert response.status_code == 401, (method, path, response.status_code)


# -- a smaller pass over a real socket ------------------------------------------------------

RAW_REQUESTS = [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /api/status HTTP/9.9\r\n\r\n",
    b"GET /api/status HTTP/1.1\r\nNoColonHere\r\n\r\n",
    b"GET /api/status HTTP/1.1\r\n: empty-name\r\n\r\n",
    b"GET /api/status HTTP/1.1\r\nX: " + b"a" * 5000 + b"\r\n\r\n",
    b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n",
    b"GET /../../../../etc/passwd HTTP/1.1\r\n\r\n",
    b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n\r\n",
    b"GET //etc/passwd HTTP/1.1\r\n\r\n",
    b"GET /api/../../firmware/app/auth.py HTTP/1.1\r\n\r\n",
    b"POST /api/login HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"password\": \"x\"}",
    b"POST /api/login HTTP/1.1\r\nContent-Length: -5\r\n\r\n{}",
    b"POST /api/login HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /api/login HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
    b"POST /api/command HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\n0\r\n\r\n",
    b"POST /api/command HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"mode\": \"cool\"}",
    b"\xff\xfe GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: \xff\xff\r\nCookie: session=\xff\r\n\r\n",
    b"GET / HTTP/1.1\n\n",
    b"GET /api/status HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n",
]


def user_state(server, token):
    """What a user set (status counts down timers by itself: only its user part) and the settings."""
    _status, status = http_json(server, "GET", "/api/status", token=token)
    user = {key: status.get(key) for key in ("mode", "fan", "heat_setpoint_f", "cool_setpoint_f")}
    return user, http_json(server, "GET", "/api/settings", token=token)


def test_raw_malformed_requests_over_a_socket_give_no_500_no_secret_and_change_nothing(tmp_path):
    server = Server("cpython", tmp_path).wait_ready()
    try:
        token = login(server)
        before = user_state(server, token)
        for data in RAW_REQUESTS:
            reply, _error = exchange(server.port, data)
            first = reply.split(b"\r\n", 1)[0]
            assert b" 500 " not in first + b" ", (data[:200], reply[:300])
            for secret in (PASSWORD.encode(), token.encode()):
                assert secret not in reply, (data[:200], reply[:300])
            assert b"root:" not in reply and b"import " not in reply, (data[:200], reply[:300])
        assert user_state(server, token) == before, "unauthenticated raw requests changed something"
        assert server.alive(), server.detail()
    finally:
        server.stop()


def test_every_route_the_web_serves_is_fuzzed(stack):
    """The routes above are written out (each with its fields): a route added
    to the web and not here would escape every test in this file."""
    served = set()
    for entry in stack.web.app.url_map:
        methods, pattern = entry[0], entry[1]
        for method in methods:
            if method not in ("HEAD", "OPTIONS"):
                served.add((method, pattern.url_pattern))
    assert served == set(ROUTES)
