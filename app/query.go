package app

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"ipmatch/data"
)

// ListQuery is a list request: the page, its size and the filters.
type ListQuery struct {
	Page, Size int
	Refs       data.Refs
	// Other holds the filters that are not references (stage, active, role).
	Other map[string]string
}

// Paging bounds: 50 rows is a screenful; 500 bounds the work and the
// answer of one request.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// FirstPage returns the first page of size rows with no filter.
func FirstPage(size int) ListQuery {
	return ListQuery{Page: 1, Size: size, Other: map[string]string{}}
}

// parseListQuery reads page, size and the filters a kind allows. Refs maps
// a parameter name to the data.Refs field it sets; other lists the
// parameters that filter on record content. Any other parameter is refused
// so typos do not silently return everything.
func parseListQuery(values url.Values, refs map[string]func(*data.Refs) *string, other []string) (ListQuery, error) {
	q := FirstPage(DefaultPageSize)
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		val := strings.TrimSpace(values.Get(name))
		switch {
		case name == "page":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return q, data.MalformedField("page", "must be an integer of at least 1, not %q", val)
			}
			q.Page = n
		case name == "size":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > MaxPageSize {
				return q, data.MalformedField("size", "must be an integer from 1 to %d, not %q", MaxPageSize, val)
			}
			q.Size = n
		case refs[name] != nil:
			*refs[name](&q.Refs) = val
		case slices.Contains(other, name):
			q.Other[name] = val
		default:
			allowed := []string{"page", "size"}
			for k := range refs {
				allowed = append(allowed, k)
			}
			allowed = append(allowed, other...)
			slices.Sort(allowed[2:])
			return q, data.MalformedField(name, "is not a known parameter; known: %s", strings.Join(allowed, ", "))
		}
	}
	return q, nil
}

// Offset returns the index of the first item of q's page, guarding against
// overflow for absurd page numbers.
func (q ListQuery) Offset() int {
	if q.Page > (1<<31)/q.Size {
		return 1 << 31
	}
	return (q.Page - 1) * q.Size
}

// BoolParam reads a true/false query value.
func BoolParam(name, val string) (bool, error) {
	b, err := strconv.ParseBool(val)
	if err != nil {
		return false, data.MalformedField(name, "must be true or false, not %q", val)
	}
	return b, nil
}

// Params reads the query parameters of an operation, refusing any not in
// allowed (so typos do not pass silently) and any given twice. It is the
// one allowed-parameters check of both doors.
func Params(values url.Values, allowed ...string) (map[string]string, error) {
	out := map[string]string{}
	for name, vs := range values {
		if !slices.Contains(allowed, name) {
			return nil, data.MalformedField(name, "is not a known parameter; known: %s", strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return nil, data.MalformedField(name, "is given %d times", len(vs))
		}
		out[name] = strings.TrimSpace(vs[0])
	}
	return out, nil
}

// AsOf reads the as_of parameter (YYYY-MM-DD), today by default.
func (a *App) AsOf(params map[string]string) (data.Date, error) {
	v, ok := params["as_of"]
	if !ok {
		return a.Today(), nil
	}
	d, err := data.ParseDate(v)
	if err != nil || d.IsZero() {
		return data.Date{}, data.MalformedField("as_of", "must be a date YYYY-MM-DD, not %q", v)
	}
	return d, nil
}

// IntParam reads an integer parameter within [lo, hi], or def when absent.
func IntParam(params map[string]string, name string, def, lo, hi int) (int, error) {
	v, ok := params[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, data.MalformedField(name, "must be an integer, not %q", v)
	}
	if n < lo || n > hi {
		return 0, data.InvalidField(name, "must be between %d and %d", lo, hi)
	}
	return n, nil
}

// FlagParam reads a true/false parameter, false when absent or empty.
func FlagParam(params map[string]string, name string) (bool, error) {
	v, ok := params[name]
	if !ok || v == "" {
		return false, nil
	}
	return BoolParam(name, v)
}
