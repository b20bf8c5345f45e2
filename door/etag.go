package door

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// Optimistic concurrency over HTTP (RFC 9110 §8.8.3, §13.1.1): a record's
// ETag is its revision as a strong entity tag ("3"), sent with every
// answer that carries one record; a PUT or a stage move with If-Match
// naming that tag is written only if the record still has it, and is
// answered 412 precondition_failed otherwise, with nothing written.

// SetETag sets the ETag header of an answer carrying a record at revision
// rev; revision 0 (a record stored before revisions) has none.
func SetETag(c *gin.Context, rev int64) {
	if rev > 0 {
		c.Header("ETag", ETag(rev))
	}
}

// ETag is the entity tag of revision rev.
func ETag(rev int64) string { return `"` + strconv.FormatInt(rev, 10) + `"` }

// IfMatch returns the revision the request's If-Match header names, or 0
// when it has none or names any ("*"). A weak tag, a list or anything but
// one tag this server made is malformed: a client must not believe its
// precondition held when it was never checked.
func IfMatch(c *gin.Context) (int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	bad := func(reason string) error {
		return &data.Error{Code: data.CodeMalformed, Message: "malformed If-Match header",
			Fields: []data.FieldError{{Field: "If-Match", Reason: reason}}}
	}
	if strings.HasPrefix(h, "W/") {
		return 0, bad("a weak entity tag never matches (RFC 9110 §13.1.1); send the ETag as given")
	}
	if strings.Contains(h, ",") {
		return 0, bad("name one entity tag, the ETag of the record as read")
	}
	inner, ok := strings.CutPrefix(h, `"`)
	if inner, ok = strings.CutSuffix(inner, `"`); !ok || inner == "" {
		return 0, bad(`must be the record's ETag, a quoted revision such as "3"`)
	}
	rev, err := strconv.ParseInt(inner, 10, 64)
	if err != nil || rev <= 0 {
		return 0, bad(`must be the record's ETag, a quoted revision such as "3"`)
	}
	return rev, nil
}
