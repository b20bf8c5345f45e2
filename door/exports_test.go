package door

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestICSFolding(t *testing.T) {
	var w icsWriter
	long := "DESCRIPTION:" + strings.Repeat("知识产权质押融资", 20)
	w.line(long)
	out := w.b.String()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("line %q: %d octets", l, len(l))
		}
	}
	if got := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); got != long {
		t.Errorf("unfolded %q", got)
	}
	if icsText("a,b;c\\d\ne") != `a\,b\;c\\d\ne` {
		t.Errorf("escaping: %q", icsText("a,b;c\\d\ne"))
	}
}
