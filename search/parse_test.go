package search

import (
	"slices"
	"strings"
	"testing"

	"ipmatch/data"
)

func TestParseQuery(t *testing.T) {
	s := specs[Patents]
	for _, c := range []struct{ in, want string }{
		{"", "<all>"},
		{"   ", "<all>"},
		{"数控机床", "数控机床"},
		{"数控机床 主轴", "(数控机床 AND 主轴)"},
		{"数控机床　主轴", "(数控机床 AND 主轴)"}, // ideographic space
		{"液压 OR 气动", "(液压 OR 气动)"},
		{"液压 | 气动 阀", "((液压 OR 气动) AND 阀)"},
		{`"主轴冷却"`, `"主轴冷却"`},
		{"“主轴冷却”", `"主轴冷却"`},
		{"-焊接 机器人", "(NOT 焊接 AND 机器人)"},
		{"NOT 焊接", "NOT 焊接"},
		{"+液压", "液压"},
		{"(液压 OR 气动) 阀", "((液压 OR 气动) AND 阀)"},
		{"（液压 OR 气动）阀", "((液压 OR 气动) AND 阀)"},
		{"type:invention", "type:invention"},
		{"TYPE:invention", "type:invention"},
		{"类型：发明", "type:发明"},
		{"title:\"主轴 冷却\"", `title:"主轴 冷却"`},
		{"filing_date:>=2015", "filing_date:>=2015"},
		{"filing_date:2015..2018", "filing_date:2015..2018"},
		{"用途：扩产", "用途：扩产"}, // not a field: plain text
		{"CK-6150", "CK-6150"},
		{"液压 AND 气动", "(液压 AND 气动)"},
		{"()", "()"},
	} {
		n, err := parseQuery(c.in, s.fieldName, s.known)
		if err != nil {
			t.Errorf("parse %q: %v", c.in, err)
			continue
		}
		if got := n.String(); got != c.want {
			t.Errorf("parse %q = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	s := specs[Patents]
	for _, c := range []struct{ in, want string }{
		{`"数控机床`, "the quote at character 1 is not closed"},
		{`液压 "主轴`, "the quote at character 4 is not closed"},
		{"(数控 OR 液压", "the ( at character 1 is not closed"},
		{"数控)", "the ) at character 3 has no matching ("},
		{"OR 液压", "OR at character 1 needs something before it"},
		{"液压 OR", "OR at character 4 needs something after it"},
		{"液压 OR OR 气动", "needs something after it"},
		{"- 液压", "must be followed directly"},
		{"液压 -", "must be followed directly"},
		{"colour:red", `"colour" at character 1 is not a field you can search; known fields: abstract, address`},
		{"type:", "has no value"},
		{"type: invention", "has no value"},
		{"filing_date:>=", "no value after >="},
		{"((((((((((液压))))))))))", "nest too deep"},
		{strings.Repeat("液", 501), "shorten it to at most 500"},
		{strings.Repeat("液压 ", 65), "more than 64 terms"},
	} {
		_, err := parseQuery(c.in, s.fieldName, s.known)
		if err == nil {
			t.Errorf("parse %q: no error, want %q", c.in, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("parse %q: %v, want %q", c.in, err, c.want)
		}
	}
}

// TestQueryFields lists the fields a query names, by their canonical
// names, so that a caller can keep one out; a query Search refuses is
// refused the same.
func TestQueryFields(t *testing.T) {
	got, err := QueryFields(Patents, `数控 (标题:主轴 OR owner_id:ent_0001) -type:design owner_id:ent_0002`)
	if err != nil || !slices.Contains(got, "owner_id") || !slices.Contains(got, "type") || len(got) != 3 {
		t.Errorf("QueryFields = %q, %v; want title, owner_id and type once each", got, err)
	}
	if got, err := QueryFields(Patents, "数控 机床"); err != nil || len(got) != 0 {
		t.Errorf("words only: %q, %v", got, err)
	}
	if _, err := QueryFields(Patents, `"数控`); data.ErrorCode(err) != data.CodeMalformed {
		t.Errorf("an unclosed quote: %v, want malformed", err)
	}
}
