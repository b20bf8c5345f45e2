package data

import (
	"fmt"
	"io"
	"strings"
)

// The columns of a CNIPA patent search-system export (专利检索及分析系统,
// "cnipa-csv") that Import reads. Columns are found by header name, in any
// order; the others (专利号, 分案原申请号, 优先权, 国际申请, 光盘号 …) and
// columns with an empty header are ignored.
const (
	cnipaApplicationNumber = "申请号"     // CN201220249767.4 → application_number 201220249767.4
	cnipaPublicationNumber = "公开（公告）号" // CN202644312U
	cnipaPublicationDate   = "公开（公告）日" // 2013.01.02
	cnipaFilingDate        = "申请日"     // 2012.05.31
	cnipaTitle             = "名称"
	cnipaMainClass         = "主分类号"     // the main IPC class, first in ipc
	cnipaClasses           = "分类号"      // IPC classes separated by ";"
	cnipaApplicants        = "申请（专利权）人" // separated by ";"
	cnipaInventors         = "发明（设计）人"  // separated by ";"
	cnipaAddress           = "地址"       // postcode and address of the first applicant
	cnipaGrantDate         = "颁证日"
	cnipaAgency            = "专利代理机构" // kept as written, with the agency's code
	cnipaAgent             = "代理人"
	cnipaAbstract          = "摘要"
	cnipaMainClaim         = "主权项"
	cnipaLegalStatus       = "法律状态" // optional; most exports have none
)

// cnipaColumnsRequired are the columns without which a file is not a CNIPA
// export.
const cnipaColumnsRequired = "申请号,名称,申请日,申请（专利权）人"

// cnipaGrantKinds are the kind codes of CNIPA publications that announce a
// grant: B and C (invention), U and Y (utility model), S and D (design). A
// patent right takes effect on the day its grant is announced (专利法 第三十九、
// 四十条), so for these the publication date is the grant date.
const cnipaGrantKinds = "BCUYSD"

// cnipaSource reads a CNIPA export. Each row becomes a patent with the
// application number, publication number and date, filing date, title, IPC
// codes (the main class first, then the others, deduplicated), applicants,
// inventors, address (as written, postcode included; Patent.Normalize
// resolves the region from it), agency, agent, abstract and main claim. The
// type follows from the application number. The grant date is 颁证日, or
// the publication date when the publication announces a grant (kind code
// B, C, U, Y, S or D). The legal status is read from 法律状态 when the file
// has that column and is otherwise left empty (unknown). When the patent is
// already stored, the fields the export does not carry (owner, legal status
// and grant date when not given, region when the address names none, fees,
// implementation, counts, co-owners' consent and history) keep their
// stored values.
func cnipaSource(lr *lineReader) (rowSource[Patent], error) {
	cr := &csvRecords{lr: lr}
	header, err := csvHeader(cr)
	if err != nil {
		return rowSource[Patent]{}, err
	}
	col, err := cnipaColumns(header, strings.Split(cnipaColumnsRequired, ","), "a CNIPA export")
	if err != nil {
		return rowSource[Patent]{}, err
	}
	next := func() (importRow[Patent], error) {
		row, fields, prob, err := cr.read()
		if err != nil {
			return importRow[Patent]{}, err
		}
		r := importRow[Patent]{row: row}
		if r.rejects = csvRowRejects(header, fields, prob); r.rejects != nil {
			return r, nil
		}
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(fields[i])
			}
			return ""
		}
		r.id = cell(cnipaApplicationNumber)
		if n, err := NormalizeApplicationNumber(r.id); err == nil {
			r.id = n
		}
		p := &Patent{
			ApplicationNumber: cell(cnipaApplicationNumber),
			PublicationNumber: cell(cnipaPublicationNumber),
			Title:             cell(cnipaTitle),
			Applicants:        csvList(cell(cnipaApplicants)),
			Inventors:         csvList(cell(cnipaInventors)),
			Address:           cell(cnipaAddress),
			Agency:            cell(cnipaAgency),
			Agent:             cell(cnipaAgent),
			Abstract:          cell(cnipaAbstract),
			MainClaim:         cell(cnipaMainClaim),
		}
		if main := cell(cnipaMainClass); main != "" {
			p.IPC = append(p.IPC, main)
		}
		p.IPC = append(p.IPC, csvList(cell(cnipaClasses))...)
		for _, d := range []struct {
			column string
			to     *Date
		}{
			{cnipaFilingDate, &p.FilingDate},
			{cnipaPublicationDate, &p.PublicationDate},
			{cnipaGrantDate, &p.GrantDate},
		} {
			v, err := ParseDate(cell(d.column))
			if err != nil {
				r.rejects = append(r.rejects, FieldError{Field: d.column, Reason: err.Error()})
			}
			*d.to = v
		}
		if p.GrantDate.IsZero() && cnipaAnnouncesGrant(p.PublicationNumber) {
			p.GrantDate = p.PublicationDate
		}
		if s := cell(cnipaLegalStatus); s != "" {
			st, ok := ParseLegalStatus(s)
			if !ok {
				r.rejects = append(r.rejects, FieldError{Field: cnipaLegalStatus, Reason: fmt.Sprintf("%q is not a known legal status", s)})
			}
			p.LegalStatus = st
		}
		if len(r.rejects) == 0 {
			r.rec = p
		}
		return r, nil
	}
	_, hasMain := col[cnipaMainClass]
	column := func(p *Patent, field string) string {
		switch {
		case field == "application_number":
			return cnipaApplicationNumber
		case field == "type":
			return "" // follows from the application number, which is at fault
		case field == "publication_number":
			return cnipaPublicationNumber
		case field == "publication_date":
			return cnipaPublicationDate
		case field == "filing_date", field == "expiry_date":
			return cnipaFilingDate
		case field == "grant_date":
			return cnipaGrantDate
		case field == "title":
			return cnipaTitle
		case field == "ipc[0]" && hasMain:
			return cnipaMainClass
		case strings.HasPrefix(field, "ipc"):
			return cnipaClasses
		case strings.HasPrefix(field, "applicants"):
			return cnipaApplicants
		case strings.HasPrefix(field, "inventors"):
			return cnipaInventors
		case field == "address", field == "region":
			return cnipaAddress
		case field == "legal_status":
			return cnipaLegalStatus
		case field == "agency":
			return cnipaAgency
		case field == "agent":
			return cnipaAgent
		}
		return field
	}
	merge := func(p, old *Patent) {
		if p.OwnerID == "" {
			p.OwnerID = old.OwnerID
		}
		if p.LegalStatus == "" {
			p.LegalStatus = old.LegalStatus
		}
		if p.GrantDate.IsZero() {
			p.GrantDate = old.GrantDate
		}
		if p.Region == "" {
			p.Region = old.Region
		}
		p.CoOwnersConsent = old.CoOwnersConsent
		p.FeesPaidThrough = old.FeesPaidThrough
		p.ImplementedSince = old.ImplementedSince
		p.Claims = old.Claims
		p.ForwardCitations = old.ForwardCitations
		p.FamilySize = old.FamilySize
		p.History = old.History
	}
	return rowSource[Patent]{next: next, column: column, merge: merge}, nil
}

// cnipaAnnouncesGrant reports whether a CNIPA publication number such as
// CN202644312U (or CN101234567B1) is a grant announcement.
func cnipaAnnouncesGrant(pub string) bool {
	pub = strings.TrimRight(strings.ToUpper(pub), "0123456789")
	return len(pub) > 2 && strings.HasPrefix(pub, "CN") && strings.ContainsRune(cnipaGrantKinds, rune(pub[len(pub)-1]))
}

// cnipaColumns maps the column names of a CNIPA file's header to their
// positions, half-width brackets made full-width as CNIPA writes them (in
// header too); a name given twice, or a required one missing, is a
// malformed error saying the file is not what (a CNIPA export).
func cnipaColumns(header, required []string, what string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.NewReplacer("(", "（", ")", "）").Replace(h)
		header[i] = h
		if h == "" {
			continue
		}
		if _, dup := col[h]; dup {
			return nil, Errorf(CodeMalformed, "the CSV header names column %q twice", h)
		}
		col[h] = i
	}
	for _, name := range required {
		if _, ok := col[name]; !ok {
			return nil, Errorf(CodeMalformed, "the CSV header lacks the column %q: not %s", name, what)
		}
	}
	return col, nil
}

// ReadCNIPAPatents reads the patents of a CNIPA export without storing
// them (an applicant's upload, kept in its application until approved):
// each row normalised and checked as an import checks it, rows with
// problems listed as an import lists them. More than max rows is refused.
func ReadCNIPAPatents(r io.Reader, max int) ([]Patent, []Rejection, error) {
	lr, err := newLineReader(r)
	if err != nil {
		return nil, nil, err
	}
	src, err := cnipaSource(lr)
	if err != nil {
		return nil, nil, err
	}
	var out []Patent
	var rejected []Rejection
	for {
		row, err := src.next()
		if err == io.EOF {
			return out, rejected, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if len(out)+len(rejected) >= max {
			return nil, nil, Errorf(CodeInvalid, "the file has more than %d patents", max)
		}
		fields := row.rejects
		if len(fields) == 0 {
			row.rec.Normalize()
			fields = ErrorFields(row.rec.Validate())
		}
		if len(fields) > 0 {
			for _, f := range fields {
				rejected = append(rejected, Rejection{Row: row.row, ID: row.id, Field: f.Field, Reason: f.Reason})
			}
			continue
		}
		out = append(out, *row.rec)
	}
}
