package data

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The columns of a CNIPA legal-status export ("cnipa-legal-csv"): one
// legal-status event a row, as CNIPA's legal-status search (法律状态查询)
// lists them. Columns are found by header name, in any order; others are
// ignored.
const (
	legalApplicationNumber = "申请号"     // CN201220249767.4
	legalAnnounced         = "法律状态公告日" // 2021.06.04
	legalName              = "法律状态"    // 未缴年费专利权终止
	legalInfo              = "法律状态信息"  // optional: the event's details
)

// legalColumnsRequired are the columns without which a file is not a
// legal-status export.
var legalColumnsRequired = []string{legalApplicationNumber, legalAnnounced, legalName}

// legalRow is one event read from a row.
type legalRow struct {
	row    int
	number string
	event  LegalEvent
}

// importLegalEvents adds the legal-status events of a cnipa-legal-csv
// file to the stored patents (Patent.AddLegalEvents): each patent is read,
// given all its rows' events and written once, by Update, so a write made
// meanwhile is read again rather than lost. A row is rejected, naming its
// column, for an application number that is not one or that no stored
// patent has, a day that is not one, or no event name; the others go on.
// A row whose event the patent already has is unchanged, so the same file
// imported twice changes nothing. Legal-status events are the organizer's
// to import: a scoped import is forbidden.
func importLegalEvents(ctx context.Context, s Store, r io.Reader, opts ImportOptions, rep *ImportReport) error {
	if opts.OwnerEnterpriseID != "" || opts.BankID != "" {
		return Errorf(CodeForbidden, "legal-status events are imported by the organizer")
	}
	rows, rejected, err := readLegalRows(ctx, r, rep)
	if err != nil {
		return err
	}
	rep.Rejected = append(rep.Rejected, rejected...)
	reject := func(row int, id string, fields ...FieldError) {
		for _, f := range fields {
			rep.Rejected = append(rep.Rejected, Rejection{Row: row, ID: id, Field: f.Field, Reason: f.Reason})
		}
	}

	// The patents in the order the file first names them.
	var numbers []string
	byNumber := map[string][]legalRow{}
	for _, r := range rows {
		if _, ok := byNumber[r.number]; !ok {
			numbers = append(numbers, r.number)
		}
		byNumber[r.number] = append(byNumber[r.number], r)
	}
	for _, number := range numbers {
		if err := ctx.Err(); err != nil {
			return err
		}
		its := byNumber[number]
		updated, err := addLegalEvents(ctx, s, number, its)
		switch {
		case ErrorCode(err) == CodeNotFound:
			for _, r := range its {
				reject(r.row, number, FieldError{Field: legalApplicationNumber, Reason: "no patent with this application number is in ipmatch: import its bibliographic record first"})
			}
			continue
		case ErrorCode(err) == CodeInvalid:
			for _, r := range its {
				reject(r.row, number, FieldError{Field: legalName, Reason: fmt.Sprintf("the patent with these events would not be valid: %v", err)})
			}
			continue
		case ErrorCode(err) == CodeStale:
			for _, r := range its {
				reject(r.row, number, FieldError{Field: legalApplicationNumber, Reason: "the patent kept being changed by others while it was written: import the file again"})
			}
			continue
		case err != nil:
			return err
		}
		for _, r := range its {
			if updated[r.row] {
				rep.Updated++
			} else {
				rep.Unchanged++
			}
		}
	}
	slices.SortStableFunc(rep.Rejected, func(a, b Rejection) int { return a.Row - b.Row })
	return nil
}

// readLegalRows reads the events of a cnipa-legal-csv file, rejecting the
// rows that are not one (naming the column); rep, when not nil, counts
// the rows read.
func readLegalRows(ctx context.Context, r io.Reader, rep *ImportReport) ([]legalRow, []Rejection, error) {
	lr, err := newLineReader(r)
	if err != nil {
		return nil, nil, err
	}
	cr := &csvRecords{lr: lr}
	header, err := csvHeader(cr)
	if err != nil {
		return nil, nil, err
	}
	col, err := cnipaColumns(header, legalColumnsRequired, "a CNIPA legal-status export (申请号, 法律状态公告日, 法律状态 and optionally 法律状态信息)")
	if err != nil {
		return nil, nil, err
	}
	cell := func(fields []string, name string) string {
		if i, ok := col[name]; ok && i < len(fields) {
			return fields[i]
		}
		return ""
	}
	var rejected []Rejection
	reject := func(row int, id string, fields ...FieldError) {
		for _, f := range fields {
			rejected = append(rejected, Rejection{Row: row, ID: id, Field: f.Field, Reason: f.Reason})
		}
	}

	var rows []legalRow
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		row, fields, prob, err := cr.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if rep != nil {
			rep.Rows++
		}
		if bad := csvRowRejects(header, fields, prob); bad != nil {
			reject(row, "", bad...)
			continue
		}
		var bad []FieldError
		number, err := NormalizeApplicationNumber(cell(fields, legalApplicationNumber))
		if err != nil {
			bad = append(bad, FieldError{Field: legalApplicationNumber, Reason: err.Error()})
		}
		day, err := ParseDate(cell(fields, legalAnnounced))
		switch {
		case err != nil:
			bad = append(bad, FieldError{Field: legalAnnounced, Reason: err.Error()})
		case day.IsZero():
			bad = append(bad, FieldError{Field: legalAnnounced, Reason: "is required: the day CNIPA announced the event"})
		}
		ev := LegalEvent{Date: day, Name: strings.TrimSpace(cell(fields, legalName)), Info: strings.TrimSpace(cell(fields, legalInfo))}
		if ev.Name == "" || len([]rune(ev.Name)) > 200 {
			bad = append(bad, FieldError{Field: legalName, Reason: "is required, at most 200 characters: the event as CNIPA names it, such as 未缴年费专利权终止"})
		}
		if bad != nil {
			reject(row, number, bad...)
			continue
		}
		rows = append(rows, legalRow{row: row, number: number, event: ev})
	}
	return rows, rejected, nil
}

// ReadCNIPALegalEvents reads a cnipa-legal-csv file without a store: the
// events of each application number, and the rows refused. A file of more
// than max rows is refused whole (the application form's bound).
func ReadCNIPALegalEvents(r io.Reader, max int) (map[string][]LegalEvent, []Rejection, error) {
	rep := &ImportReport{}
	rows, rejected, err := readLegalRows(context.Background(), r, rep)
	if err != nil {
		return nil, nil, err
	}
	if rep.Rows > max {
		return nil, nil, Errorf(CodeInvalid, "the file has more than %d rows", max)
	}
	events := map[string][]LegalEvent{}
	for _, row := range rows {
		events[row.number] = append(events[row.number], row.event)
	}
	return events, rejected, nil
}

// legalUpdateAttempts bounds how often addLegalEvents reads a patent
// again after another write came between: a few, as app's pool book does,
// since each retry means someone else is writing that very patent.
const legalUpdateAttempts = 5

// addLegalEvents gives stored patent number the events of rows and writes
// it if any is new, reading it again when another write came between. It
// returns the rows whose event was new.
func addLegalEvents(ctx context.Context, s Store, number string, rows []legalRow) (map[int]bool, error) {
	for attempt := 1; ; attempt++ {
		p, err := s.Patents().Get(ctx, number)
		if err != nil {
			return nil, err
		}
		updated := map[int]bool{}
		for _, r := range rows {
			if p.AddLegalEvents(r.event) > 0 {
				updated[r.row] = true
			}
		}
		if len(updated) == 0 {
			return updated, nil
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		err = s.Patents().Update(ctx, &p)
		if ErrorCode(err) == CodeStale && attempt < legalUpdateAttempts {
			continue // written meanwhile: add the events to what is there now
		}
		if err != nil {
			return nil, err
		}
		return updated, nil
	}
}
