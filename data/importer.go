package data

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

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

// sameRecord reports whether a and b are equal apart from their timestamps
// and revisions.
// Nil and empty slices are equal, and times are compared with Equal.
func sameRecord[T any](k Kind[T], a, b *T) bool {
	ac, bc := *a, *b
	for _, r := range []*T{&ac, &bc} {
		c, u := k.Stamps(r)
		*c, *u = time.Time{}, time.Time{}
		if k.Rev != nil {
			*k.Rev(r) = 0
		}
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
