#!/usr/bin/ruby
# Generates testvectors/rails/open*.json with the real ActiveSupport
# (Debian bookworm's ruby-activesupport 6.1.7.10 on ruby 3.1.2):
#
#   apt-get install -y ruby ruby-activesupport
#   cd testvectors/rails && ruby gen/gen.rb
#
# CI never runs it. Everything is fixed: the secrets below, the expiry
# times, and the IVs, which OpenSSL::Cipher#random_iv draws from a counter
# hashed with SHA-256 instead of the system's random source (patched
# below), so that a run writes the same files.
#
# Cookies: ActionDispatch (not installed; RubyGems is not reachable) builds
# its jars from Rails.application.key_generator, an
# ActiveSupport::KeyGenerator over secret_key_base with 1000 iterations,
# and MessageVerifier / MessageEncryptor with the NullSerializer over the
# jar's own serializer, and purpose "cookie.<name>" (Rails 6+). This script
# does exactly that, with ActiveSupport's classes. ActiveSupport 6.1's
# KeyGenerator is PBKDF2-HMAC-SHA1; Rails 7.0's default (hash_digest_class
# SHA256) is OpenSSL::PKCS5.pbkdf2_hmac with SHA256, which Sha256KeyGenerator
# replicates with the same OpenSSL call that Rails 7's KeyGenerator makes.
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"
require "active_support/key_generator"
require "active_support/json"
require "active_support/core_ext/object/json"
require "digest"
require "json"
require "erb"

class OpenSSL::Cipher
  @@iv_counter = 0
  def random_iv
    @@iv_counter += 1
    self.iv = Digest::SHA256.digest("sesstool rails vector iv #{@@iv_counter}")[0, iv_len]
  end
end

class Sha256KeyGenerator
  def initialize(secret, iterations:) = (@secret, @iterations = secret, iterations)
  def generate_key(salt, key_size = 64)
    OpenSSL::PKCS5.pbkdf2_hmac(@secret, salt, @iterations, key_size, OpenSSL::Digest::SHA256.new)
  end
end

class Userish # a Ruby object: Marshal writes it as 'o', which sesstool refuses
  def initialize(id) = (@id = id)
end

SOURCE = "ActiveSupport #{ActiveSupport::VERSION::STRING} (Debian bookworm ruby-activesupport) on ruby #{RUBY_VERSION}; testvectors/rails/gen/gen.rb"
EXP = Time.utc(2027, 6, 1, 12, 0, 0)
BEFORE = "2027-05-01T00:00:00Z"
AFTER = "2027-07-01T00:00:00Z"
AT_EXP = "2027-06-01T12:00:00Z"

def tamper(tok, i)
  c = tok[i]
  tok.dup.tap { |t| t[i] = (c == "a" ? "b" : "a") } # a letter of base64 and of lowercase hex
end

def write(file, keys, tests)
  tests.each_with_index { |t, i| t[:id] = i + 1 }
  doc = { format: "rails", source: SOURCE, keys: keys, tests: tests.map { |t| { id: t[:id] }.merge(t.reject { |k, _| k == :id }) } }
  File.write(file, JSON.pretty_generate(doc) + "\n")
  puts "#{file}: #{tests.size} tests"
end

# --- MessageVerifier -------------------------------------------------------
VSECRET = "rails verifier secret for sesstool tests"
vkeys = [
  { algorithm: "rails-message-verifier", input: VSECRET + "\n" },                                                      # 0: SHA1, Marshal (Rails' defaults)
  { algorithm: "rails-message-verifier", input: "another secret\n" },                                                  # 1: wrong key
  { algorithm: "rails-message-verifier", input: VSECRET + "\n", options: { digest: "sha256", serializer: "json" } },    # 2
  { algorithm: "rails-message-verifier", input: VSECRET + "\n", options: { digest: "sha512", serializer: "json" } },    # 3
]
vm = ActiveSupport::MessageVerifier.new(VSECRET)
v256 = ActiveSupport::MessageVerifier.new(VSECRET, digest: "SHA256", serializer: JSON)
v512 = ActiveSupport::MessageVerifier.new(VSECRET, digest: "SHA512", serializer: JSON)
session = { "user_id" => 42, "roles" => ["admin", "dev"], "flash" => nil }
t = []
m_plain = vm.generate("a private message")
t << { comment: "Marshal string, no metadata (Rails' documentation example value)", token: m_plain, keys: [0], at: BEFORE, result: "valid", payload: "a private message" }
t << { comment: "Marshal hash with symbols, integers, floats, nested arrays", token: vm.generate({ user_id: 7, "name" => "Zoë", score: 1.5, tags: [:a, "b", nil, true], big: 2**70 }), keys: [0], at: BEFORE, result: "valid",
       payload: { "user_id" => 7, "name" => "Zoë", "score" => 1.5, "tags" => ["a", "b", nil, true], "big" => 2**70 } }
m_pur = vm.generate({ "id" => 1 }, purpose: :login)
t << { comment: "Marshal with purpose login (6.1 metadata envelope)", token: m_pur, keys: [0], at: BEFORE, purpose: "login", result: "valid", payload: { "id" => 1 } }
t << { comment: "purpose login, opened for another purpose", token: m_pur, keys: [0], at: BEFORE, purpose: "reset", result: "invalid" }
t << { comment: "purpose login, opened without a purpose", token: m_pur, keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "no purpose, opened for purpose login", token: m_plain, keys: [0], at: BEFORE, purpose: "login", result: "invalid" }
m_exp = vm.generate("expiring", expires_at: EXP)
t << { comment: "expires_at 2027-06-01T12:00:00Z, before", token: m_exp, keys: [0], at: BEFORE, result: "valid", payload: "expiring" }
t << { comment: "expires_at, at the expiry", token: m_exp, keys: [0], at: AT_EXP, result: "expired" }
t << { comment: "expires_at, after", token: m_exp, keys: [0], at: AFTER, result: "expired" }
m_both = vm.generate([1, 2], expires_at: EXP, purpose: "share")
t << { comment: "purpose and expiry", token: m_both, keys: [0], at: BEFORE, purpose: "share", result: "valid", payload: [1, 2] }
t << { comment: "purpose and expiry, expired", token: m_both, keys: [0], at: AFTER, purpose: "share", result: "expired" }
t << { comment: "wrong key", token: m_plain, keys: [1], at: BEFORE, result: "invalid" }
t << { comment: "SHA1 message under a SHA256 key", token: m_plain, keys: [2], at: BEFORE, result: "invalid" }
t << { comment: "tampered digest", token: tamper(m_plain, -3), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "tampered data", token: tamper(m_plain, 5), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "Marshal of a Ruby object (authentic): refused, not instantiated", token: vm.generate(Userish.new(1)), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "Marshal of a Struct-like Time (authentic, 'u'): refused", token: vm.generate(Time.utc(2020)), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "JSON, SHA256", token: v256.generate(session), keys: [2], at: BEFORE, result: "valid", payload: session }
t << { comment: "JSON, SHA256, purpose and expiry", token: v256.generate(session, purpose: "api", expires_at: EXP), keys: [2], at: BEFORE, purpose: "api", result: "valid", payload: session }
t << { comment: "JSON, SHA256, purpose, wrong purpose", token: v256.generate(session, purpose: "api"), keys: [2], at: BEFORE, purpose: "web", result: "invalid" }
t << { comment: "JSON, SHA512", token: v512.generate("hello"), keys: [3], at: BEFORE, result: "valid", payload: "hello" }
t << { comment: "JSON message under a Marshal key (authentic digest, wrong serializer)", token: ActiveSupport::MessageVerifier.new(VSECRET, serializer: JSON).generate({ "a" => 1 }), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "malformed: no separator", token: m_plain.sub("--", "__"), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "malformed: data not base64", token: "not*base64--" + OpenSSL::HMAC.hexdigest("SHA1", VSECRET, "not*base64"), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "malformed: authentic, but not Marshal", token: "dGVzdA==--" + OpenSSL::HMAC.hexdigest("SHA1", VSECRET, "dGVzdA=="), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "malformed: empty", token: "--", keys: [0], at: BEFORE, result: "invalid" }
write("open.json", vkeys, t)

# --- MessageEncryptor ------------------------------------------------------
GCM = (0..31).map(&:chr).join.b
CBC = (32..63).map(&:chr).join.b
SIGN = (64..127).map(&:chr).join.b
hex = ->(s) { s.unpack1("H*") }
ekeys = [
  { algorithm: "rails-message-encryptor", input: hex.(GCM) + "\n" },                                                                        # 0: aes-256-gcm, Marshal
  { algorithm: "rails-message-encryptor", input: hex.(CBC) + "\n" + hex.(SIGN) + "\n", options: { cipher: "aes-256-cbc" } },                  # 1: cbc + sign secret, SHA1
  { algorithm: "rails-message-encryptor", input: hex.(CBC) + "\n", options: { cipher: "aes-256-cbc", digest: "sha256", serializer: "json" } }, # 2: cbc, secret signs, SHA256
  { algorithm: "rails-message-encryptor", input: hex.(GCM.reverse) + "\n" },                                                                 # 3: wrong key
  { algorithm: "rails-message-encryptor", input: hex.(GCM) + "\n", options: { serializer: "json" } },                                        # 4: gcm, JSON
]
eg = ActiveSupport::MessageEncryptor.new(GCM, cipher: "aes-256-gcm")
ec = ActiveSupport::MessageEncryptor.new(CBC, SIGN, cipher: "aes-256-cbc")
ec2 = ActiveSupport::MessageEncryptor.new(CBC, cipher: "aes-256-cbc", digest: "SHA256", serializer: JSON)
egj = ActiveSupport::MessageEncryptor.new(GCM, cipher: "aes-256-gcm", serializer: JSON)
t = []
g1 = eg.encrypt_and_sign({ "user_id" => 42, :admin => false })
t << { comment: "aes-256-gcm, Marshal hash", token: g1, keys: [0], at: BEFORE, result: "valid", payload: { "user_id" => 42, "admin" => false } }
g2 = eg.encrypt_and_sign("secret", purpose: "login", expires_at: EXP)
t << { comment: "aes-256-gcm, purpose and expiry", token: g2, keys: [0], at: BEFORE, purpose: "login", result: "valid", payload: "secret" }
t << { comment: "aes-256-gcm, expired", token: g2, keys: [0], at: AFTER, purpose: "login", result: "expired" }
t << { comment: "aes-256-gcm, wrong purpose", token: g2, keys: [0], at: BEFORE, purpose: "logout", result: "invalid" }
t << { comment: "aes-256-gcm, wrong key", token: g1, keys: [3], at: BEFORE, result: "invalid" }
t << { comment: "aes-256-gcm, tampered ciphertext", token: tamper(g1, 2), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "aes-256-gcm, truncated tag", token: g1.sub(/--[^-]*\z/) { |m| m[0, m.size - 4] + "==" }, keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "aes-256-gcm, Ruby object refused", token: eg.encrypt_and_sign(Userish.new(2)), keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "aes-256-gcm, JSON", token: egj.encrypt_and_sign(session, purpose: "api"), keys: [4], at: BEFORE, purpose: "api", result: "valid", payload: session }
c1 = ec.encrypt_and_sign([1, "two", :three])
t << { comment: "aes-256-cbc with a sign secret, HMAC-SHA1, Marshal", token: c1, keys: [1], at: BEFORE, result: "valid", payload: [1, "two", "three"] }
c2 = ec.encrypt_and_sign("until June", expires_at: EXP)
t << { comment: "aes-256-cbc, expiry", token: c2, keys: [1], at: BEFORE, result: "valid", payload: "until June" }
t << { comment: "aes-256-cbc, expired", token: c2, keys: [1], at: AFTER, result: "expired" }
t << { comment: "aes-256-cbc, tampered digest", token: tamper(c1, -1), keys: [1], at: BEFORE, result: "invalid" }
t << { comment: "aes-256-cbc, signed with the secret itself, HMAC-SHA256, JSON", token: ec2.encrypt_and_sign({ "cart" => [3, 4] }, purpose: "cart"), keys: [2], at: BEFORE, purpose: "cart", result: "valid", payload: { "cart" => [3, 4] } }
t << { comment: "aes-256-cbc message under the gcm key", token: c1, keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "aes-256-gcm message under the cbc key", token: g1, keys: [1], at: BEFORE, result: "invalid" }
t << { comment: "malformed: two parts of base64 (a cbc blob without its signature)", token: g1.split("--")[0, 2].join("--"), keys: [0], at: BEFORE, result: "invalid" }
write("open_encryptor.json", ekeys, t)

# --- Cookies (ActionDispatch's jars, replicated) --------------------------
SKB = "3f1c" * 32 # secret_key_base: 128 hex digits, as `rails secret` prints
ckeys = [
  { algorithm: "rails-cookies", input: SKB + "\n" },                                                                          # 0: encrypted (gcm), JSON, SHA256 key generator
  { algorithm: "rails-cookies", input: SKB + "\n", options: { jar: "signed" } },                                              # 1: signed, HMAC-SHA1, JSON, SHA256 key generator
  { algorithm: "rails-cookies", input: SKB + "\n", options: { "jar" => "encrypted", "key-digest" => "sha1", "serializer" => "marshal" } }, # 2: Rails 6.1 defaults, Marshal
  { algorithm: "rails-cookies", input: SKB + "\n", options: { "cipher" => "aes-256-cbc", "key-digest" => "sha1", "serializer" => "marshal" } }, # 3: Rails 5.1 cbc jar
  { algorithm: "rails-cookies", input: SKB.reverse + "\n" },                                                                  # 4: wrong key
]
kg256 = ActiveSupport::CachingKeyGenerator.new(Sha256KeyGenerator.new(SKB, iterations: 1000))
kg1 = ActiveSupport::CachingKeyGenerator.new(ActiveSupport::KeyGenerator.new(SKB, iterations: 1000))
NS = ActiveSupport::MessageEncryptor::NullSerializer
json_ser = ->(v) { ActiveSupport::JSON.encode(v) }
esc = ->(v) { ERB::Util.url_encode(v) } # Rack::Utils.escape for these characters (A-Za-z0-9+/=-)
enc_gcm = ->(kg, name, value, ser, **meta) {
  e = ActiveSupport::MessageEncryptor.new(kg.generate_key("authenticated encrypted cookie", 32), cipher: "aes-256-gcm", serializer: NS)
  e.encrypt_and_sign(ser.(value), purpose: "cookie.#{name}", **meta)
}
signed = ->(kg, name, value, ser, **meta) {
  v = ActiveSupport::MessageVerifier.new(kg.generate_key("signed cookie"), digest: "SHA1", serializer: NS)
  v.generate(ser.(value), purpose: "cookie.#{name}", **meta)
}
enc_cbc = ->(kg, name, value, ser, **meta) {
  e = ActiveSupport::MessageEncryptor.new(kg.generate_key("encrypted cookie", 32), kg.generate_key("signed encrypted cookie"), cipher: "aes-256-cbc", digest: "SHA1", serializer: NS)
  e.encrypt_and_sign(ser.(value), purpose: "cookie.#{name}", **meta)
}
rsession = { "session_id" => "7c5d1a2b9e8f4a6b3c2d1e0f9a8b7c6d", "_csrf_token" => "q1w2e3r4t5y6", "user_id" => 42 }
t = []
s1 = enc_gcm.(kg256, "_app_session", rsession, json_ser)
t << { comment: "encrypted session cookie (Rails 7 defaults: gcm, JSON, SHA256 key generator), as the browser sends it (URL-escaped)", token: esc.(s1), cookie: "_app_session", keys: [0], at: BEFORE, result: "valid", payload: rsession }
t << { comment: "the same, unescaped", token: s1, cookie: "_app_session", keys: [0], at: BEFORE, result: "valid", payload: rsession }
t << { comment: "the same under another cookie name (the purpose binds the name)", token: s1, cookie: "other", keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "the same without a cookie name", token: s1, keys: [0], at: BEFORE, result: "invalid" }
t << { comment: "the same under the wrong secret_key_base", token: s1, cookie: "_app_session", keys: [4], at: BEFORE, result: "invalid" }
t << { comment: "the same under the signed jar", token: s1, cookie: "_app_session", keys: [1], at: BEFORE, result: "invalid" }
s2 = enc_gcm.(kg256, "remember", "token-123", json_ser, expires_at: EXP)
t << { comment: "encrypted cookie with an expiry (cookies.encrypted[:remember] = {value:, expires:})", token: esc.(s2), cookie: "remember", keys: [0], at: BEFORE, result: "valid", payload: "token-123" }
t << { comment: "the same, expired", token: esc.(s2), cookie: "remember", keys: [0], at: AFTER, result: "expired" }
s3 = signed.(kg256, "user_id", 42, json_ser)
t << { comment: "signed cookie (HMAC-SHA1, JSON)", token: esc.(s3), cookie: "user_id", keys: [1], at: BEFORE, result: "valid", payload: 42 }
t << { comment: "signed cookie under another name", token: esc.(s3), cookie: "admin_id", keys: [1], at: BEFORE, result: "invalid" }
t << { comment: "signed cookie, tampered", token: tamper(s3, 10), cookie: "user_id", keys: [1], at: BEFORE, result: "invalid" }
s4 = enc_gcm.(kg1, "_legacy_session", { "user_id" => 9, :flash => { "notice" => "hi" } }, ->(v) { Marshal.dump(v) })
t << { comment: "encrypted cookie, Rails 6.1 key generator (PBKDF2-SHA1), Marshal serializer", token: esc.(s4), cookie: "_legacy_session", keys: [2], at: BEFORE, result: "valid", payload: { "user_id" => 9, "flash" => { "notice" => "hi" } } }
t << { comment: "Marshal cookie holding a Ruby object: refused", token: enc_gcm.(kg1, "_legacy_session", Userish.new(3), ->(v) { Marshal.dump(v) }), cookie: "_legacy_session", keys: [2], at: BEFORE, result: "invalid" }
s5 = enc_cbc.(kg1, "_old_session", { "user_id" => 5 }, ->(v) { Marshal.dump(v) })
t << { comment: "aes-256-cbc encrypted cookie (Rails 5.1 jar, PBKDF2-SHA1 keys, HMAC-SHA1)", token: esc.(s5), cookie: "_old_session", keys: [3], at: BEFORE, result: "valid", payload: { "user_id" => 5 } }
t << { comment: "aes-256-cbc cookie under the gcm key", token: esc.(s5), cookie: "_old_session", keys: [0], at: BEFORE, result: "invalid" }
write("open_cookies.json", ckeys, t)
