// Writes ../open-branca-js.json: Branca tokens written by branca-js, the
// specification author's JavaScript implementation (npm "branca" 0.5.0,
// with base-x 4 and libsodium-wrappers 0.5; `npm install branca@0.5.0` in
// a temporary directory, then `NODE_PATH=DIR/node_modules node
// gen_branca.js > ../open-branca-js.json`).
//
// Fixed keys, times and nonces: branca-js's test-only _nonce field fixes
// the nonce, and encode(message, timestamp) the time, so the output is
// reproducible. Each valid token is checked with branca-js's decode before
// it is written. CI never runs this script.
"use strict";
const sodium = require("libsodium-wrappers");
const branca = require("branca");
const pkg = require("branca/package.json");

const hex = (from) => Buffer.from(Array.from({ length: 32 }, (_, i) => from + i)).toString("hex");
const KEY_A = hex(0), KEY_B = hex(32), KEY_C = hex(64);
const T = 1798761600; // 2027-01-01T00:00:00Z
const at = (t) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const base62 = require("base-x")(BASE62);

(async () => {
  await sodium.ready;
  const keys = [
    { algorithm: "branca", input: KEY_A + "\n", options: { "max-age": "3600" } }, // 0
    { algorithm: "branca", input: KEY_B + "\n", options: { "max-age": "3600" } }, // 1
    { algorithm: "branca", input: KEY_C + "\n" }, // 2: no max-age
    { algorithm: "branca", input: KEY_C, options: { "max-age": "60" } }, // 3: key C with a TTL
  ];
  const tests = [];
  const add = (comment, token, ks, t, result, payload) => {
    const tc = { id: tests.length + 1, comment, token, keys: ks, at: at(t), result };
    if (payload !== undefined) tc.payload = payload;
    tests.push(tc);
  };
  const enc = (key, msg, t, n) => {
    const b = branca(key);
    b._nonce = Buffer.alloc(24, n);
    return b.encode(Buffer.from(msg), t);
  };
  const check = (key, token, want) => {
    const got = branca(key).decode(token);
    if (!got.equals(Buffer.from(want))) throw new Error("branca-js decoded " + got.toString("hex"));
  };

  const js = '{"user":"alice","roles":["admin","dev"],"n":1}';
  const t1 = enc(KEY_A, js, T, 1); check(KEY_A, t1, js);
  add("JSON payload, key A (max-age 3600), 10 s after issue", t1, [0], T + 10, "valid", JSON.parse(js));
  const t2 = enc(KEY_A, "hello world", T, 2); check(KEY_A, t2, "hello world");
  add("UTF-8 text payload, shown as a JSON string", t2, [0], T + 10, "valid", "hello world");
  const bin = Buffer.from([0x80, 0x81, 0xff, 0x00]);
  const t3 = enc(KEY_A, bin, T, 3); check(KEY_A, t3, bin);
  add("binary payload (not UTF-8), shown as standard base64", t3, [0], T + 10, "valid", "gIH/AA==");
  const t4 = enc(KEY_A, "", T, 4); check(KEY_A, t4, "");
  add("empty payload: the token is the header and the tag", t4, [0], T + 10, "valid", "");
  const big = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ i, name: "item-" + i })) });
  const t5 = enc(KEY_A, big, T, 5); check(KEY_A, t5, big);
  add("larger JSON payload (" + big.length + " bytes), 1 s before its max-age", t5, [0], T + 3599, "valid", JSON.parse(big));
  add("expired: max-age 3600 and 3601 s after issue", t1, [0], T + 3601, "expired");
  add("wrong key: made with key A, the ring holds key B", t1, [1], T + 10, "invalid");
  const tc = enc(KEY_C, '{"sid":"s-1"}', T, 6); check(KEY_C, tc, '{"sid":"s-1"}');
  add("no max-age: the token has no expiry and opens ten years later", tc, [2], T + 10 * 365 * 86400, "valid", { sid: "s-1" });
  add("max-age 60 on the same key C: 61 s after issue it is expired", tc, [3], T + 61, "expired");
  add("max-age 60 on key C: 59 s after issue it opens", tc, [3], T + 59, "valid", { sid: "s-1" });
  const tf = enc(KEY_A, '"future"', T + 3600, 7);
  add("issued an hour in the future", tf, [0], T, "not-yet-valid");
  const tb = enc(KEY_B, '{"user":"bob"}', T, 8); check(KEY_B, tb, '{"user":"bob"}');
  add("rotation: made with the old key B; the ring holds B then A, and B opens it", tb, [1, 0], T + 10, "valid", { user: "bob" });
  add("rotation: made with the new key A; the ring holds B then A", t1, [1, 0], T + 10, "valid", JSON.parse(js));
  add("rotation: made with the old key B, which the ring no longer holds", tb, [0], T + 10, "invalid");
  const tmax = enc(KEY_C, "x", 4294967295, 9); check(KEY_C, tmax, "x");
  add("the largest timestamp (2106-02-07T06:28:15Z), no max-age, opened at that time", tmax, [2], 4294967295, "valid", "x");
  // Malformed tokens.
  add("a leading '0' (a zero byte before the version: not canonical)", "0" + t1, [0], T + 10, "invalid");
  add("a character outside base62", t1.slice(0, 30) + "_" + t1.slice(31), [0], T + 10, "invalid");
  add("truncated to the header and half the tag", base62.encode(base62.decode(t4).subarray(0, 29 + 8)), [0], T + 10, "invalid");
  add("empty input", "", [0], T, "invalid");
  const raw = Buffer.from(base62.decode(t2)); raw[0] = 0xbb;
  add("version byte 0xbb", base62.encode(raw), [0], T + 10, "invalid");

  process.stdout.write(JSON.stringify({
    format: "branca",
    source: "written by branca-js " + pkg.version + " (npm \"branca\", the specification author's implementation) with fixed keys, times and nonces: gen/gen_branca.js",
    keys, tests,
  }, null, 2) + "\n");
})();
