#!/usr/bin/python3
"""Writes ../open-spec.json from the Fernet specification's own vectors
(github.com/fernet/spec @ 20dead475f53f11d20592baf29ad697163afc0cd:
generate.json, verify.json, invalid.json), plus one
wrong-key case with another fixed key. Nothing is changed in the tokens:
the spec's "now" becomes "at" (in UTC) and its "ttl_sec" the key's max-age
option. CI never runs this script.

Usage: /usr/bin/python3 convert_spec.py DIR > ../open-spec.json
(DIR holds the spec's three files; the project's copies are in the shared
vector store, ../shared/vectors/fernet beside the checkout.)
"""
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

spec = Path(sys.argv[1])
gen = json.loads((spec / "generate.json").read_text())
ver = json.loads((spec / "verify.json").read_text())
inv = json.loads((spec / "invalid.json").read_text())


def utc(s):
    return datetime.fromisoformat(s).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


secret = ver[0]["secret"]
assert all(v["secret"] == secret for v in gen + ver + inv)
assert all(v.get("ttl_sec", 60) == 60 for v in ver + inv)
keys = [
    {"algorithm": "fernet", "input": secret + "\n", "options": {"max-age": "60"}},
    # Another key (base64url of 32 bytes 0xff), for the wrong-key case.
    {"algorithm": "fernet", "input": "__________________________________________8=\n", "options": {"max-age": "60"}},
]
tests = []
for v in gen:
    tests.append({"id": len(tests) + 1, "comment": "generate.json: the token the spec generates, at its own timestamp",
                  "token": v["token"], "keys": [0], "at": utc(v["now"]), "result": "valid", "payload": v["src"]})
for v in ver:
    tests.append({"id": len(tests) + 1, "comment": "verify.json: valid 1 s after issue with a TTL of 60 s",
                  "token": v["token"], "keys": [0], "at": utc(v["now"]), "result": "valid", "payload": v["src"]})
kinds = {"far-future TS (unacceptable clock skew)": "not-yet-valid", "expired TTL": "expired"}
for v in inv:
    tests.append({"id": len(tests) + 1, "comment": "invalid.json: " + v["desc"], "token": v["token"], "keys": [0],
                  "at": utc(v["now"]), "result": kinds.get(v["desc"], "invalid")})
tests.append({"id": len(tests) + 1, "comment": "verify.json's token under another key (not in the spec)",
              "token": ver[0]["token"], "keys": [1], "at": utc(ver[0]["now"]), "result": "invalid"})
json.dump({"format": "fernet",
           "source": "the Fernet specification's vectors (github.com/fernet/spec @ 20dead475f53f11d20592baf29ad697163afc0cd: generate.json, verify.json, invalid.json), converted by gen/convert_spec.py",
           "keys": keys, "tests": tests}, sys.stdout, indent=2)
sys.stdout.write("\n")
