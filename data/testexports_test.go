package data

// Internal names the external tests (package data_test, which use
// data/memstore and so cannot live in package data) need.

// SameRecord is sameRecord, the importer's test of an unchanged record.
func SameRecord[T any](k Kind[T], a, b *T) bool { return sameRecord(k, a, b) }

// UTF8BOM is the byte-order mark the readers skip.
const UTF8BOM = utf8BOM

// ValidPatent, ValidEnterprise and FieldsOf are records_test.go's helpers.
var (
	ValidPatent     = validPatent
	ValidEnterprise = validEnterprise
	FieldsOf        = fieldsOf
)
