package data

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The import and export formats.
const (
	FormatJSONL    = "jsonl"     // one record per line in its JSON form; every kind
	FormatCSV      = "csv"       // enterprises and products; see EnterpriseCSVColumns, ProductCSVColumns
	FormatCNIPACSV = "cnipa-csv" // patents, as exported by the CNIPA patent search system (import only)
)

// importKinds lists the kinds of record that Import and Export handle, by
// table name. Tokens are never imported or exported.
const importKinds = "enterprises, patents, banks, products, events, participants, deals, pools, appraisers, appraisals"

// Limits of Import.
const (
	// DefaultImportBatch is the number of rows written in one Table.Put
	// (one transaction on the embedded store) when ImportOptions.BatchSize is 0.
	DefaultImportBatch = 1000
	// MaxImportBatch caps ImportOptions.BatchSize.
	MaxImportBatch = 10000
	// MaxImportLine is the longest line (JSONL) or record (CSV) accepted, in
	// bytes; a longer one is rejected and the import goes on with the next.
	MaxImportLine = 1 << 20
	// MaxListedRejections is how many rejections an ImportReport lists; the
	// rest are counted in one last entry (row 0, field "row").
	MaxListedRejections = 10000
)

// ImportOptions say what Import reads and on whose behalf.
type ImportOptions struct {
	// Kind is the table name: "enterprises", "patents", "banks", "products",
	// "events", "participants", "deals", "pools", "appraisers" or
	// "appraisals".
	Kind string
	// Format is "jsonl" (every kind), "csv" (enterprises, products) or
	// "cnipa-csv" (patents); "" means "jsonl".
	Format string
	// BatchSize is how many rows are written together; 0 means
	// DefaultImportBatch, and more than MaxImportBatch means MaxImportBatch.
	BatchSize int

	// Role scoping for API imports: when set, every row is forced to, or must
	// match, this owner, and stored records of other owners are not touched.
	// A scope that does not apply to Kind makes Import fail as forbidden.

	// OwnerEnterpriseID scopes an import to one enterprise: patents get
	// OwnerID = this, and an enterprises import may only write the
	// enterprise with this ID, without changing its credit code. A stored
	// patent of this enterprise is replaced; any other stored patent is
	// taken only as CanClaim allows (no owner, and an applicant is the
	// enterprise's name), unless AssignOwners is set; the refusal is
	// NotClaimable's, whoever holds the patent.
	OwnerEnterpriseID string
	// AssignOwners lets an import scoped by OwnerEnterpriseID take stored
	// patents without owner whatever their applicants: the organizer
	// assigning owners. A patent held by another enterprise is still
	// rejected.
	AssignOwners bool
	// BankID scopes an import to one bank: products get BankID = this; rows
	// naming another bank, or replacing another bank's product, are rejected.
	BankID string
}

// Rejection is one reason why one row of an import was refused. A row
// refused for several reasons appears once per reason.
//
// Row numbers count data rows from 1. In JSONL, row n is line n of the input
// (blank lines are skipped but counted, so the number is the line number an
// editor shows). In CSV the header is row 0 and the first record after it is
// row 1; blank lines and rows of empty cells are skipped but counted, and a
// record whose quoted field spans several lines counts once, so row n is
// shown by a spreadsheet as row n+1.
//
// Field names the input's own name for the value: the JSON path in JSONL
// ("need.amount", "ipc[1]"), the column in CSV ("credit_code", "revenue_2022",
// "申请号"), or "row" when the whole row is unreadable (bad JSON or CSV
// syntax, wrong column count, too long, not UTF-8).
type Rejection struct {
	Row    int    `json:"row"`
	ID     string `json:"id,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ImportReport says what Import did. Rows counts the data rows read (blank
// lines and empty CSV rows excluded); every row is imported (new), updated
// (changed), unchanged (equal to the stored record apart from its
// timestamps, and not written) or rejected, so Rows - Imported - Updated -
// Unchanged rows were rejected. Rejected lists the reasons in row order; it
// is never nil, so it encodes as [] when empty.
type ImportReport struct {
	Kind      string      `json:"kind"`
	Format    string      `json:"format"`
	Rows      int         `json:"rows"`
	Imported  int         `json:"imported"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Rejected  []Rejection `json:"rejected"`
}

// Import reads records of opts.Kind in opts.Format from r and writes them to
// s. Each row is parsed, normalised and validated on its own; a bad row is
// rejected (listed in the report with its field and reason) and the import
// goes on. Valid rows are written opts.BatchSize at a time with one
// Table.Put each; when a batch fails as invalid or conflicting, its rows are
// written one by one so only the offending rows are rejected. No row is ever
// written in part.
//
// A row whose ID (or natural key: the credit code of an enterprise, the
// event, role and party of a participant) is already stored replaces that
// record, unless it equals it apart from CreatedAt and UpdatedAt, in which
// case nothing is written; importing the same input twice changes nothing.
// Rows without an ID are matched on a business key where the kind has one
// (products: bank and name; banks: name and branch; events: name and date;
// pools: name and region); deal rows without an ID are always new. Rows are
// applied in input order, so a later row with the same ID replaces an
// earlier one. A cnipa-csv row carries only bibliographic data: it keeps the
// stored patent's owner, legal status (unless the file has a 法律状态 value),
// grant date (unless given), fees, implementation, counts and history.
//
// Import fails, before writing anything, with an invalid error naming the
// option for an unknown kind or format, a forbidden error for a scope that
// does not apply to the kind, and a malformed error for input that does not
// start as UTF-8 text (binary, UTF-16, GBK: the first 64 KiB are checked;
// a later line that is not UTF-8 is rejected on its own) or a CSV header
// that cannot be used. It stops with the report so far and the error when
// ctx ends, r fails or the store fails otherwise; batches written before
// stay written.
func Import(ctx context.Context, s Store, r io.Reader, opts ImportOptions) (ImportReport, error) {
	if opts.Format == "" {
		opts.Format = FormatJSONL
	}
	rep := ImportReport{Kind: opts.Kind, Format: opts.Format, Rejected: []Rejection{}}
	if opts.BatchSize < 0 {
		return rep, optionError("batch_size", "must not be negative")
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = DefaultImportBatch
	}
	opts.BatchSize = min(opts.BatchSize, MaxImportBatch)
	if err := checkKindFormat(opts.Kind, opts.Format, true); err != nil {
		return rep, err
	}
	var err error
	switch opts.Kind {
	case "enterprises":
		err = runImport(ctx, s, s.Enterprises(), enterpriseTransfer(), r, opts, &rep)
	case "patents":
		var tr *transfer[Patent]
		if tr, err = patentTransfer(ctx, s, opts); err == nil {
			err = runImport(ctx, s, s.Patents(), tr, r, opts, &rep)
		}
	case "banks":
		err = runImport(ctx, s, s.Banks(), bankTransfer(), r, opts, &rep)
	case "products":
		err = runImport(ctx, s, s.Products(), productTransfer(), r, opts, &rep)
	case "events":
		err = runImport(ctx, s, s.Events(), eventTransfer(), r, opts, &rep)
	case "participants":
		err = runImport(ctx, s, s.Participants(), participantTransfer(), r, opts, &rep)
	case "deals":
		err = runImport(ctx, s, s.Deals(), dealTransfer(), r, opts, &rep)
	case "pools":
		err = runImport(ctx, s, s.Pools(), poolTransfer(), r, opts, &rep)
	case "appraisers":
		err = runImport(ctx, s, s.Appraisers(), appraiserTransfer(), r, opts, &rep)
	case "appraisals":
		err = runImport(ctx, s, s.Appraisals(), appraisalTransfer(), r, opts, &rep)
	}
	return rep, err
}

// optionError is the invalid error about one import or export option.
func optionError(option, format string, args ...any) error {
	return &Error{Code: CodeInvalid, Message: "invalid " + option,
		Fields: []FieldError{{Field: option, Reason: fmt.Sprintf(format, args...)}}}
}

// checkKindFormat checks that kind is importable and format serves it.
func checkKindFormat(kind, format string, importing bool) error {
	if kind == "" || !slices.Contains(strings.Split(importKinds, ", "), kind) {
		return optionError("kind", "%q is not one of %s", kind, importKinds)
	}
	switch format {
	case FormatJSONL:
	case FormatCSV:
		if kind != "enterprises" && kind != "products" {
			return optionError("format", "csv serves enterprises and products; use jsonl for %s", kind)
		}
	case FormatCNIPACSV:
		if kind != "patents" {
			return optionError("format", "cnipa-csv serves patents only; use jsonl for %s", kind)
		}
		if !importing {
			return optionError("format", "cnipa-csv is an import format; export patents as jsonl")
		}
	default:
		return optionError("format", "%q is not one of jsonl, csv, cnipa-csv", format)
	}
	return nil
}

// transfer describes how one kind of record is imported and exported.
type transfer[T any] struct {
	kind Kind[T]
	// idField is the JSON name of the ID; keyField names the natural key
	// that Put resolves ("" when none) and keyName says it in words.
	idField, keyField, keyName string
	// match, when set, gives the business key that finds the stored record
	// of a row without ID in a kind without natural key.
	match func(*T) string
	// ownerScoped and bankScoped say which scopes apply to the kind.
	ownerScoped, bankScoped bool
	// scope forces or checks a row's owner before validation; owned checks
	// that the stored record old may be replaced by the row rec under the
	// scope. Both return nil when fine.
	scope func(opts ImportOptions, rec *T) *FieldError
	owned func(opts ImportOptions, old, rec *T) *FieldError
	// fresh, when set, checks a row whose ID names no stored record under
	// the scope; nil when such a row is created.
	fresh func(opts ImportOptions, rec *T) *FieldError
	// csv is the CSV layout of the kind, nil when it has none.
	csv *csvScheme[T]
}

func enterpriseTransfer() *transfer[Enterprise] {
	return &transfer[Enterprise]{
		kind: EnterpriseKind, idField: "id", keyField: "credit_code", keyName: "credit code",
		ownerScoped: true,
		scope: func(o ImportOptions, e *Enterprise) *FieldError {
			if o.OwnerEnterpriseID == "" {
				return nil
			}
			if e.ID == "" {
				e.ID = o.OwnerEnterpriseID
			}
			if e.ID != o.OwnerEnterpriseID {
				return &FieldError{Field: "id", Reason: fmt.Sprintf("this import may only write enterprise %s", o.OwnerEnterpriseID)}
			}
			return nil
		},
		// The credit code and name are an enterprise's identity: as PUT
		// /api/v1/enterprises/{id}, an enterprise's own import cannot change
		// them.
		owned: func(o ImportOptions, old, e *Enterprise) *FieldError {
			if o.OwnerEnterpriseID != "" {
				return EnterpriseIdentityChange(old, e)
			}
			return nil
		},
		csv: enterpriseCSV(),
	}
}

// patentTransfer is the transfer of patents; for an import scoped to an
// enterprise, it reads that enterprise's name for CanClaim.
func patentTransfer(ctx context.Context, s Store, opts ImportOptions) (*transfer[Patent], error) {
	var claimant Enterprise
	if opts.OwnerEnterpriseID != "" && !opts.AssignOwners {
		e, err := s.Enterprises().Get(ctx, opts.OwnerEnterpriseID)
		switch {
		case err == nil:
			claimant = e
		case ErrorCode(err) == CodeNotFound:
			// CanClaim refuses every stored patent to an unnamed enterprise.
			claimant = Enterprise{ID: opts.OwnerEnterpriseID}
		default:
			return nil, err
		}
	}
	return &transfer[Patent]{
		kind: PatentKind, idField: "application_number",
		ownerScoped: true,
		scope: func(o ImportOptions, p *Patent) *FieldError {
			if o.OwnerEnterpriseID == "" {
				return nil
			}
			if p.OwnerID != "" && p.OwnerID != o.OwnerEnterpriseID {
				return &FieldError{Field: "owner_id", Reason: fmt.Sprintf("must be empty or %s, the enterprise importing", o.OwnerEnterpriseID)}
			}
			p.OwnerID = o.OwnerEnterpriseID
			return nil
		},
		owned: func(o ImportOptions, old, _ *Patent) *FieldError {
			switch {
			case o.OwnerEnterpriseID == "" || old.OwnerID == o.OwnerEnterpriseID:
				return nil
			case o.AssignOwners:
				if old.OwnerID != "" {
					return &FieldError{Field: "owner_id", Reason: fmt.Sprintf("the patent is held by enterprise %s; change its owner_id first", old.OwnerID)}
				}
				return nil
			}
			if err := CanClaim(claimant, *old); err != nil {
				return &ErrorFields(err)[0]
			}
			return nil
		},
	}, nil
}

func bankTransfer() *transfer[Bank] {
	return &transfer[Bank]{
		kind: BankKind, idField: "id", keyName: "name and branch",
		match: func(b *Bank) string { return b.Name + "\x00" + b.Branch },
	}
}

func productTransfer() *transfer[Product] {
	return &transfer[Product]{
		kind: ProductKind, idField: "id", keyName: "bank and name",
		match:      func(p *Product) string { return p.BankID + "\x00" + p.Name },
		bankScoped: true,
		scope: func(o ImportOptions, p *Product) *FieldError {
			if o.BankID == "" {
				return nil
			}
			if p.BankID != "" && p.BankID != o.BankID {
				return &FieldError{Field: "bank_id", Reason: fmt.Sprintf("must be empty or %s, the bank importing", o.BankID)}
			}
			p.BankID = o.BankID
			return nil
		},
		owned: func(o ImportOptions, old, p *Product) *FieldError {
			if o.BankID == "" {
				return nil
			}
			if old.BankID != o.BankID {
				return noProductOfBank(p.ID)
			}
			return ProductPoolChange(old, p)
		},
		// A bank's row with an id must name one of its own products: a
		// product's ID is assigned by the server (POST refuses one), and
		// the refusal of another bank's ID is the same as of an unknown
		// one, so an import tells a bank nothing about other banks.
		fresh: func(o ImportOptions, p *Product) *FieldError {
			if o.BankID == "" {
				return nil
			}
			if p.ID != "" {
				return noProductOfBank(p.ID)
			}
			return ProductPoolChange(nil, p)
		},
		csv: productCSV(),
	}
}

// noProductOfBank is the one refusal of a bank's import row naming a
// product id that is not one of the bank's products, stored or not.
func noProductOfBank(id string) *FieldError {
	return &FieldError{Field: "id", Reason: fmt.Sprintf("your bank has no product with id %q; leave the id out to add a new product", id)}
}

func eventTransfer() *transfer[Event] {
	return &transfer[Event]{
		kind: EventKind, idField: "id", keyName: "name and date",
		match: func(e *Event) string { return e.Name + "\x00" + e.Date.String() },
	}
}

func participantTransfer() *transfer[Participant] {
	return &transfer[Participant]{kind: ParticipantKind, idField: "id", keyField: "event_id", keyName: "event, role and party"}
}

func dealTransfer() *transfer[Deal] {
	return &transfer[Deal]{kind: DealKind, idField: "id"}
}

func poolTransfer() *transfer[Pool] {
	return &transfer[Pool]{
		kind: PoolKind, idField: "id", keyName: "name and region",
		match: func(p *Pool) string { return p.Name + "\x00" + p.Region },
	}
}

func appraiserTransfer() *transfer[Appraiser] {
	return &transfer[Appraiser]{kind: AppraiserKind, idField: "id", keyField: "licence", keyName: "licence"}
}

func appraisalTransfer() *transfer[Appraisal] {
	return &transfer[Appraisal]{kind: AppraisalKind, idField: "id", keyField: "report_number", keyName: "appraiser and report number"}
}

// importRow is one data row read from the input: a record, or the reasons
// it could not be read.
type importRow[T any] struct {
	row     int
	id      string // the row's ID as written, for rejections; may be ""
	rec     *T
	rejects []FieldError
}

// rowSource reads the rows of one input format.
type rowSource[T any] struct {
	// next returns the next row, or io.EOF after the last.
	next func() (importRow[T], error)
	// column maps a record field named in a validation error to the
	// input's name for it, or to "" to leave out an error that another
	// one already explains; nil keeps the field name.
	column func(rec *T, field string) string
	// merge copies into rec the fields of the stored record old that the
	// format does not carry; nil when a row replaces the whole record.
	merge func(rec, old *T)
}

// importer runs one import of records of type T.
type importer[T any] struct {
	ctx   context.Context
	store Store // for the references rows make to other records
	tr    *transfer[T]
	tbl   Table[T]
	src   rowSource[T]
	opts  ImportOptions
	rep   *ImportReport

	batch   []importRow[T]
	keys    map[string]bool   // IDs and keys in batch
	matched map[string]string // business key → ID, loaded on first use
	hidden  int               // rejections past MaxListedRejections
}

// ambiguousMatch marks a business key held by more than one stored record.
const ambiguousMatch = "\x00ambiguous"

func runImport[T any](ctx context.Context, store Store, tbl Table[T], tr *transfer[T], r io.Reader, opts ImportOptions, rep *ImportReport) error {
	if (opts.OwnerEnterpriseID != "" && !tr.ownerScoped) || (opts.BankID != "" && !tr.bankScoped) {
		return Errorf(CodeForbidden, "a scoped import cannot write %s", tr.kind.Name)
	}
	lr, err := newLineReader(r)
	if err != nil {
		return err
	}
	var src rowSource[T]
	switch opts.Format {
	case FormatJSONL:
		src = jsonlSource(lr, tr)
	case FormatCSV:
		src, err = csvSource(lr, tr.csv)
	case FormatCNIPACSV:
		// Only patents reach here (checkKindFormat), so T is Patent.
		var ps rowSource[Patent]
		ps, err = cnipaSource(lr)
		src, _ = any(ps).(rowSource[T])
	}
	if err != nil {
		return err
	}
	im := &importer[T]{ctx: ctx, store: store, tr: tr, tbl: tbl, src: src, opts: opts, rep: rep, keys: map[string]bool{}}
	err = im.run()
	// Rejections found when a batch is written come after those of later
	// rows found when reading; list them in row order.
	slices.SortStableFunc(rep.Rejected, func(a, b Rejection) int { return a.Row - b.Row })
	if im.hidden > 0 {
		rep.Rejected = append(rep.Rejected, Rejection{Field: "row", Reason: fmt.Sprintf("%d more rejections not listed", im.hidden)})
	}
	return err
}

func (im *importer[T]) run() error {
	for {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		r, err := im.src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		im.rep.Rows++
		if len(r.rejects) > 0 {
			im.reject(r, r.rejects...)
			continue
		}
		if im.tr.scope != nil {
			if f := im.tr.scope(im.opts, r.rec); f != nil {
				im.reject(r, *f)
				continue
			}
		}
		if err := im.tr.kind.Check([]*T{r.rec}); err != nil {
			im.rejectErr(r, err)
			continue
		}
		if err := im.add(r); err != nil {
			return err
		}
	}
	return im.flush()
}

// add puts a valid row into the batch, first giving a row without ID the ID
// of the stored record it will replace. A batch never holds the same record
// twice: the batch is written first, so that the later row is compared with
// the earlier one and replaces it.
func (im *importer[T]) add(r importRow[T]) error {
	k := im.tr.kind
	id := k.ID(r.rec)
	given := *id
	for try := 0; ; try++ {
		if slices.ContainsFunc(im.batchKeys(r.rec), func(key string) bool { return im.keys[key] }) {
			if err := im.flush(); err != nil {
				return err
			}
		}
		if given != "" {
			break
		}
		*id = ""
		if key := k.Key(r.rec); key != "" {
			old, err := im.tbl.GetByKey(im.ctx, key)
			switch {
			case err == nil:
				*id = *k.ID(&old)
			case ErrorCode(err) != CodeNotFound:
				return err
			}
		} else if im.tr.match != nil {
			got, err := im.matchID(im.tr.match(r.rec))
			if err != nil {
				return err
			}
			if got == ambiguousMatch {
				im.reject(r, FieldError{Field: "id", Reason: fmt.Sprintf("the %s match several stored %s; give the id", im.tr.keyName, k.Name)})
				return nil
			}
			*id = got
		}
		// The record found may be in the batch under another key: write
		// the batch and look again.
		if *id == "" || !im.keys["id:"+*id] || try > 0 {
			break
		}
	}
	for _, key := range im.batchKeys(r.rec) {
		im.keys[key] = true
	}
	im.batch = append(im.batch, r)
	if len(im.batch) >= im.opts.BatchSize {
		return im.flush()
	}
	return nil
}

// batchKeys returns the strings identifying rec within a batch: its ID,
// natural key and business key.
func (im *importer[T]) batchKeys(rec *T) []string {
	var keys []string
	if id := *im.tr.kind.ID(rec); id != "" {
		keys = append(keys, "id:"+id)
	}
	if k := im.tr.kind.Key(rec); k != "" {
		keys = append(keys, "key:"+k)
	}
	if im.tr.match != nil {
		keys = append(keys, "match:"+im.tr.match(rec))
	}
	return keys
}

// flush writes the batch: it finds the stored records, skips the unchanged
// and puts the rest.
func (im *importer[T]) flush() error {
	batch := im.batch
	im.batch = im.batch[:0:0]
	clear(im.keys)
	if len(batch) == 0 {
		return nil
	}
	if err := im.ctx.Err(); err != nil {
		return err
	}
	k := im.tr.kind
	// Fetch the stored records in one query.
	var ids []string
	for _, r := range batch {
		if id := *k.ID(r.rec); id != "" {
			ids = append(ids, id)
		}
	}
	stored := map[string]*T{}
	if len(ids) > 0 {
		olds, _, err := im.tbl.List(im.ctx, ListOptions{IDs: ids})
		if err != nil {
			return err
		}
		for i := range olds {
			stored[*k.ID(&olds[i])] = &olds[i]
		}
	}
	var writes []importRow[T]
	var created []bool
	for _, r := range batch {
		old := stored[*k.ID(r.rec)]
		if old == nil {
			if im.tr.fresh != nil {
				if f := im.tr.fresh(im.opts, r.rec); f != nil {
					im.reject(r, *f)
					continue
				}
			}
			writes, created = append(writes, r), append(created, true)
			continue
		}
		if im.tr.owned != nil {
			if f := im.tr.owned(im.opts, old, r.rec); f != nil {
				im.reject(r, *f)
				continue
			}
		}
		if im.src.merge != nil {
			im.src.merge(r.rec, old)
		}
		if sameRecord(k, r.rec, old) {
			im.rep.Unchanged++
			continue
		}
		writes, created = append(writes, r), append(created, false)
	}
	writes, created, err := im.keepRefsSound(writes, created)
	if err != nil {
		return err
	}
	return im.put(writes, created)
}

// keepRefsSound rejects the rows that name a bank, enterprise, event, pool
// or product the store does not hold, and returns the others.
func (im *importer[T]) keepRefsSound(rows []importRow[T], created []bool) ([]importRow[T], []bool, error) {
	recs := make([]*T, len(rows))
	for i, r := range rows {
		recs[i] = r.rec
	}
	err := CheckRefs(im.ctx, im.store, im.tr.kind, recs)
	if err == nil {
		return rows, created, nil
	}
	if ErrorCode(err) != CodeInvalid {
		return nil, nil, err
	}
	bad := map[int][]FieldError{}
	for _, f := range ErrorFields(err) {
		i, field := 0, f.Field
		if len(rows) > 1 {
			idx, rest, _ := strings.Cut(strings.TrimPrefix(f.Field, "["), "].")
			i, _ = strconv.Atoi(idx)
			field = rest
		}
		bad[i] = append(bad[i], FieldError{Field: field, Reason: f.Reason})
	}
	keptRows, keptCreated := rows[:0:0], created[:0:0]
	for i, r := range rows {
		if fields, ok := bad[i]; ok {
			im.reject(r, fields...)
			continue
		}
		keptRows, keptCreated = append(keptRows, r), append(keptCreated, created[i])
	}
	return keptRows, keptCreated, nil
}

// put writes rows in one Put, or one by one when that Put is refused.
func (im *importer[T]) put(rows []importRow[T], created []bool) error {
	if len(rows) == 0 {
		return nil
	}
	recs := make([]*T, len(rows))
	for i, r := range rows {
		c := *r.rec // Put sets IDs and stamps; keep the row for a retry
		recs[i] = &c
	}
	_, err := im.tbl.Put(im.ctx, recs...)
	if err == nil {
		for i := range rows {
			im.written(recs[i], created[i])
		}
		return nil
	}
	if code := ErrorCode(err); code != CodeInvalid && code != CodeConflict {
		return err
	}
	for i, r := range rows {
		c := *r.rec
		_, err := im.tbl.Put(im.ctx, &c)
		switch code := ErrorCode(err); {
		case err == nil:
			im.written(&c, created[i])
		case code == CodeInvalid:
			im.rejectErr(r, err)
		case code == CodeConflict:
			field := im.tr.keyField
			if field == "" {
				field = "id"
			}
			im.reject(r, FieldError{Field: field, Reason: ErrorMessage(err)})
		default:
			return err
		}
	}
	return nil
}

// written counts a record Put has stored and remembers its business key.
func (im *importer[T]) written(rec *T, created bool) {
	if created {
		im.rep.Imported++
	} else {
		im.rep.Updated++
	}
	if im.tr.match != nil && im.matched != nil {
		im.matched[im.tr.match(rec)] = *im.tr.kind.ID(rec)
	}
}

// matchID returns the ID of the stored record with business key key, "" when
// none, or ambiguousMatch. The first call loads the keys of the whole table;
// the kinds that have business keys are small (banks, products, events,
// pools).
func (im *importer[T]) matchID(key string) (string, error) {
	if im.matched == nil {
		m := map[string]string{}
		const page = 1000
		for off := 0; ; off += page {
			recs, _, err := im.tbl.List(im.ctx, ListOptions{Offset: off, Limit: page})
			if err != nil {
				return "", err
			}
			for i := range recs {
				k := im.tr.match(&recs[i])
				if _, dup := m[k]; dup {
					m[k] = ambiguousMatch
				} else {
					m[k] = *im.tr.kind.ID(&recs[i])
				}
			}
			if len(recs) < page {
				break
			}
		}
		im.matched = m
	}
	return im.matched[key], nil
}

// reject lists the reasons why row r was refused.
func (im *importer[T]) reject(r importRow[T], fields ...FieldError) {
	id := r.id
	if r.rec != nil {
		if got := *im.tr.kind.ID(r.rec); got != "" {
			id = got
		}
	}
	if im.src.column != nil && r.rec != nil {
		mapped := make([]FieldError, 0, len(fields))
		for _, f := range fields {
			if c := im.src.column(r.rec, f.Field); c != "" {
				mapped = append(mapped, FieldError{Field: c, Reason: f.Reason})
			}
		}
		if len(mapped) > 0 {
			fields = mapped
		}
	}
	for _, f := range fields {
		if len(im.rep.Rejected) >= MaxListedRejections {
			im.hidden++
			continue
		}
		im.rep.Rejected = append(im.rep.Rejected, Rejection{Row: r.row, ID: id, Field: f.Field, Reason: f.Reason})
	}
}

// rejectErr rejects row r for the field errors of err.
func (im *importer[T]) rejectErr(r importRow[T], err error) {
	fields := ErrorFields(err)
	if len(fields) == 0 {
		fields = []FieldError{{Field: "row", Reason: ErrorMessage(err)}}
	}
	im.reject(r, fields...)
}

// sameRecord reports whether a and b are equal apart from their timestamps.
// Nil and empty slices are equal, and times are compared with Equal.
func sameRecord[T any](k Kind[T], a, b *T) bool {
	ac, bc := *a, *b
	for _, r := range []*T{&ac, &bc} {
		c, u := k.Stamps(r)
		*c, *u = time.Time{}, time.Time{}
	}
	return sameValue(reflect.ValueOf(ac), reflect.ValueOf(bc))
}

func sameValue(a, b reflect.Value) bool {
	if a.Type() == reflect.TypeFor[time.Time]() {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, key := range a.MapKeys() {
			bv := b.MapIndex(key)
			if !bv.IsValid() || !sameValue(a.MapIndex(key), bv) {
				return false
			}
		}
		return true
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// lineReader reads the input line by line, refusing lines longer than
// MaxImportLine.
type lineReader struct {
	br *bufio.Reader
}

// sniffSize is how much of the input is checked for being UTF-8 text.
const sniffSize = 64 << 10

// utf8BOM is the byte-order mark that spreadsheet programs put first.
const utf8BOM = "\xEF\xBB\xBF"

// newLineReader checks that r starts as UTF-8 text (a malformed error
// otherwise) and skips a UTF-8 byte-order mark.
func newLineReader(r io.Reader) (*lineReader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("import: reading the input: %w", err)
	}
	if bytes.HasPrefix(head, []byte(utf8BOM)) {
		br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return nil, Errorf(CodeMalformed, "the input is UTF-16 text; save it as UTF-8")
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, Errorf(CodeMalformed, "the input is binary, not UTF-8 text")
	}
	if len(head) == sniffSize-len(utf8BOM) || len(head) == sniffSize {
		// The peek may have cut the last character in two.
		for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
			if utf8.RuneStart(head[i]) {
				if !utf8.FullRune(head[i:]) {
					head = head[:i]
				}
				break
			}
		}
	}
	if !utf8.Valid(head) {
		return nil, Errorf(CodeMalformed, "the input is not UTF-8 text (a GBK export must be saved as UTF-8)")
	}
	return &lineReader{br: br}, nil
}

// readLine returns the next line with its line end, or io.EOF after the
// last. A line longer than MaxImportLine is consumed and reported as
// tooLong with no content.
func (lr *lineReader) readLine() (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if !tooLong && len(buf)+len(chunk) > MaxImportLine+2 { // +2 for "\r\n"
			tooLong, buf = true, nil
		}
		if !tooLong {
			buf = append(buf, chunk...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			if len(buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return buf, tooLong, nil
		case err != nil:
			return nil, false, fmt.Errorf("import: reading the input: %w", err)
		}
		return buf, tooLong, nil
	}
}

// tooLongReason and notUTF8Reason explain whole-row rejections.
const (
	tooLongReason = "longer than 1 MiB"
	notUTF8Reason = "not valid UTF-8 text"
)

// jsonlSource reads one JSON object per line; blank lines are skipped.
func jsonlSource[T any](lr *lineReader, tr *transfer[T]) rowSource[T] {
	line := 0
	next := func() (importRow[T], error) {
		for {
			raw, tooLong, err := lr.readLine()
			if err != nil {
				return importRow[T]{}, err
			}
			line++
			r := importRow[T]{row: line}
			if tooLong {
				r.rejects = []FieldError{{Field: "row", Reason: tooLongReason}}
				return r, nil
			}
			raw = bytes.TrimSpace(raw)
			if len(raw) == 0 {
				continue
			}
			if !utf8.Valid(raw) {
				r.rejects = []FieldError{{Field: "row", Reason: notUTF8Reason}}
				return r, nil
			}
			r.rec, r.id, r.rejects = decodeJSONRecord[T](raw, tr.idField)
			return r, nil
		}
	}
	return rowSource[T]{next: next}
}

// decodeJSONRecord decodes one record, refusing unknown fields. On failure
// it returns no record, the ID if one can be read, and every field at fault.
func decodeJSONRecord[T any](raw []byte, idField string) (*T, string, []FieldError) {
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return nil, "", []FieldError{{Field: "row", Reason: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}}
	}
	if raw[0] != '{' {
		return nil, "", []FieldError{{Field: "row", Reason: "must be a JSON object"}}
	}
	rec := new(T)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(rec)
	if err == nil {
		return rec, "", nil
	}
	var id string
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) == nil {
		json.Unmarshal(top[idField], &id)
	}
	fields := jsonProblems(raw, reflect.TypeFor[T](), "")
	if len(fields) == 0 {
		fields = []FieldError{{Field: "row", Reason: strings.TrimPrefix(err.Error(), "json: ")}}
	}
	return nil, id, fields
}

// jsonProblems finds the fields of raw that do not decode into type t,
// naming them by path ("need.amount", "ipc[1]", "history[0].stage").
func jsonProblems(raw []byte, t reflect.Type, path string) []FieldError {
	name := path
	if name == "" {
		name = "row"
	}
	leaf := reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]())
	switch {
	case !leaf && t.Kind() == reflect.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return []FieldError{{Field: name, Reason: "must be a JSON object"}}
		}
		keys := make([]string, 0, len(obj))
		for key := range obj {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		var out []FieldError
		for _, key := range keys {
			sub := key
			if path != "" {
				sub = path + "." + key
			}
			f, ok := jsonField(t, key)
			if !ok {
				out = append(out, FieldError{Field: sub, Reason: "unknown field"})
				continue
			}
			out = append(out, jsonProblems(obj[key], f.Type, sub)...)
		}
		return out
	case !leaf && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return []FieldError{{Field: name, Reason: "must be a JSON array"}}
		}
		var out []FieldError
		for i, item := range items {
			out = append(out, jsonProblems(item, t.Elem(), indexed(path, i))...)
		}
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(reflect.New(t).Interface())
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return []FieldError{{Field: name, Reason: fmt.Sprintf("must be %s, not a JSON %s", JSONTypeName(t), te.Value)}}
	}
	return []FieldError{{Field: name, Reason: strings.TrimPrefix(err.Error(), "json: ")}}
}

// jsonField finds the struct field that encoding/json decodes key into:
// an exact tag match first, then a case-insensitive one.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	found := false
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			fold, found = f, true
		}
	}
	return fold, found
}

// JSONTypeName says in words what JSON a Go type takes ("a string", "an
// integer" …), for messages about a value of the wrong type.
func JSONTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map:
		return "an object"
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			return "a time like " + strconv.Quote(time.RFC3339)
		}
		return "an object"
	}
	return "a " + t.String()
}
