package syncd

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/zones"
)

// drifted names each change's RRset with its mark, escaped, and at most
// MaxDrifted of them.
func TestDrifted(t *testing.T) {
	set := func(name string, typ uint16) *zones.RRset { return &zones.RRset{Name: name, Type: typ, TTL: 300} }
	changes := []plan.Change{
		{Op: plan.Create, After: set("new.example.com.", dns.TypeA)},
		{Op: plan.Update, Before: set("www.example.com.", dns.TypeAAAA), After: set("www.example.com.", dns.TypeAAAA)},
		{Op: plan.Delete, Before: set("old\x1b[2J.example.com.", dns.TypeTXT)},
	}
	want := []string{"+ new.example.com. A", "~ www.example.com. AAAA", `- old\027[2J.example.com. TXT`}
	if diff := cmp.Diff(want, drifted(changes)); diff != "" {
		t.Errorf("drifted (-want +got):\n%s", diff)
	}

	var many []plan.Change
	for i := range MaxDrifted + 50 {
		many = append(many, plan.Change{Op: plan.Create, After: set(fmt.Sprintf("h%d.example.com.", i), dns.TypeA)})
	}
	got := drifted(many)
	if len(got) != MaxDrifted || got[MaxDrifted-1] != fmt.Sprintf("+ h%d.example.com. A", MaxDrifted-1) {
		t.Errorf("drifted of %d changes: %d names ending in %q, want the first %d", len(many), len(got), got[len(got)-1], MaxDrifted)
	}
	if got := drifted(nil); got != nil {
		t.Errorf("drifted(nil) = %q, want nil", got)
	}
}
