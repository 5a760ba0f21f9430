package ktor

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
)

func TestKotlinxJSONMarshal(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type withDefaults struct {
		Name  string   `json:"name"`
		Count int      `json:"count,omitempty"`
		Tags  []string `json:"tags,omitzero"`
	}
	str := "p"
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"spec 7.1 TestUserSession", testUserSession{UserID: "id2"}, `{"userId":"id2","cart":[]}`},
		{"declaration order", struct {
			Z int `json:"z"`
			A int `json:"a"`
		}{1, 2}, `{"z":1,"a":2}`},
		{"untagged field keeps its Go name", struct{ UserName string }{"x"}, `{"UserName":"x"}`},
		{"Double", struct {
			D float64 `json:"d"`
		}{3}, `{"d":3.0}`},
		{"Double exponent", struct {
			D float64 `json:"d"`
		}{1e10}, `{"d":1.0E10}`},
		{"Float", struct {
			F float32 `json:"f"`
		}{0.1}, `{"f":0.1}`},
		{"no HTML escaping", struct {
			S string `json:"s"`
		}{"<a&b>"}, `{"s":"<a&b>"}`},
		{"non-ASCII and U+2028 as they are", struct {
			S string `json:"s"`
		}{"é€\u2028😀"}, "{\"s\":\"é€\u2028😀\"}"},
		{"kotlinx escapes", struct {
			S string `json:"s"`
		}{"\"\\\b\t\n\f\r\x01\x1f\x7f"}, `{"s":"\"\\\b\t\n\f\r\u0001\u001f` + "\x7f" + `"}`},
		{"invalid UTF-8", struct {
			S string `json:"s"`
		}{"a\xffb"}, `{"s":"a` + "\uFFFD" + `b"}`},
		{"nil pointer", struct {
			P *string `json:"p"`
		}{}, `{"p":null}`},
		{"pointer", struct {
			P *string `json:"p"`
		}{&str}, `{"p":"p"}`},
		{"nil map", struct {
			M map[string]int `json:"m"`
		}{}, `{"m":{}}`},
		{"map keys sorted", struct {
			M map[int]bool `json:"m"`
		}{map[int]bool{10: true, 2: false}}, `{"m":{"10":true,"2":false}}`},
		{"nested", struct {
			I  inner   `json:"i"`
			L  []inner `json:"l"`
			A  [2]int  `json:"a"`
			IF any     `json:"if"`
		}{inner{1}, []inner{{2}}, [2]int{3, 4}, inner{5}}, `{"i":{"n":1},"l":[{"n":2}],"a":[3,4],"if":{"n":5}}`},
		{"defaults omitted", withDefaults{Name: "x"}, `{"name":"x"}`},
		{"defaults written", withDefaults{Name: "x", Count: 2, Tags: []string{}}, `{"name":"x","count":2,"tags":[]}`},
		{"skipped", struct {
			A int `json:"-"`
			b int
			C int `json:"c"`
		}{1, 2, 3}, `{"c":3}`},
		{"marshaler", struct {
			T time.Time `json:"t"`
		}{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}, `{"t":"2024-01-02T03:04:05Z"}`},
		{"json.Number", struct {
			N json.Number `json:"n"`
		}{"1.5e3"}, `{"n":1.5e3}`},
		{"top-level list", []int{1}, `[1]`},
		{"top-level nil", nil, `null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := KotlinxJSON().Marshal(tc.in)
			if err != nil || string(got) != tc.want {
				t.Errorf("Marshal(%+v) = %s, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestKotlinxJSONRoundTrip(t *testing.T) {
	type session struct {
		Username string             `json:"username"`
		Count    int32              `json:"count"`
		Score    float64            `json:"score"`
		Roles    []string           `json:"roles"`
		Attrs    map[string]float32 `json:"attrs"`
		Next     *session           `json:"next"`
	}
	in := session{Username: "ü\u2028", Count: -3, Score: 1e-7, Roles: []string{"a"},
		Attrs: map[string]float32{"x": 0.1}, Next: &session{Roles: []string{}, Attrs: map[string]float32{}}}
	data, err := KotlinxJSON().Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out session
	if err := KotlinxJSON().Unmarshal(data, &out); err != nil {
		t.Fatalf("Unmarshal(%s) error = %v", data, err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("Unmarshal(Marshal(x)) = %+v; want %+v", out, in)
	}
}

func TestKotlinxJSONErrors(t *testing.T) {
	type self struct {
		Next *self `json:"next"`
	}
	loop := &self{}
	loop.Next = loop
	for _, tc := range []struct {
		name string
		in   any
	}{
		{"NaN", struct{ F float64 }{math.NaN()}},
		{"Inf", struct{ F float32 }{float32(math.Inf(1))}},
		{"channel", struct{ C chan int }{}},
		{"complex", complex(1, 2)},
		{"embedded", struct{ Embedded }{}},
		{"string option", struct {
			N int `json:",string"`
		}{}},
		{"duplicate names", reflect.New(reflect.StructOf([]reflect.StructField{ // built at run time: vet rejects the literal
			{Name: "A", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
			{Name: "B", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
		})).Elem().Interface()},
		{"cycle", loop},
		{"bad json.Number", struct{ N json.Number }{"1.5x"}},
		{"too many elements", make([]int, codec.MaxElements+1)},
		{"map key type", map[float64]int{1: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out, err := KotlinxJSON().Marshal(tc.in); !errors.Is(err, codec.ErrInvalid) {
				t.Errorf("Marshal = %.40s, %v; want codec.ErrInvalid", out, err)
			}
		})
	}
	for _, in := range []string{
		`{"userId":"id2","cart":[]} x`,
		`{"userId":"id2","cart":[],"extra":1}`,
		`{"userId":"id2","userId":"id3","cart":[]}`,
		`{"userId":"id2","cart":[]`,
		``,
	} {
		var v testUserSession
		if err := KotlinxJSON().Unmarshal([]byte(in), &v); !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("Unmarshal(%q) error = %v; want codec.ErrInvalid", in, err)
		}
	}
	var v testUserSession
	if err := KotlinxJSON().Unmarshal([]byte(ktorJSONPlaintext), &v); err != nil || v.UserID != "id2" || v.Cart == nil {
		t.Errorf("Unmarshal(%s) = %+v, %v", ktorJSONPlaintext, v, err)
	}
	if KotlinxJSON().Name() != "kotlinx-json" {
		t.Errorf("Name() = %q", KotlinxJSON().Name())
	}
	if !strings.HasPrefix(KotlinxJSON().Unmarshal([]byte("x"), &v).Error(), "ktor: kotlinx-json: ") {
		t.Error("Unmarshal error lacks the ktor: kotlinx-json: prefix")
	}
}
