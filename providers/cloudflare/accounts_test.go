package cloudflare_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	emu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/cloudflare"
)

// build returns a provider called name on the emulator with token and pace.
func build(t *testing.T, s *emu.Server, name, token string, rps float64) *cloudflare.Provider {
	t.Helper()
	p, err := cloudflare.New(name, cloudflare.Config{APIToken: providers.NewSecret(token), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: rps, MaxWait: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// origins returns the generated zones' origins.
func origins(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + "."
	}
	return out
}

// TestAccountSharedBudget: two providers with one token at one API share
// one account and one token bucket: what one spends, the other cannot.
// With a pace of one request per 10,000 s and Cloudflare's burst of 4, the
// two reads of two zones (a lookup and a listing each) spend the bucket,
// and a third read is refused at once by the limiter, which knows its wait
// would outlast the context. A provider with another token is another
// account with its own bucket.
func TestAccountSharedBudget(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZones(3, 3)
	a := build(t, s, "cf-a", "token-1", 0.0001)
	b := build(t, s, "cf-b", "token-1", 1000) // the account keeps the stricter pace
	if a.Account() != b.Account() {
		t.Fatal("two providers with one token: two accounts")
	}
	for _, p := range []*cloudflare.Provider{a, b} {
		if _, err := p.Records(t.Context(), "zone0000"+map[*cloudflare.Provider]string{a: "0", b: "1"}[p]+".example."); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.Requests()); n != 4 {
		t.Fatalf("%d requests for two reads, want 4 (a lookup and a listing each)", n)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := b.Records(ctx, "zone00002.example.")
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a third read on the spent account: %v, want the account's pace to refuse it (DeadlineExceeded)", err)
	}
	if n := len(s.Requests()); n != 4 {
		t.Errorf("%d requests after the refusal, want still 4", n)
	}

	other := build(t, s, "cf-c", "token-2", 0.0001)
	if other.Account() == a.Account() {
		t.Fatal("another token: the same account")
	}
	if _, err := other.Records(ctx, "zone00002.example."); err != nil {
		t.Errorf("another account's first read: %v, want its own budget", err)
	}
}

// TestPrepareZones: with 300 zones, PrepareZones lists them in
// ceil(300/50) = 6 requests; reading every zone then makes no lookup, only
// the record listings, and so does a provider built again (a reloaded
// configuration), which shares the account's cache.
func TestPrepareZones(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	names := s.AddZones(300, 5)
	p := build(t, s, "cloudflare", "t", 10000)
	if err := p.PrepareZones(t.Context(), origins(names)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"GET /zones": 6}, s.Counts()); diff != "" {
		t.Errorf("PrepareZones requests (-want +got):\n%s", diff)
	}
	s.ResetRequests()
	for _, o := range origins(names) {
		sets, err := p.Records(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		if len(sets) != 5 { // MX, TXT, www, h0, h1
			t.Fatalf("%s: %d RRsets, want 5", o, len(sets))
		}
	}
	if diff := cmp.Diff(map[string]int{"GET /zones/{id}/dns_records": 300}, s.Counts()); diff != "" {
		t.Errorf("reads after PrepareZones (-want +got):\n%s", diff)
	}
	s.ResetRequests()
	again := build(t, s, "cloudflare", "t", 10000)
	if err := again.PrepareZones(t.Context(), origins(names)); err != nil {
		t.Fatal(err)
	}
	if _, err := again.Records(t.Context(), "zone00299.example."); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"GET /zones/{id}/dns_records": 1}, s.Counts()); diff != "" {
		t.Errorf("a provider built again (-want +got):\n%s", diff)
	}
}

// TestPrepareFewZones: for one or two zones PrepareZones lists nothing, and
// each zone is looked up by name, once.
func TestPrepareFewZones(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	names := s.AddZones(200, 3)
	p := build(t, s, "cloudflare", "t", 10000)
	few := origins(names[:2])
	if err := p.PrepareZones(t.Context(), few); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		for _, o := range few {
			if _, err := p.Records(t.Context(), o); err != nil {
				t.Fatal(err)
			}
		}
	}
	lookups := 0
	for _, r := range s.Requests() {
		if r.Path == "/client/v4/zones" {
			lookups++
			if !strings.Contains(r.Query, "name=zone0000") {
				t.Errorf("a lookup without the name: %s", r.Query)
			}
		}
	}
	if lookups != 2 {
		t.Errorf("%d zone requests for two zones read twice, want 2 lookups by name", lookups)
	}
}

// TestGoneZoneLookedUpAgain: a cached zone ID that went away (the zone
// deleted and added again) answers 404; the driver drops it, looks the zone
// up again by name once, and reads the new zone.
func TestGoneZoneLookedUpAgain(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	names := s.AddZones(5, 3)
	p := build(t, s, "cloudflare", "t", 10000)
	if err := p.PrepareZones(t.Context(), origins(names)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(t.Context(), "zone00001.example."); err != nil {
		t.Fatal(err)
	}
	s.DeleteZone("zone00001.example")
	newID := s.AddZoneStatus("zone00001.example", "active")
	s.AddRecord(newID, emu.Record{Type: "A", Name: "new", Content: "192.0.2.9", TTL: 300})
	s.ResetRequests()
	// A provider built again still has the old ID from the account.
	sets, err := build(t, s, "cloudflare", "t", 10000).Records(t.Context(), "zone00001.example.")
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 || sets[0].Name != "new.zone00001.example." {
		t.Errorf("read %v, want the new zone's one record", sets)
	}
	want := map[string]int{"GET /zones/{id}/dns_records": 2, "GET /zones": 1}
	if diff := cmp.Diff(want, s.Counts()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if e, ok := p.Account().Zone("zone00001.example."); !ok || len(e.Zones) != 1 || e.Zones[0].ID != newID {
		t.Errorf("the account's cache holds %+v, want the new ID %s", e, newID)
	}
}

// TestZonesAndStatus: Zones lists the active zones, sorted and canonical,
// from one paged listing; a pending zone is left out, and reading it after
// PrepareZones says it is not active, as a lookup by name does.
func TestZonesAndStatus(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZones(60, 3)
	s.AddZoneStatus("pending.example", "pending")
	p := build(t, s, "cloudflare", "t", 10000)
	got, err := p.Zones(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 60 || got[0] != "zone00000.example." || got[59] != "zone00059.example." {
		t.Errorf("Zones gave %d: %v…", len(got), got[:min(3, len(got))])
	}
	if n := s.Counts()["GET /zones"]; n != 2 {
		t.Errorf("%d listing requests for 61 zones, want 2", n)
	}
	if err := p.PrepareZones(t.Context(), []string{"pending.example.", "zone00001.example.", "zone00002.example.", "missing.example."}); err != nil {
		t.Fatal(err)
	}
	if n := s.Counts()["GET /zones"]; n != 2 {
		t.Errorf("PrepareZones after Zones listed again (%d requests), want the cache", n)
	}
	if _, err := p.Records(t.Context(), "pending.example."); err == nil || !strings.Contains(err.Error(), "is not active (") {
		t.Errorf("a pending zone: %v", err)
	}
	if _, err := p.Records(t.Context(), "missing.example."); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("a zone the listing lacks: %v, want ErrZoneNotFound", err)
	}
	if n := s.Counts()["GET /zones"]; n != 2 {
		t.Errorf("%d zone requests, want the 2 of the listing: misses come from it", n)
	}
}

// TestPendingBecomesActive: a zone a listing found pending is asked again
// by name once the listing's answer is older than ZoneMissTTL, so a zone
// whose setup was finished is read by the next run of a long-lived process.
func TestPendingBecomesActive(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	names := s.AddZones(3, 3)
	pending := s.AddZoneStatus("late.example", "pending")
	p := build(t, s, "cloudflare", "t", 10000)
	if err := p.PrepareZones(t.Context(), append(origins(names), "late.example.")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(t.Context(), "late.example."); err == nil || !strings.Contains(err.Error(), pending) {
		t.Fatalf("a pending zone: %v", err)
	}
	s.DeleteZone(pending)
	s.AddZone("late.example")
	later := time.Now().Add(providers.ZoneMissTTL)
	p.Account().SetClock(func() time.Time { return later })
	t.Cleanup(func() { p.Account().SetClock(time.Now) })
	s.ResetRequests()
	if _, err := build(t, s, "cloudflare", "t", 10000).Records(t.Context(), "late.example."); err != nil {
		t.Errorf("the zone once active: %v", err)
	}
	if n := s.Counts()["GET /zones"]; n != 1 {
		t.Errorf("%d zone requests, want one lookup by name", n)
	}
}
