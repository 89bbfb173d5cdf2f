package route53_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/route53"
)

// build returns a provider called name on the emulator with the keys and
// pace given.
func build(t *testing.T, s *emu.Server, name, key string, rps float64, c route53.Config) *route53.Provider {
	t.Helper()
	c.AccessKeyID, c.SecretAccessKey = providers.NewSecret(key), providers.NewSecret("secret-"+key)
	c.Endpoint, c.RequestsPerSecond = s.URL, rps
	p, err := route53.New(t.Context(), name, c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func generated(n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = "zone" + pad5(i) + ".example."
	}
	return out
}

func pad5(i int) string {
	s := "0000" + itoa(i)
	return s[len(s)-5:]
}

// TestAccountSharedBudget: two providers with one set of keys at one
// endpoint share one account and one token bucket. At one request per
// 10,000 s and the burst of 5, two reads (a lookup and a listing each)
// and one more lookup spend it; the next read is refused at once by the
// limiter, whichever provider asks. Other keys are another account.
func TestAccountSharedBudget(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZones(4, 3)
	a := build(t, s, "r53-a", "AKIDONE", 0.0001, route53.Config{})
	b := build(t, s, "r53-b", "AKIDONE", 1000, route53.Config{})
	aa, err := a.Account(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ba, _ := b.Account(t.Context())
	if aa != ba {
		t.Fatal("two providers with one set of keys: two accounts")
	}
	zs := generated(4)
	if _, err := a.Records(t.Context(), zs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Records(t.Context(), zs[1]); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()); n != 4 {
		t.Fatalf("%d requests for two reads, want 4", n)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// One token is left: the lookup goes, the listing is refused.
	if _, err := b.Records(ctx, zs[2]); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a read past the shared burst: %v, want the account's pace to refuse it (DeadlineExceeded)", err)
	}
	if n := len(s.Requests()); n != 5 {
		t.Errorf("%d requests, want 5: the burst of 5 spent by both providers", n)
	}
	other := build(t, s, "r53-c", "AKIDTWO", 0.0001, route53.Config{})
	oa, _ := other.Account(t.Context())
	if oa == aa {
		t.Fatal("other keys: the same account")
	}
	if _, err := other.Records(ctx, zs[3]); err != nil {
		t.Errorf("another account's first read: %v, want its own budget", err)
	}
}

// TestPrepareZones: with 300 hosted zones, PrepareZones lists them in
// ceil(300/100) = 3 ListHostedZones requests; reading every zone then makes
// no ListHostedZonesByName, only the record listings; a provider built
// again shares the cache.
func TestPrepareZones(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZones(300, 5)
	p := build(t, s, "route53", "AKID", 10000, route53.Config{})
	zs := generated(300)
	if err := p.PrepareZones(t.Context(), zs); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"ListHostedZones": 3}, s.Counts()); diff != "" {
		t.Errorf("PrepareZones requests (-want +got):\n%s", diff)
	}
	s.ResetRequests()
	for _, o := range zs {
		sets, err := p.Records(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		if len(sets) != 5 { // SOA, NS, MX, www, h0
			t.Fatalf("%s: %d RRsets, want 5", o, len(sets))
		}
	}
	if diff := cmp.Diff(map[string]int{"ListResourceRecordSets": 300}, s.Counts()); diff != "" {
		t.Errorf("reads after PrepareZones (-want +got):\n%s", diff)
	}
	s.ResetRequests()
	again := build(t, s, "route53", "AKID", 10000, route53.Config{})
	if err := again.PrepareZones(t.Context(), zs); err != nil {
		t.Fatal(err)
	}
	if _, err := again.Records(t.Context(), zs[299]); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"ListResourceRecordSets": 1}, s.Counts()); diff != "" {
		t.Errorf("a provider built again (-want +got):\n%s", diff)
	}
	got, err := again.Zones(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(zs, got); diff != "" {
		t.Errorf("Zones (-want +got):\n%s", diff)
	}
	if n := s.Counts()["ListHostedZones"]; n != 0 {
		t.Errorf("Zones listed again (%d requests) within the listing's lifetime", n)
	}
}

// TestPreparedDuplicatesAndPrivate: after PrepareZones, a name with two
// public hosted zones is the same error as a lookup by name gives (naming
// both ids and hosted_zone_ids), a name with only a private zone is
// ErrZoneNotFound naming it, a name with a private and a public zone is
// the public one, and hosted_zone_ids still picks a zone, all without a
// lookup by name.
func TestPreparedDuplicatesAndPrivate(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZones(3, 3)
	d1, d2 := s.AddZone("dup.example."), s.AddZone("dup.example.")
	priv := s.AddPrivateZone("priv.example.")
	s.AddPrivateZone("mixed.example.")
	pub := s.AddZone("mixed.example.")
	all := append(generated(3), "dup.example.", "priv.example.", "mixed.example.")

	p := build(t, s, "route53", "AKID", 10000, route53.Config{})
	if err := p.PrepareZones(t.Context(), all); err != nil {
		t.Fatal(err)
	}
	_, err := p.Records(t.Context(), "dup.example.")
	for _, want := range []string{d1, d2, "hosted_zone_ids", "2 public hosted zones"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("two public zones: %v, want it to name %s", err, want)
		}
	}
	if _, err := p.Records(t.Context(), "priv.example."); !errors.Is(err, providers.ErrZoneNotFound) || !strings.Contains(err.Error(), priv) {
		t.Errorf("only a private zone: %v, want ErrZoneNotFound naming %s", err, priv)
	}
	providertest.Converge(t, p, "mixed.example.", providertest.Head+"www A 192.0.2.7\n")
	if len(s.RRSets(pub)) != 4 {
		t.Errorf("the public zone of mixed.example. holds %d sets, want 4 (SOA, NS, ns1, www)", len(s.RRSets(pub)))
	}
	if n := s.Counts()["ListHostedZonesByName"]; n != 0 {
		t.Errorf("%d lookups by name after PrepareZones, want 0", n)
	}

	chosen := build(t, s, "route53", "AKID", 10000, route53.Config{HostedZoneIDs: map[string]string{"dup.example.": d2}})
	if err := chosen.PrepareZones(t.Context(), all); err != nil {
		t.Fatal(err)
	}
	if _, err := chosen.Records(t.Context(), "dup.example."); err != nil {
		t.Errorf("hosted_zone_ids after PrepareZones: %v", err)
	}
}

// TestGoneZoneLookedUpAgain: a cached hosted zone id that went away (the
// zone deleted and made again) answers NoSuchHostedZone; the driver drops
// it, looks the zone up by name once, and reads the new zone.
func TestGoneZoneLookedUpAgain(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	ids := s.AddZones(4, 3)
	zs := generated(4)
	p := build(t, s, "route53", "AKID", 10000, route53.Config{})
	if err := p.PrepareZones(t.Context(), zs); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(t.Context(), zs[1]); err != nil {
		t.Fatal(err)
	}
	s.DeleteZone(ids[1])
	fresh := s.AddZone(zs[1])
	s.ResetRequests()
	sets, err := build(t, s, "route53", "AKID", 10000, route53.Config{}).Records(t.Context(), zs[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 {
		t.Errorf("read %d sets, want the new zone's SOA and NS", len(sets))
	}
	want := map[string]int{"ListResourceRecordSets": 2, "ListHostedZonesByName": 1}
	if diff := cmp.Diff(want, s.Counts()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	a, _ := p.Account(t.Context())
	if e, ok := a.Zone(zs[1]); !ok || len(e.Zones) != 1 || e.Zones[0].ID != fresh {
		t.Errorf("the account's cache holds %+v, want the new id %s", e, fresh)
	}
}
