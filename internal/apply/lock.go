package apply

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// ErrLocked says another zonecast is applying or syncing the same zone.
var ErrLocked = errors.New("zone is locked")

// Lock is an advisory lock on one zone, held while applying so that two
// applies or syncs of the same zone never interleave. It is an flock(2) on
// a file in dir: the operating system releases it when the holder dies,
// even by kill -9.
type Lock struct {
	fl     *flock.Flock
	holder string
}

// Acquire takes the lock on zone, or fails at once with ErrLocked naming the
// holder (pid, host, since).
func Acquire(dir, zone string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock directory: %w", err)
	}
	name := strings.TrimSuffix(zone, ".")
	if name == "" {
		name = "root"
	}
	path := filepath.Join(dir, name+".lock")
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", zone, err)
	}
	holder := path + ".holder"
	if !ok {
		who, _ := os.ReadFile(holder)
		w := strings.TrimSpace(string(who))
		if w == "" {
			w = "holder unknown"
		}
		return nil, fmt.Errorf("%w: another zonecast is applying %s (%s; lock file %s); wait for it or stop it", ErrLocked, zone, w, path)
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid %d on %s since %s", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(holder, []byte(info+"\n"), 0o644); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", zone, err)
	}
	return &Lock{fl: fl, holder: holder}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	os.Remove(l.holder)
	return l.fl.Unlock()
}
