// Package resolve turns the host names zonecast must reach (nameservers
// given by name) into addresses, and remembers the last addresses each name
// had, so that a check still runs when the names no longer resolve: the
// trap of the outage zonecast exists for, where the fixers' tools needed
// the names that were down.
//
// A name is looked up through the configured resolvers (configuration
// `resolvers:`), else the system's. Every answer is kept in Known with its
// time; when the lookup fails, the last-known addresses are used and the
// caller is told so (Result.Note).
package resolve

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Entry is what one name resolved to, and when.
type Entry struct {
	Addrs []string `json:"addrs"`
	// At is when a lookup last gave Addrs; Since when the name first
	// had them (the last change of its addresses). Entries of one name
	// from two machines are merged by Since: the newer change wins.
	At    time.Time `json:"at"`
	Since time.Time `json:"since,omitzero"`
}

// since is e.Since, or At for an entry kept before Since was.
func (e Entry) since() time.Time {
	if e.Since.IsZero() {
		return e.At
	}
	return e.Since
}

// Known are the last-known addresses, host name (lower case, no final
// dot) → entry. It is kept in a file of its own beside the failover
// state (Load, Resolver.Save), so that a verify writing it can never undo a
// drop another zonecast recorded in the state meanwhile.
type Known map[string]Entry

// Resolver looks names up and keeps what it learns in Known.
type Resolver struct {
	// Servers are the resolvers to ask ("127.0.0.1:53"); empty means the
	// system's (/etc/resolv.conf).
	Servers []string
	// Timeout bounds one lookup (default 3s).
	Timeout time.Duration
	// Now is the clock of the entries (default time.Now).
	Now func() time.Time

	mu      sync.Mutex
	known   Known
	changed bool
	// notes are the fallbacks on last-known addresses not yet taken
	// (TakeNotes), one per name.
	notes []string
	noted map[string]bool
}

// New returns a resolver asking servers (none: the system's), starting
// from the last-known addresses known (nil: none).
func New(servers []string, known Known) *Resolver {
	k := Known{}
	for n, e := range known {
		k[n] = e
	}
	return &Resolver{Servers: servers, known: k}
}

// Result is one lookup.
type Result struct {
	Addrs []string
	// Note says the addresses are last-known ones, from when, and why
	// the lookup failed; empty for a fresh answer.
	Note string
}

func key(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) }

// LookupHost returns the addresses of name: fresh when the lookup works
// (and kept), else the last-known ones with a Note, else the lookup's
// error.
func (r *Resolver) LookupHost(ctx context.Context, name string) (Result, error) {
	k := key(name)
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(r.Timeout, 3*time.Second))
	defer cancel()
	addrs, err := r.net().LookupHost(ctx, k)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && len(addrs) > 0 {
		slices.Sort(addrs)
		// Whole seconds: the shared record keeps no finer, and two
		// machines must compare the same times.
		now := r.now().UTC().Truncate(time.Second)
		switch old, ok := r.known[k]; {
		case !ok || !slices.Equal(old.Addrs, addrs):
			r.known[k] = Entry{Addrs: addrs, At: now, Since: now}
			r.changed = true
		case now.Sub(old.At) > time.Minute:
			r.known[k] = Entry{Addrs: addrs, At: now, Since: old.since()}
			r.changed = true
		}
		return Result{Addrs: addrs}, nil
	}
	if err == nil {
		err = errors.New("no addresses")
	}
	if e, ok := r.known[k]; ok && len(e.Addrs) > 0 {
		return Result{Addrs: slices.Clone(e.Addrs), Note: fmt.Sprintf("%s does not resolve (%s, asking %s): using its last-known address%s %s, from %s",
			k, shortErr(err), r.asking(), plural(len(e.Addrs)), strings.Join(e.Addrs, ", "), e.At.UTC().Format(time.RFC3339))}, nil
	}
	return Result{}, fmt.Errorf("resolve %s: %s, asking %s (no last-known address: give the address in the configuration, name@address:port)", k, shortErr(err), r.asking())
}

// Addrs is LookupHost for a connection to a provider (providers.Dial):
// the addresses only; the note of a fallback on last-known ones is kept
// for TakeNotes, once per name.
func (r *Resolver) Addrs(ctx context.Context, name string) ([]string, error) {
	res, err := r.LookupHost(ctx, name)
	if res.Note != "" {
		r.mu.Lock()
		if k := key(name); !r.noted[k] {
			if r.noted == nil {
				r.noted = map[string]bool{}
			}
			r.noted[k] = true
			r.notes = append(r.notes, "provider server "+res.Note)
		}
		r.mu.Unlock()
	}
	return res.Addrs, err
}

// TakeNotes returns the notes of the connections (Addrs) that fell back
// on last-known addresses since the last call, one per name for the
// resolver's life.
func (r *Resolver) TakeNotes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.notes
	r.notes = nil
	return out
}

// Learn merges entries another zonecast kept (the shared record, see
// internal/failover) into what r knows: a name r does not know is taken,
// and one whose addresses differ when the entry's change is the newer.
// It reports whether r changed.
func (r *Resolver) Learn(known Known) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	learnt := false
	for n, e := range known {
		n = key(n)
		if len(e.Addrs) == 0 {
			continue
		}
		m, ok := merge(r.known[n], e)
		if !ok {
			continue
		}
		r.known[n] = m
		r.changed, learnt = true, true
	}
	return learnt
}

// merge is what is known of a name from old (zero: nothing) and e: e's
// addresses when old has none or e's change is the newer; for the same
// addresses, the earliest time anyone saw them (so that two machines
// agree on the shared record) and the latest anyone confirmed them. It
// reports whether that differs from old.
func merge(old, e Entry) (Entry, bool) {
	switch {
	case len(old.Addrs) == 0 || (!slices.Equal(old.Addrs, e.Addrs) && newer(e, old)):
		return Entry{Addrs: slices.Clone(e.Addrs), At: latest(e.At, e.since()), Since: e.since()}, true
	case slices.Equal(old.Addrs, e.Addrs) && (e.At.After(old.At) || e.since().Before(old.since())):
		return Entry{Addrs: old.Addrs, At: latest(old.At, e.At), Since: earliest(old.since(), e.since())}, true
	}
	return old, false
}

// newer reports whether e's change of addresses is later than old's; two
// at the same time are ordered by their addresses, so that every machine
// picks the same.
func newer(e, old Entry) bool {
	if !e.since().Equal(old.since()) {
		return e.since().After(old.since())
	}
	return slices.Compare(e.Addrs, old.Addrs) > 0
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Known returns a copy of the last-known addresses, and whether a lookup
// changed them since New.
func (r *Resolver) Known() (Known, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Known{}
	for n, e := range r.known {
		out[n] = e
	}
	return out, r.changed
}

// asking names who is asked: the configured resolvers or the system's.
func (r *Resolver) asking() string {
	if len(r.Servers) == 0 {
		return "the system resolver"
	}
	return strings.Join(r.Servers, ", ")
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// net is the resolver to ask: the system's, or one that sends every query
// to the configured servers in turn.
func (r *Resolver) net() *net.Resolver {
	if len(r.Servers) == 0 {
		return net.DefaultResolver
	}
	var next int
	var mu sync.Mutex
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		mu.Lock()
		s := r.Servers[next%len(r.Servers)]
		next++
		mu.Unlock()
		var d net.Dialer
		return d.DialContext(ctx, network, s)
	}}
}

// shortErr is a lookup error without Go's "lookup NAME on SERVER:" prefix
// repeated.
func shortErr(err error) string {
	if de := (*net.DNSError)(nil); errors.As(err, &de) {
		if de.IsTimeout {
			return "timed out"
		}
		return de.Err
	}
	return err.Error()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "es"
}

// Load reads the last-known addresses kept at path; a missing file is none.
func Load(path string) (Known, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Known{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the last-known addresses: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("read the last-known addresses %s: %w", path, err)
	}
	if f.Addresses == nil {
		f.Addresses = Known{}
	}
	return f.Addresses, nil
}

// file is the shape of the addresses file.
type file struct {
	Version   int   `json:"version"`
	Addresses Known `json:"addresses"`
}

// Save writes what r learned to path when a lookup changed it, merged
// with what the file holds now (another zonecast may have written it
// since: the newer entry of each name wins), through a temporary file
// renamed into place.
func (r *Resolver) Save(path string) error {
	known, changed := r.Known()
	if !changed {
		return nil
	}
	onDisk, err := Load(path)
	if err != nil {
		return err
	}
	for n, e := range known {
		if m, ok := merge(onDisk[n], e); ok {
			onDisk[n] = m
		}
	}
	b, err := json.MarshalIndent(file{Version: 1, Addresses: onDisk}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".addresses-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	r.mu.Lock()
	r.changed = false
	r.mu.Unlock()
	return nil
}
