package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"ipmatch/data"
)

// Load adds the committed demo records that s lacks, in dependency order
// (Kinds). A record is lacking when neither its ID nor its natural key
// (credit code, licence, participant or appraisal key) is stored; a stored
// record is never written, even when it differs from the demo's, so that
// loading again keeps what users changed and restores only what they
// deleted. When nothing lacks, nothing is written (and nothing audited).
// A rejected row is an error: the committed files must always load whole.
func Load(ctx context.Context, s data.Store) error {
	for _, kind := range Kinds {
		lines, err := missingLines(ctx, s, kind)
		if err != nil {
			return fmt.Errorf("load demo %s: %w", kind, err)
		}
		if len(lines) == 0 {
			continue
		}
		rep, err := data.Import(ctx, s, bytes.NewReader(lines), data.ImportOptions{Kind: kind, Format: data.FormatJSONL})
		if err != nil {
			return fmt.Errorf("load demo %s: %w", kind, err)
		}
		if n := len(rep.Rejected); n > 0 {
			r := rep.Rejected[0]
			return fmt.Errorf("demo %s: %d rows rejected, first: row %d %s: %s", kind, n, r.Row, r.Field, r.Reason)
		}
	}
	return nil
}

// missingLines returns the lines of File(kind) whose records s lacks.
func missingLines(ctx context.Context, s data.Store, kind string) ([]byte, error) {
	f := File(kind)
	switch kind {
	case "pools":
		return missing(ctx, s.Pools(), data.PoolKind, f)
	case "banks":
		return missing(ctx, s.Banks(), data.BankKind, f)
	case "appraisers":
		return missing(ctx, s.Appraisers(), data.AppraiserKind, f)
	case "products":
		return missing(ctx, s.Products(), data.ProductKind, f)
	case "enterprises":
		return missing(ctx, s.Enterprises(), data.EnterpriseKind, f)
	case "patents":
		return missing(ctx, s.Patents(), data.PatentKind, f)
	case "appraisals":
		return missing(ctx, s.Appraisals(), data.AppraisalKind, f)
	case "events":
		return missing(ctx, s.Events(), data.EventKind, f)
	case "participants":
		return missing(ctx, s.Participants(), data.ParticipantKind, f)
	case "deals":
		return missing(ctx, s.Deals(), data.DealKind, f)
	case "policies":
		return missing(ctx, s.Policies(), data.PolicyKind, f)
	}
	return nil, fmt.Errorf("unknown demo kind %q", kind) // Kinds and this switch disagree
}

// missingBatch is how many IDs one List asks for: well under SQLite's
// default limit of 32,766 bound parameters and small enough for one MongoDB
// $in, while the demo's largest kind (700 patents) takes a single query.
const missingBatch = 1000

// missing returns the lines of file (JSON Lines of records of kind k) whose
// ID and natural key tbl does not hold.
func missing[T any](ctx context.Context, tbl data.Table[T], k data.Kind[T], file []byte) ([]byte, error) {
	type row struct {
		line []byte
		id   string
		key  string
	}
	var rows []row
	sc := bufio.NewScanner(bytes.NewReader(file))
	sc.Buffer(nil, data.MaxImportLine)
	for sc.Scan() {
		var rec T
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("committed line %d: %w", len(rows)+1, err) // a build problem
		}
		rows = append(rows, row{line: append([]byte(nil), sc.Bytes()...), id: *k.ID(&rec), key: k.Key(&rec)})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	stored := map[string]bool{}
	for start := 0; start < len(rows); start += missingBatch {
		var ids []string
		for _, r := range rows[start:min(start+missingBatch, len(rows))] {
			ids = append(ids, r.id)
		}
		recs, _, err := tbl.List(ctx, data.ListOptions{IDs: ids})
		if err != nil {
			return nil, err
		}
		for i := range recs {
			stored[*k.ID(&recs[i])] = true
		}
	}
	var out bytes.Buffer
	for _, r := range rows {
		if stored[r.id] {
			continue
		}
		if r.key != "" {
			// Another record holds the natural key (a user registered the
			// same party again after deleting the demo's): it is present.
			_, err := tbl.GetByKey(ctx, r.key)
			if err == nil {
				continue
			}
			if data.ErrorCode(err) != data.CodeNotFound {
				return nil, err
			}
		}
		out.Write(r.line)
		out.WriteByte('\n')
	}
	return out.Bytes(), nil
}
