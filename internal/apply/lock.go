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
	fl      *flock.Flock
	holder  string
	preempt string // the file AcquireFirst writes
}

// lockPath is where zone's lock file lives in dir.
func lockPath(dir, zone string) string {
	name := strings.TrimSuffix(zone, ".")
	if name == "" {
		name = "root"
	}
	return filepath.Join(dir, name+".lock")
}

// Acquire takes the lock on zone, or fails at once with ErrLocked naming the
// holder (pid, host, since).
func Acquire(dir, zone string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock directory: %w", err)
	}
	path := lockPath(dir, zone)
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
	return &Lock{fl: fl, holder: holder, preempt: path + ".preempt"}, nil
}

// AcquireFirst takes the lock on zone ahead of a holder that yields (a sync
// cycle, see Preempted): it asks the holder to let go, by a file beside the
// lock, and waits up to wait for the lock. A holder that does not yield (an
// apply) keeps it: ErrLocked after wait.
func AcquireFirst(dir, zone string, wait time.Duration) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock directory: %w", err)
	}
	ask := lockPath(dir, zone) + ".preempt"
	if err := os.WriteFile(ask, []byte(fmt.Sprintf("pid %d\n", os.Getpid())), 0o644); err != nil {
		return nil, fmt.Errorf("lock %s: %w", zone, err)
	}
	defer os.Remove(ask)
	deadline := time.Now().Add(wait)
	for {
		l, err := Acquire(dir, zone)
		if !errors.Is(err, ErrLocked) || time.Now().After(deadline) {
			return l, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Preempted returns a channel closed when another zonecast asks for the
// lock with AcquireFirst; done stops the watching. The holder should then
// stop between messages and release the lock.
func (l *Lock) Preempted(done <-chan struct{}) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if _, err := os.Stat(l.preempt); err == nil {
					close(ch)
					return
				}
			}
		}
	}()
	return ch
}

// Release gives the lock up.
func (l *Lock) Release() error {
	os.Remove(l.holder)
	return l.fl.Unlock()
}
