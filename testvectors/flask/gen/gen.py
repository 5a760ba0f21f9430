#!/usr/bin/python3
"""Writes ../open.json: Flask session cookies made by the real Flask
(Debian python3-flask 2.2.2-3, Flask 2.2.2, with python3-itsdangerous
2.1.2-3), through app.session_interface.get_signing_serializer(app), the
serializer Flask's SecureCookieSessionInterface writes the cookie with.

Run with Debian's python: /usr/bin/python3 gen.py > ../open.json
The clock is fixed by replacing time.time; nothing is random. Every test's
expected result is checked against Flask's own serializer at the test's
time (max_age as Flask's open_session passes it). The expected payloads
are the sessions rendered by sesstool's documented mapping (render below).
"""
import base64
import datetime
import json
import sys
import time
import uuid

import itsdangerous
from itsdangerous import BadSignature, URLSafeTimedSerializer
from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from markupsafe import Markup

T0 = 1803902400  # 2027-03-01T12:00:00Z
NOW = [T0]
time.time = lambda: NOW[0]
DAY = 86400


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


KEYS = [
    {"algorithm": "flask", "input": "flask-secret-key-2026\n"},
    {"algorithm": "flask", "input": "flask-secret-key-2026\n", "options": {"max-age": "3600"}},
    {"algorithm": "flask", "input": "flask-old-secret\n"},
    {"algorithm": "flask", "input": "another-app-secret\n"},
    {"algorithm": "itsdangerous", "input": "flask-secret-key-2026\n"},
]


def app_for(secret, lifetime=None):
    app = Flask("gen")
    app.secret_key = secret
    if lifetime:
        app.permanent_session_lifetime = datetime.timedelta(seconds=lifetime)
    return app


def opener(i):
    k = KEYS[i]
    secret = k["input"].rstrip("\n")
    if k["algorithm"] == "itsdangerous":
        return None, URLSafeTimedSerializer(secret), None
    a = k.get("options", {}).get("max-age")
    app = app_for(secret, int(a) if a else None)
    return app, app.session_interface.get_signing_serializer(app), int(app.permanent_session_lifetime.total_seconds())


def render(v):
    """sesstool's documented rendering of Flask's tagged values."""
    if isinstance(v, dict):
        return {k: render(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [render(x) for x in v]
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, Markup):
        return str(v)
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return v


tests = []


def add(comment, tok, at, result, keys, session=None, check=True):
    if check:
        NOW[0] = at
        ok = False
        for i in keys:
            app, s, age = opener(i)
            try:
                if app is None:
                    got = s.loads(tok)
                else:
                    with app.app_context():
                        got = s.loads(tok, max_age=age)
                ok = True
                assert result == "valid", comment
                assert got == session, (comment, got)
                break
            except BadSignature:
                pass
        assert ok == (result == "valid"), comment
        NOW[0] = T0
    t = {"id": len(tests) + 1, "comment": comment, "token": tok, "at": rfc3339(at), "result": result, "keys": keys}
    if result == "valid":
        t["payload"] = render(session)
    tests.append(t)


def mint(secret, session, at=T0):
    NOW[0] = at
    app = app_for(secret)
    with app.app_context():
        tok = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    NOW[0] = T0
    return tok


SECRET = "flask-secret-key-2026"
S1 = {"_permanent": True, "user_id": 42, "csrf_token": "5f3c0a1e9b"}
add("a plain session", mint(SECRET, S1), T0 + 60, "valid", [0], S1)
S2 = {
    "_flashes": [("message", "Welcome back"), ("error", "<b>bad</b>")],
    "cart": (1, 2, (3, "x")),
    "blob": b"\x00\x01binary\xff",
    "html": Markup("<em>hi</em>"),
    "sid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "seen": datetime.datetime(2027, 2, 28, 9, 30, 15, tzinfo=datetime.timezone.utc),
    "tricky": {" t": "a dict whose one key is a tag"},
    "list": [{" u": 1}, {"a": 1, " b": 2}],
}
add("tagged values: tuples, bytes, Markup, UUID, datetime, a dict whose key is a tag (' di')", mint(SECRET, S2), T0 + 60, "valid", [0], S2)
S3 = {"history": ["/page/%d" % (i % 20) for i in range(400)], "user": "ada"}
tok3 = mint(SECRET, S3)
assert tok3.startswith(".")
add("a compressed session (leading '.', zlib)", tok3, T0 + 60, "valid", [0], S3)
S4 = {"name": "Zoë 東京 ☃", "prefs": {"theme": "dark", "n": [1.5, -2, None, False]}}
add("non-ASCII text and nested values", mint(SECRET, S4), T0 + 60, "valid", [0], S4)
add("valid after 30 days under Flask's default PERMANENT_SESSION_LIFETIME (31 days)", mint(SECRET, S1), T0 + 30 * DAY, "valid", [0], S1)
add("expired: 31 days and one second after issue (Flask's default max-age)", mint(SECRET, S1), T0 + 31 * DAY + 1, "expired", [0])
add("expired: max-age=3600 overrides the default (PERMANENT_SESSION_LIFETIME = 1 hour)", mint(SECRET, S1), T0 + 7200, "expired", [1])
add("valid under max-age=3600 after 59 minutes", mint(SECRET, S1), T0 + 3540, "valid", [1], S1)
add("rotated secrets: a cookie of the old SECRET_KEY opens with both keys in the ring", mint("flask-old-secret", {"user_id": 7}), T0 + 60, "valid", [0, 2], {"user_id": 7})
# Flask 3.1's SECRET_KEY_FALLBACKS hands itsdangerous a list of secrets;
# with 2.2, the same serializer with a list signs with the newest (last).
rot = URLSafeTimedSerializer(["flask-old-secret", SECRET], salt="cookie-session", serializer=TaggedJSONSerializer(),
                             signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1})
add("a serializer with a list of secrets (SECRET_KEY_FALLBACKS) signs with the newest", rot.dumps({"v": (1, 2)}), T0 + 60, "valid", [0, 2], {"v": (1, 2)})
add("issued in the future: one hour ahead of the clock", mint(SECRET, S1, T0 + 3600), T0, "not-yet-valid", [0])
add("wrong key: another application's SECRET_KEY", mint(SECRET, S1), T0 + 60, "invalid", [3])
add("an itsdangerous key with the same secret does not open a Flask cookie (salt and key derivation differ)", mint(SECRET, S1), T0 + 60, "invalid", [4])
good = mint(SECRET, S1)
body, ts, sig = good.rsplit(".", 2)
forged = base64.urlsafe_b64encode(b'{"_permanent":true,"csrf_token":"5f3c0a1e9b","user_id":1}').decode().rstrip("=")
add("tampered: another session under the original signature", forged + "." + ts + "." + sig, T0 + 60, "invalid", [0])
add("tampered: a signature character changed", body + "." + ts + "." + sig[:3] + ("A" if sig[3] != "A" else "B") + sig[4:], T0 + 60, "invalid", [0])
add("malformed: no timestamp", body + "." + sig, T0 + 60, "invalid", [0])
add("malformed: the compressed payload is not zlib", "." + body + "." + ts + "." + sig, T0 + 60, "invalid", [0])
bomb = mint(SECRET, {"x": "A" * (1 << 20)})
assert bomb.startswith(".") and len(bomb) < 4096
add("a signed zlib bomb: a 1 MiB session; sesstool stops inflating at 64 KiB", bomb, T0 + 60, "invalid", [0], check=False)

json.dump({
    "format": "itsdangerous",
    "source": "Flask 2.2.2 (Debian python3-flask 2.2.2-3) with itsdangerous 2.1.2, SecureCookieSessionInterface's signing serializer; testvectors/flask/gen/gen.py",
    "keys": KEYS,
    "tests": tests,
}, sys.stdout, indent=2, ensure_ascii=False)
sys.stdout.write("\n")
