package transform_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sesstool/sesstool/transform"
)

// wycheproofFile is the part of Wycheproof's mac_test_schema_v1 and
// aead_test_schema_v1 that these tests read.
type wycheproofFile struct {
	Schema     string `json:"schema"`
	TestGroups []struct {
		KeySize int `json:"keySize"`
		IVSize  int `json:"ivSize"`
		TagSize int `json:"tagSize"`
		Tests   []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Key     hexBytes `json:"key"`
			IV      hexBytes `json:"iv"`
			AAD     hexBytes `json:"aad"`
			Msg     hexBytes `json:"msg"`
			CT      hexBytes `json:"ct"`
			Tag     hexBytes `json:"tag"`
			Result  string   `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	*h = d
	return err
}

func loadWycheproof(t *testing.T, name string) *wycheproofFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testvectors", "wycheproof", name))
	if err != nil {
		t.Fatal(err)
	}
	var f wycheproofFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &f
}

func TestWycheproof(t *testing.T) {
	tests := []struct {
		file    string
		keySize []int // bits the constructor supports
		ivSize  int   // bits; 0 for HMAC
		tagSize int   // bits
		new     func(key, ad []byte) (transform.Transformer, error)
	}{
		{"hmac_sha256_test.json", []int{128, 256, 520}, 0, 256, func(k, ad []byte) (transform.Transformer, error) { return transform.NewHMAC(transform.SHA256, k, ad) }},
		{"hmac_sha512_test.json", []int{256, 512, 520}, 0, 512, func(k, ad []byte) (transform.Transformer, error) { return transform.NewHMAC(transform.SHA512, k, ad) }},
		{"aes_gcm_test.json", []int{128, 256}, 96, 128, transform.NewAESGCM},
		{"chacha20_poly1305_test.json", []int{256}, 96, 128, transform.NewChaCha20Poly1305},
		{"xchacha20_poly1305_test.json", []int{256}, 192, 128, transform.NewXChaCha20Poly1305},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := loadWycheproof(t, tt.file)
			groups, vectors, skipped := 0, 0, 0
			for _, g := range f.TestGroups {
				if g.TagSize != tt.tagSize || (tt.ivSize != 0 && g.IVSize != tt.ivSize) || !contains(tt.keySize, g.KeySize) {
					skipped += len(g.Tests)
					continue
				}
				groups++
				for _, tc := range g.Tests {
					vectors++
					tr, err := tt.new(tc.Key, tc.AAD)
					if err != nil {
						t.Fatalf("#%d %s: constructor: %v", tc.TcID, tc.Comment, err)
					}
					// The transformer's written form: nonce || ciphertext || tag
					// for AEADs, message || tag for HMAC.
					var in []byte
					if tt.ivSize != 0 {
						in = bytes.Join([][]byte{tc.IV, tc.CT, tc.Tag}, nil)
					} else {
						in = bytes.Join([][]byte{tc.Msg, tc.Tag}, nil)
					}
					got, err := tr.Read(nil, in)
					switch tc.Result {
					case "valid":
						if err != nil {
							t.Errorf("#%d %s: Read error = %v; want success", tc.TcID, tc.Comment, err)
						} else if !bytes.Equal(got, tc.Msg) {
							t.Errorf("#%d %s: Read = %x; want %x", tc.TcID, tc.Comment, got, tc.Msg)
						}
					case "invalid":
						if err == nil {
							t.Errorf("#%d %s: Read succeeded; want rejection", tc.TcID, tc.Comment)
						} else if !errors.Is(err, transform.ErrInvalid) {
							t.Errorf("#%d %s: Read error = %v; want transform.ErrInvalid", tc.TcID, tc.Comment, err)
						}
					default:
						t.Fatalf("#%d: unknown result %q", tc.TcID, tc.Result)
					}
				}
			}
			t.Logf("%d groups, %d vectors run; %d vectors with parameters the transformer cannot express", groups, vectors, skipped)
			if vectors == 0 {
				t.Fatal("no vector applies: the file or the filter is wrong")
			}
		})
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
