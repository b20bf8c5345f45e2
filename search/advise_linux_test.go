package search

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestAdviseRandom checks that the index's mapped segment files are marked
// for random access (VmFlags "rr" in /proc/self/smaps), each once, and
// that no mapping outside the index's directory is.
func TestAdviseRandom(t *testing.T) {
	_, x := shared(t)
	if n := adviseRandom(t.TempDir(), map[string]bool{}); n != 0 {
		t.Errorf("an empty directory: %d mappings marked, want 0", n)
	}
	seen := map[string]bool{}
	if n := adviseRandom(x.dir, seen); n == 0 {
		t.Fatal("no mapping of the index's segment files marked")
	}
	if n := adviseRandom(x.dir, seen); n != 0 {
		t.Errorf("the second pass marked %d mappings again, want 0", n)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	prefix := indexPath(x.dir) + "/"
	var path string
	zaps, random := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") { // a mapping's first line
			path = ""
			if len(fields) >= 6 {
				path = fields[5]
			}
			continue
		}
		if !strings.HasPrefix(line, "VmFlags:") || !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, ".zap") {
			continue
		}
		zaps++
		if strings.Contains(" "+line+" ", " rr ") {
			random++
		}
	}
	if zaps == 0 || random != zaps {
		t.Errorf("%d of the index's %d segment mappings marked for random access, want all", random, zaps)
	}
}
