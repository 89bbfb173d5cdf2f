package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
)

// The delegation drill: a loopback Internet of its own (127.0.55.x, apart
// from the outage drill's 127.0.2.x and internal/dnstest's addresses, since
// packages test in parallel): a root, the TLD test., and two providers,
// BIND (a) and Knot (b), serving deleg.test. zonecast does not manage the
// parent (no parent: in the configuration): the registrar does, by hand.
//
//   - The TLD still delegates to a retired provider (ns.old-dns.test.),
//     lacks b's nameserver and has stale glue for ns1.deleg.test.: verify
//     fails (exit 2), names each difference and the delegation to ask the
//     registrar for. With the TLD fixed, verify is clean.
//   - sync's scheduled audit shows the layout: no single point of failure;
//     after `failover drop b`, a is one, and audit_ok goes to 0.
//   - After the drop, verify says the TLD still lists b's nameserver (b is
//     out of service) and the registrar must carry a's alone.
//   - With the TLD down, verify warns that the delegation was not checked
//     and exits 0: the providers' servers still match.
const (
	pdRootAddr = "127.0.55.10"
	pdTLDAddr  = "127.0.55.11"
	pdAAddr    = "127.0.55.21" // BIND
	pdBAddr    = "127.0.55.22" // Knot
	pdStale    = "127.0.55.29" // the stale glue: nothing listens there
)

const pdRootZone = `$TTL 3600
. SOA a.root.test. hostmaster.test. 1 7200 900 1209600 300
. NS a.root.test.
a.root.test. A ` + pdRootAddr + `
test. NS ns.nic.test.
ns.nic.test. A ` + pdTLDAddr + `
`

const pdTLDZone = `$TTL 300
test. SOA ns.nic.test. hostmaster.test. 1 7200 900 1209600 300
test. NS ns.nic.test.
ns.nic.test. A ` + pdTLDAddr + `
; deleg.test. as the registrar left it: a retired provider, no b, stale glue
deleg.test. NS ns1.deleg.test.
deleg.test. NS ns.old-dns.test.
ns1.deleg.test. A ` + pdStale + `
b-dns.test. NS ns.b-dns.test.
ns.b-dns.test. A ` + pdBAddr + `
`

// pdZone is deleg.test. as zonecast serves it: a's nameserver inside the
// zone (its glue is the parent's to carry), b's under b-dns.test.
const pdZone = `$TTL 300
@ SOA ns1 hostmaster 1 7200 900 1209600 300
@ NS ns1
@ NS ns.b-dns.test.
ns1 A ` + pdAAddr + `
www A 192.0.2.55
`

func TestDelegationDrill(t *testing.T) {
	if testing.Short() && !dnstest.InCI() {
		t.Skip("-short: the delegation drill starts four servers")
	}
	seed := "$TTL 300\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\nns1 A " + pdAAddr + "\n"
	dnstest.StartBINDWith(t, dnstest.Options{Addr: pdRootAddr}, map[string]string{".": pdRootZone})
	tld := dnstest.StartKnotWith(t, dnstest.Options{Addr: pdTLDAddr}, map[string]string{"test.": pdTLDZone})
	a := dnstest.StartBINDWith(t, dnstest.Options{Addr: pdAAddr}, map[string]string{"deleg.test.": seed})
	b := dnstest.StartKnotWith(t, dnstest.Options{Addr: pdBAddr}, map[string]string{
		"deleg.test.": seed, "b-dns.test.": nsDomain("b", pdBAddr)})

	dir := t.TempDir()
	t.Setenv("PD_A_TSIG", a.Secret)
	t.Setenv("PD_B_TSIG", b.Secret)
	config := filepath.Join(dir, "zonecast.yaml")
	hints := filepath.Join(dir, "root.hints")
	write(t, config, fmt.Sprintf(`providers:
  a: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:PD_A_TSIG}, nameservers: ["ns1.deleg.test.@%s:53"]}
  b: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:PD_B_TSIG}, nameservers: ["ns.b-dns.test.@%s:53"]}
failover: {min_providers: 1}
zones:
  - origin: deleg.test.
    file: deleg.test.zone
    providers: [a, b]
`, a.Addr, a.KeyName, a.KeyAlg, pdAAddr, b.Addr, b.KeyName, b.KeyAlg, pdBAddr))
	write(t, filepath.Join(dir, "deleg.test.zone"), pdZone)
	write(t, hints, ". 3600000 NS a.root.test.\na.root.test. 3600000 A "+pdRootAddr+"\n")

	zc := func(want int, args ...string) (stdout, stderr string) {
		t.Helper()
		var out, errb bytes.Buffer
		args = append(args, "--config", config)
		if code := Main(context.Background(), args, &out, &errb); code != want {
			t.Fatalf("zonecast %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	has := func(t *testing.T, out string, lines ...string) {
		t.Helper()
		for _, l := range lines {
			if !slices.Contains(strings.Split(out, "\n"), l) {
				t.Errorf("output lacks the line %q:\n%s", l, out)
			}
		}
	}
	zc(0, "apply", "--yes", "--verify")

	t.Run("stale delegation", func(t *testing.T) {
		out, _ := zc(2, "verify", "--root-hints", hints)
		t.Logf("verify with the stale delegation:\n%s", out)
		has(t, out,
			"deleg.test. at a: ok",
			"deleg.test. at b: ok",
			"deleg.test. delegation at test.: MISMATCH",
			"  test. lists ns.old-dns.test., which the zone's NS set does not have",
			"  test. does not list ns.b-dns.test., which the zone's NS set has",
			"  test.'s glue for ns1.deleg.test. is "+pdStale+"; the zone has "+pdAAddr,
			"  ask the registrar of deleg.test. (or the operator of test.) for exactly this delegation:",
			"    deleg.test. NS ns.b-dns.test.",
			"    deleg.test. NS ns1.deleg.test.",
			"    ns1.deleg.test. A "+pdAAddr,
		)
		out, _ = zc(2, "verify", "--root-hints", hints, "--format", "json")
		var doc struct {
			Delegations []struct {
				Zone, Parent string
				Checked      bool
				Problems     []string
				Registrar    []string
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("verify --format json: %v\n%s", err, out)
		}
		if len(doc.Delegations) != 1 || !doc.Delegations[0].Checked || len(doc.Delegations[0].Problems) != 3 || len(doc.Delegations[0].Registrar) != 3 {
			t.Errorf("JSON delegations %+v; want deleg.test. checked with 3 problems and 3 registrar lines", doc.Delegations)
		}
		out, _ = zc(0, "verify", "--root-hints", hints, "--no-parent")
		if strings.Contains(out, "delegation") {
			t.Errorf("verify --no-parent checked the delegation:\n%s", out)
		}
		zc(0, "verify", "--root-hints", hints, "--provider", "a")
	})

	// The registrar does as asked.
	pdUpdate(t, tld, "test.",
		[]string{"deleg.test. 300 NS ns.old-dns.test.", "ns1.deleg.test. 300 A " + pdStale},
		[]string{"deleg.test. 300 NS ns.b-dns.test.", "ns1.deleg.test. 300 A " + pdAAddr})
	t.Run("delegation fixed", func(t *testing.T) {
		out, _ := zc(0, "verify", "--root-hints", hints)
		has(t, out, "deleg.test. delegation at test.: ok (NS ns.b-dns.test. ns1.deleg.test.)")
	})

	t.Run("sync audit", func(t *testing.T) {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		var errb syncBuffer
		var wg sync.WaitGroup
		wg.Go(func() {
			Main(ctx, []string{"sync", "--interval", "1h", "--audit-every", "200ms", "--root-hints", hints, "--listen", addr, "--config", config}, io.Discard, &errb)
		})
		defer func() { cancel(); wg.Wait() }()
		get := func(path string) string {
			resp, err := http.Get("http://" + addr + path)
			if err != nil {
				return ""
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		waitFor := func(what string, lines ...string) string {
			t.Helper()
			var body string
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				body = get("/metrics")
				if !slices.ContainsFunc(lines, func(l string) bool { return !strings.Contains(body, l+"\n") }) {
					return body
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: the metrics never had %q:\n%s\nsync log:\n%s", what, lines, body, errb.String())
				}
			}
		}
		waitFor("both providers in service",
			`zonecast_single_points_of_failure{zone="deleg.test."} 0`, `zonecast_audit_ok{zone="deleg.test."} 1`)
		if page := get("/"); !strings.Contains(page, `<td class="verdict">no single point of failure found</td>`) {
			t.Errorf("the status page does not show the audit's verdict:\n%s", page)
		}

		// b goes out: a alone answers for the zone.
		zc(0, "failover", "drop", "b", "--reason", "drill")
		waitFor("b dropped",
			`zonecast_single_points_of_failure{zone="deleg.test."} 1`, `zonecast_audit_ok{zone="deleg.test."} 0`)
		page := get("/")
		t.Logf("status page after the drop:\n%s", page[strings.Index(page, "<h2>Audit"):])
		if !strings.Contains(page, `<td class="verdict">SINGLE POINT OF FAILURE</td>
<td class="spof">a</td>`) || !strings.Contains(page, `data-code="dropped-still-delegated"`) {
			t.Errorf("the status page does not show a as the single point of failure, and b still delegated:\n%s", page)
		}
		if !strings.Contains(errb.String(), "sync audit") {
			t.Errorf("the sync log does not mention the audit:\n%s", errb.String())
		}
	})

	t.Run("after the drop", func(t *testing.T) {
		out, _ := zc(2, "verify", "--root-hints", hints)
		has(t, out,
			"deleg.test. delegation at test.: MISMATCH",
			"  test. lists ns.b-dns.test., which the zone's NS set does not have (b is out of service: failover drop)",
			"    deleg.test. NS ns1.deleg.test.",
			"    ns1.deleg.test. A "+pdAAddr,
		)
		if strings.Contains(out, "    deleg.test. NS ns.b-dns.test.") {
			t.Errorf("the registrar is told to keep b:\n%s", out)
		}
	})

	t.Run("parent down", func(t *testing.T) {
		tld.Stop()
		start := time.Now()
		out, errs := zc(0, "verify", "--root-hints", hints, "--timeout", "300ms")
		t.Logf("verify with the TLD down (%v):\n%s%s", time.Since(start).Round(time.Millisecond), out, errs)
		has(t, out, "deleg.test. at a: ok")
		if !strings.Contains(errs, "zonecast: warning: the delegation of deleg.test. was not checked: ") || !strings.Contains(out, "deleg.test. delegation: not checked: ") {
			t.Errorf("verify with the TLD down does not warn that the delegation was not checked:\nstdout:\n%s\nstderr:\n%s", out, errs)
		}
		// The walk is given 10 timeouts, the root 3.
		if took := time.Since(start); took > 6*time.Second {
			t.Errorf("verify took %v with the TLD down", took)
		}
	})
}

// pdUpdate changes zone at s as a registrar would: the records of remove
// deleted, those of add added, in one signed UPDATE; then it waits until s
// serves the change.
func pdUpdate(t *testing.T, s *dnstest.Server, zone string, remove, add []string) {
	t.Helper()
	rrs := func(texts []string) []dns.RR {
		var out []dns.RR
		for _, text := range texts {
			rr, err := dns.NewRR(text)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, rr)
		}
		return out
	}
	m := new(dns.Msg)
	m.SetUpdate(zone)
	m.Remove(rrs(remove))
	m.Insert(rrs(add))
	m.SetTsig(s.KeyName, dns.Fqdn(s.KeyAlg), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{s.KeyName: s.Secret}, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("update %s at %s: %v %v", zone, s.Addr, err, r)
	}
	want := rrs(add)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var got []string
		for _, rr := range want {
			if m, err := dnstest.Exchange(t, s.Addr, rr.Header().Name, rr.Header().Rrtype); err == nil {
				for _, x := range slices.Concat(m.Answer, m.Ns, m.Extra) {
					if dns.IsDuplicate(x, rr) {
						got = append(got, rr.String())
					}
				}
			}
		}
		var wantText []string
		for _, rr := range want {
			wantText = append(wantText, rr.String())
		}
		if cmp.Equal(wantText, got) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not serve %v 10s after the update (serves %v)", s.Addr, wantText, got)
		}
	}
}
