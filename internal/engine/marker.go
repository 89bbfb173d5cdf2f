package engine

// Change markers: an unchanged zone at a provider that has a cheap change
// marker (providers.Marker: an SOA serial, a file's digest) costs one
// query, not a full read.
//
// The marker cache keeps, per zone and provider, the marker the provider
// had when a full read showed it in sync with the desired zone, in a small
// JSON file per zone: filepath.Dir(Config.State)/markers/<origin>json.
// Before a target is read in full, its marker is asked; when the cache
// holds that marker for the same desired zone (plan.ZoneDigest) and the
// same provider and zone settings, the target is in sync without a read:
// its plan has no changes, says so (plan.Target.Unchanged), and its
// fingerprint is "marker:" and the marker, so that a saved plan is checked
// against the marker. Otherwise the zone is read in full, the marker having
// been asked first; when the plan then has nothing to change, that marker
// is kept. A marker asked after the read is never kept: a write in between
// would be hidden.
//
// Anything unusual reads in full: no marker or an error asking it, no
// cache or an unreadable one, an entry older than MarkerMaxAge, another
// desired zone (a zone file edited, a failover state adopted or changed: the
// shared state record is part of the desired zone), another provider or
// zone configuration, a zone the provider lacks, Engine.FullRead.

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// DefaultMarkerMaxAge is how long a kept marker spares a target its full
// read when Engine.MarkerMaxAge is zero: once a day every zone is read in
// full anyway, which catches an edit a marker cannot see (a zone reloaded
// at a server with its old serial).
const DefaultMarkerMaxAge = 24 * time.Hour

// markerVersion is the cache file's format; a file of another version is
// not used (the zone is read in full and the file rewritten).
const markerVersion = 1

// markerFile is one zone's marker cache file.
type markerFile struct {
	Version   int                    `json:"version"`
	Zone      string                 `json:"zone"`
	Providers map[string]markerEntry `json:"providers"`
}

// markerEntry is what the last full read found at one provider (at Time):
// the provider's marker before the read was Marker and its content
// Fingerprint; when it was in sync, with the desired zone Desired (""
// otherwise), under the provider and zone settings Config.
type markerEntry struct {
	Marker      string    `json:"marker"`
	Fingerprint string    `json:"fingerprint"`
	Desired     string    `json:"desired,omitempty"`
	Config      string    `json:"config"`
	Time        time.Time `json:"time"`
	// Current and Notes are the plan's, shown again when not read.
	Current int      `json:"current_rrsets"`
	Notes   []string `json:"notes,omitempty"`
	// Untrusted, when set, says why the provider's markers are not used
	// for the zone since UntrustedSince (for MarkerMaxAge): two full
	// reads found other content under the same marker, which breaks the
	// providers.Marker contract (a server that does not raise its serial
	// on UPDATE).
	Untrusted      string    `json:"untrusted,omitempty"`
	UntrustedSince time.Time `json:"untrusted_since,omitzero"`
}

// markers is the engine's marker state: the cache's lock, the digests of
// the desired zones, and the saved plan's fingerprints in an apply of one.
type markers struct {
	mu      sync.Mutex // the cache files, and the fields below
	digests map[string]zoneDigest
	// snap is the desired zones' digests when the reads were launched
	// (snapshotDesired): the reads run beside adopt, which changes
	// Engine.Desired, so they never look at it.
	snap map[string]string
	// saved are the fingerprints of a saved plan's targets (Run with
	// Policy.Saved), nil otherwise.
	saved map[targetKey]string
	// fromFile are the desired zones Engine.without made from the zone
	// files, which differ from them at most in the apex NS and the
	// failover state record (fastDigest).
	fromFile map[string]*zones.Zone
}

// derived records that z is the desired zone of origin as without made it.
func (m *markers) derived(origin string, z *zones.Zone) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fromFile == nil {
		m.fromFile = map[string]*zones.Zone{}
	}
	m.fromFile[origin] = z
}

// rederived records nz as derived from the file in place of z, when z
// was (nz differs from it only by the addresses record).
func (m *markers) rederived(origin string, z, nz *zones.Zone) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fromFile[origin] == z {
		m.fromFile[origin] = nz
	}
}

type zoneDigest struct {
	z      *zones.Zone
	digest string
}

// markRead is what the marker said of a target before (or instead of) its
// full read.
type markRead struct {
	// marker is the provider's marker, asked before the read ("" when
	// there is none, or asking failed).
	marker string
	// desired is the desired zone's digest when the marker was asked, and
	// config the settings' digest.
	desired, config string
	// hit: the target is in sync without a read (unchanged says why, for
	// the plan); reread reads it in full after all, for when the desired
	// zone changed in between (a failover state adopted meanwhile).
	hit       bool
	unchanged string
	entry     markerEntry
	reread    func() readResult
	// note is a remark for the plan (an unreadable cache).
	note string
}

// markerBefore asks t's provider for its marker before t is read, and
// reports whether the read can be skipped.
func (e *Engine) markerBefore(ctx context.Context, t Target) markRead {
	mk, ok := e.markerOf(t)
	if !ok {
		return markRead{}
	}
	origin := t.Zone.Origin
	e.markers.mu.Lock()
	desired, ok := e.markers.snap[origin]
	e.markers.mu.Unlock()
	if !ok || desired == "" {
		return markRead{} // no snapshot of the desired zone: read in full, keep nothing
	}
	m := markRead{desired: desired, config: markerConfig(t)}
	mctx, cancel := context.WithTimeout(ctx, cmp.Or(e.Config.Limits.ReadTimeout, config.DefaultReadTimeout))
	marker, err := mk.Marker(mctx, origin)
	cancel()
	if err != nil || marker == "" {
		if err != nil && !errors.Is(err, providers.ErrZoneNotFound) {
			m.note = fmt.Sprintf("read in full: no change marker: %v", err)
		}
		return m
	}
	m.marker = marker
	m.reread = func() readResult {
		r := e.fullRead(ctx, t)
		r.mark = markRead{note: "read in full after all: the desired zone changed while the change marker was asked"}
		return r
	}
	e.markers.mu.Lock()
	saved, fromSaved := e.markers.saved[t.key()]
	e.markers.mu.Unlock()
	switch {
	case fromSaved:
		// The plan being applied says what the provider held: when it
		// was planned by its marker, the same marker now means the same
		// content (and the zone files were checked to be the same).
		if !e.FullRead && saved == "marker:"+marker {
			m.hit, m.unchanged = true, fmt.Sprintf("change marker %s as when the plan was made", marker)
			if entry, ok, _ := e.markerEntry(origin, t.Provider.Name()); ok && entry.Marker == marker && entry.Desired == desired {
				m.entry = entry
			}
		}
		return m
	case e.FullRead:
		return m
	}
	entry, ok, note := e.markerEntry(origin, t.Provider.Name())
	m.note = note
	maxAge := cmp.Or(e.MarkerMaxAge, DefaultMarkerMaxAge)
	if ok && entry.Untrusted != "" && time.Since(entry.UntrustedSince) < maxAge {
		m.note = fmt.Sprintf("read in full: change markers of %s at %s are not trusted since %s: %s",
			origin, t.Provider.Name(), entry.UntrustedSince.UTC().Format(time.RFC3339), entry.Untrusted)
		return m
	}
	if ok && entry.Desired != "" && entry.Marker == marker && entry.Desired == m.desired && entry.Config == m.config && time.Since(entry.Time) < maxAge {
		m.hit, m.entry = true, entry
		m.unchanged = fmt.Sprintf("change marker %s as after zonecast's last full read in sync, at %s", marker, entry.Time.UTC().Format(time.RFC3339))
		if sw, ok := mk.(sweepMarker); ok {
			m.unchanged = fmt.Sprintf("not read this cycle (sweep %s): in sync at its last full read, at %s; read again at %s",
				sw.period, entry.Time.UTC().Format(time.RFC3339), sw.next(time.Now()).UTC().Format(time.RFC3339))
		}
	}
	return m
}

// fullRead reads t in full, as readOne does, without markers.
func (e *Engine) fullRead(ctx context.Context, t Target) readResult {
	current, err := e.read(ctx, t)
	missing := errors.Is(err, providers.ErrZoneNotFound)
	if missing {
		err = nil
	}
	return readResult{current: current, missing: missing, err: err}
}

// unchangedTarget is the plan of t not read: no changes, the notes of its
// last full read, and the marker as fingerprint. When the desired zone is
// no longer the one the marker was checked against, t is read in full
// after all.
func (e *Engine) unchangedTarget(t Target, r readResult) *plan.Target {
	m := r.mark
	if e.desiredDigest(t.Zone.Origin) != m.desired {
		return e.compute(t, m.reread())
	}
	notes := append([]string(nil), m.entry.Notes...)
	if m.note != "" {
		notes = append(notes, m.note)
	}
	return &plan.Target{Zone: t.Zone.Origin, Provider: t.Provider.Name(), Changes: []plan.Change{},
		Notes: notes, Current: m.entry.Current, Fingerprint: "marker:" + m.marker, Unchanged: m.unchanged}
}

// markerAfter records what t's full read found under the marker asked
// before it, and whether the plan made from it has nothing to change (then
// the next run may skip the read); it gives the plan a saved plan's marker
// fingerprint when the marker is still the one it names. Content that
// differs from the last full read's under the same marker makes the
// provider's markers untrusted for the zone.
func (e *Engine) markerAfter(t Target, r readResult, pt *plan.Target) {
	m := r.mark
	defer func() {
		if m.note != "" {
			pt.Notes = append(pt.Notes, m.note)
		}
	}()
	if m.marker == "" || pt.Err != nil || pt.Missing {
		return
	}
	origin, name := t.Zone.Origin, t.Provider.Name()
	content := pt.Fingerprint
	e.markers.mu.Lock()
	saved, fromSaved := e.markers.saved[t.key()]
	e.markers.mu.Unlock()
	if fromSaved && saved == "marker:"+m.marker {
		pt.Fingerprint = saved
	}
	now := time.Now().UTC()
	entry := markerEntry{Marker: m.marker, Fingerprint: content, Config: m.config, Time: now,
		Current: pt.Current, Notes: append([]string(nil), pt.Notes...)}
	// The plan must be of the desired zone the marker was asked for.
	if len(pt.Changes) == 0 && pt.Refused == nil && e.desiredDigest(origin) == m.desired {
		entry.Desired = m.desired
	}
	maxAge := cmp.Or(e.MarkerMaxAge, DefaultMarkerMaxAge)
	err := e.updateMarker(origin, name, func(old markerEntry, ok bool) markerEntry {
		switch {
		case strings.HasPrefix(entry.Marker, sweepPrefix):
			// A sweep slot promises nothing about the content: drift
			// found in it is drift, not a lying marker.
		case ok && old.Marker == entry.Marker && old.Fingerprint != "" && content != "" && old.Fingerprint != content:
			entry.Untrusted, entry.UntrustedSince = fmt.Sprintf("the content changed while the change marker stayed %s (an RFC 2136 server must raise the SOA serial with every change, RFC 2136 §3.7; PowerDNS needs SOA-EDIT-DNSUPDATE)", entry.Marker), now
			m.note = fmt.Sprintf("change markers of %s at %s are not used for %s: %s", origin, name, maxAge, entry.Untrusted)
		case ok && old.Untrusted != "" && now.Sub(old.UntrustedSince) < maxAge:
			entry.Untrusted, entry.UntrustedSince = old.Untrusted, old.UntrustedSince
		}
		if entry.Untrusted != "" {
			entry.Desired = ""
		}
		return entry
	})
	if err != nil {
		m.note = fmt.Sprintf("cannot keep the change marker of %s at %s (the next run reads it in full again): %v", origin, name, err)
	}
}

// markersFor makes the run check the saved plan f's targets by their
// markers where f was made by them (nil: a fresh plan).
func (e *Engine) markersFor(f *plan.File) {
	e.markers.mu.Lock()
	defer e.markers.mu.Unlock()
	e.markers.saved = nil
	if f == nil {
		return
	}
	e.markers.saved = map[targetKey]string{}
	for _, t := range f.Targets {
		if strings.HasPrefix(t.Fingerprint, "marker:") {
			e.markers.saved[targetKey{t.Zone, t.Provider, false}] = t.Fingerprint
		} else {
			e.markers.saved[targetKey{t.Zone, t.Provider, false}] = ""
		}
	}
}

// snapshotDesired takes the digests of the desired zones that targets with
// a marker read, for the reads about to be launched (markerBefore). It must
// run where Engine.Desired may be read: not beside adopt.
func (e *Engine) snapshotDesired() {
	snap := map[string]string{}
	for _, t := range e.all() {
		if _, ok := e.markerOf(t); ok {
			if _, done := snap[t.Zone.Origin]; !done {
				snap[t.Zone.Origin] = e.desiredDigest(t.Zone.Origin)
			}
		}
	}
	e.markers.mu.Lock()
	e.markers.snap = snap
	e.markers.mu.Unlock()
}

// desiredDigest is plan.ZoneDigest of the desired zone origin, computed
// once per zone value (adopting a failover state makes a new one).
func (e *Engine) desiredDigest(origin string) string {
	e.markers.mu.Lock()
	z := e.Desired[origin]
	d, ok := e.markers.digests[origin]
	e.markers.mu.Unlock()
	if ok && d.z == z {
		return d.digest
	}
	if z == nil {
		return ""
	}
	digest := e.fastDigest(origin, z)
	e.markers.mu.Lock()
	if e.markers.digests == nil {
		e.markers.digests = map[string]zoneDigest{}
	}
	e.markers.digests[origin] = zoneDigest{z, digest}
	e.markers.mu.Unlock()
	return digest
}

// fastDigest is a digest of the desired zone z of origin that costs no
// pass over its records: the zone file's source digest (every byte read;
// zones.Zone.SourceDigest) with the only RRsets the desired zone may have
// changed from the file's, the apex NS (less the providers out of service),
// the failover state record and the addresses record. For a desired zone made otherwise, or
// without a source digest (a zone not read from a file), it is
// plan.ZoneDigest.
func (e *Engine) fastDigest(origin string, z *zones.Zone) string {
	e.markers.mu.Lock()
	made := e.markers.fromFile[origin] == z
	e.markers.mu.Unlock()
	f := e.Files[origin]
	if !made || f == nil || f.SourceDigest == "" {
		return plan.ZoneDigest(z)
	}
	h := sha256.New()
	fmt.Fprintf(h, "desired v1\x00%s\x00", f.SourceDigest)
	for _, set := range []*zones.RRset{z.Lookup(origin, dns.TypeNS), z.Lookup(failover.StateName(origin), dns.TypeTXT), z.Lookup(failover.AddressesName(origin), dns.TypeTXT)} {
		if set != nil {
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00", set.Name, set.Type, set.TTL, strings.Join(set.Data, "\x00"))
		} else {
			h.Write([]byte("-\x00"))
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// markerConfig digests what, besides the desired zone and the provider's
// content, decides t's plan: the provider (name, driver, capabilities,
// which name its servers or folder) and the zone's ignore rules.
func markerConfig(t Target) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%T\x00%#v\x00%s\x00%#v", t.Provider.Name(), t.Provider, t.Provider.Capabilities(), t.Zone.Origin, t.Zone.Ignore)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// markerDir is where the marker cache lives: beside the state file.
func (e *Engine) markerDir() string { return markerDir(e.Config) }

func markerDir(cfg *config.Config) string {
	return filepath.Join(filepath.Dir(cfg.State), "markers")
}

// markerPath is the cache file of origin.
func (e *Engine) markerPath(origin string) string { return markerPath(e.Config, origin) }

func markerPath(cfg *config.Config, origin string) string {
	name := strings.NewReplacer("/", "_", "\\", "_").Replace(origin)
	if name == "." {
		name = "_root."
	}
	return filepath.Join(markerDir(cfg), name+"json")
}

// EditedFirst puts first, among the selected zones, those whose zone file
// changed since their marker cache was last written (or that have none):
// the zones a sync with a sweep must read at once go before the others,
// and before the sweep's reads. It reports how many there are. Only the
// zone file's own time is looked at, not its $INCLUDEs'.
func (b *Base) EditedFirst() int {
	edited := map[string]bool{}
	for _, o := range b.Origins {
		zst, err := os.Stat(b.zoneConfig(o).File)
		if err != nil {
			continue
		}
		mst, err := os.Stat(markerPath(b.Config, o))
		edited[o] = err != nil || zst.ModTime().After(mst.ModTime())
	}
	slices.SortStableFunc(b.Origins, func(x, y string) int {
		switch {
		case edited[x] == edited[y]:
			return 0
		case edited[x]:
			return -1
		}
		return 1
	})
	n := 0
	for _, e := range edited {
		if e {
			n++
		}
	}
	return n
}

// loadMarkers reads origin's cache file. A missing file is an empty cache;
// an unreadable one too, with a note saying so.
func (e *Engine) loadMarkers(origin string) (f markerFile, note string) {
	path := e.markerPath(origin)
	empty := markerFile{Version: markerVersion, Zone: origin, Providers: map[string]markerEntry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return empty, ""
	}
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	switch {
	case err != nil:
	case f.Version != markerVersion:
		err = fmt.Errorf("format version %d, not %d", f.Version, markerVersion)
	case f.Zone != origin:
		err = fmt.Errorf("it is of zone %q", f.Zone)
	}
	if err != nil {
		return empty, fmt.Sprintf("change marker cache %s is not usable (%v): read in full, and the cache rewritten", path, err)
	}
	if f.Providers == nil {
		f.Providers = map[string]markerEntry{}
	}
	return f, ""
}

// markerEntry returns the cache's entry for origin at provider.
func (e *Engine) markerEntry(origin, provider string) (markerEntry, bool, string) {
	e.markers.mu.Lock()
	defer e.markers.mu.Unlock()
	f, note := e.loadMarkers(origin)
	entry, ok := f.Providers[provider]
	return entry, ok, note
}

// updateMarker makes the cache's entry for origin at provider what update
// makes of the entry it holds (ok: there is one), atomically (a temporary
// file renamed over the old one).
func (e *Engine) updateMarker(origin, provider string, update func(old markerEntry, ok bool) markerEntry) error {
	e.markers.mu.Lock()
	defer e.markers.mu.Unlock()
	f, _ := e.loadMarkers(origin)
	old, ok := f.Providers[provider]
	f.Providers[provider] = update(old, ok)
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	dir := e.markerDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".markers-*")
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
	return os.Rename(tmp.Name(), e.markerPath(origin))
}

// The sweep: a provider with no change marker (Cloudflare, Route 53) is
// read in full once per Engine.Sweep, not every cycle, each zone at a time
// of its own within the period, so that the reads of many zones spread over
// it within the API's budget instead of all coming at once. A zone whose
// desired content changed (its file edited, a failover state adopted) is
// read at once, as is one never read in sync; drift made at the provider
// between two reads is found at the next. It is the sync job's (sync
// --sweep): plan and apply always read such providers in full.
//
// It works as a change marker the engine makes up: "sweep:" and the start
// of the target's current slot, which changes once per period, at the
// target's offset in it (a hash of zone and provider). A full read in sync
// keeps that marker; until the slot moves on, the target is not read.

// sweepPrefix starts every made-up sweep marker.
const sweepPrefix = "sweep:"

// sweepMarker is the change marker of the sweep for one target.
type sweepMarker struct {
	period time.Duration
	offset time.Duration // the target's place in the period
}

// Marker is the start of the current slot.
func (s sweepMarker) Marker(context.Context, string) (string, error) {
	return sweepPrefix + s.slot(time.Now()).UTC().Format(time.RFC3339), nil
}

// slot is the latest time, at or before now, at the target's offset in a
// period (periods counted from the Unix epoch).
func (s sweepMarker) slot(now time.Time) time.Time {
	since := now.Sub(time.Unix(0, 0)) - s.offset
	return now.Add(-(since % s.period))
}

// next is when the target is read again.
func (s sweepMarker) next(now time.Time) time.Time { return s.slot(now).Add(s.period) }

// markerOf is t's change marker: its provider's, or the sweep's when the
// provider has none and Engine.Sweep is set. Delegations have none.
func (e *Engine) markerOf(t Target) (providers.Marker, bool) {
	if t.Parent || signedZone(t.Zone) {
		// A signed zone is read in full every run: SOA serials do not show
		// every change of keys under signing (docs/multi-signer.md).
		return nil, false
	}
	if mk, ok := t.Provider.(providers.Marker); ok {
		return mk, true
	}
	if e.Sweep <= 0 {
		return nil, false
	}
	h := fnv.New64a()
	io.WriteString(h, t.Zone.Origin+"\x00"+t.Provider.Name())
	return sweepMarker{period: e.Sweep, offset: time.Duration(h.Sum64() % uint64(e.Sweep))}, true
}
