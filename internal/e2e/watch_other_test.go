//go:build !linux

package e2e

import (
	"os"
	"testing"
)

// writeWatch counts writes only on Linux (inotify); elsewhere it reports
// one write per call, so only the reloads are checked.
type writeWatch struct{}

func watchWrites(t *testing.T, dir, name string) *writeWatch { return &writeWatch{} }

func (w *writeWatch) count(t *testing.T) int { return -1 }

func inode(fi os.FileInfo) uint64 { return 0 }
