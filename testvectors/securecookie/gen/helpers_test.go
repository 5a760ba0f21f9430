package gen

import (
	"encoding/base64"
	"encoding/gob"
	"time"
)

func gobRegister() {
	gob.Register(User{})
	gob.Register(map[string]interface{}{})
	gob.Register(time.Time{})
}

func securecookieBase64(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
