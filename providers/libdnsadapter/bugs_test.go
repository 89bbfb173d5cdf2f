package libdnsadapter_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libdns/desec"
	"github.com/libdns/libdns"

	desecemu "github.com/zonecast/zonecast/internal/emulator/desec"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/libdnsadapter"
	"github.com/zonecast/zonecast/zones"
)

// Each test shows one bug of libdns/desec v1.1.0 with the package alone
// (its requests reach the emulator through the adapter's route for the
// same token), then the adapter's way around it.

func dataOf(t *testing.T, sets []zones.RRset, name string, typ uint16) *zones.RRset {
	t.Helper()
	for i := range sets {
		if sets[i].Name == name && sets[i].Type == typ {
			return &sets[i]
		}
	}
	return nil
}

// Past 500 RRsets deSEC wants pagination, which GetRecords never does.
func TestBugGetRecordsNoPagination(t *testing.T) {
	emu, p, token := start(t, desecemu.Options{})
	for i := range 600 {
		emu.Put(origin, desecemu.RRset{Subname: fmt.Sprintf("h%d", i), Type: "A", TTL: 3600, Records: []string{"192.0.2.1"}})
	}
	_, err := (&desec.Provider{Token: token}).GetRecords(context.Background(), origin)
	if err == nil || !strings.Contains(err.Error(), "Pagination required") {
		t.Fatalf("libdns/desec GetRecords of 601 RRsets: %v, want deSEC's 400 Pagination required", err)
	}
	sets, err := p.Records(context.Background(), origin)
	if err != nil || len(sets) != 601 {
		t.Fatalf("adapter: %d RRsets, %v; want 601", len(sets), err)
	}
	if n := emu.Counts()["GET rrsets"]; n != 3 {
		t.Errorf("the adapter's read took %d listings, want 3 (the package's refused one, then 2 pages)", n)
	}
}

// GetRecords reads a TXT record of several strings as one text with the
// quotes in it; the adapter keeps the strings.
func TestBugGetRecordsTXTStrings(t *testing.T) {
	emu, p, token := start(t, desecemu.Options{})
	emu.Put(origin, desecemu.RRset{Subname: "multi", Type: "TXT", TTL: 3600, Records: []string{`"a" "b"`}})
	recs, err := (&desec.Provider{Token: token}).GetRecords(context.Background(), origin)
	if err != nil {
		t.Fatal(err)
	}
	pkgSets, err := providers.FromLibdns(recs, origin)
	if err != nil {
		t.Fatal(err)
	}
	if s := dataOf(t, pkgSets, "multi."+origin, 16); s == nil || slices.Equal(s.Data, []string{`"a" "b"`}) {
		t.Fatalf("libdns/desec read %v: the bug is gone?", s)
	}
	sets, err := p.Records(context.Background(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if s := dataOf(t, sets, "multi."+origin, 16); s == nil || !slices.Equal(s.Data, []string{`"a" "b"`}) {
		t.Fatalf("adapter read %v, want [\"a\" \"b\"]", s)
	}
}

// GetRecords fails on the whole zone at a \DDD escape, which deSEC writes
// for octets outside printable ASCII.
func TestBugGetRecordsEscapes(t *testing.T) {
	emu, p, token := start(t, desecemu.Options{})
	emu.Put(origin, desecemu.RRset{Subname: "cafe", Type: "TXT", TTL: 3600, Records: []string{`"caf\195\169"`}})
	if _, err := (&desec.Provider{Token: token}).GetRecords(context.Background(), origin); err == nil {
		t.Fatal("libdns/desec read a \\DDD escape: the bug is gone?")
	}
	sets, err := p.Records(context.Background(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if s := dataOf(t, sets, "cafe."+origin, 16); s == nil || !slices.Equal(s.Data, []string{`"caf\195\169"`}) {
		t.Fatalf("adapter read %v", s)
	}
}

// SetRecords writes a TXT record as one string: the boundaries go.
func TestBugSetRecordsTXTStrings(t *testing.T) {
	emu, p, token := start(t, desecemu.Options{})
	set := zones.RRset{Name: "multi." + origin, Type: 16, TTL: 3600, Data: []string{`"a" "b"`}}
	recs, err := providers.ToLibdns(set, origin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&desec.Provider{Token: token}).SetRecords(context.Background(), origin, recs); err != nil {
		t.Fatal(err)
	}
	if got := recordsAt(emu, "multi", "TXT"); !slices.Equal(got, []string{`"ab"`}) {
		t.Fatalf("libdns/desec stored %v: the bug is gone?", got)
	}
	if _, err := p.Apply(context.Background(), origin, []providers.Change{{Set: set}}); err != nil {
		t.Fatal(err)
	}
	if got := recordsAt(emu, "multi", "TXT"); !slices.Equal(got, []string{`"a" "b"`}) {
		t.Fatalf("adapter stored %v, want [\"a\" \"b\"]", got)
	}
}

// DeleteRecords skips values it does not match as deSEC stores them: a
// TXT record over 255 octets is one string to the package and two at
// deSEC.
func TestBugDeleteRecordsSkips(t *testing.T) {
	emu, p, token := start(t, desecemu.Options{})
	long := strings.Repeat("x", 300)
	set := zones.RRset{Name: "long." + origin, Type: 16, TTL: 3600, Data: []string{providers.TXTData(long)}}
	if _, err := p.Apply(context.Background(), origin, []providers.Change{{Set: set}}); err != nil {
		t.Fatal(err)
	}
	gone, err := (&desec.Provider{Token: token}).DeleteRecords(context.Background(), origin, []libdns.Record{libdns.TXT{Name: "long", TTL: time.Hour, Text: long}})
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 0 || recordsAt(emu, "long", "TXT") == nil {
		t.Fatalf("libdns/desec deleted %v: the bug is gone?", gone)
	}
	if _, err := p.Apply(context.Background(), origin, []providers.Change{{Delete: true, Set: set, Before: &set}}); err != nil {
		t.Fatal(err)
	}
	if got := recordsAt(emu, "long", "TXT"); got != nil {
		t.Fatalf("adapter left %v", got)
	}
}

// SetRecords raises a TTL under 3600 without a word; the driver's minimum
// TTL makes the plan do it, and say so.
func TestBugSetRecordsRaisesTTL(t *testing.T) {
	emu, p, token := start(t, desecemu.Options{MinimumTTL: 60}) // a domain granted a lower minimum
	if _, err := (&desec.Provider{Token: token}).SetRecords(context.Background(), origin, []libdns.Record{libdns.RR{Name: "www", Type: "A", TTL: 300 * time.Second, Data: "192.0.2.1"}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range emu.RRsets(origin) {
		if s.Subname == "www" && s.TTL != 3600 {
			t.Fatalf("libdns/desec stored TTL %d: the bug is gone?", s.TTL)
		}
	}
	if c := p.Capabilities(); c.MinTTL != 3600 {
		t.Errorf("MinTTL %d, want 3600", c.MinTTL)
	}
}

// A 429 without Retry-After ends libdns/desec's call; through the adapter
// the transport retries it.
func TestBug429WithoutRetryAfter(t *testing.T) {
	// The package alone: a route that never retries (max_attempts: 1)
	// hands it the 429.
	bare, _, bareToken := startWith(t, desecemu.Options{}, func(c *libdnsadapter.Config) { c.MaxAttempts = 1 })
	bare.Inject(desecemu.Fault{Method: "PUT", Status: 429, Times: 1})
	_, err := (&desec.Provider{Token: bareToken}).SetRecords(context.Background(), origin, []libdns.Record{libdns.RR{Name: "www", Type: "A", TTL: time.Hour, Data: "192.0.2.1"}})
	if err == nil || !strings.Contains(err.Error(), "Retry-After") {
		t.Fatalf("libdns/desec after a 429 without Retry-After: %v, want its parsing error: the bug is gone?", err)
	}
	emu, p, _ := start(t, desecemu.Options{})
	emu.Inject(desecemu.Fault{Method: "PUT", Status: 429, Times: 1})
	set := zones.RRset{Name: "www." + origin, Type: 1, TTL: 3600, Data: []string{"192.0.2.2"}}
	if _, err := p.Apply(context.Background(), origin, []providers.Change{{Set: set}}); err != nil {
		t.Fatalf("apply after a 429 without Retry-After: %v", err)
	}
	if got := recordsAt(emu, "www", "A"); !slices.Equal(got, []string{"192.0.2.2"}) {
		t.Fatalf("stored %v", got)
	}
	if emu.Counts()["fault"] != 1 {
		t.Errorf("faults hit %d times, want 1", emu.Counts()["fault"])
	}
}

func recordsAt(emu *desecemu.Server, sub, typ string) []string {
	for _, s := range emu.RRsets(origin) {
		if s.Subname == sub && s.Type == typ {
			return s.Records
		}
	}
	return nil
}
