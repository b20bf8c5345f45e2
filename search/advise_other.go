//go:build !linux

package search

// adviseLoop marks the index's mapped files for random access on Linux
// (advise_linux.go); elsewhere the system's readahead applies.
func adviseLoop(dir string, stop <-chan struct{}) { <-stop }
