package data

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EnterpriseCSVColumns documents the CSV layout of enterprises (format
// "csv"). The header names the columns, in any order; their names are the
// JSON names of Enterprise, with nested fields joined by a dot:
//
//	id, name, credit_code, region, industry, founded, employees, tax_grade,
//	certifications, business_scope, address, need.amount,
//	need.term_months, need.purpose, consents.pool, consents.share_data
//
// and one group of four columns per year of financials, in yuan:
//
//	revenue_2022, profit_2022, assets_2022, liabilities_2022, revenue_2023, …
//
// A year whose four cells are all empty has no financials; a year with any
// value has all four (empty cells read as 0). Lists (certifications) are
// separated by ";"; certifications may be written in English (high_tech) or
// Chinese (高新技术企业). Dates are YYYY-MM-DD (also 2006.01.02, 2006/01/02);
// booleans true/false (also 1/0, yes/no, 是/否); amounts are whole yuan and
// may carry thousands separators. name and credit_code are required
// columns; any other column may be left out and is then empty. A column the
// layout does not know makes the import fail as malformed; columns with an
// empty header are ignored. A row stands for the whole record: columns left
// out or empty clear the stored values. Export writes every column, the
// financial years found in any exported enterprise, in ascending order.
const EnterpriseCSVColumns = "id,name,credit_code,region,industry,founded,employees,tax_grade,certifications,business_scope,address,need.amount,need.term_months,need.purpose,consents.pool,consents.share_data,revenue_YYYY,profit_YYYY,assets_YYYY,liabilities_YYYY"

// ProductCSVColumns documents the CSV layout of loan products (format
// "csv"), with the same conventions as EnterpriseCSVColumns: JSON names of
// Product, nested fields joined by a dot (pledge_rates.invention), lists
// (regions, industries, ipc_areas, patent_types, required_certifications)
// separated by ";". Rates and ratios are fractions (0.3) or percentages
// ("30%"); patent types may be written in Chinese (发明;实用新型). name,
// max_amount and max_term_months are required columns.
const ProductCSVColumns = "id,bank_id,name,description,min_amount,max_amount,min_term_months,max_term_months,spread_bp,pledge_rates.invention,pledge_rates.utility_model,pledge_rates.design,regions,industries,ipc_areas,patent_types,min_remaining_years.invention,min_remaining_years.utility_model,min_remaining_years.design,min_implemented_years,min_enterprise_years,min_revenue,max_debt_ratio,require_profit,min_tax_grade,required_certifications,pool_id,active"

// csvProblem is why a CSV record cannot be read: in column col (an index
// into the header), or in the whole row when col is -1.
type csvProblem struct {
	col    int
	reason string
}

// csvRowRejects names what makes a CSV row unreadable as a whole: a
// problem the reader found (named by its column when it has one) or a
// column count that differs from the header's. It returns nil for a row
// that can be read.
func csvRowRejects(header, fields []string, prob *csvProblem) []FieldError {
	switch {
	case prob != nil:
		field := "row"
		if prob.col >= 0 && prob.col < len(header) && header[prob.col] != "" {
			field = header[prob.col]
		}
		return []FieldError{{Field: field, Reason: prob.reason}}
	case len(fields) != len(header):
		return []FieldError{{Field: "row", Reason: fmt.Sprintf("has %d columns; the header has %d", len(fields), len(header))}}
	}
	return nil
}

// csvRecords reads CSV records one at a time, so that a syntax error, an
// overlong record or bad UTF-8 costs that record only. The header is row 0;
// blank lines after it are counted but skipped.
type csvRecords struct {
	lr      *lineReader
	row     int
	started bool
}

// read returns the next record and its row number, or why it cannot be
// read, or io.EOF after the last record. Blank lines and records of empty
// cells only (",,,", as spreadsheets write empty rows) are skipped.
func (c *csvRecords) read() (int, []string, *csvProblem, error) {
	for {
		row, fields, prob, err := c.readRecord()
		if err != nil || prob != nil || slices.ContainsFunc(fields, func(f string) bool { return strings.TrimSpace(f) != "" }) {
			return row, fields, prob, err
		}
		if row == 0 {
			c.started = false // that was no header
		}
	}
}

// readRecord reads the next record, which may span several lines.
func (c *csvRecords) readRecord() (int, []string, *csvProblem, error) {
	var rec []byte
	var q csvQuoteState
	for {
		line, tooLong, err := c.lr.readLine()
		if err == io.EOF && len(rec) > 0 {
			return c.nextRow(), nil, &csvProblem{-1, "a quoted field is still open at the end of the input"}, nil
		}
		if err != nil {
			return 0, nil, nil, err
		}
		if tooLong || len(rec)+len(line) > MaxImportLine+2 {
			return c.nextRow(), nil, &csvProblem{-1, tooLongReason}, nil
		}
		if len(rec) == 0 && len(bytes.TrimSpace(line)) == 0 {
			if c.started {
				c.row++ // a blank line
			}
			continue
		}
		rec = append(rec, line...)
		if q.scan(line) {
			continue // a quoted field goes on on the next line
		}
		break
	}
	row := c.nextRow()
	if !utf8.Valid(rec) {
		return row, nil, &csvProblem{-1, notUTF8Reason}, nil
	}
	r := csv.NewReader(bytes.NewReader(rec))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return row, nil, &csvProblem{csvErrorColumn(rec, pe), pe.Err.Error()}, nil
		}
		return row, nil, &csvProblem{-1, err.Error()}, nil
	}
	return row, fields, nil, nil
}

// csvQuoteState follows RFC 4180 quoting across the lines of a record: a
// quote opens a quoted field only at the start of a field, and inside one
// a doubled quote stands for a quote. A stray quote inside an unquoted
// field opens nothing (encoding/csv then reports it).
type csvQuoteState struct {
	quoted  bool // inside a quoted field
	started bool // the current field has begun
}

// scan reads one line and reports whether it ends inside a quoted field.
func (q *csvQuoteState) scan(line []byte) bool {
	for i := 0; i < len(line); i++ {
		b := line[i]
		switch {
		case q.quoted && b == '"':
			if i+1 < len(line) && line[i+1] == '"' {
				i++
			} else {
				q.quoted = false
			}
		case q.quoted:
		case b == '"' && !q.started:
			q.quoted, q.started = true, true
		case b == ',' || b == '\n':
			q.started = false
		case b != '\r':
			q.started = true
		}
	}
	return q.quoted
}

func (c *csvRecords) nextRow() int {
	if !c.started {
		c.started = true
		return 0
	}
	c.row++
	return c.row
}

// csvErrorColumn returns the index of the field in which a parse error of
// rec occurred.
func csvErrorColumn(rec []byte, pe *csv.ParseError) int {
	off := 0
	for range pe.Line - 1 {
		i := bytes.IndexByte(rec[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	off = min(off+max(pe.Column-1, 0), len(rec))
	col, quoted := 0, false
	for _, b := range rec[:off] {
		switch {
		case b == '"':
			quoted = !quoted
		case b == ',' && !quoted:
			col++
		}
	}
	return col
}

// csvHeader reads the header record and trims its names.
func csvHeader(cr *csvRecords) ([]string, error) {
	_, header, prob, err := cr.read()
	if err == io.EOF {
		return nil, Errorf(CodeMalformed, "the input is empty: want a CSV header")
	}
	if err != nil {
		return nil, err
	}
	if prob != nil {
		return nil, Errorf(CodeMalformed, "the CSV header cannot be read: %s", prob.reason)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	return header, nil
}

// csvColumn is one column of a CSV layout: how to write it from a record
// and how to read a cell into one.
type csvColumn[T any] struct {
	name string
	get  func(*T) string
	set  func(*T, string) error
}

// csvScheme is the CSV layout of one kind of record.
type csvScheme[T any] struct {
	columns  []csvColumn[T]
	required []string
	// dynamic makes a column for a header name the fixed columns lack
	// (revenue_2022); nil when there are none.
	dynamic func(name string) (csvColumn[T], bool)
	// dynamicNames lists the dynamic columns rec fills, for export; and
	// compareDynamic orders them.
	dynamicNames   func(rec *T) []string
	compareDynamic func(a, b string) int
	// column maps a validation field to the column holding it; nil keeps
	// the field name.
	column func(rec *T, field string) string
}

// csvSource reads records in the layout s after checking the header.
func csvSource[T any](lr *lineReader, s *csvScheme[T]) (rowSource[T], error) {
	cr := &csvRecords{lr: lr}
	header, err := csvHeader(cr)
	if err != nil {
		return rowSource[T]{}, err
	}
	cols := make([]*csvColumn[T], len(header))
	seen := map[string]bool{}
	var unknown []FieldError
	idCol := -1
	for i, h := range header {
		if h == "" {
			continue
		}
		if seen[h] {
			return rowSource[T]{}, Errorf(CodeMalformed, "the CSV header names column %q twice", h)
		}
		seen[h] = true
		if h == "id" {
			idCol = i
		}
		for j := range s.columns {
			if s.columns[j].name == h {
				cols[i] = &s.columns[j]
				break
			}
		}
		if cols[i] == nil && s.dynamic != nil {
			if c, ok := s.dynamic(h); ok {
				cols[i] = &c
			}
		}
		if cols[i] == nil {
			unknown = append(unknown, FieldError{Field: h, Reason: "unknown column"})
		}
	}
	if len(unknown) > 0 {
		return rowSource[T]{}, &Error{Code: CodeMalformed, Message: "the CSV header has unknown columns", Fields: unknown}
	}
	for _, name := range s.required {
		if !seen[name] {
			return rowSource[T]{}, Errorf(CodeMalformed, "the CSV header lacks the column %q", name)
		}
	}
	next := func() (importRow[T], error) {
		row, fields, prob, err := cr.read()
		if err != nil {
			return importRow[T]{}, err
		}
		r := importRow[T]{row: row}
		if r.rejects = csvRowRejects(header, fields, prob); r.rejects != nil {
			return r, nil
		}
		if idCol >= 0 {
			r.id = strings.TrimSpace(fields[idCol])
		}
		rec := new(T)
		for i, c := range cols {
			if c == nil {
				continue
			}
			if err := c.set(rec, fields[i]); err != nil {
				r.rejects = append(r.rejects, FieldError{Field: c.name, Reason: err.Error()})
			}
		}
		if len(r.rejects) == 0 {
			r.rec = rec
		}
		return r, nil
	}
	return rowSource[T]{next: next, column: s.column}, nil
}

// Cell readers and writers shared by the layouts.

// csvFormulaStart lists the first characters that make a spreadsheet read a
// cell as a formula. Exported text starting with one gets a leading "'",
// which import removes again.
const csvFormulaStart = "=+-@\t\r"

func csvEscapeText(s string) string { return FormulaSafe(s) }

func csvUnescapeText(s string) string {
	// The inverse of FormulaSafe: remove the "'" it would have added.
	if len(s) > 1 && s[0] == '\'' && FormulaSafe(s[1:]) == s {
		return s[1:]
	}
	return s
}

// textColumn holds free text, kept as written.
func textColumn[T any](name string, f func(*T) *string) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string { return csvEscapeText(*f(r)) },
		set: func(r *T, v string) error { *f(r) = csvUnescapeText(v); return nil },
	}
}

// codeColumn holds an ID or code; surrounding spaces are dropped.
func codeColumn[T any](name string, f func(*T) *string) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string { return *f(r) },
		set: func(r *T, v string) error { *f(r) = strings.TrimSpace(v); return nil },
	}
}

func int64Column[T any](name string, f func(*T) *int64) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string { return strconv.FormatInt(*f(r), 10) },
		set: func(r *T, v string) (err error) { *f(r), err = csvInt(v); return err },
	}
}

func intColumn[T any](name string, f func(*T) *int) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string { return strconv.Itoa(*f(r)) },
		set: func(r *T, v string) error {
			n, err := csvInt(v)
			if err == nil && int64(int(n)) != n {
				err = fmt.Errorf("%s is out of range", v)
			}
			*f(r) = int(n)
			return err
		},
	}
}

// floatColumn holds a number; rates may be written as percentages ("30%").
func floatColumn[T any](name string, f func(*T) *float64) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string { return strconv.FormatFloat(*f(r), 'f', -1, 64) },
		set: func(r *T, v string) error {
			v = strings.TrimSpace(v)
			if v == "" {
				*f(r) = 0
				return nil
			}
			num, pct := strings.CutSuffix(v, "%")
			x, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%q is not a number", v)
			}
			if pct {
				x /= 100
			}
			*f(r) = x
			return nil
		},
	}
}

func boolColumn[T any](name string, f func(*T) *bool) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string { return strconv.FormatBool(*f(r)) },
		set: func(r *T, v string) error {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "", "false", "f", "0", "no", "n", "否":
				*f(r) = false
			case "true", "t", "1", "yes", "y", "是":
				*f(r) = true
			default:
				return fmt.Errorf("%q is not true or false", v)
			}
			return nil
		},
	}
}

func dateColumn[T any](name string, f func(*T) *Date) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string { return f(r).String() },
		set: func(r *T, v string) (err error) { *f(r), err = ParseDate(v); return err },
	}
}

// listColumn holds a list separated by ";".
func listColumn[T any](name string, f func(*T) *[]string) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string { return strings.Join(*f(r), ";") },
		set: func(r *T, v string) error { *f(r) = csvList(v); return nil },
	}
}

func certsColumn[T any](name string, f func(*T) *[]Certification) csvColumn[T] {
	return csvColumn[T]{name: name,
		get: func(r *T) string {
			parts := make([]string, len(*f(r)))
			for i, c := range *f(r) {
				parts[i] = string(c)
			}
			return strings.Join(parts, ";")
		},
		set: func(r *T, v string) error {
			var certs []Certification
			for _, s := range csvList(v) {
				c, ok := ParseCertification(s)
				if !ok {
					c = Certification(s) // for Validate to report
				}
				certs = append(certs, c)
			}
			*f(r) = certs
			return nil
		},
	}
}

// csvList splits a cell on ";" (or "；") and drops empty items.
func csvList(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// csvInt reads a whole number; "" is 0 and thousands separators are allowed.
func csvInt(v string) (int64, error) {
	s := strings.NewReplacer(",", "", "_", "", " ", "").Replace(strings.TrimSpace(v))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", v)
	}
	return n, nil
}

// Enterprises.

func enterpriseCSV() *csvScheme[Enterprise] {
	return &csvScheme[Enterprise]{
		columns: []csvColumn[Enterprise]{
			codeColumn("id", func(e *Enterprise) *string { return &e.ID }),
			textColumn("name", func(e *Enterprise) *string { return &e.Name }),
			codeColumn("credit_code", func(e *Enterprise) *string { return &e.CreditCode }),
			codeColumn("region", func(e *Enterprise) *string { return &e.Region }),
			codeColumn("industry", func(e *Enterprise) *string { return &e.Industry }),
			dateColumn("founded", func(e *Enterprise) *Date { return &e.Founded }),
			intColumn("employees", func(e *Enterprise) *int { return &e.Employees }),
			codeColumn("tax_grade", func(e *Enterprise) *string { return &e.TaxGrade }),
			certsColumn("certifications", func(e *Enterprise) *[]Certification { return &e.Certs }),
			textColumn("business_scope", func(e *Enterprise) *string { return &e.BusinessScope }),
			textColumn("address", func(e *Enterprise) *string { return &e.Address }),
			int64Column("need.amount", func(e *Enterprise) *int64 { return &e.Need.Amount }),
			intColumn("need.term_months", func(e *Enterprise) *int { return &e.Need.TermMonths }),
			textColumn("need.purpose", func(e *Enterprise) *string { return &e.Need.Purpose }),
			boolColumn("consents.pool", func(e *Enterprise) *bool { return &e.Consents.Pool }),
			boolColumn("consents.share_data", func(e *Enterprise) *bool { return &e.Consents.ShareData }),
		},
		required: []string{"name", "credit_code"},
		dynamic:  financialColumn,
		dynamicNames: func(e *Enterprise) []string {
			var names []string
			for _, f := range e.Financials {
				for _, m := range financialMetrics() {
					names = append(names, m+"_"+strconv.Itoa(f.Year))
				}
			}
			return names
		},
		compareDynamic: func(a, b string) int {
			ma, ya, _ := splitFinancialColumn(a)
			mb, yb, _ := splitFinancialColumn(b)
			if ya != yb {
				return ya - yb
			}
			return financialMetricRank(ma) - financialMetricRank(mb)
		},
		column: func(e *Enterprise, field string) string {
			// financials[i].revenue → revenue_<year of item i>
			rest, ok := strings.CutPrefix(field, "financials[")
			if !ok {
				return field
			}
			idx, metric, ok := strings.Cut(rest, "].")
			i, err := strconv.Atoi(idx)
			if !ok || err != nil || i < 0 || i >= len(e.Financials) {
				return field
			}
			if metric == "year" {
				metric = "revenue"
			}
			return metric + "_" + strconv.Itoa(e.Financials[i].Year)
		},
	}
}

// financialMetrics are the per-year columns of an enterprise, in order.
func financialMetrics() []string { return []string{"revenue", "profit", "assets", "liabilities"} }

func financialMetricRank(m string) int {
	for i, x := range financialMetrics() {
		if x == m {
			return i
		}
	}
	return len(financialMetrics())
}

// splitFinancialColumn reads "revenue_2022" as ("revenue", 2022).
func splitFinancialColumn(name string) (metric string, year int, ok bool) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 || len(name)-i-1 != 4 || financialMetricRank(name[:i]) == len(financialMetrics()) {
		return "", 0, false
	}
	year, err := strconv.Atoi(name[i+1:])
	if err != nil || year < 0 {
		return "", 0, false
	}
	return name[:i], year, true
}

// financialColumn is the column of one metric of one year.
func financialColumn(name string) (csvColumn[Enterprise], bool) {
	metric, year, ok := splitFinancialColumn(name)
	if !ok {
		return csvColumn[Enterprise]{}, false
	}
	field := func(f *Financials) *int64 {
		switch metric {
		case "revenue":
			return &f.Revenue
		case "profit":
			return &f.Profit
		case "assets":
			return &f.Assets
		}
		return &f.Liabilities
	}
	find := func(e *Enterprise) int {
		for i := range e.Financials {
			if e.Financials[i].Year == year {
				return i
			}
		}
		return -1
	}
	return csvColumn[Enterprise]{name: name,
		get: func(e *Enterprise) string {
			i := find(e)
			if i < 0 {
				return ""
			}
			return strconv.FormatInt(*field(&e.Financials[i]), 10)
		},
		set: func(e *Enterprise, v string) error {
			if strings.TrimSpace(v) == "" {
				return nil
			}
			n, err := csvInt(v)
			if err != nil {
				return err
			}
			i := find(e)
			if i < 0 {
				e.Financials = append(e.Financials, Financials{Year: year})
				i = len(e.Financials) - 1
			}
			*field(&e.Financials[i]) = n
			return nil
		},
	}, true
}

// Products.

func productCSV() *csvScheme[Product] {
	return &csvScheme[Product]{
		columns: []csvColumn[Product]{
			codeColumn("id", func(p *Product) *string { return &p.ID }),
			codeColumn("bank_id", func(p *Product) *string { return &p.BankID }),
			textColumn("name", func(p *Product) *string { return &p.Name }),
			textColumn("description", func(p *Product) *string { return &p.Description }),
			int64Column("min_amount", func(p *Product) *int64 { return &p.MinAmount }),
			int64Column("max_amount", func(p *Product) *int64 { return &p.MaxAmount }),
			intColumn("min_term_months", func(p *Product) *int { return &p.MinTerm }),
			intColumn("max_term_months", func(p *Product) *int { return &p.MaxTerm }),
			intColumn("spread_bp", func(p *Product) *int { return &p.SpreadBP }),
			floatColumn("pledge_rates.invention", func(p *Product) *float64 { return &p.PledgeRates.Invention }),
			floatColumn("pledge_rates.utility_model", func(p *Product) *float64 { return &p.PledgeRates.UtilityModel }),
			floatColumn("pledge_rates.design", func(p *Product) *float64 { return &p.PledgeRates.Design }),
			listColumn("regions", func(p *Product) *[]string { return &p.Regions }),
			listColumn("industries", func(p *Product) *[]string { return &p.Industries }),
			listColumn("ipc_areas", func(p *Product) *[]string { return &p.IPCAreas }),
			{
				name: "patent_types",
				get: func(p *Product) string {
					parts := make([]string, len(p.PatentTypes))
					for i, t := range p.PatentTypes {
						parts[i] = string(t)
					}
					return strings.Join(parts, ";")
				},
				set: func(p *Product, v string) error {
					p.PatentTypes = nil
					for _, s := range csvList(v) {
						t := PatentType(s) // unknown ones are left for Validate
						for _, k := range []PatentType{Invention, UtilityModel, Design} {
							if s == k.Label() {
								t = k
							}
						}
						p.PatentTypes = append(p.PatentTypes, t)
					}
					return nil
				},
			},
			floatColumn("min_remaining_years.invention", func(p *Product) *float64 { return &p.MinRemainingYears.Invention }),
			floatColumn("min_remaining_years.utility_model", func(p *Product) *float64 { return &p.MinRemainingYears.UtilityModel }),
			floatColumn("min_remaining_years.design", func(p *Product) *float64 { return &p.MinRemainingYears.Design }),
			floatColumn("min_implemented_years", func(p *Product) *float64 { return &p.MinImplementedYears }),
			floatColumn("min_enterprise_years", func(p *Product) *float64 { return &p.MinEnterpriseYears }),
			int64Column("min_revenue", func(p *Product) *int64 { return &p.MinRevenue }),
			floatColumn("max_debt_ratio", func(p *Product) *float64 { return &p.MaxDebtRatio }),
			boolColumn("require_profit", func(p *Product) *bool { return &p.RequireProfit }),
			codeColumn("min_tax_grade", func(p *Product) *string { return &p.MinTaxGrade }),
			certsColumn("required_certifications", func(p *Product) *[]Certification { return &p.RequiredCerts }),
			codeColumn("pool_id", func(p *Product) *string { return &p.PoolID }),
			boolColumn("active", func(p *Product) *bool { return &p.Active }),
		},
		required: []string{"name", "max_amount", "max_term_months"},
	}
}
