package main

import "testing"

func TestRun(t *testing.T) {
	if err := run(nil); err != nil {
		t.Fatalf("run() error = %v", err)
	}
	for _, tc := range []struct {
		cookie string
		ok     bool
	}{
		{"%7B%22username%22%3A%22john%22%2C%22count%22%3A1%7D%2F0b27b23e1876a8277c6087a7c741c12b973997d13dcc70bc052f7651bf6203ce", true},
		{"count%3D%2523i1%26username%3D%2523sjohn%2F4e7fe2ad394a41b909c6e4eba09489db0f9fafa2421dfb0c15da6ea129ae48d8", true},
		{"count%3D%2523i2%26username%3D%2523sjohn%2F4e7fe2ad394a41b909c6e4eba09489db0f9fafa2421dfb0c15da6ea129ae48d8", false},
		{"%zz", false},
	} {
		if err := run([]string{tc.cookie}); (err == nil) != tc.ok {
			t.Errorf("run(%q) error = %v; want ok = %v", tc.cookie, err, tc.ok)
		}
	}
	if err := run([]string{"a", "b"}); err == nil {
		t.Error("run with two arguments: error = nil")
	}
}
