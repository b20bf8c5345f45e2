package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"ipmatch/data"
)

// table is the one collection adapter: built from a data.Kind, it serves
// every kind of record.
type table[T any] struct {
	kind data.Kind[T]
	coll *mongo.Collection
	// claims holds the revision claims of Update (conditional.go) and the
	// claims of Recover (audit.go).
	claims *mongo.Collection
	// auditLog is where the table's writes are logged when asked, and
	// intents holds their audit intents (audit.go); auditLog is nil for
	// the audit log itself and the sign-in records.
	auditLog *table[data.AuditEntry]
	intents  *mongo.Collection
	log      *slog.Logger
	refs     []refField // the reference fields kind fills in
	codec    codec[T]
	// replaceChunk is how many replaces go in one BulkWrite at most.
	replaceChunk int
}

var _ data.Table[data.Patent] = (*table[data.Patent])(nil)

func newTable[T any](db *mongo.Database, kind data.Kind[T], log *slog.Logger, replaceChunk int) *table[T] {
	return &table[T]{
		kind:         kind,
		coll:         db.Collection(kind.Name),
		claims:       db.Collection(claimsCollection),
		intents:      db.Collection(intentsCollection),
		log:          log.With("collection", kind.Name),
		refs:         usedRefs(kind),
		codec:        newCodec[T](),
		replaceChunk: replaceChunk,
	}
}

// ensureIndexes creates the unique index on key and one index per reference
// field the kind uses, unless they exist: MongoDB would ignore them, but
// FerretDB 1.24 drops the connection when asked for several indexes that
// exist, so a store could not be opened twice.
func (t *table[T]) ensureIndexes(ctx context.Context) error {
	specs, err := t.coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return t.fail("listing indexes of", err)
	}
	exists := map[string]bool{}
	for _, s := range specs {
		exists[s.Name] = true
	}
	var models []mongo.IndexModel
	if !exists["key_unique"] {
		models = append(models, mongo.IndexModel{
			Keys:    bson.D{{Key: "key", Value: 1}},
			Options: options.Index().SetUnique(true).SetName("key_unique"),
		})
	}
	for _, f := range t.refs {
		if exists[f.name] {
			continue
		}
		models = append(models, mongo.IndexModel{
			Keys:    bson.D{{Key: f.name, Value: 1}},
			Options: options.Index().SetName(f.name),
		})
	}
	if len(models) == 0 {
		return nil
	}
	if _, err := t.coll.Indexes().CreateMany(ctx, models); err != nil {
		return t.fail("creating indexes of", err)
	}
	return nil
}

// fail wraps a driver error. It is not a *data.Error, so data.ErrorCode
// gives internal and data.ErrorMessage shows users nothing of it.
func (t *table[T]) fail(op string, err error) error {
	return fmt.Errorf("mongo: %s %s: %w", op, t.kind.Name, err)
}

// decode turns a stored document back into a record.
func (t *table[T]) decode(d *document) (T, error) {
	rec, err := t.codec.decode(d.Body, d.Hidden)
	if err != nil {
		return rec, t.fail("reading", fmt.Errorf("document %q: %w", d.ID, err))
	}
	*t.kind.ID(&rec) = d.ID
	created, updated := t.kind.Stamps(&rec)
	*created, *updated = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	if t.kind.Rev != nil {
		*t.kind.Rev(&rec) = d.Rev
	}
	return rec, nil
}

// findOne returns the record matching filter, or notFound when none does.
func (t *table[T]) findOne(ctx context.Context, filter bson.D, notFound string) (T, error) {
	var d document
	err := t.coll.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		var zero T
		return zero, t.kind.NotFound(notFound)
	}
	if err != nil {
		var zero T
		return zero, t.fail("reading", err)
	}
	return t.decode(&d)
}

// Get returns the record with the given ID or a not_found error.
func (t *table[T]) Get(ctx context.Context, id string) (T, error) {
	return t.findOne(ctx, bson.D{{Key: "_id", Value: id}}, id)
}

// GetByKey returns the record with the given natural key or a not_found
// error. Kinds without natural keys have none to find.
func (t *table[T]) GetByKey(ctx context.Context, key string) (T, error) {
	if key == "" {
		var zero T
		return zero, t.kind.NotFound(key)
	}
	return t.findOne(ctx, bson.D{{Key: "key", Value: naturalKey(key)}}, key)
}

// List returns the records matching opts in ID order and how many match in
// all. A negative offset or limit is invalid.
func (t *table[T]) List(ctx context.Context, opts data.ListOptions) ([]T, int, error) {
	if err := opts.Check(); err != nil {
		return nil, 0, err
	}
	opts, ok := opts.Narrow()
	if !ok || opts.IDs != nil && len(opts.IDs) == 0 {
		return []T{}, 0, nil
	}
	filter := bson.D{}
	for _, f := range refFields {
		if v := f.get(opts.Refs); v != "" {
			filter = append(filter, bson.E{Key: f.name, Value: v})
		}
	}
	if opts.Enterprises != nil { // Narrow left no enterprise_id filter besides
		filter = append(filter, bson.E{Key: "enterprise_id", Value: bson.D{{Key: "$in", Value: opts.Enterprises}}})
	}
	// One _id condition: a filter document must not repeat a key.
	idCond := bson.D{}
	if opts.IDs != nil {
		idCond = append(idCond, bson.E{Key: "$in", Value: opts.IDs})
	}
	if opts.After != "" {
		idCond = append(idCond, bson.E{Key: "$gt", Value: opts.After})
	}
	if len(idCond) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: idCond})
	}
	total, err := t.coll.CountDocuments(ctx, filter)
	if err != nil {
		return nil, 0, t.fail("counting", err)
	}
	if int64(opts.Offset) >= total {
		return []T{}, int(total), nil
	}
	find := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetSkip(int64(opts.Offset))
	if opts.Limit > 0 {
		find.SetLimit(int64(opts.Limit))
	}
	cur, err := t.coll.Find(ctx, filter, find)
	if err != nil {
		return nil, 0, t.fail("listing", err)
	}
	var docs []document
	if err := cur.All(ctx, &docs); err != nil {
		return nil, 0, t.fail("listing", err)
	}
	recs := make([]T, len(docs))
	for i := range docs {
		if recs[i], err = t.decode(&docs[i]); err != nil {
			return nil, 0, err
		}
	}
	return recs, int(total), nil
}

// Delete removes the record with the given ID or returns not_found; a
// logged delete records its intent first (audit.go).
func (t *table[T]) Delete(ctx context.Context, id string) error {
	p, err := t.beginAudit(ctx, data.AuditDelete, []string{id})
	if err != nil {
		return err
	}
	res, err := t.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return t.fail("deleting from", err) // the intent stays: Recover tells
	}
	if res.DeletedCount == 0 {
		t.abandonAudit(ctx, p)
		return t.kind.NotFound(id)
	}
	t.finishAudit(ctx, p, data.AuditDelete, []string{id})
	return nil
}

// Count returns how many records there are.
func (t *table[T]) Count(ctx context.Context) (int, error) {
	n, err := t.coll.CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, t.fail("counting", err)
	}
	return int(n), nil
}
