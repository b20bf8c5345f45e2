package demo

import (
	"bytes"
	"context"
	"fmt"

	"ipmatch/data"
)

// Load imports the committed demo files into s in dependency order (Kinds).
// Loading again changes nothing. A rejected row is an error: the committed
// files must always load whole.
func Load(ctx context.Context, s data.Store) error {
	for _, kind := range Kinds {
		rep, err := data.Import(ctx, s, bytes.NewReader(File(kind)), data.ImportOptions{Kind: kind, Format: data.FormatJSONL})
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
