package verify_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/zones"
)

const delegatedZone = `$TTL 300
@    SOA  ns1 hostmaster 1 7200 900 1209600 300
@    NS   ns1
@    NS   ns.other.example.
ns1  A    192.0.2.1
ns1  AAAA 2001:db8::1
`

func TestCompareDelegation(t *testing.T) {
	z, diags, err := zones.Parse(strings.NewReader(delegatedZone), "example.test.zone", zones.Options{Origin: "example.test."})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	host := func(name string, glue ...string) audit.Host {
		return audit.Host{Name: name, Glue: glue, Provider: "p"}
	}
	fix := []string{
		"example.test. NS ns.other.example.",
		"example.test. NS ns1.example.test.",
		"ns1.example.test. A 192.0.2.1",
		"ns1.example.test. AAAA 2001:db8::1",
	}
	tests := []struct {
		name      string
		report    audit.Report
		problems  []string
		registrar []string
	}{
		{
			name: "agrees",
			report: audit.Report{Parent: "test.", ParentNS: []string{"ns1.example.test.", "ns.other.example."},
				Hosts: []audit.Host{host("ns1.example.test.", "2001:0db8::1", "192.0.2.1"), host("ns.other.example.")}},
			problems: []string{},
		},
		{
			name: "an NS the zone does not have, one it lacks",
			report: audit.Report{Parent: "test.", ParentNS: []string{"ns1.example.test.", "ns.gone.example."},
				Hosts: []audit.Host{host("ns1.example.test.", "192.0.2.1", "2001:db8::1"), {Name: "ns.gone.example.", Provider: "gone", OutOfService: true}}},
			problems: []string{
				"test. lists ns.gone.example., which the zone's NS set does not have (gone is out of service: failover drop)",
				"test. does not list ns.other.example., which the zone's NS set has",
			},
			registrar: fix,
		},
		{
			name: "wrong and missing glue",
			report: audit.Report{Parent: "test.", ParentNS: []string{"ns1.example.test.", "ns.other.example."},
				Hosts: []audit.Host{host("ns1.example.test.", "192.0.2.9"), host("ns.other.example.")}},
			problems:  []string{"test.'s glue for ns1.example.test. is 192.0.2.9; the zone has 192.0.2.1 2001:db8::1"},
			registrar: fix,
		},
		{
			name: "no glue",
			report: audit.Report{Parent: "test.", ParentNS: []string{"ns1.example.test.", "ns.other.example."},
				Hosts: []audit.Host{host("ns1.example.test."), host("ns.other.example.")}},
			problems:  []string{"test. gives no glue for ns1.example.test., which is inside the zone (resolvers cannot find it without): the zone has 192.0.2.1 2001:db8::1"},
			registrar: fix,
		},
		{
			name: "not delegated",
			report: audit.Report{Parent: "test.", ParentNS: []string{},
				Findings: []audit.Finding{{Severity: audit.Failure, Code: "not-delegated", Message: "example.test. does not resolve: the servers of the parent test. answer NXDOMAIN for it"}}},
			problems:  []string{"example.test. does not resolve: the servers of the parent test. answer NXDOMAIN for it"},
			registrar: fix,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := verify.CompareDelegation(z, &tt.report)
			if !d.Checked {
				t.Fatalf("not checked: %s", d.Err)
			}
			if diff := cmp.Diff(tt.problems, d.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.registrar, d.Registrar); diff != "" {
				t.Errorf("registrar (-want +got):\n%s", diff)
			}
			if d.OK() != (len(tt.problems) == 0) || d.Mismatch() == d.OK() {
				t.Errorf("OK %v, Mismatch %v with %d problems", d.OK(), d.Mismatch(), len(tt.problems))
			}
		})
	}
}

// TestCheckParentRootUnusable: a root that does not answer, and one that
// answers without authority (as a resolver or an interceptor in the way
// does), leave the delegation unchecked, saying why; neither is a
// mismatch.
func TestCheckParentRootUnusable(t *testing.T) {
	z, diags, err := zones.Parse(strings.NewReader(delegatedZone), "example.test.zone", zones.Options{Origin: "example.test."})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	// A port nothing listens on: taken, then given back.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := pc.LocalAddr().String()
	pc.Close()
	lame := newAuthority(t, map[string]string{".": "$TTL 300\n. SOA a.root. h.root. 1 2 3 4 5\n. NS a.root.\n"})
	lame.lame = true
	lameAddr := serve(t, lame)

	for _, tt := range []struct {
		name, roots, want string
	}{
		{"unreachable", closed, "cannot reach the root servers (1 of 1 asked"},
		{"without authority", lameAddr, "the root servers' answers carry no authority"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			d := verify.CheckParent(t.Context(), z, verify.ParentOptions{Roots: []string{tt.roots}, Timeout: 200 * time.Millisecond})
			if d.Checked || d.Mismatch() || d.OK() || !strings.Contains(d.Err, tt.want) {
				t.Fatalf("checked %v, mismatch %v, error %q; want unchecked with an error containing %q", d.Checked, d.Mismatch(), d.Err, tt.want)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v; the root is given 3 timeouts (600ms)", took)
			}
			if len(d.Want.NS) != 2 {
				t.Errorf("want %v, want the zone's two NS", d.Want.NS)
			}
		})
	}
}
