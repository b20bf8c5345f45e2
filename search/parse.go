package search

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The query language (documented for users in the package doc):
//
//	数控机床 主轴          both words (AND)
//	液压 OR 气动           either
//	"主轴冷却"             a phrase (title and abstract)
//	-焊接  NOT 焊接        without
//	(液压 OR 气动) 阀      grouping
//	type:invention        a field: any filter name or text field
//	filing_date:>=2015    comparisons on ranges (>, >=, <, <=) …
//	filing_date:2015..2018  … or a range
//
// Full-width quotes, parentheses and colons (“ ” （ ） ：) work too.

// Limits of a query string.
const (
	maxQueryRunes   = 500
	maxQueryClauses = 64
)

// nodeOp is the kind of a node of a parsed query.
type nodeOp uint8

const (
	opAnd nodeOp = iota + 1
	opOr
	opNot
	opTerm
)

// node is a parsed query: an operator over kids, or a term.
type node struct {
	op   nodeOp
	kids []*node
	// A term: a word or phrase in field ("" for the default text fields),
	// or a filter value with an optional comparison.
	field  string
	value  string
	phrase bool
	cmp    string // "", ">", ">=", "<", "<="
	pos    int    // 1-based character position, for messages
}

// token kinds of the lexer.
type tokKind uint8

const (
	tWord tokKind = iota + 1
	tPhrase
	tLParen
	tRParen
	tOr
	tAnd
	tNot
	tPlus
	tMinus
	tField // a field name followed by its value token
)

type token struct {
	kind tokKind
	text string
	pos  int // 1-based rune position
	// glued is true when the token directly follows the previous one
	// (no space): a sign or field must be glued to what it applies to.
	glued bool
}

// parseError is a query syntax error; it becomes a 400 naming the fix.
func parseError(format string, args ...any) error {
	return badParam("q", format, args...)
}

// lex splits a query string into tokens. fieldName reports whether a name
// before a colon is a field (and returns its canonical name); known lists
// the fields for messages.
func lex(q string, fieldName func(string) (string, bool), known string) ([]token, error) {
	rs := []rune(q)
	var toks []token
	i := 0
	glued := false
	for i < len(rs) {
		r := rs[i]
		pos := i + 1
		switch {
		case unicode.IsSpace(r) || r == '\u3000':
			i++
			glued = false
			continue
		case r == '(' || r == '（':
			toks = append(toks, token{kind: tLParen, text: "(", pos: pos, glued: glued})
			i++
		case r == ')' || r == '）':
			toks = append(toks, token{kind: tRParen, text: ")", pos: pos, glued: glued})
			i++
		case r == '"' || r == '“' || r == '”' || r == '「' || r == '」': // any quote opens a phrase; the default case cannot advance over one
			closeAt := -1
			for j := i + 1; j < len(rs); j++ {
				if rs[j] == '"' || rs[j] == '”' || rs[j] == '“' || rs[j] == '」' {
					closeAt = j
					break
				}
			}
			if closeAt < 0 {
				return nil, parseError("the quote at character %d is not closed: add a closing \" or remove it", pos)
			}
			toks = append(toks, token{kind: tPhrase, text: string(rs[i+1 : closeAt]), pos: pos, glued: glued})
			i = closeAt + 1
		case (r == '+' || r == '-') && !glued:
			kind := tPlus
			if r == '-' {
				kind = tMinus
			}
			if i+1 >= len(rs) || unicode.IsSpace(rs[i+1]) || rs[i+1] == '\u3000' {
				return nil, parseError("the %q at character %d must be followed directly by what it applies to, e.g. %c液压", r, pos, r)
			}
			toks = append(toks, token{kind: kind, text: string(r), pos: pos})
			i++
			glued = true
			continue
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune("()（）\"“”「」\u3000", rs[j]) {
				j++
			}
			w := string(rs[i:j])
			// A field name: letters before ':' (or a known name before '：').
			if k := strings.IndexAny(w, ":："); k > 0 {
				name := w[:k]
				colon, _ := utf8.DecodeRuneInString(w[k:])
				if canon, ok := fieldName(name); ok {
					toks = append(toks, token{kind: tField, text: canon, pos: pos, glued: glued})
					i += utf8.RuneCountInString(name) + 1
					if i >= len(rs) || unicode.IsSpace(rs[i]) || rs[i] == '\u3000' || rs[i] == ')' || rs[i] == '）' {
						return nil, parseError("the field %s at character %d has no value: write it right after the colon, e.g. %s:%s", name, pos, name, "…")
					}
					glued = true
					continue
				}
				if colon == ':' && isIdent(name) {
					return nil, badParam("q", "%q at character %d is not a field you can search; known fields: %s", name, pos, known)
				}
			}
			kind := tWord
			switch w {
			case "OR", "|", "||":
				kind = tOr
			case "AND", "&&":
				kind = tAnd
			case "NOT":
				kind = tNot
			}
			toks = append(toks, token{kind: kind, text: w, pos: pos, glued: glued})
			i = j
		}
		glued = true
	}
	return toks, nil
}

// isIdent reports whether s is an ASCII identifier such as filing_date.
func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// parser is a recursive-descent parser over tokens.
type parser struct {
	toks    []token
	i       int
	clauses int
	depth   int
}

// parseQuery parses q into a tree, or returns nil for a query with no
// terms. fieldName recognises field names; known lists them for messages.
func parseQuery(q string, fieldName func(string) (string, bool), known string) (*node, error) {
	if !utf8.ValidString(q) {
		// The analyzers drop what they cannot read: "\xff" searched for
		// nothing and found everything.
		return nil, parseError("the query is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(q); n > maxQueryRunes {
		return nil, parseError("the query is %d characters long; shorten it to at most %d", n, maxQueryRunes)
	}
	toks, err := lex(q, fieldName, known)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.seq()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		if t.kind == tRParen {
			return nil, parseError("the ) at character %d has no matching (: remove it or add a ( before it", t.pos)
		}
		return nil, parseError("unexpected %q at character %d", t.text, t.pos)
	}
	return n, nil
}

func (p *parser) peek() *token {
	if p.i < len(p.toks) {
		return &p.toks[p.i]
	}
	return nil
}

// seq parses terms joined by AND (juxtaposition) up to ")" or the end.
func (p *parser) seq() (*node, error) {
	var kids []*node
	for {
		t := p.peek()
		if t == nil || t.kind == tRParen {
			break
		}
		if t.kind == tAnd {
			p.i++
			continue
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if n != nil {
			kids = append(kids, n)
		}
	}
	switch len(kids) {
	case 0:
		return nil, nil
	case 1:
		return kids[0], nil
	}
	return &node{op: opAnd, kids: kids}, nil
}

// or parses unary terms joined by OR.
func (p *parser) or() (*node, error) {
	if t := p.peek(); t.kind == tOr {
		return nil, parseError("OR at character %d needs something before it, e.g. 液压 OR 气动", t.pos)
	}
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for {
		t := p.peek()
		if t == nil || t.kind != tOr {
			break
		}
		p.i++
		next := p.peek()
		if next == nil || next.kind == tRParen || next.kind == tOr || next.kind == tAnd {
			return nil, parseError("OR at character %d needs something after it, e.g. 液压 OR 气动", t.pos)
		}
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &node{op: opOr, kids: kids}, nil
}

// unary parses an optional sign and one primary.
func (p *parser) unary() (*node, error) {
	t := p.peek()
	switch t.kind {
	case tPlus:
		p.i++
		return p.primary()
	case tMinus, tNot:
		p.i++
		if p.peek() == nil {
			return nil, parseError("%s at character %d must be followed by what to exclude, e.g. -焊接", t.text, t.pos)
		}
		n, err := p.primary()
		if err != nil {
			return nil, err
		}
		return &node{op: opNot, kids: []*node{n}, pos: t.pos}, nil
	}
	return p.primary()
}

// primary parses a group, phrase, word or field term.
func (p *parser) primary() (*node, error) {
	t := p.peek()
	if t == nil {
		return nil, parseError("the query ends early: something is missing at its end")
	}
	p.i++
	switch t.kind {
	case tLParen:
		p.depth++
		if p.depth > 8 {
			return nil, parseError("parentheses nest too deep at character %d; use at most 8 levels", t.pos)
		}
		n, err := p.seq()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c == nil || c.kind != tRParen {
			return nil, parseError("the ( at character %d is not closed: add a ) or remove it", t.pos)
		}
		p.i++
		p.depth--
		if n == nil {
			return &node{op: opAnd, pos: t.pos}, nil // "()" matches everything
		}
		return n, nil
	case tRParen:
		return nil, parseError("the ) at character %d has no matching (: remove it or add a ( before it", t.pos)
	case tOr, tAnd, tNot, tPlus, tMinus:
		return nil, parseError("unexpected %s at character %d", t.text, t.pos)
	case tField:
		v := p.peek()
		if v == nil || (v.kind != tWord && v.kind != tPhrase) {
			return nil, parseError("the field %s at character %d has no value: write it right after the colon", t.text, t.pos)
		}
		p.i++
		return p.term(t.text, v, t.pos)
	}
	return p.term("", t, t.pos)
}

// term makes a term node of a word or phrase token in field.
func (p *parser) term(field string, t *token, pos int) (*node, error) {
	p.clauses++
	if p.clauses > maxQueryClauses {
		return nil, parseError("the query has more than %d terms; shorten it", maxQueryClauses)
	}
	n := &node{op: opTerm, field: field, value: t.text, phrase: t.kind == tPhrase, pos: pos}
	if field != "" && !n.phrase {
		for _, c := range []string{">=", "<=", ">", "<"} {
			if rest, ok := strings.CutPrefix(n.value, c); ok {
				n.cmp, n.value = c, rest
				break
			}
		}
		if n.value == "" {
			return nil, parseError("the field %s at character %d has no value after %s", field, pos, n.cmp)
		}
	}
	return n, nil
}

// String renders n for tests and logs.
func (n *node) String() string {
	if n == nil {
		return "<all>"
	}
	switch n.op {
	case opAnd, opOr:
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = k.String()
		}
		sep := " AND "
		if n.op == opOr {
			sep = " OR "
		}
		return "(" + strings.Join(parts, sep) + ")"
	case opNot:
		return "NOT " + n.kids[0].String()
	}
	s := n.value
	if n.phrase {
		s = fmt.Sprintf("%q", s)
	}
	if n.field != "" {
		s = n.field + ":" + n.cmp + s
	}
	return s
}

// QueryFields returns the fields a query of kind names (field:value), by
// their canonical names, each once: for a caller that keeps some fields
// out of a query (a landscape counts public patents, so it refuses
// owner_id). A query that does not parse is the same error Search gives.
func QueryFields(kind, q string) ([]string, error) {
	s, ok := specs[kind]
	if !ok {
		return nil, badParam("kind", "%q is not a kind of record the index holds", kind)
	}
	n, err := parseQuery(q, s.fieldName, s.known)
	if err != nil {
		return nil, err
	}
	var fields []string
	var walk func(*node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		if n.op == opTerm && n.field != "" && !slices.Contains(fields, n.field) {
			fields = append(fields, n.field)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return fields, nil
}
