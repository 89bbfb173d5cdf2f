package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// counting is a provider that counts its full reads, passing its marker
// through.
type counting struct {
	providers.Provider
	reads *atomic.Int64
}

func (c counting) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	c.reads.Add(1)
	return c.Provider.Records(ctx, origin)
}

func (c counting) Marker(ctx context.Context, origin string) (string, error) {
	return c.Provider.(providers.Marker).Marker(ctx, origin)
}

// counted loads dir with every zone target's provider counting its reads
// (the parent delegation is not counted).
func counted(t *testing.T, dir string) (*Engine, *atomic.Int64) {
	t.Helper()
	e := load(t, dir)
	n := &atomic.Int64{}
	for i := range e.Targets {
		e.Targets[i].Provider = counting{e.Targets[i].Provider, n}
	}
	return e, n
}

// planCounted plans dir and returns the plan and how many zone targets
// were read in full.
func planCounted(t *testing.T, dir string, full bool) (*plan.Plan, int64) {
	t.Helper()
	e, n := counted(t, dir)
	e.FullRead = full
	p := e.Plan(context.Background())
	return p, n.Load()
}

// synced is a lab applied once: a, b and c in sync, their markers kept by
// the read after apply.
func synced(t *testing.T) string {
	t.Helper()
	dir := lab(t, base)
	e, _ := counted(t, dir)
	if _, err := e.Run(context.Background(), Policy{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func zoneTarget(p *plan.Plan, provider string) *plan.Target {
	for _, t := range p.Targets {
		if t.Zone == "example.com." && t.Provider == provider {
			return t
		}
	}
	return nil
}

func TestMarkerSkipsUnchangedRead(t *testing.T) {
	dir := synced(t)
	p, reads := planCounted(t, dir, false)
	if reads != 0 {
		t.Errorf("a plan right after apply read %d zone targets in full, want 0", reads)
	}
	if p.Changes() != 0 || len(p.Failed()) != 0 {
		t.Fatalf("plan after apply: %d changes, %d failed", p.Changes(), len(p.Failed()))
	}
	for _, name := range []string{"a", "b", "c"} {
		tg := zoneTarget(p, name)
		if tg.Unchanged == "" || !strings.HasPrefix(tg.Fingerprint, "marker:sha256:") || tg.Current == 0 {
			t.Errorf("%s: Unchanged %q, fingerprint %q, current %d: want a target not read, with the marker as fingerprint and the last read's count",
				name, tg.Unchanged, tg.Fingerprint, tg.Current)
		}
	}
	var b strings.Builder
	if err := plan.WriteJSON(&b, p); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), `"unchanged": "change marker sha256:`); n != 3 {
		t.Errorf("JSON plan says of %d targets that they were not read, want 3:\n%s", n, b.String())
	}
	// The parent delegation has no marker cache entry: it is always read.
	if _, err := os.Stat(filepath.Join(dir, ".zonecast/markers/example.com.json")); err != nil {
		t.Fatal(err)
	}
}

func TestMarkerSeesHandEditOfTarget(t *testing.T) {
	dir := synced(t)
	f := filepath.Join(dir, "out/b/example.com.zone")
	text := read(t, dir, "out/b/example.com.zone")
	if err := os.WriteFile(f, []byte(text+"intruder.example.com. 300 IN A 203.0.113.66\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, reads := planCounted(t, dir, false)
	if reads != 1 {
		t.Errorf("read %d targets in full, want 1 (b, whose file was edited)", reads)
	}
	b := zoneTarget(p, "b")
	if b.Unchanged != "" || len(b.Changes) != 1 || b.Changes[0].Op != plan.Delete || b.Changes[0].Before.Name != "intruder.example.com." {
		t.Errorf("b: Unchanged %q, changes %+v: want the intruder deleted", b.Unchanged, b.Changes)
	}
	for _, name := range []string{"a", "c"} {
		if zoneTarget(p, name).Unchanged == "" {
			t.Errorf("%s was read in full, though unchanged", name)
		}
	}
	var txt, md strings.Builder
	if err := plan.WriteText(&txt, p, plan.Style{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(txt.String(), "\n  not read: change marker sha256:"); n != 2 {
		t.Errorf("text plan says of %d targets that they were not read, want 2 (a, c):\n%s", n, txt.String())
	}
	if err := plan.WriteMarkdown(&md, p, plan.Style{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(md.String(), "not read: change marker sha256:"); n != 2 {
		t.Errorf("markdown plan says of %d targets that they were not read, want 2 (a, c):\n%s", n, md.String())
	}
	// Drift is never kept as in sync: the next plan reads b again.
	if _, reads := planCounted(t, dir, false); reads != 1 {
		t.Errorf("second plan read %d targets in full, want 1 (b, still drifted)", reads)
	}
}

func TestMarkerSourceEditReadsInFull(t *testing.T) {
	dir := synced(t)
	write(t, dir, "example.com.zone", base+"new A 192.0.2.77\n")
	p, reads := planCounted(t, dir, false)
	if reads != 3 {
		t.Errorf("read %d targets in full after the zone file changed, want 3", reads)
	}
	for _, name := range []string{"a", "b", "c"} {
		if tg := zoneTarget(p, name); tg.Unchanged != "" || len(tg.Changes) != 1 {
			t.Errorf("%s: Unchanged %q, %d changes: want a read and the new record planned", name, tg.Unchanged, len(tg.Changes))
		}
	}
}

func TestMarkerCorruptCacheReadsInFull(t *testing.T) {
	dir := synced(t)
	write(t, dir, ".zonecast/markers/example.com.json", `{"version":1,"zone":"example.com.","providers":{"a":`)
	p, reads := planCounted(t, dir, false)
	if reads != 3 {
		t.Errorf("read %d targets in full with a corrupt cache, want 3", reads)
	}
	if p.Changes() != 0 || len(p.Failed()) != 0 {
		t.Fatalf("a corrupt cache changed the plan: %d changes, %d failed", p.Changes(), len(p.Failed()))
	}
	if tg := zoneTarget(p, "a"); !strings.Contains(strings.Join(tg.Notes, "\n"), "is not usable") {
		t.Errorf("no note on the unusable cache: %q", tg.Notes)
	}
	// The reads rewrote it.
	if _, reads := planCounted(t, dir, false); reads != 0 {
		t.Errorf("after the cache was rewritten, read %d targets in full, want 0", reads)
	}
}

func TestMarkerFullRead(t *testing.T) {
	dir := synced(t)
	p, reads := planCounted(t, dir, true)
	if reads != 3 {
		t.Errorf("FullRead read %d targets in full, want 3", reads)
	}
	for _, tg := range p.Targets {
		if tg.Unchanged != "" || strings.HasPrefix(tg.Fingerprint, "marker:") {
			t.Errorf("%s at %s: Unchanged %q, fingerprint %q with FullRead", tg.Zone, tg.Provider, tg.Unchanged, tg.Fingerprint)
		}
	}
}

func TestMarkerTooOldReadsInFull(t *testing.T) {
	dir := synced(t)
	path := filepath.Join(dir, ".zonecast/markers/example.com.json")
	var f markerFile
	if err := json.Unmarshal([]byte(read(t, dir, ".zonecast/markers/example.com.json")), &f); err != nil {
		t.Fatal(err)
	}
	e := f.Providers["c"]
	e.Time = time.Now().Add(-DefaultMarkerMaxAge - time.Minute)
	f.Providers["c"] = e
	b, _ := json.Marshal(f)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, reads := planCounted(t, dir, false); reads != 1 {
		t.Errorf("read %d targets in full, want 1 (c, whose marker is too old)", reads)
	}
	if _, reads := planCounted(t, dir, false); reads != 0 {
		t.Errorf("after c was read again, read %d targets in full, want 0", reads)
	}
}

// TestMarkerSavedPlan: a plan saved from markers is applied while the
// markers stay; an edit at a provider since makes it stale; and a plan
// saved from full reads is checked by full reads.
func TestMarkerSavedPlan(t *testing.T) {
	dir := synced(t)
	save := func(full bool) *plan.File {
		t.Helper()
		e, _ := counted(t, dir)
		e.FullRead = full
		f, err := e.SavedPlan(e.Plan(context.Background()), "test")
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := plan.Decode(b, "saved")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	apply := func(f *plan.File, full bool) (int64, error) {
		t.Helper()
		e, n := counted(t, dir)
		e.FullRead = full
		_, err := e.Run(context.Background(), Policy{Saved: f})
		return n.Load(), err
	}

	byMarkers := save(false)
	if reads, err := apply(byMarkers, false); err != nil || reads != 0 {
		t.Errorf("saved plan by markers: %d full reads, %v; want 0 and no error", reads, err)
	}
	// A full read at apply time that finds the marker unchanged agrees.
	if _, err := apply(byMarkers, true); err != nil {
		t.Errorf("saved plan by markers, applied with FullRead: %v", err)
	}
	byReads := save(true)
	if reads, err := apply(byReads, false); err != nil || reads != 3 {
		t.Errorf("saved plan by full reads: %d full reads, %v; want 3 and no error", reads, err)
	}

	byMarkers = save(false)
	f := filepath.Join(dir, "out/a/example.com.zone")
	if err := os.WriteFile(f, []byte(read(t, dir, "out/a/example.com.zone")+"x.example.com. 300 IN A 203.0.113.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(byMarkers, false); err == nil || !strings.Contains(err.Error(), "changed at a since the plan was made") {
		t.Errorf("saved plan by markers after an edit at a: %v, want stale", err)
	}
}

// TestMarkerDesiredChangedMeanwhile: a target found unchanged by its marker
// is read in full after all when the desired zone changes before it is
// planned (a failover state adopted from another target's read).
func TestMarkerDesiredChangedMeanwhile(t *testing.T) {
	dir := synced(t)
	e, n := counted(t, dir)
	e.snapshotDesired()
	tg := e.Targets[0]
	r := e.readOne(context.Background(), tg)
	if !r.mark.hit || n.Load() != 0 {
		t.Fatalf("hit %v, %d reads: want a target not read", r.mark.hit, n.Load())
	}
	// As adopt does: a new desired zone value.
	z := zones.NewZone("example.com.")
	for k, s := range e.Desired["example.com."].Sets {
		z.Sets[k] = s
	}
	extra := zones.RRset{Name: "late.example.com.", Type: 1, TTL: 300, Data: []string{"192.0.2.99"}}
	z.Sets[extra.Key()] = &extra
	e.Desired["example.com."] = z
	p := e.compute(tg, r)
	if n.Load() != 1 || p.Unchanged != "" || len(p.Changes) != 1 || p.Changes[0].After.Name != "late.example.com." {
		t.Errorf("%d reads, Unchanged %q, changes %+v: want a full read planning late.example.com.", n.Load(), p.Unchanged, p.Changes)
	}
}

// TestMarkerErrorReadsInFull: a provider whose marker fails (a zone file
// with an $INCLUDE) is read in full every time, and nothing is kept.
func TestMarkerErrorReadsInFull(t *testing.T) {
	dir := synced(t)
	write(t, dir, "out/c/extra.zone", "")
	write(t, dir, "out/c/example.com.zone", read(t, dir, "out/c/example.com.zone")+"$INCLUDE extra.zone\n")
	for range 2 {
		p, reads := planCounted(t, dir, false)
		c := zoneTarget(p, "c")
		if reads != 1 || c.Unchanged != "" || !strings.Contains(strings.Join(c.Notes, "\n"), "read in full: no change marker: ") {
			t.Errorf("%d reads, c Unchanged %q, notes %q: want c read in full, with a note", reads, c.Unchanged, c.Notes)
		}
	}
}

// lying is a provider whose marker never changes, whatever its content
// does (a server that does not raise its serial on UPDATE).
type lying struct{ counting }

func (l lying) Marker(context.Context, string) (string, error) { return "soa:1", nil }

// TestMarkerUntrusted: a provider found with other content under the same
// marker is read in full from then on, with a note saying why.
func TestMarkerUntrusted(t *testing.T) {
	dir := synced(t)
	planB := func() (*plan.Target, int64) {
		t.Helper()
		e := load(t, dir)
		n := &atomic.Int64{}
		for i := range e.Targets {
			if e.Targets[i].Provider.Name() == "b" {
				e.Targets[i].Provider = lying{counting{e.Targets[i].Provider, n}}
			}
		}
		return zoneTarget(e.Plan(context.Background()), "b"), n.Load()
	}
	if b, reads := planB(); reads != 1 || len(b.Changes) != 0 {
		t.Fatalf("first plan with the lying marker: %d reads, %d changes; want 1 and 0", reads, len(b.Changes))
	}
	if b, reads := planB(); reads != 0 || b.Unchanged == "" {
		t.Fatalf("second plan: %d reads, Unchanged %q; want b not read", reads, b.Unchanged)
	}
	// The zone file changes: b is read, and its content is not what it was
	// under the same marker (the new record is missing at b, but an
	// edit at b that the marker hid is there).
	f := filepath.Join(dir, "out/b/example.com.zone")
	if err := os.WriteFile(f, []byte(read(t, dir, "out/b/example.com.zone")+"hidden.example.com. 300 IN A 203.0.113.9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "example.com.zone", base+"new A 192.0.2.77\n")
	b, reads := planB()
	if reads != 1 || len(b.Changes) != 2 || !strings.Contains(strings.Join(b.Notes, "\n"), "are not used for 24h0m0s: the content changed while the change marker stayed soa:1") {
		t.Fatalf("plan after the zone file changed: %d reads, %d changes, notes %q; want a read, 2 changes and the marker distrusted", reads, len(b.Changes), b.Notes)
	}
	write(t, dir, "example.com.zone", base)
	for range 2 {
		b, reads := planB()
		if reads != 1 || b.Unchanged != "" || !strings.Contains(strings.Join(b.Notes, "\n"), "are not trusted since") {
			t.Errorf("plan with the marker distrusted: %d reads, Unchanged %q, notes %q; want a full read and a note", reads, b.Unchanged, b.Notes)
		}
	}
}
