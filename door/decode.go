package door

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
)

// decode reads the request body (at most MaxBodyBytes) and decodes it as
// exactly one JSON value into v; see decodeJSON.
func (s *Server) Decode(c *gin.Context, v any) error {
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// decodeOptional is decode for a body that may be left out: an empty body
// leaves v as it is.
func (s *Server) DecodeOptional(c *gin.Context, v any) error {
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return decodeJSON(body, v)
}

// readBody reads the request body, at most MaxBodyBytes (413 beyond).
func (s *Server) readBody(c *gin.Context) ([]byte, error) {
	limit := s.Cfg.MaxBodyBytes
	if c.Request.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, data.Errorf(data.CodeMalformed, "could not read the request body")
	}
	return body, nil
}

// decodeJSON decodes body, which must hold exactly one JSON value, into v
// (a pointer to a struct), refusing fields v does not have. Every failure is
// a malformed error that says where (syntax: line, column and byte offset)
// or which field (unknown field, wrong type, bad value).
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return data.Errorf(data.CodeMalformed, "the request body is empty; want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(body, v, err)
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		off := int64(len(body) - len(rest))
		line, col := position(body, off)
		return data.Errorf(data.CodeMalformed,
			"the request body must hold exactly one JSON value; more follows at line %d, column %d (byte offset %d)", line, col, off)
	}
	return nil
}

// decodeError turns an error of encoding/json into a malformed error for
// users.
func decodeError(body []byte, v any, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the offending byte; point at it.
		off := max(syntax.Offset-1, 0)
		line, col := position(body, off)
		return data.Errorf(data.CodeMalformed, "malformed JSON at line %d, column %d (byte offset %d): %s",
			line, col, off, syntax.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(body, int64(len(body)))
		return data.Errorf(data.CodeMalformed, "malformed JSON: the body ends early at line %d, column %d (byte offset %d)",
			line, col, len(body))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return data.Errorf(data.CodeMalformed, "the request body must be a JSON object, not %s", typ.Value)
		}
		return data.MalformedField(typ.Field, "must be %s, not %s", data.JSONTypeName(typ.Type), typ.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			name = n
		}
		if name == "" {
			return data.Errorf(data.CodeMalformed, "the request body has a field with an empty name")
		}
		return data.MalformedField(name, "is not a known field")
	}
	// A value that its own UnmarshalJSON refused (a date, a time): find the
	// top-level field it sits in so the message can name it.
	reason := strings.TrimPrefix(err.Error(), "json: ")
	var perr *time.ParseError
	if errors.As(err, &perr) {
		reason = "must be a time like 2006-01-02T15:04:05Z"
	}
	if field := failingField(body, v); field != "" {
		return data.MalformedField(field, "%s", reason)
	}
	return data.Errorf(data.CodeMalformed, "malformed request body: %s", reason)
}

// failingField returns the top-level key of the JSON object body whose
// value alone fails to decode into a fresh value of v's type, or "".
func failingField(body []byte, v any) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return ""
	}
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer {
		return ""
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: obj[k]})
		if err != nil {
			continue
		}
		if json.Unmarshal(one, reflect.New(t.Elem()).Interface()) != nil {
			return k
		}
	}
	return ""
}

// position returns the 1-based line and column of byte offset off in b.
func position(b []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(b)))
	before := b[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// Params reads the query parameters of an operation (app.Params) and its
// as_of date (default today).
func (s *Server) Params(c *gin.Context, allowed ...string) (map[string]string, data.Date, error) {
	params, err := app.Params(c.Request.URL.Query(), allowed...)
	if err != nil {
		return nil, data.Date{}, err
	}
	asOf, err := s.App.AsOf(params)
	return params, asOf, err
}
