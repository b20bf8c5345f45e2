package search

import "strings"

// The consent rule in search. An enterprise's consents.share_data says
// whether banks may see its financial statements. Its index document
// carries the consent (shareDataField), and the fields computed from the
// statements (revenue) are marked financial in the kind's spec: params,
// and facets; a sort when the param of its name is. When the scope of a request has
// SharedFinancialsOnly (package api sets it for banks) and the request
// filters, ranges, sorts or counts facets on a financial field — anywhere
// in q, even under OR or NOT — the whole search keeps only enterprises
// that share their data. So an enterprise without the consent never
// appears in such a result nor counts in its facets, whatever the query
// says about its figures. Financial fields are never among the fields a
// hit shows or highlights (kindSpec.show, frags), for any caller.

// shareDataField is the keyword field of an enterprise's
// consents.share_data: "true" or "false".
const shareDataField = "share_data"

// namesFinancials reports whether the parsed query n names a financial
// field of s anywhere.
func (s *kindSpec) namesFinancials(n *node) bool {
	if n == nil {
		return false
	}
	if n.op == opTerm {
		return n.field != "" && s.params[n.field].financial
	}
	for _, k := range n.kids {
		if s.namesFinancials(k) {
			return true
		}
	}
	return false
}

// requestsFinancials reports whether the filters, sorts or facets of req
// use a financial field of s.
func (s *kindSpec) requestsFinancials(req Request) bool {
	for name := range req.Filters {
		if canon, ok := s.fieldName(name); ok && s.params[canon].financial {
			return true
		}
	}
	for _, k := range req.Sort {
		// A sort is financial when the param of its name is.
		if s.params[strings.TrimPrefix(k, "-")].financial {
			return true
		}
	}
	for _, f := range req.Facets {
		if s.facets[f].financial {
			return true
		}
	}
	return false
}
