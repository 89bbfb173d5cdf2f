package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// markerless is a provider with no change marker (as a cloud's API has
// none), counting its full reads.
type markerless struct {
	p     providers.Provider
	reads *atomic.Int64
}

func (m markerless) Name() string                         { return m.p.Name() }
func (m markerless) Capabilities() providers.Capabilities { return m.p.Capabilities() }
func (m markerless) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	m.reads.Add(1)
	return m.p.Records(ctx, origin)
}
func (m markerless) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	return m.p.Apply(ctx, origin, changes)
}

// sweepRun runs dir once with every zone target's provider stripped of its
// marker, with the sweep period given, and returns how many targets were
// read in full (apply's read back included).
func sweepRun(t *testing.T, dir string, sweep time.Duration) (*Report, int64) {
	t.Helper()
	e := load(t, dir)
	e.Sweep = sweep
	n := &atomic.Int64{}
	for i := range e.Targets {
		e.Targets[i].Provider = markerless{e.Targets[i].Provider, n}
	}
	rep, err := e.Run(context.Background(), Policy{})
	if err != nil {
		t.Fatal(err)
	}
	return rep, n.Load()
}

func TestSweepSpreadsReadsOfMarkerlessProviders(t *testing.T) {
	dir := lab(t, base)
	// Every cycle without a sweep: every target read (the first one
	// writes each and reads it back).
	if _, reads := sweepRun(t, dir, 0); reads != 6 {
		t.Fatalf("first run read %d times, want 6", reads)
	}
	if _, reads := sweepRun(t, dir, 0); reads != 3 {
		t.Fatalf("second run read %d targets, want 3", reads)
	}
	// The first cycle with a sweep reads all (none was read under it)...
	if _, reads := sweepRun(t, dir, 24*time.Hour); reads != 3 {
		t.Fatalf("first sweep cycle read %d targets, want 3", reads)
	}
	// ... the next none, within the same slot, and says so.
	rep, reads := sweepRun(t, dir, 24*time.Hour)
	if reads != 0 {
		t.Fatalf("second sweep cycle read %d targets, want 0", reads)
	}
	for _, tr := range rep.Targets[:3] {
		if !strings.HasPrefix(tr.Planned.Unchanged, "not read this cycle (sweep 24h0m0s)") || !tr.OK() {
			t.Errorf("%s: Unchanged %q, OK %v", tr.Provider, tr.Planned.Unchanged, tr.OK())
		}
	}
	// A source edit is read at once, whatever the sweep.
	zf := filepath.Join(dir, "example.com.zone")
	text, err := os.ReadFile(zf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zf, append(text, "swept.example.com. 300 IN A 192.0.2.99\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, reads = sweepRun(t, dir, 24*time.Hour)
	// read, applied, read back: twice each.
	if reads != 6 {
		t.Errorf("after a source edit the sweep cycle read %d times, want 6 (3 reads, 3 reads back)", reads)
	}
	for _, tr := range rep.Targets[:3] {
		if tr.Result.Applied != 1 || !tr.OK() {
			t.Errorf("%s: applied %d, problem %q", tr.Provider, tr.Result.Applied, tr.Problem())
		}
	}
	// Drift at a provider is not seen before its slot comes (it is not
	// read), and is once the slot has moved on (here: another period,
	// other slots).
	if _, reads = sweepRun(t, dir, 24*time.Hour); reads != 0 {
		t.Errorf("read %d targets, want 0", reads)
	}
	if _, reads = sweepRun(t, dir, time.Second); reads != 3 {
		t.Errorf("with the slot moved on, read %d targets, want 3", reads)
	}
}

func TestSweepSlots(t *testing.T) {
	s := sweepMarker{period: time.Hour, offset: 17 * time.Minute}
	now := time.Date(2026, 12, 3, 10, 5, 0, 0, time.UTC)
	if got, want := s.slot(now), time.Date(2026, 12, 3, 9, 17, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("slot at 10:05 = %s, want %s", got, want)
	}
	if got, want := s.next(now), time.Date(2026, 12, 3, 10, 17, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("next = %s, want %s", got, want)
	}
	if got, want := s.slot(time.Date(2026, 12, 3, 10, 17, 0, 0, time.UTC)), time.Date(2026, 12, 3, 10, 17, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("slot at its own time = %s, want %s", got, want)
	}
	// Offsets of many targets spread over the period.
	e := &Engine{Sweep: time.Hour}
	quarters := [4]int{}
	for i := range 400 {
		mk, _ := e.markerOf(Target{Provider: named{name: fmt.Sprintf("p%d", i%3)}, Zone: config.Zone{Origin: fmt.Sprintf("z%d.example.", i)}})
		quarters[mk.(sweepMarker).offset/(15*time.Minute)]++
	}
	for q, n := range quarters {
		if n < 60 {
			t.Errorf("quarter %d of the period holds %d of 400 targets' slots, want about 100: %v", q, n, quarters)
		}
	}
}

// named is a provider that has a name and nothing else.
type named struct {
	providers.Provider
	name string
}

func (n named) Name() string { return n.name }

// preparing is a provider that records what PrepareZones was told.
type preparing struct {
	providers.Provider
	calls *[][]string
}

func (p preparing) PrepareZones(_ context.Context, origins []string) error {
	*p.calls = append(*p.calls, origins)
	return fmt.Errorf("listing refused")
}

// A run tells each provider that takes it which zones it covers there,
// once per run whatever the batches, before reading; a listing that fails
// is a note, and the run goes on.
func TestPrepareZonesOncePerRun(t *testing.T) {
	dir := lab(t, base)
	b, err := Open(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	b.Config.Providers["b"] = preparing{b.Config.Providers["b"], &calls}
	b.Config.Providers["tld"] = preparing{b.Config.Providers["tld"], &calls}
	for i := range 2 { // two batches of one base
		e, err := b.Engine(b.Origins)
		if err != nil {
			t.Fatal(err)
		}
		p := e.Plan(context.Background())
		if len(p.Failed()) != 0 {
			t.Fatalf("plan failed: %v", p.Failed()[0].Err)
		}
		noted := strings.Contains(strings.Join(p.Notes, "\n"), "b: the account's zones could not be listed (listing refused); each zone is looked up by name")
		if noted != (i == 0) {
			t.Errorf("batch %d: notes %q: want the failed listing noted once, in the first batch", i, p.Notes)
		}
	}
	if len(calls) != 2 || fmt.Sprint(calls) != "[[example.com.] [com.]]" {
		t.Errorf("PrepareZones calls %v, want [[example.com.] [com.]] once (b: its zone; tld: the parent zone)", calls)
	}
}

// With a sweep, the zones whose files changed since their marker cache
// was written (or that have none) go first, in the order of the
// configuration; the others keep theirs.
func TestEditedFirst(t *testing.T) {
	dir := t.TempDir()
	cfg := "providers:\n  a: {type: zonefile, directory: out}\nzones:\n"
	for _, z := range []string{"a", "b", "c", "d"} {
		write(t, dir, "zones/"+z+".example.zone", "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns.example.net.\n")
		cfg += "  - {origin: " + z + ".example., file: zones/" + z + ".example.zone, providers: [a]}\n"
	}
	write(t, dir, "zonecast.yaml", cfg)
	old := time.Now().Add(-time.Hour)
	for _, z := range []string{"a", "b", "c", "d"} {
		if err := os.Chtimes(filepath.Join(dir, "zones", z+".example.zone"), old, old); err != nil {
			t.Fatal(err)
		}
	}
	// b and d have a cache newer than their files; c's file is newer
	// than its cache; a has none.
	for _, z := range []string{"b", "c", "d"} {
		write(t, dir, ".zonecast/markers/"+z+".example.json", "{}")
	}
	if err := os.Chtimes(filepath.Join(dir, "zones", "c.example.zone"), time.Now().Add(time.Hour), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, err := Open(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if n := b.EditedFirst(); n != 2 || fmt.Sprint(b.Origins) != "[a.example. c.example. b.example. d.example.]" {
		t.Errorf("EditedFirst: %d edited, order %v; want 2, [a.example. c.example. b.example. d.example.]", n, b.Origins)
	}
}

// The desired zone's digest for change markers comes from the zone file's
// bytes and the RRsets the failover state changes: it moves with either,
// and not otherwise.
func TestDesiredDigest(t *testing.T) {
	dir := lab(t, base)
	e := load(t, dir)
	const o = "example.com."
	d1 := e.desiredDigest(o)
	if !strings.HasPrefix(d1, "sha256:") || d1 == plan.ZoneDigest(e.Desired[o]) {
		t.Fatalf("digest %q: want the source-based one", d1)
	}
	if d := load(t, dir).desiredDigest(o); d != d1 {
		t.Errorf("the same files give %s, then %s", d1, d)
	}
	e.State.DropFor("c", o, "test", time.Now())
	z, err := e.without(o, "")
	if err != nil {
		t.Fatal(err)
	}
	e.Desired[o] = z
	if d := e.desiredDigest(o); d == d1 {
		t.Error("dropping c (its NS out of the apex set) left the digest as it was")
	}
	write(t, dir, "example.com.zone", base+"new A 192.0.2.7\n")
	if d := load(t, dir).desiredDigest(o); d == d1 {
		t.Error("an edited zone file left the digest as it was")
	}
}
