package door

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/search"
)

// ParseSearchQuery reads a search request from the URL: q, page, size,
// facets, exact_facets and sort, and any other parameter as a filter,
// which package search checks. withQuery says whether q is allowed.
func ParseSearchQuery(c *gin.Context, withQuery bool) (search.Request, int, error) {
	req := search.Request{Size: search.DefaultSize, Filters: map[string]string{}}
	page := 1
	values := c.Request.URL.Query()
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		vals := values[name]
		val := strings.TrimSpace(vals[len(vals)-1])
		switch name {
		case "q":
			if !withQuery {
				return req, 0, data.MalformedField("q", "similar patents take filters, not a query")
			}
			req.Query = val
		case "page":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return req, 0, data.MalformedField("page", "must be an integer of at least 1, not %q", val)
			}
			page = n
		case "size":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > search.MaxSize {
				return req, 0, data.MalformedField("size", "must be an integer from 1 to %d, not %q", search.MaxSize, val)
			}
			req.Size = n
		case "facets":
			req.Facets = splitList(vals)
		case "exact_facets":
			b, err := app.BoolParam("exact_facets", val)
			if err != nil {
				return req, 0, err
			}
			req.ExactFacets = b
		case "sort":
			req.Sort = splitList(vals)
		default:
			var parts []string
			for _, v := range vals {
				if v = strings.TrimSpace(v); v != "" {
					parts = append(parts, v)
				}
			}
			req.Filters[name] = strings.Join(parts, ",")
		}
	}
	if page > search.MaxWindow/req.Size {
		return req, 0, data.MalformedField("page", "page %d of %d hits is beyond the first %d hits, the deepest a search pages; narrow the query with words or filters",
			page, req.Size, search.MaxWindow)
	}
	req.From = (page - 1) * req.Size
	return req, page, nil
}

// splitList splits comma-separated values of repeated parameters.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
