#!/usr/bin/python3
"""Writes ../open-spec.json from the Branca specification's vectors
(github.com/tuupola/branca-spec @ c8b0ba5e22628f172549d5327d51b70a23a1d4d4:
test_vectors.json, version 0.3.0). The "decoding" group becomes open
tests; the "encoding" group's tokens are the same tokens, so they are not
repeated. Nothing is changed in the tokens. The spec checks no time: each
test opens at the token's own timestamp (sesstool rejects tokens issued in
the future), with a key that has no max-age. The spec's "Invalid key"
case (a key of 11 bytes) is a key import error, tested in
format/branca_test.go, not an open test. CI never runs this script.

Usage: /usr/bin/python3 convert_spec.py DIR/test_vectors.json > ../open-spec.json
(the project's copy is in the shared vector store, ../shared/vectors/branca
beside the checkout.)
"""
import json
import sys
from datetime import datetime, timezone

doc = json.load(open(sys.argv[1]))
keys, tests = [], []


def key_index(hexkey):
    for i, k in enumerate(keys):
        if k["input"] == hexkey + "\n":
            return i
    keys.append({"algorithm": "branca", "input": hexkey + "\n"})
    return len(keys) - 1


for group in doc["testGroups"]:
    if group["testType"] != "decoding":
        continue
    for v in group["tests"]:
        if len(v["key"]) != 64:
            continue  # "Invalid key": not a 32-byte key
        t = {"id": v["id"], "comment": "branca-spec decoding #%d: %s" % (v["id"], v["comment"]), "token": v["token"],
             "keys": [key_index(v["key"])],
             "at": datetime.fromtimestamp(v["timestamp"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "result": "valid" if v["isValid"] else "invalid"}
        if v["isValid"]:
            msg = bytes.fromhex(v["msg"])
            try:
                s = msg.decode("utf-8")
                try:
                    t["payload"] = json.loads(s)
                except ValueError:
                    t["payload"] = s
            except UnicodeDecodeError:
                import base64
                t["payload"] = base64.b64encode(msg).decode()
        tests.append(t)
json.dump({"format": "branca",
           "source": "the Branca specification's vectors (github.com/tuupola/branca-spec @ c8b0ba5e22628f172549d5327d51b70a23a1d4d4: test_vectors.json %s, decoding group), converted by gen/convert_spec.py" % doc["version"],
           "keys": keys, "tests": tests}, sys.stdout, indent=2)
sys.stdout.write("\n")
