package route53_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/route53"
)

func newProvider(t *testing.T, s *emu.Server, c route53.Config) *route53.Provider {
	t.Helper()
	c.AccessKeyID, c.SecretAccessKey = providers.NewSecret("AKIDTEST"), providers.NewSecret("secret")
	c.Endpoint, c.RequestsPerSecond = s.URL, 1000
	p, err := route53.New(t.Context(), "route53", c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSeveralPublicZonesIsAnError: with two public hosted zones of the name
// the driver refuses to guess, names both ids and says how to choose;
// hosted_zone_ids then picks one, and only that one is written.
func TestSeveralPublicZonesIsAnError(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	a, b := s.AddZone(origin), s.AddZone(origin)
	_, err := newProvider(t, s, route53.Config{}).Records(t.Context(), origin)
	if err == nil {
		t.Fatal("two public zones of one name: no error")
	}
	for _, want := range []string{a, b, "hosted_zone_ids"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if n := len(s.RRSets(a)) + len(s.RRSets(b)); n != 4 {
		t.Errorf("zones hold %d sets after the refused lookup, want the 4 of creation", n)
	}

	p := newProvider(t, s, route53.Config{HostedZoneIDs: map[string]string{"example.com": "/hostedzone/" + b}})
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\n")
	if len(s.RRSets(a)) != 2 || len(s.RRSets(b)) <= 2 {
		t.Errorf("zone a holds %d sets, b %d; want 2 (untouched) and more", len(s.RRSets(a)), len(s.RRSets(b)))
	}
}

// TestPrivateZoneNeverChosen: a private zone of the same name, listed
// before the public one or alone, is never written to.
func TestPrivateZoneNeverChosen(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	priv := s.AddPrivateZone(origin)
	_, err := newProvider(t, s, route53.Config{}).Records(t.Context(), origin)
	if !errors.Is(err, providers.ErrZoneNotFound) || !strings.Contains(err.Error(), priv) {
		t.Errorf("only a private zone: err %v, want ErrZoneNotFound naming %s", err, priv)
	}
	pub := s.AddZone(origin)
	p := newProvider(t, s, route53.Config{})
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\n")
	if len(s.RRSets(priv)) != 2 || len(s.RRSets(pub)) <= 2 {
		t.Errorf("private zone holds %d sets, public %d; want 2 (untouched) and more", len(s.RRSets(priv)), len(s.RRSets(pub)))
	}
}

// TestZoneLookupPagesAndIsCached: the zones of the name span two
// ListHostedZonesByName pages (100 a page, then NextDNSName and
// NextHostedZoneId); the one public zone among 149 private ones is found
// on either page, and the lookup is made once per run.
func TestZoneLookupPagesAndIsCached(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZone("a.example.com.") // next in order: ends the walk
	var pub string
	for i := range 150 {
		if i == 120 {
			pub = s.AddZone(origin)
			continue
		}
		s.AddPrivateZone(origin)
	}
	p := newProvider(t, s, route53.Config{})
	for range 2 {
		if _, err := p.Records(t.Context(), origin); err != nil {
			t.Fatal(err)
		}
	}
	lookups := 0
	for _, r := range s.Requests() {
		if r.Op == "ListHostedZonesByName" {
			lookups++
		}
	}
	if lookups != 2 {
		t.Errorf("%d ListHostedZonesByName requests for 150 zones and two listings, want 2 (two pages, once)", lookups)
	}

	// A second public zone on the second page: a provider built again (a
	// reloaded configuration) shares the account's cache and asks
	// nothing within its lifetime; past it, the duplicate is seen.
	s.AddZone(origin)
	s.ResetRequests()
	p2 := newProvider(t, s, route53.Config{})
	if _, err := p2.Records(t.Context(), origin); err != nil {
		t.Fatalf("within the cache's lifetime: %v", err)
	}
	if n := count(s, "ListHostedZonesByName"); n != 0 {
		t.Errorf("a provider built again made %d lookups, want 0 (the account's cache)", n)
	}
	a, err := p2.Account(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(providers.ZoneCacheTTL + time.Second)
	a.SetClock(func() time.Time { return later })
	t.Cleanup(func() { a.SetClock(time.Now) })
	_, err = newProvider(t, s, route53.Config{}).Records(t.Context(), origin)
	if err == nil || !strings.Contains(err.Error(), pub) {
		t.Errorf("two public zones among 151 of the name: err %v, want one naming %s", err, pub)
	}
}

// count is the number of requests of operation op in the emulator's log.
func count(s *emu.Server, op string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Op == op {
			n++
		}
	}
	return n
}
