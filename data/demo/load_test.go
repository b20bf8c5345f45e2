package demo_test

import (
	"bytes"
	"testing"

	"ipmatch/data/demo"
	"ipmatch/data/sqlite"
)

// TestLoadTwice loads the demo into an empty store twice: every committed
// record arrives, and the second load adds nothing.
func TestLoadTwice(t *testing.T) {
	s, err := sqlite.Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 {
		if err := demo.Load(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	want := bytes.Count(demo.File("patents"), []byte("\n"))
	if n, err := s.Patents().Count(t.Context()); err != nil || n != want {
		t.Fatalf("%d patents (%v), want %d", n, err, want)
	}
}
