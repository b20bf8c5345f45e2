package data

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The import and export formats.
const (
	FormatJSONL    = "jsonl"     // one record per line in its JSON form; every kind
	FormatCSV      = "csv"       // enterprises and products; see EnterpriseCSVColumns, ProductCSVColumns
	FormatCNIPACSV = "cnipa-csv" // patents, as exported by the CNIPA patent search system (import only)
	// FormatCNIPALegalCSV is patents' legal-status events, one a row, as
	// CNIPA's legal-status search exports them (import only; added to the
	// stored patents, import_legal.go).
	FormatCNIPALegalCSV = "cnipa-legal-csv"
)

// importKinds lists the kinds of record that Import and Export handle, by
// table name. Tokens are never imported or exported.
const importKinds = "enterprises, patents, banks, products, events, participants, deals, pools, appraisers, appraisals, policies"

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
	// Format is "jsonl" (every kind), "csv" (enterprises, products),
	// "cnipa-csv" or "cnipa-legal-csv" (patents); "" means "jsonl".
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
	if opts.Format == FormatCNIPALegalCSV {
		return rep, importLegalEvents(ctx, s, r, opts, &rep)
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
	case "policies":
		err = runImport(ctx, s, s.Policies(), policyTransfer(), r, opts, &rep)
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
	case FormatCNIPACSV, FormatCNIPALegalCSV:
		if kind != "patents" {
			return optionError("format", "%s serves patents only; use jsonl for %s", format, kind)
		}
		if !importing {
			return optionError("format", "%s is an import format; export patents as jsonl", format)
		}
	default:
		return optionError("format", "%q is not one of jsonl, csv, cnipa-csv, cnipa-legal-csv", format)
	}
	return nil
}
