//go:build !unix

package search

import "os"

// lockDir opens the lock file; where flock is missing it does not guard
// against a second process.
func lockDir(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o640)
}
