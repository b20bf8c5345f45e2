package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// lineReader reads the input line by line, refusing lines longer than
// MaxImportLine.
type lineReader struct {
	br *bufio.Reader
}

// sniffSize is how much of the input is checked for being UTF-8 text.
const sniffSize = 64 << 10

// utf8BOM is the byte-order mark that spreadsheet programs put first.
const utf8BOM = "\xEF\xBB\xBF"

// newLineReader checks that r starts as UTF-8 text (a malformed error
// otherwise) and skips a UTF-8 byte-order mark.
func newLineReader(r io.Reader) (*lineReader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("import: reading the input: %w", err)
	}
	if bytes.HasPrefix(head, []byte(utf8BOM)) {
		br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return nil, Errorf(CodeMalformed, "the input is UTF-16 text; save it as UTF-8")
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, Errorf(CodeMalformed, "the input is binary, not UTF-8 text")
	}
	if len(head) == sniffSize-len(utf8BOM) || len(head) == sniffSize {
		// The peek may have cut the last character in two.
		for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
			if utf8.RuneStart(head[i]) {
				if !utf8.FullRune(head[i:]) {
					head = head[:i]
				}
				break
			}
		}
	}
	if !utf8.Valid(head) {
		return nil, Errorf(CodeMalformed, "the input is not UTF-8 text (a GBK export must be saved as UTF-8)")
	}
	return &lineReader{br: br}, nil
}

// readLine returns the next line with its line end, or io.EOF after the
// last. A line longer than MaxImportLine is consumed and reported as
// tooLong with no content.
func (lr *lineReader) readLine() (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if !tooLong && len(buf)+len(chunk) > MaxImportLine+2 { // +2 for "\r\n"
			tooLong, buf = true, nil
		}
		if !tooLong {
			buf = append(buf, chunk...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			if len(buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return buf, tooLong, nil
		case err != nil:
			return nil, false, fmt.Errorf("import: reading the input: %w", err)
		}
		return buf, tooLong, nil
	}
}

// tooLongReason and notUTF8Reason explain whole-row rejections.
const (
	tooLongReason = "longer than 1 MiB"
	notUTF8Reason = "not valid UTF-8 text"
)

// jsonlSource reads one JSON object per line; blank lines are skipped.
func jsonlSource[T any](lr *lineReader, tr *transfer[T]) rowSource[T] {
	line := 0
	next := func() (importRow[T], error) {
		for {
			raw, tooLong, err := lr.readLine()
			if err != nil {
				return importRow[T]{}, err
			}
			line++
			r := importRow[T]{row: line}
			if tooLong {
				r.rejects = []FieldError{{Field: "row", Reason: tooLongReason}}
				return r, nil
			}
			raw = bytes.TrimSpace(raw)
			if len(raw) == 0 {
				continue
			}
			if !utf8.Valid(raw) {
				r.rejects = []FieldError{{Field: "row", Reason: notUTF8Reason}}
				return r, nil
			}
			r.rec, r.id, r.rejects = decodeJSONRecord[T](raw, tr.idField)
			return r, nil
		}
	}
	return rowSource[T]{next: next}
}

// decodeJSONRecord decodes one record, refusing unknown fields. On failure
// it returns no record, the ID if one can be read, and every field at fault.
func decodeJSONRecord[T any](raw []byte, idField string) (*T, string, []FieldError) {
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return nil, "", []FieldError{{Field: "row", Reason: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}}
	}
	if raw[0] != '{' {
		return nil, "", []FieldError{{Field: "row", Reason: "must be a JSON object"}}
	}
	rec := new(T)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(rec)
	if err == nil {
		return rec, "", nil
	}
	var id string
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) == nil {
		json.Unmarshal(top[idField], &id)
	}
	fields := jsonProblems(raw, reflect.TypeFor[T](), "")
	if len(fields) == 0 {
		fields = []FieldError{{Field: "row", Reason: strings.TrimPrefix(err.Error(), "json: ")}}
	}
	return nil, id, fields
}

// jsonProblems finds the fields of raw that do not decode into type t,
// naming them by path ("need.amount", "ipc[1]", "history[0].stage").
func jsonProblems(raw []byte, t reflect.Type, path string) []FieldError {
	name := path
	if name == "" {
		name = "row"
	}
	leaf := reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]())
	switch {
	case !leaf && t.Kind() == reflect.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return []FieldError{{Field: name, Reason: "must be a JSON object"}}
		}
		keys := make([]string, 0, len(obj))
		for key := range obj {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		var out []FieldError
		for _, key := range keys {
			sub := key
			if path != "" {
				sub = path + "." + key
			}
			f, ok := jsonField(t, key)
			if !ok {
				out = append(out, FieldError{Field: sub, Reason: "unknown field"})
				continue
			}
			out = append(out, jsonProblems(obj[key], f.Type, sub)...)
		}
		return out
	case !leaf && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return []FieldError{{Field: name, Reason: "must be a JSON array"}}
		}
		var out []FieldError
		for i, item := range items {
			out = append(out, jsonProblems(item, t.Elem(), indexed(path, i))...)
		}
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(reflect.New(t).Interface())
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return []FieldError{{Field: name, Reason: fmt.Sprintf("must be %s, not a JSON %s", JSONTypeName(t), te.Value)}}
	}
	return []FieldError{{Field: name, Reason: strings.TrimPrefix(err.Error(), "json: ")}}
}

// jsonField finds the struct field that encoding/json decodes key into:
// an exact tag match first, then a case-insensitive one.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	found := false
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			fold, found = f, true
		}
	}
	return fold, found
}

// JSONTypeName says in words what JSON a Go type takes ("a string", "an
// integer" …), for messages about a value of the wrong type.
func JSONTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map:
		return "an object"
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			return "a time like " + strconv.Quote(time.RFC3339)
		}
		return "an object"
	}
	return "a " + t.String()
}
