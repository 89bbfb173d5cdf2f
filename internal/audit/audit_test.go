package audit_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/golden"
)

// The small Internet of these tests: a root at 127.0.53.1 and the TLD
// test. at 127.0.53.2 (see serve). Each test starts its own servers, which
// stop when it ends.
const rootText = `
. 3600 SOA a.root.test. hostmaster.test. 1 7200 900 1209600 300
. 3600 NS a.root.test.
test. 172800 NS ns.nic.test.
ns.nic.test. 172800 A 127.0.53.2
`

// tldText is the test. zone with the given delegations.
func tldText(delegations string) string {
	return `
test. 300 SOA ns.nic.test. hostmaster.test. 1 7200 900 1209600 300
test. 300 NS ns.nic.test.
ns.nic.test. 300 A 127.0.53.2
` + delegations
}

// zoneText is a zone with an SOA of serial and the given records.
func zoneText(origin, serial, records string) string {
	return origin + " 300 SOA ns.nic.test. hostmaster.test. " + serial + " 7200 900 1209600 300\n" + records
}

func startInternet(t *testing.T, delegations string) {
	t.Helper()
	serve(t, "127.0.53.1", newAuthority(t, map[string]string{".": rootText}))
	serve(t, "127.0.53.2", newAuthority(t, map[string]string{"test.": tldText(delegations)}))
}

func run(t *testing.T, zone string, opts audit.Options) *audit.Report {
	t.Helper()
	opts.Roots = []string{"127.0.53.1:53"}
	opts.Timeout = 200 * time.Millisecond
	r, err := audit.Run(t.Context(), zone, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func codes(r *audit.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Severity)+" "+f.Code)
	}
	return out
}

func text(t *testing.T, r *audit.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := audit.WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The seed's layout: example.test. is answered by two providers, a
// (ns1.b.test.) and b (ns2.b.test.), but both names live in b.test., which
// only b serves: with b down, no resolver that ignores sibling glue finds
// a either. What the parent's referral carries for the sibling names
// changes what the audit can truthfully say: no glue, right glue and wrong
// glue give three different answers, all a single point of failure (b).
func TestGoldenSiblingGlue(t *testing.T) {
	const seed = `
example.test. 86400 NS ns1.b.test.
example.test. 86400 NS ns2.b.test.
b.test. 86400 NS ns.b.test.
ns.b.test. 86400 A 127.0.53.22
`
	example := zoneText("example.test.", "1", `
example.test. 3600 NS ns1.b.test.
example.test. 3600 NS ns2.b.test.
www.example.test. 300 A 192.0.2.80
`)
	bTest := zoneText("b.test.", "1", `
b.test. 300 NS ns.b.test.
ns.b.test. 300 A 127.0.53.22
ns1.b.test. 300 A 127.0.53.21
ns2.b.test. 300 A 127.0.53.22
`)
	providers := map[string]string{"ns1.b.test.": "a", "ns2.b.test.": "b", "ns.b.test.": "b"}
	for _, tc := range []struct {
		name string
		glue string // sibling glue in test.
		want []string
	}{
		// ns2.b.test. is at b, which serves b.test.: its glue changes
		// nothing, and is not reported.
		{"absent", "", []string{
			"info sibling-glue-absent", "warning single-provider-ns-domain",
			"single-point-of-failure dark-domain", "warning one-network", "info ns-ttl"}},
		{"right", "ns1.b.test. 86400 A 127.0.53.21\nns2.b.test. 86400 A 127.0.53.22\n", []string{
			"info sibling-glue", "warning single-provider-ns-domain",
			"single-point-of-failure dark-domain", "warning one-network", "info ns-ttl"}},
		// ns1's glue is stale: 127.0.53.29 answers, but not for example.test.
		{"wrong", "ns1.b.test. 86400 A 127.0.53.29\nns2.b.test. 86400 A 127.0.53.22\n", []string{
			"warning sibling-glue-wrong", "warning single-provider-ns-domain",
			"single-point-of-failure dark-domain", "warning one-network", "info ns-ttl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			startInternet(t, seed+tc.glue)
			serve(t, "127.0.53.21", newAuthority(t, map[string]string{"example.test.": example}))
			serve(t, "127.0.53.22", newAuthority(t, map[string]string{"example.test.": example, "b.test.": bTest}))
			serve(t, "127.0.53.29", newAuthority(t, nil))
			r := run(t, "example.test.", audit.Options{Providers: providers})
			if diff := cmp.Diff(tc.want, codes(r)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if !r.Failed() || !r.Resolves() {
				t.Errorf("Failed() = %v, Resolves() = %v; want true, true", r.Failed(), r.Resolves())
			}
			if got := r.SinglePointsOfFailure; !slices.Equal(got, []string{"b"}) || r.SinglePoints() != 1 {
				t.Errorf("single points of failure %v (%d), want [b] (1)", got, r.SinglePoints())
			}
			golden.Check(t, "sibling_glue_"+tc.name+".txt.golden", []byte(text(t, r)))
		})
	}
	// Three different answers, not one line for all.
	var dark []string
	for _, name := range []string{"absent", "right", "wrong"} {
		b, err := readGolden("sibling_glue_" + name + ".txt.golden")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(b, "\n") {
			if strings.Contains(l, "[dark-domain]") {
				dark = append(dark, l)
			}
		}
	}
	if len(dark) != 3 || dark[0] == dark[1] || dark[1] == dark[2] || dark[0] == dark[2] {
		t.Errorf("the dark-domain findings for no, right and wrong glue are not three different answers:\n%s", strings.Join(dark, "\n"))
	}
}

// Each provider bumps its own serial: serials that differ between
// independent providers are normal. Only a provider whose own servers
// disagree is reported.
func TestSerialDivergence(t *testing.T) {
	delegations := `
z.test. 86400 NS ns1.a-dns.test.
z.test. 86400 NS ns2.a-dns.test.
z.test. 86400 NS ns.c-dns.test.
a-dns.test. 86400 NS ns1.a-dns.test.
a-dns.test. 86400 NS ns2.a-dns.test.
ns1.a-dns.test. 86400 A 127.0.53.31
ns2.a-dns.test. 86400 A 127.0.53.32
c-dns.test. 86400 NS ns.c-dns.test.
ns.c-dns.test. 86400 A 127.0.53.33
`
	z := func(serial string) string {
		return zoneText("z.test.", serial, "z.test. 3600 NS ns1.a-dns.test.\nz.test. 3600 NS ns2.a-dns.test.\nz.test. 3600 NS ns.c-dns.test.\n")
	}
	aDNS := zoneText("a-dns.test.", "1", "a-dns.test. 300 NS ns1.a-dns.test.\na-dns.test. 300 NS ns2.a-dns.test.\nns1.a-dns.test. 300 A 127.0.53.31\nns2.a-dns.test. 300 A 127.0.53.32\n")
	cDNS := zoneText("c-dns.test.", "1", "c-dns.test. 300 NS ns.c-dns.test.\nns.c-dns.test. 300 A 127.0.53.33\n")
	for _, tc := range []struct {
		name             string
		a1, a2, c        string
		want             []audit.Finding
		wantSinglePoints int
	}{
		{name: "independent providers differ", a1: "7", a2: "7", c: "2026010101"},
		{name: "one provider's servers differ", a1: "7", a2: "6", c: "2026010101", want: []audit.Finding{{
			Severity: audit.Warning, Code: "serial-divergence",
			Message: "a's servers answer with 2 different SOA serials: ns1.a-dns.test. (127.0.53.31) 7, ns2.a-dns.test. (127.0.53.32) 6",
			Hint:    "a server of a has not caught up: check its replication (NOTIFY, transfers), then `zonecast verify`"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			startInternet(t, delegations)
			serve(t, "127.0.53.31", newAuthority(t, map[string]string{"z.test.": z(tc.a1), "a-dns.test.": aDNS}))
			serve(t, "127.0.53.32", newAuthority(t, map[string]string{"z.test.": z(tc.a2), "a-dns.test.": aDNS}))
			serve(t, "127.0.53.33", newAuthority(t, map[string]string{"z.test.": z(tc.c), "c-dns.test.": cDNS}))
			r := run(t, "z.test.", audit.Options{Providers: map[string]string{
				"ns1.a-dns.test.": "a", "ns2.a-dns.test.": "a", "ns.c-dns.test.": "c"}})
			var got []audit.Finding
			for _, f := range r.Findings {
				if f.Code == "serial-divergence" {
					got = append(got, f)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("serial findings (-want +got):\n%s", diff)
			}
			if r.Failed() || r.SinglePoints() != 0 {
				t.Errorf("Failed() = %v, SinglePoints() = %d; want false, 0:\n%s", r.Failed(), r.SinglePoints(), text(t, r))
			}
		})
	}
}

// A provider out of service (failover drop) is expected to be absent: it
// is not asked, not reported unreachable, and on no path; the audit says
// it is out of service, and warns where the parent or the zone still list
// it. Provider b's server is not running in any case.
func TestGoldenDroppedProvider(t *testing.T) {
	domains := `
a-dns.test. 86400 NS ns.a-dns.test.
ns.a-dns.test. 86400 A 127.0.53.41
b-dns.test. 86400 NS ns.b-dns.test.
ns.b-dns.test. 86400 A 127.0.53.42
c-dns.test. 86400 NS ns.c-dns.test.
ns.c-dns.test. 86400 A 127.0.53.43
`
	nsDomain := func(origin, addr string) string {
		return zoneText(origin, "1", origin+" 300 NS ns."+origin+"\nns."+origin+" 300 A "+addr+"\n")
	}
	safe := func(ns ...string) string {
		var b strings.Builder
		for _, n := range ns {
			b.WriteString("safe.test. 3600 NS " + n + "\n")
		}
		return zoneText("safe.test.", "3", b.String())
	}
	opts := audit.Options{
		Providers: map[string]string{"ns.a-dns.test.": "a", "ns.b-dns.test.": "b", "ns.c-dns.test.": "c"},
		Dropped:   []string{"b"},
	}
	for _, tc := range []struct {
		name         string
		parent, zone []string
		want         []string
	}{
		{"dropped everywhere", []string{"ns.a-dns.test.", "ns.c-dns.test."}, []string{"ns.a-dns.test.", "ns.c-dns.test."},
			[]string{"info out-of-service", "warning one-network", "info ns-ttl"}},
		{"parent not yet changed", []string{"ns.a-dns.test.", "ns.b-dns.test.", "ns.c-dns.test."}, []string{"ns.a-dns.test.", "ns.c-dns.test."},
			[]string{"warning dropped-still-delegated", "warning ns-mismatch", "info out-of-service", "warning one-network", "info ns-ttl"}},
		{"zone NS not yet changed", []string{"ns.a-dns.test.", "ns.c-dns.test."}, []string{"ns.a-dns.test.", "ns.b-dns.test.", "ns.c-dns.test."},
			[]string{"warning ns-mismatch", "warning dropped-in-ns-set", "info out-of-service", "warning one-network", "info ns-ttl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var delegation strings.Builder
			for _, n := range tc.parent {
				delegation.WriteString("safe.test. 86400 NS " + n + "\n")
			}
			startInternet(t, domains+delegation.String())
			serve(t, "127.0.53.41", newAuthority(t, map[string]string{"safe.test.": safe(tc.zone...), "a-dns.test.": nsDomain("a-dns.test.", "127.0.53.41")}))
			serve(t, "127.0.53.43", newAuthority(t, map[string]string{"safe.test.": safe(tc.zone...), "c-dns.test.": nsDomain("c-dns.test.", "127.0.53.43")}))
			r := run(t, "safe.test.", opts)
			if diff := cmp.Diff(tc.want, codes(r)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%s", diff, text(t, r))
			}
			if r.Failed() || r.SinglePoints() != 0 || !slices.Equal(r.OutOfService, []string{"b"}) {
				t.Errorf("Failed() = %v, SinglePoints() = %d, OutOfService = %v; want false, 0, [b]", r.Failed(), r.SinglePoints(), r.OutOfService)
			}
			golden.Check(t, "dropped_"+strings.ReplaceAll(tc.name, " ", "_")+".txt.golden", []byte(text(t, r)))
		})
	}

	// With b out, a left alone is a single point of failure, whatever b's
	// server would answer.
	t.Run("one left", func(t *testing.T) {
		startInternet(t, domains+"safe.test. 86400 NS ns.a-dns.test.\n")
		serve(t, "127.0.53.41", newAuthority(t, map[string]string{"safe.test.": safe("ns.a-dns.test."), "a-dns.test.": nsDomain("a-dns.test.", "127.0.53.41")}))
		r := run(t, "safe.test.", opts)
		if !r.Failed() || !slices.Equal(r.SinglePointsOfFailure, []string{"a"}) {
			t.Errorf("Failed() = %v, single points of failure %v; want true, [a]:\n%s", r.Failed(), r.SinglePointsOfFailure, text(t, r))
		}
	})
}

// A zone that does not resolve is a failure, not a warning: not
// delegated at all, or delegated to servers none of which answers for it.
func TestGoldenDoesNotResolve(t *testing.T) {
	t.Run("not delegated", func(t *testing.T) {
		startInternet(t, "")
		r := run(t, "nowhere.test.", audit.Options{})
		want := []audit.Finding{{Severity: audit.Failure, Code: "not-delegated",
			Message: "nowhere.test. does not resolve: the servers of the parent test. answer NXDOMAIN for it",
			Hint:    "delegate the zone at its registrar (or the parent's provider) to the providers' nameservers"}}
		if diff := cmp.Diff(want, r.Findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		if !r.Failed() || r.Resolves() {
			t.Errorf("Failed() = %v, Resolves() = %v; want true, false", r.Failed(), r.Resolves())
		}
		golden.Check(t, "not_delegated.txt.golden", []byte(text(t, r)))
	})
	t.Run("no server answers", func(t *testing.T) {
		// ns.l-dns.test. answers, but not for z.test. (lame);
		// ns1.z.test.'s glue leads nowhere.
		startInternet(t, `
z.test. 86400 NS ns.l-dns.test.
z.test. 86400 NS ns1.z.test.
ns1.z.test. 86400 A 127.0.53.52
l-dns.test. 86400 NS ns.l-dns.test.
ns.l-dns.test. 86400 A 127.0.53.51
`)
		serve(t, "127.0.53.51", newAuthority(t, map[string]string{"l-dns.test.": zoneText("l-dns.test.", "1", "l-dns.test. 300 NS ns.l-dns.test.\nns.l-dns.test. 300 A 127.0.53.51\n")}))
		r := run(t, "z.test.", audit.Options{})
		if got := codes(r); len(got) == 0 || got[0] != "failure zone-does-not-resolve" {
			t.Errorf("findings %v, want a failure zone-does-not-resolve first", got)
		}
		if !r.Failed() || r.Resolves() {
			t.Errorf("Failed() = %v, Resolves() = %v; want true, false", r.Failed(), r.Resolves())
		}
		golden.Check(t, "no_server_answers.txt.golden", []byte(text(t, r)))
	})
}
