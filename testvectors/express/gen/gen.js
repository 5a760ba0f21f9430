// Writes ../open.json: Express signed cookies made by the real libraries,
// through a real Express app on a loopback port (Set-Cookie values, which
// Express URL-encodes), and cookie-signature directly:
//   express 5.3.0, cookie-parser 1.4.7, cookie-signature 1.2.2,
//   express-session 1.19.0 (see package.json / package-lock.json here).
// Run: npm ci && node gen.js > ../open.json
// Nothing is random: express-session's genid is fixed to IDs of
// uid-safe's shape (24 bytes, base64url, 32 characters).
'use strict';
const http = require('http');
const express = require('express');
const cookieParser = require('cookie-parser');
const session = require('express-session');
const signature = require('cookie-signature');

const SECRET = 'keyboard cat 2026';
const OLD = 'old express secret';
const KEYS = [
  { algorithm: 'express', input: SECRET + '\n' },
  { algorithm: 'express', input: OLD + '\n' },
  { algorithm: 'express', input: 'not the secret\n' },
];
const AT = '2027-03-01T12:00:00Z';
const SID = 'Xk2mB9q_Tz7wLr4vN8pQy3sD6fGh1jKa';
const SID2 = 'aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW';

function serve(app) {
  return new Promise((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

function get(port, path, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: cookie ? { Cookie: cookie } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ cookies: res.headers['set-cookie'] || [], body }));
    });
    req.on('error', reject);
  });
}

function cookieValue(setCookie, name) {
  for (const c of setCookie) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    if (pair.slice(0, i) === name) return pair.slice(i + 1);
  }
  throw new Error('no cookie ' + name);
}

async function main() {
  const app = express();
  // cookie-parser with an array of secrets: signs with the first, unsigns with any.
  app.use(cookieParser([SECRET, OLD]));
  app.get('/set', (req, res) => {
    res.cookie('user', 'ada', { signed: true });
    res.cookie('prefs', { theme: 'dark', n: [1, 2.5, null, true], name: 'Zoë 東京' }, { signed: true });
    res.cookie('list', [1, 'two', { three: 3 }], { signed: true });
    res.cookie('dotted', 'a.b.c', { signed: true });
    res.cookie('plainjson', { unsigned: true });
    res.end();
  });
  app.get('/read', (req, res) => res.json({ signed: req.signedCookies, plain: req.cookies }));
  const sessApp = (secret, genid) => {
    const a = express();
    a.use(session({ secret, genid: () => genid, resave: false, saveUninitialized: true }));
    a.get('/', (req, res) => { req.session.views = 1; res.end(); });
    return a;
  };
  const srv = await serve(app);
  const port = srv.address().port;
  const set = (await get(port, '/set')).cookies;
  const user = cookieValue(set, 'user');
  const prefs = cookieValue(set, 'prefs');
  const list = cookieValue(set, 'list');
  const dotted = cookieValue(set, 'dotted');
  const plainjson = cookieValue(set, 'plainjson');
  // cookie-parser reads them back: the expected payloads come from it.
  const read = JSON.parse((await get(port, '/read', ['user', 'prefs', 'list', 'dotted', 'plainjson'].map((n) => n + '=' + cookieValue(set, n)).join('; '))).body);
  srv.close();

  const s1 = await serve(sessApp([SECRET, OLD], SID));
  const sess = cookieValue((await get(s1.address().port, '/')).cookies, 'connect.sid');
  s1.close();
  const s2 = await serve(sessApp(OLD, SID2));
  const sessOld = cookieValue((await get(s2.address().port, '/')).cookies, 'connect.sid');
  s2.close();

  const tests = [];
  const add = (comment, token, result, keys, payload) => {
    const t = { id: tests.length + 1, comment, token, at: AT, result };
    if (keys) t.keys = keys;
    if (payload !== undefined) t.payload = payload;
    tests.push(t);
  };
  const dec = decodeURIComponent;
  // Each valid vector is unsigned by cookie-signature before it is written.
  const check = (v, secret) => { if (signature.unsign(dec(v).slice(2), secret) === false) throw new Error('unsign ' + v); };
  [user, prefs, list, dotted, sess].forEach((v) => check(v, SECRET));
  check(sessOld, OLD);

  add('a signed string cookie (res.cookie signed), URL-encoded as Express sends it', user, 'valid', [0], read.signed.user);
  add('the same cookie decoded', dec(user), 'valid', [0], read.signed.user);
  add('a signed JSON cookie (s:j:{...}), URL-encoded', prefs, 'valid', [0], read.signed.prefs);
  add('a signed JSON array cookie, decoded', dec(list), 'valid', [0], read.signed.list);
  add('a signed value holding dots: the last dot starts the signature', dotted, 'valid', [0], read.signed.dotted);
  add('an express-session ID cookie (connect.sid)', sess, 'valid', [0], { sessionId: SID });
  add('rotated secrets: a session cookie of the old secret opens with both keys', sessOld, 'valid', [0, 1], { sessionId: SID2 });
  add('cookie-signature.sign directly, value with spaces', 's:' + signature.sign('hello world', SECRET), 'valid', [0], 'hello world');
  add('wrong key', user, 'invalid', [2]);
  add('the old secret alone does not open a cookie of the new one', sess, 'invalid', [1]);
  const d = dec(user);
  add('tampered: another value under the original signature', d.replace('s:ada.', 's:bob.'), 'invalid', [0]);
  const sig = d.slice(d.lastIndexOf('.') + 1);
  add('tampered: a signature character changed', d.slice(0, d.length - 10) + (d[d.length - 10] === 'A' ? 'B' : 'A') + d.slice(d.length - 9), 'invalid', [0]);
  add('malformed: the signature with its "=" padding', d + '=', 'invalid', [0]);
  add('malformed: no signature', 's:ada', 'invalid', [0]);
  add('malformed: a truncated signature', d.slice(0, -1), 'invalid', [0]);
  add('an unsigned j: JSON cookie proves nothing and never opens (cookie-parser reads it as ' + JSON.stringify(read.plain.plainjson) + ')', plainjson, 'invalid', [0]);
  add('malformed: a URL-encoded cookie with a bad escape', 's%3Aada.%ZZ' + sig.slice(2), 'invalid', [0]);
  process.stdout.write(JSON.stringify({
    format: 'express',
    source: 'express 5.3.0, cookie-parser 1.4.7, cookie-signature 1.2.2, express-session 1.19.0 (npm), through a loopback Express app; testvectors/express/gen/gen.js',
    keys: KEYS,
    tests,
  }, null, 2) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
