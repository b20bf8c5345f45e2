package door

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"testing"

	"ipmatch/data"
)

// The fuzz target of the request-body decoder. Its seed corpus is in
// testdata/fuzz/FuzzDecodeJSON; run it with
//
//	go test -run='^$' -fuzz='^FuzzDecodeJSON$' -fuzztime=10s ./api

// decodeFuzzKinds are the records FuzzDecodeJSON decodes into, picked by
// its first argument.
var decodeFuzzKinds = []func() any{
	func() any { return new(data.Enterprise) },
	func() any { return new(data.Patent) },
	func() any { return new(data.Product) },
	func() any { return new(data.Bank) },
	func() any { return new(data.Event) },
	func() any { return new(data.Deal) },
	func() any { return new(data.Pool) },
}

var byteOffset = regexp.MustCompile(`line (\d+), column (\d+) \(byte offset (\d+)\)`)

// FuzzDecodeJSON decodes a fuzzed body into a record with decodeJSON.
// A body that is not exactly one valid JSON value is refused. A refusal
// is a malformed *data.Error with a message, naming at most one field
// (with a reason), and a line, column and byte offset that lie within the
// body. A body that decodes is valid JSON, and the record encodes as JSON
// that decodes again (strictly) to the same record.
func FuzzDecodeJSON(f *testing.F) {
	f.Add(uint8(0), []byte(`{"name":"肇庆市高要区某某机械有限公司","credit_code":"91441204MA4UQ8XY1B"}`))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		newRec := decodeFuzzKinds[int(kind)%len(decodeFuzzKinds)]
		v := newRec()
		err := decodeJSON(body, v)
		if err != nil {
			var e *data.Error
			if !errors.As(err, &e) || e.Code != data.CodeMalformed || e.Message == "" {
				t.Fatalf("decodeJSON(%q) = %v (%T); want a malformed *data.Error", body, err, err)
			}
			if len(e.Fields) > 1 || (len(e.Fields) == 1 && (e.Fields[0].Field == "" || e.Fields[0].Reason == "")) {
				t.Fatalf("decodeJSON(%q): fields %+v; want at most one, named, with a reason", body, e.Fields)
			}
			if m := byteOffset.FindStringSubmatch(e.Message); m != nil {
				line, _ := strconv.Atoi(m[1])
				col, _ := strconv.Atoi(m[2])
				off, _ := strconv.Atoi(m[3])
				if off < 0 || off > len(body) || line < 1 || col < 1 {
					t.Fatalf("decodeJSON(%q): %s: not within the body of %d bytes", body, e.Message, len(body))
				}
				if wl, wc := position(body, int64(off)); wl != line || wc != col {
					t.Fatalf("decodeJSON(%q): %s; offset %d is line %d, column %d", body, e.Message, off, wl, wc)
				}
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("decodeJSON accepted %q, which is not valid JSON", body)
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decodeJSON(%q) gave a record that does not encode: %v", body, err)
		}
		w := newRec()
		if err := decodeJSON(out, w); err != nil {
			t.Fatalf("decodeJSON(%q) gave a record whose JSON %s does not decode: %v", body, out, err)
		}
		again, err := json.Marshal(w)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("decodeJSON(%q): the record encodes as %s, decoded again as %s (%v)", body, out, again, err)
		}
	})
}
