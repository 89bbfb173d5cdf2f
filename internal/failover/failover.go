// Package failover keeps the record of providers taken out of service (the
// state file) and computes what a zone's apex NS set and delegation become
// without them. It does no network I/O: the CLI verifies, plans and applies.
package failover

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// StateVersion is the version of the state file format.
const StateVersion = 1

// State is which providers are out of service, for which zones.
type State struct {
	Version int             `json:"version"`
	Dropped map[string]Drop `json:"dropped"` // provider → drop
	// Pending is work a run could not finish (a reload, a parent
	// delegation), for the next apply or sync cycle to do.
	Pending []plan.Pending `json:"pending,omitempty"`
	// Serials are the serials of each zone's shared state record (see
	// shared.go): the last drop or restore recorded or adopted.
	Serials map[string]int64 `json:"serials,omitempty"`
}

// Drop is one provider taken out of service.
type Drop struct {
	Since  time.Time `json:"since"`
	Reason string    `json:"reason,omitempty"`
	Zones  []string  `json:"zones"`
}

// Load reads the state file; a missing file is an empty state.
func Load(path string) (*State, error) {
	s := &State{Version: StateVersion, Dropped: map[string]Drop{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read failover state: %w", err)
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("read failover state %s: %w", path, err)
	}
	if s.Version != StateVersion {
		return nil, fmt.Errorf("failover state %s has version %d; this zonecast reads %d", path, s.Version, StateVersion)
	}
	if s.Dropped == nil {
		s.Dropped = map[string]Drop{}
	}
	return s, nil
}

// Save writes the state atomically.
func (s *State) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// IsDropped reports whether provider is out of service for zone.
func (s *State) IsDropped(provider, zone string) bool {
	d, ok := s.Dropped[provider]
	return ok && slices.Contains(d.Zones, zone)
}

// DropFor records that provider is out of service for zone.
func (s *State) DropFor(provider, zone, reason string, now time.Time) {
	d, ok := s.Dropped[provider]
	if !ok {
		d = Drop{Since: now.UTC(), Reason: reason}
	}
	if !slices.Contains(d.Zones, zone) {
		d.Zones = append(d.Zones, zone)
		slices.Sort(d.Zones)
	}
	if reason != "" {
		d.Reason = reason
	}
	s.Dropped[provider] = d
	s.bump(zone, now)
}

// RestoreFor records that provider is back in service for zone.
func (s *State) RestoreFor(provider, zone string) {
	d, ok := s.Dropped[provider]
	if !ok || !slices.Contains(d.Zones, zone) {
		return
	}
	s.bump(zone, time.Now())
	d.Zones = slices.DeleteFunc(d.Zones, func(z string) bool { return z == zone })
	if len(d.Zones) == 0 {
		delete(s.Dropped, provider)
		return
	}
	s.Dropped[provider] = d
}

// AddPending records work still to do. Recording the same work (kind, zone,
// provider) again keeps its first Since and takes the new error.
func (s *State) AddPending(p plan.Pending) {
	for i, q := range s.Pending {
		if q.Kind == p.Kind && q.Zone == p.Zone && q.Provider == p.Provider {
			s.Pending[i].Err = p.Err
			return
		}
	}
	s.Pending = append(s.Pending, p)
	slices.SortFunc(s.Pending, func(a, b plan.Pending) int {
		return cmp.Or(strings.Compare(a.Zone, b.Zone), strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Provider, b.Provider))
	})
}

// Done removes recorded work; it reports whether there was any.
func (s *State) Done(kind plan.PendingKind, zone, provider string) bool {
	n := len(s.Pending)
	s.Pending = slices.DeleteFunc(s.Pending, func(q plan.Pending) bool {
		return q.Kind == kind && q.Zone == zone && q.Provider == provider
	})
	return len(s.Pending) != n
}

// PendingOf lists the recorded work for the given zones.
func (s *State) PendingOf(zones []string) []plan.Pending {
	var out []plan.Pending
	for _, p := range s.Pending {
		if slices.Contains(zones, p.Zone) {
			out = append(out, p)
		}
	}
	return out
}

// Without returns a copy of the desired zone whose apex NS set lacks the
// given nameserver names (those of the providers out of service). It errs
// when that would leave the apex without NS.
func Without(desired *zones.Zone, out []providers.Nameserver) (*zones.Zone, error) {
	if len(out) == 0 {
		return desired, nil
	}
	drop := map[string]bool{}
	for _, n := range out {
		if n.Name != "" {
			drop[n.Name] = true
		}
	}
	z := *desired
	z.Sets = make(map[zones.Key]*zones.RRset, len(desired.Sets))
	for k, s := range desired.Sets {
		z.Sets[k] = s
	}
	k := zones.Key{Name: desired.Origin, Type: dns.TypeNS}
	ns := desired.Sets[k]
	if ns == nil {
		return &z, nil
	}
	kept := *ns
	kept.Data = slices.DeleteFunc(slices.Clone(ns.Data), func(d string) bool { return drop[d] })
	if len(kept.Data) == 0 {
		return nil, fmt.Errorf("%s would have no NS records left", desired.Origin)
	}
	z.Sets[k] = &kept
	return &z, nil
}

// Glue returns the address records the delegation of the zone needs for
// the given nameserver names: those inside the zone (in-bailiwick), from
// the zone file.
func Glue(desired *zones.Zone, names []string) []*zones.RRset {
	var out []*zones.RRset
	for _, n := range names {
		if !dns.IsSubDomain(desired.Origin, n) {
			continue
		}
		for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
			if s := desired.Lookup(n, t); s != nil {
				out = append(out, s)
			}
		}
	}
	return out
}
