package failover_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

const zone = `$TTL 300
@ SOA ns.a-dns.test. hostmaster 1 2 3 4 5
@ NS ns.a-dns.test.
@ NS ns1
@ NS ns.c-dns.test.
ns1 A 192.0.2.1
ns1 AAAA 2001:db8::1
`

func parse(t *testing.T) *zones.Zone {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(zone), "safe.test.zone", zones.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	return z
}

func TestWithoutAndGlue(t *testing.T) {
	z := parse(t)
	out, err := failover.Without(z, []providers.Nameserver{{Name: "ns1.safe.test."}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ns.a-dns.test.", "ns.c-dns.test."}, out.Lookup("safe.test.", 2).Data); diff != "" {
		t.Errorf("apex NS (-want +got):\n%s", diff)
	}
	if got := len(z.Lookup("safe.test.", 2).Data); got != 3 {
		t.Errorf("the original zone was changed: %d NS", got)
	}
	if _, err := failover.Without(z, []providers.Nameserver{{Name: "ns.a-dns.test."}, {Name: "ns1.safe.test."}, {Name: "ns.c-dns.test."}}); err == nil {
		t.Error("dropping every nameserver was allowed")
	}
	glue := failover.Glue(z, z.Lookup("safe.test.", 2).Data)
	if len(glue) != 2 || glue[0].Name != "ns1.safe.test." {
		t.Errorf("glue: %+v; want ns1's A and AAAA only (the others are out of bailiwick)", glue)
	}
}

func TestState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := failover.Load(path)
	if err != nil || len(s.Dropped) != 0 {
		t.Fatalf("a missing state file: %v %v", s, err)
	}
	s.DropFor("b", "safe.test.", "DDoS", time.Unix(0, 0))
	s.DropFor("b", "other.test.", "", time.Unix(1, 0))
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	s2, err := failover.Load(path)
	if err != nil || !s2.IsDropped("b", "safe.test.") || !s2.IsDropped("b", "other.test.") || s2.IsDropped("a", "safe.test.") {
		t.Fatalf("state after a round trip: %+v %v", s2, err)
	}
	if s2.Dropped["b"].Reason != "DDoS" || !s2.Dropped["b"].Since.Equal(time.Unix(0, 0)) {
		t.Errorf("the first drop's reason and time were not kept: %+v", s2.Dropped["b"])
	}
	s2.RestoreFor("b", "safe.test.")
	s2.RestoreFor("b", "other.test.")
	if len(s2.Dropped) != 0 {
		t.Errorf("restored everywhere but still listed: %+v", s2.Dropped)
	}
}
