package door

import (
	"strings"
	"testing"

	"ipmatch/data"
)

func TestDecodePosition(t *testing.T) {
	body := []byte("{\n  \"a\": 1,\n  \"b\" 2\n}")
	var v struct {
		A int `json:"a"`
		B int `json:"b"`
	}
	err := decodeJSON(body, &v)
	if data.ErrorCode(err) != data.CodeMalformed || !strings.Contains(err.Error(), "line 3, column 7") {
		t.Errorf("decodeJSON = %v; want malformed at line 3, column 7", err)
	}
	if l, c := position([]byte("ab\ncd"), 4); l != 2 || c != 2 {
		t.Errorf("position = %d:%d, want 2:2", l, c)
	}
}
