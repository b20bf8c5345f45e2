package mongo

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"ipmatch/data"
)

// document is how a record of any kind is stored. The domain types carry no
// bson tags; this struct is the adapter's own.
//
// The record itself is body: its JSON, kept as a string rather than turned
// into a BSON sub-document (bson.UnmarshalExtJSON). A string comes back byte
// for byte on MongoDB and on every FerretDB backend, whatever the record
// holds (numbers keep their Go type, no field name can clash with BSON or
// FerretDB rules on '$' and '.', no depth or array-nesting limits apply),
// and it is several times cheaper to encode and decode than going through
// Extended JSON. Nothing queries inside a record on the server: List filters
// only on the envelope fields, and full-text search is bleve's job.
type document struct {
	ID           string    `bson:"_id"`
	Key          string    `bson:"key"`
	BankID       string    `bson:"bank_id,omitempty"`
	EnterpriseID string    `bson:"enterprise_id,omitempty"`
	EventID      string    `bson:"event_id,omitempty"`
	PoolID       string    `bson:"pool_id,omitempty"`
	ProductID    string    `bson:"product_id,omitempty"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
	// Rev is the record's revision (data.Kind.Rev), which the conditional
	// writes filter on; missing (0) in documents written before it.
	Rev int64 `bson:"rev"`
	// Body is the record as JSON.
	Body string `bson:"body"`
	// Hidden is a JSON object of the record's fields that its JSON leaves
	// out (tagged json:"-"), by Go field name; absent when there are none.
	Hidden string `bson:"hidden,omitempty"`
	// AuditID is the audit entry of the write that stored the document,
	// when the write was logged (audit.go).
	AuditID string `bson:"audit_id,omitempty"`
}

// stored is the part of a document that Put reads before writing.
type stored struct {
	ID        string    `bson:"_id"`
	Key       string    `bson:"key"`
	CreatedAt time.Time `bson:"created_at"`
	Rev       int64     `bson:"rev"`
}

// storedProjection selects the fields of stored.
var storedProjection = map[string]int{"_id": 1, "key": 1, "created_at": 1, "rev": 1}

// revIs is the filter on a document's revision rev: revision 0 is a
// document written before revisions, without the field.
func revIs(rev int64) any {
	if rev == 0 {
		return bson.D{{Key: "$in", Value: bson.A{nil, int64(0)}}}
	}
	return rev
}

// naturalKey and idKey give the value of a document's key field.
func naturalKey(key string) string { return "k:" + key }
func idKey(id string) string       { return "id:" + id }

// stamp returns t in UTC truncated to the millisecond, the precision of a
// BSON date.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// refField is one reference field of a document.
type refField struct {
	name string
	get  func(data.Refs) string
	set  func(*document, string)
}

var refFields = []refField{
	{"bank_id", func(r data.Refs) string { return r.Bank }, func(d *document, v string) { d.BankID = v }},
	{"enterprise_id", func(r data.Refs) string { return r.Enterprise }, func(d *document, v string) { d.EnterpriseID = v }},
	{"event_id", func(r data.Refs) string { return r.Event }, func(d *document, v string) { d.EventID = v }},
	{"pool_id", func(r data.Refs) string { return r.Pool }, func(d *document, v string) { d.PoolID = v }},
	{"product_id", func(r data.Refs) string { return r.Product }, func(d *document, v string) { d.ProductID = v }},
}

// usedRefs returns the reference fields that kind k fills in, so that only
// those are indexed. It calls k.Refs on a probe record whose top-level string
// fields are all set; a kind whose references hide elsewhere only loses an
// index, never a result.
func usedRefs[T any](k data.Kind[T]) []refField {
	var probe T
	v := reflect.ValueOf(&probe).Elem()
	if v.Kind() == reflect.Struct {
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.String && f.CanSet() {
				f.SetString("probe")
			}
		}
	}
	refs := k.Refs(&probe)
	var used []refField
	for _, f := range refFields {
		if f.get(refs) != "" {
			used = append(used, f)
		}
	}
	return used
}

// codec turns records of type T into document bodies and back.
type codec[T any] struct {
	hidden []reflect.StructField // exported top-level fields tagged json:"-"
}

func newCodec[T any]() codec[T] {
	var c codec[T]
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return c
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && f.Tag.Get("json") == "-" {
			c.hidden = append(c.hidden, f)
		}
	}
	return c
}

// encode returns the body and hidden fields of rec.
func (c codec[T]) encode(rec *T) (body, hidden string, err error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return "", "", err
	}
	if len(c.hidden) == 0 {
		return string(b), "", nil
	}
	v := reflect.ValueOf(rec).Elem()
	m := make(map[string]any, len(c.hidden))
	for _, f := range c.hidden {
		if fv := v.FieldByIndex(f.Index); !fv.IsZero() {
			m[f.Name] = fv.Interface()
		}
	}
	if len(m) == 0 {
		return string(b), "", nil
	}
	h, err := json.Marshal(m)
	if err != nil {
		return "", "", err
	}
	return string(b), string(h), nil
}

// decode reads a record from its body and hidden fields.
func (c codec[T]) decode(body, hidden string) (T, error) {
	var rec T
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		return rec, fmt.Errorf("decoding body: %w", err)
	}
	if hidden == "" || len(c.hidden) == 0 {
		return rec, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(hidden), &m); err != nil {
		return rec, fmt.Errorf("decoding hidden fields: %w", err)
	}
	v := reflect.ValueOf(&rec).Elem()
	for _, f := range c.hidden {
		if raw, ok := m[f.Name]; ok {
			if err := json.Unmarshal(raw, v.FieldByIndex(f.Index).Addr().Interface()); err != nil {
				return rec, fmt.Errorf("decoding hidden field %s: %w", f.Name, err)
			}
		}
	}
	return rec, nil
}
