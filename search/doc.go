// Package search will hold ipmatch's bleve indexes of patents, enterprises
// and products (Chinese analysis, facets, highlights), rebuilt from and kept
// in step with the data.Store. It imports data and bleve only.
//
// Not built yet: see issue 3. The package exists so the layout and the
// one-way import rule can be checked from the start.
package search
