package search

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Random access to the index's mapped files. bleve maps each segment file
// (.zap) and reads it through the mapping, and a search reads it at random:
// a term's entry in a dictionary, the postings of a few terms, the stored
// fields of a page of hits. On a page fault Linux reads around the missing
// page as much as the disk's readahead (read_ahead_kb), 128 KiB on most
// disks but 8 MiB on this machine's virtual disk: every miss then brought
// in 8 MiB, and a province node in a memory cgroup of 2.5 GiB (page cache
// counted) evicted its own index, and its own binary, faster than it read
// them: p50 3.5 s at 30 requests a second, against 4 ms matches and 28 ms
// patent searches with 128 KiB. Marking the mappings MADV_RANDOM makes a
// fault read the page it needs, whatever the disk's setting.
//
// bleve gives no hook where it maps a file, and segments come and go as
// writes are indexed and merged, so the node's mappings are read from
// /proc/self/maps when the index opens and every adviseEvery after.

// adviseEvery is how often new segment mappings are marked: a segment
// made since is read with the disk's readahead until then.
const adviseEvery = 10 * time.Second

// adviseRandom marks every mapping of a .zap file under dir not marked
// before (seen holds the mappings marked, by address range and file, and
// is pruned to those that still exist) MADV_RANDOM, and returns how many
// it marked. Errors are ignored: the advice only changes how much is read
// ahead.
func adviseRandom(dir string, seen map[string]bool) int {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0
	}
	prefix := indexPath(dir) + string(filepath.Separator)
	live := make(map[string]bool, len(seen))
	marked := 0
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.HasSuffix(f[5], ".zap") || !strings.HasPrefix(f[5], prefix) {
			continue
		}
		from, to, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(from, 16, 64)
		end, err2 := strconv.ParseUint(to, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		key := f[0] + " " + f[5]
		live[key] = true
		if seen[key] {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_RANDOM); errno == 0 {
			marked++
		}
	}
	clear(seen)
	for k := range live {
		seen[k] = true
	}
	return marked
}

// indexPath is dir as /proc/self/maps names the files under it: absolute,
// symbolic links resolved.
func indexPath(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return filepath.Clean(dir)
}

// adviseLoop marks the index's mappings now and every adviseEvery until
// stop is closed.
func adviseLoop(dir string, stop <-chan struct{}) {
	seen := map[string]bool{}
	t := time.NewTicker(adviseEvery)
	defer t.Stop()
	for {
		adviseRandom(dir, seen)
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
