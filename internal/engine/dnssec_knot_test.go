package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/plan"
)

// Knot (signing nothing itself) as a server zonecast signs for through
// RFC 2136 (dnssec: zonecast-signs): the UPDATE carries the SOA with the
// serial zonecast signed, so the SOA's signature holds at the server, and
// so does it after an edit of the zone moves the serial on.
func TestZonecastSignsKnotByUpdate(t *testing.T) {
	seed := "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n"
	s := dnstest.StartKnot(t, map[string]string{"example.com.": seed})
	dir := t.TempDir()
	kp, ksk := writeKey(t, dir, "example.com.", true)
	zp, zsk := writeKey(t, dir, "example.com.", false)
	t.Setenv("KNOT_TSIG", s.Secret)
	write(t, dir, "zonecast.yaml", fmt.Sprintf(`providers:
  knot: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:KNOT_TSIG}, dnssec: zonecast-signs}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [knot]
    dnssec: {mode: signed-by-zonecast, keys: ["file:%s", "file:%s"], parent_ds: [%q]}
`, s.Addr, s.KeyName, s.KeyAlg, kp, zp, ksk.DS()))
	zone := seed + "www A 192.0.2.80\n"
	write(t, dir, "example.com.zone", zone)
	check := func(when string, serial uint32) {
		t.Helper()
		keys := dnstest.DNSKEYs(s.QuerySigned(t, "example.com.", dns.TypeDNSKEY).RRs)
		soa := s.QuerySigned(t, "example.com.", dns.TypeSOA)
		if len(soa.RRs) != 1 || soa.RRs[0].(*dns.SOA).Serial != serial {
			t.Fatalf("%s: SOA %v, want serial %d", when, soa.RRs, serial)
		}
		if got := soa.VerifiedBy(keys); len(got) != 1 || got[0] != zsk.Tag() {
			t.Errorf("%s: the SOA's signatures verify by %v, want zonecast's ZSK %d", when, got, zsk.Tag())
		}
		www := s.QuerySigned(t, "www.example.com.", dns.TypeA)
		if got := www.VerifiedBy(keys); len(got) != 1 {
			t.Errorf("%s: www A signatures verify by %v", when, got)
		}
		if len(keys) != 2 {
			t.Errorf("%s: DNSKEY %v, want zonecast's two keys", when, keys)
		}
	}
	now := time.Now()
	e, err := Load(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Run(t.Context(), Policy{})
	if err != nil {
		for _, tr := range rep.Targets {
			t.Logf("%s: %v left %+v", tr.Provider, tr.Result.Err, tr.Left)
			if tr.Left != nil {
				dumpPlan(t, &plan.Plan{Targets: []*plan.Target{tr.Left}})
			}
		}
		t.Fatal(err)
	}
	check("signed", 2) // the seed served serial 1: one above it
	// The served serial is not below the file's: the next change takes
	// it one above.
	write(t, dir, "example.com.zone", strings.Replace(zone, "192.0.2.80", "192.0.2.81", 1))
	runAt(t, dir, now.Add(time.Minute))
	check("www changed", 3)
	if rep := runAt(t, dir, now.Add(2*time.Minute)); rep.Plan.Changes() != 0 {
		t.Errorf("unchanged: %d changes, want none", rep.Plan.Changes())
	}
}
