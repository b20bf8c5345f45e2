package data

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
)

// exportPage is how many records Export reads from the store at a time.
const exportPage = 1000

// Export writes every record of kind (a table name, as for Import) to w in
// format, sorted by ID. Format "jsonl" ("" too) writes one record per line
// in its JSON form, the form Import reads, so importing an export into an
// empty store recreates the records (with new CreatedAt and UpdatedAt) and
// into the store it came from changes nothing. Format "csv", for
// enterprises and products, writes the layouts of EnterpriseCSVColumns and
// ProductCSVColumns, preceded by a UTF-8 byte-order mark so that spreadsheet
// programs read the Chinese text right; text cells that a spreadsheet would
// take for a formula (starting with =, +, -, @) get a leading "'", which
// Import removes. cnipa-csv is an import format only.
//
// Export fails with an invalid error naming the option for an unknown kind
// or format. Records are read a page at a time, so records written while an
// export runs may be missed or written twice.
func Export(ctx context.Context, s Store, w io.Writer, kind, format string) error {
	if format == "" {
		format = FormatJSONL
	}
	if err := checkKindFormat(kind, format, false); err != nil {
		return err
	}
	switch kind {
	case "enterprises":
		return runExport(ctx, s.Enterprises(), enterpriseTransfer(), w, format)
	case "patents":
		tr, err := patentTransfer(ctx, s, ImportOptions{}) // unscoped: reads nothing
		if err != nil {
			return err
		}
		return runExport(ctx, s.Patents(), tr, w, format)
	case "banks":
		return runExport(ctx, s.Banks(), bankTransfer(), w, format)
	case "products":
		return runExport(ctx, s.Products(), productTransfer(), w, format)
	case "events":
		return runExport(ctx, s.Events(), eventTransfer(), w, format)
	case "participants":
		return runExport(ctx, s.Participants(), participantTransfer(), w, format)
	case "deals":
		return runExport(ctx, s.Deals(), dealTransfer(), w, format)
	case "pools":
		return runExport(ctx, s.Pools(), poolTransfer(), w, format)
	case "appraisers":
		return runExport(ctx, s.Appraisers(), appraiserTransfer(), w, format)
	case "appraisals":
		return runExport(ctx, s.Appraisals(), appraisalTransfer(), w, format)
	case "policies":
		return runExport(ctx, s.Policies(), policyTransfer(), w, format)
	}
	return nil // unreachable: checkKindFormat knows the kinds
}

func runExport[T any](ctx context.Context, tbl Table[T], tr *transfer[T], w io.Writer, format string) error {
	bw := bufio.NewWriter(w)
	var err error
	if format == FormatCSV {
		err = exportCSV(ctx, tbl, tr.csv, bw)
	} else {
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		err = eachRecord(ctx, tbl, func(rec *T) error { return enc.Encode(rec) })
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: writing: %w", err)
	}
	return nil
}

// eachRecord calls fn with every record of tbl in ID order.
func eachRecord[T any](ctx context.Context, tbl Table[T], fn func(*T) error) error {
	for off := 0; ; off += exportPage {
		if err := ctx.Err(); err != nil {
			return err
		}
		recs, _, err := tbl.List(ctx, ListOptions{Offset: off, Limit: exportPage})
		if err != nil {
			return err
		}
		for i := range recs {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
		if len(recs) < exportPage {
			return nil
		}
	}
}

// exportCSV writes the records of tbl in layout s. With dynamic columns it
// reads the table twice: once to find the columns, once to write.
func exportCSV[T any](ctx context.Context, tbl Table[T], s *csvScheme[T], w io.Writer) error {
	cols := slices.Clone(s.columns)
	if s.dynamicNames != nil {
		seen := map[string]bool{}
		err := eachRecord(ctx, tbl, func(rec *T) error {
			for _, n := range s.dynamicNames(rec) {
				seen[n] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, n := range slices.SortedFunc(maps.Keys(seen), s.compareDynamic) {
			if c, ok := s.dynamic(n); ok {
				cols = append(cols, c)
			}
		}
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("export: writing: %w", err)
	}
	cw := csv.NewWriter(w)
	cells := make([]string, len(cols))
	for i, c := range cols {
		cells[i] = c.name
	}
	if err := cw.Write(cells); err != nil {
		return fmt.Errorf("export: writing: %w", err)
	}
	err := eachRecord(ctx, tbl, func(rec *T) error {
		for i, c := range cols {
			cells[i] = c.get(rec)
		}
		if err := cw.Write(cells); err != nil {
			return fmt.Errorf("export: writing: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: writing: %w", err)
	}
	return nil
}
