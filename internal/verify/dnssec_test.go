package verify_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/internal/verify/verifytest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

const signedZone = `$TTL 300
@     SOA  ns1 hostmaster 1 7200 900 1209600 300
@     NS   ns1
@     NS   ns2
@     MX   10 mail
ns1   A    127.0.0.1
ns2   A    127.0.0.1
mail  A    192.0.2.25
www   A    192.0.2.80
`

// summary is one problem as the tests compare it: where, how bad, what,
// and the key tags its message names.
func summary(provider string, p verify.Problem) string {
	return fmt.Sprintf("%s: %s %s %s %s", provider, p.Severity, p.Code, p.Name, p.Type)
}

func problems(reports []verify.Provider) []string {
	out := []string{}
	for _, r := range reports {
		for _, s := range r.Servers {
			if s.Err != "" {
				out = append(out, r.Provider+": server error "+s.Err)
			}
			if s.DNSSEC == nil {
				continue
			}
			for _, p := range s.DNSSEC.Problems {
				out = append(out, summary(r.Provider, p))
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestDNSSECMultiSigner serves zones signed by two signers with their own
// keys (RFC 8901 model 2) from two servers, "a" (BIND) and "b" (BIND, then
// Knot: another implementation's answers and proofs), and checks
// what verify --dnssec finds: nothing when each DNSKEY set holds both
// ZSKs, under NSEC and NSEC3; the ZSK a server lacks; an expired
// signature and one by a key nobody publishes; a broken NSEC chain; a DS
// for a key nobody publishes and a signer without a DS.
func TestDNSSECMultiSigner(t *testing.T) {
	for _, kind := range []string{"bind", "knot"} {
		t.Run("b is "+kind, func(t *testing.T) { testMultiSigner(t, kind) })
	}
}

func testMultiSigner(t *testing.T, kindB string) {
	type zoneCase struct {
		origin string
		// a and b say how each signer signs; keys are filled in.
		a, b verifytest.Signing
		// lack: b publishes only its own keys.
		lack bool
		// ds: the parent's DS set names these signers' KSKs ("a", "b",
		// "gone"); nil: no DS.
		ds []string
	}
	gone := verifytest.NewSigner(t, "ds.test.")
	cases := []zoneCase{
		{origin: "ok.test.", ds: []string{"a", "b"}},
		{origin: "nsec3.test.", a: verifytest.Signing{NSEC3: true}, b: verifytest.Signing{NSEC3: true}, ds: []string{"a", "b"}},
		{origin: "lack.test.", lack: true},
		{origin: "expired.test.", b: verifytest.Signing{Future: map[string]bool{"ns1.expired.test. A": true}}, a: verifytest.Signing{Expired: map[string]bool{"www.expired.test. A": true}, Extra: map[string]verifytest.KeyPair{"mail.expired.test. A": verifytest.NewKey(t, "expired.test.", 256)}}},
		{origin: "nsec3bad.test.", b: verifytest.Signing{NSEC3: true, DropNSEC: map[string]bool{"nsec3bad.test.": true}}, a: verifytest.Signing{NSEC3: true}},
		{origin: "nsec.test.", a: verifytest.Signing{DropNSEC: map[string]bool{"www.nsec.test.": true}, AddToBitmap: map[string][]uint16{"nsec.test.": {dns.TypeHINFO}}}},
		{origin: "ds.test.", ds: []string{"a", "gone"}},
	}
	textA, textB := map[string]string{}, map[string]string{}
	parent := "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 127.0.0.1\n"
	keys := map[string]map[string]verifytest.Signer{}
	for _, c := range cases {
		a, b := verifytest.NewSigner(t, c.origin), verifytest.NewSigner(t, c.origin)
		keys[c.origin] = map[string]verifytest.Signer{"a": a, "b": b, "gone": gone}
		sa, sb := c.a, c.b
		sa.By, sb.By = a, b
		sa.Publish = []*dns.DNSKEY{a.KSK.Key, a.ZSK.Key, b.ZSK.Key}
		sb.Publish = []*dns.DNSKEY{b.KSK.Key, b.ZSK.Key, a.ZSK.Key}
		if c.lack {
			sb.Publish = sb.Publish[:2]
		}
		textA[c.origin] = verifytest.SignZone(t, c.origin, signedZone, sa)
		textB[c.origin] = verifytest.SignZone(t, c.origin, signedZone, sb)
		parent += fmt.Sprintf("%s NS ns1.%s\n", c.origin, c.origin)
		for _, who := range c.ds {
			parent += keys[c.origin][who].KSK.Key.ToDS(dns.SHA256).String() + "\n"
		}
	}
	// The parent zone, test., is served by a too: asked for a child's DS,
	// BIND answers from the parent's side of the cut.
	textA["test."] = parent
	bindA := dnstest.StartBIND(t, textA)
	start := dnstest.StartBIND
	if kindB == "knot" {
		start = dnstest.StartKnot
	}
	bindB := start(t, textB)

	run := func(t *testing.T, origin string) (*zones.Zone, []verify.Provider) {
		t.Helper()
		desired, diags, err := zones.Parse(strings.NewReader(signedZone), origin+"zone", zones.Options{Origin: origin})
		if err != nil || diags.HasErrors() {
			t.Fatal(err, diags.Err())
		}
		opts := verify.Options{DNSSEC: true, Timeout: 2 * time.Second}
		reports := []verify.Provider{
			verify.Run(t.Context(), desired, "a", providers.Capabilities{Nameservers: []providers.Nameserver{{Name: "ns1." + origin, Addr: bindA.Addr}}}, opts),
			verify.Run(t.Context(), desired, "b", providers.Capabilities{Nameservers: []providers.Nameserver{{Name: "ns2." + origin, Addr: bindB.Addr}}}, opts),
		}
		verify.CheckSigners(reports, time.Now())
		return desired, reports
	}
	tag := func(origin, who string, ksk bool) string {
		k := keys[origin][who].ZSK.Key
		if ksk {
			k = keys[origin][who].KSK.Key
		}
		return fmt.Sprint(k.KeyTag())
	}
	dsCheck := func(t *testing.T, desired *zones.Zone, reports []verify.Provider) verify.DSCheck {
		t.Helper()
		return verify.CheckDS(t.Context(), desired, reports, verify.DSOptions{Parent: []providers.Nameserver{{Name: "ns.test.", Addr: bindA.Addr}}, ParentZone: "test.", Source: "parent provider lab", Timeout: 2 * time.Second})
	}

	t.Run("each DNSKEY set holds both ZSKs", func(t *testing.T) {
		for _, origin := range []string{"ok.test.", "nsec3.test."} {
			desired, reports := run(t, origin)
			if diff := cmp.Diff([]string{}, problems(reports)); diff != "" {
				t.Errorf("%s: problems (-want +got):\n%s", origin, diff)
			}
			for _, r := range reports {
				if !r.OK() {
					t.Errorf("%s at %s: not OK: %+v", origin, r.Provider, r)
				}
				d := r.Servers[0].DNSSEC
				// SOA, NS, MX, 4 A, DNSKEY, and the two denials' records.
				if d == nil || len(d.Keys) != 3 || d.Checked < 9 {
					t.Errorf("%s at %s: DNSSEC report %+v: want 3 keys and at least 9 RRsets checked", origin, r.Provider, d)
				}
			}
			c := dsCheck(t, desired, reports)
			if !c.Checked || len(c.DS) != 2 || len(c.Problems) != 0 || len(c.Add) != 0 {
				t.Errorf("%s: DS check %+v: want 2 DS and no problems", origin, c)
			}
		}
	})

	t.Run("a DNSKEY set lacks the other signer's ZSK", func(t *testing.T) {
		_, reports := run(t, "lack.test.")
		if diff := cmp.Diff([]string{"b: error missing-zsk lack.test. DNSKEY"}, problems(reports)); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
		d := reports[1].Servers[0].DNSSEC
		want := []verify.Key{{Tag: keys["lack.test."]["a"].ZSK.Key.KeyTag(), Algorithm: "ECDSAP256SHA256", Role: "ZSK"}}
		if diff := cmp.Diff(want, d.Missing); diff != "" {
			t.Errorf("missing keys (-want +got):\n%s", diff)
		}
		if msg := d.Problems[0].Message; !strings.Contains(msg, "ZSK "+tag("lack.test.", "a", false)+" (ECDSAP256SHA256)") || !strings.Contains(msg, "signs at a") {
			t.Errorf("message %q does not name a's ZSK and where it signs", msg)
		}
		if reports[0].OK() == false || reports[1].OK() {
			t.Errorf("want a OK and b not: a %v, b %v", reports[0].OK(), reports[1].OK())
		}
	})

	t.Run("an expired signature and a key nobody publishes", func(t *testing.T) {
		_, reports := run(t, "expired.test.")
		want := []string{
			"a: error signature-expired www.expired.test. A",
			"a: warning unknown-key mail.expired.test. A",
			"b: error signature-not-yet-valid ns1.expired.test. A",
		}
		// BIND maintains a dynamic zone's signatures: finding one expired
		// or not yet valid at load, it bumps the SOA serial and, without
		// the private keys, serves the new SOA unsigned. That is true, and
		// verify says so; it may happen after the first answers, so it is
		// allowed here.
		got := slices.DeleteFunc(problems(reports), func(p string) bool { return strings.HasSuffix(p, ": error unsigned expired.test. SOA") })
		for _, p := range reports[1].Servers[0].DNSSEC.Problems {
			if p.Code == "signature-not-yet-valid" && !strings.Contains(p.Message, "key "+tag("expired.test.", "b", false)+" (ECDSAP256SHA256) is valid only from ") {
				t.Errorf("message %q does not name the key and when it becomes valid", p.Message)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
		for _, p := range reports[0].Servers[0].DNSSEC.Problems {
			if p.Code == "signature-expired" && !strings.Contains(p.Message, "key "+tag("expired.test.", "a", false)+" (ECDSAP256SHA256) expired at ") {
				t.Errorf("message %q does not name the key and when it expired", p.Message)
			}
		}
	})

	t.Run("an NSEC3 chain without the apex", func(t *testing.T) {
		_, reports := run(t, "nsec3bad.test.")
		want := []string{
			"b: error nodata-unproven nsec3bad.test. HINFO",
			"b: error nxdomain-unproven zonecast-verify-nx.nsec3bad.test. ",
		}
		if diff := cmp.Diff(want, problems(reports)); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})

	t.Run("a broken NSEC chain", func(t *testing.T) {
		_, reports := run(t, "nsec.test.")
		want := []string{
			"a: error nodata-unproven nsec.test. HINFO",
			"a: error nxdomain-unproven zonecast-verify-nx.nsec.test. ",
		}
		if diff := cmp.Diff(want, problems(reports)); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})

	t.Run("a DS for a key nobody publishes, a signer without a DS", func(t *testing.T) {
		desired, reports := run(t, "ds.test.")
		c := dsCheck(t, desired, reports)
		var got []string
		for _, p := range c.Problems {
			got = append(got, summary("parent", p))
		}
		want := []string{"parent: warning ds-without-key ds.test. DS", "parent: error dnskey-not-anchored ds.test. DNSKEY"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DS problems (-want +got):\n%s", diff)
		}
		if len(c.Problems) == 2 {
			if m := c.Problems[0].Message; !strings.Contains(m, "key "+fmt.Sprint(gone.KSK.Key.KeyTag())+" ") {
				t.Errorf("message %q does not name the gone KSK", m)
			}
			if m := c.Problems[1].Message; !strings.Contains(m, "at b") || !strings.Contains(m, "KSK "+tag("ds.test.", "b", true)) {
				t.Errorf("message %q does not name b and its KSK", m)
			}
		}
		wantAdd := []string{strings.Join(strings.Fields(keys["ds.test."]["b"].KSK.Key.ToDS(dns.SHA256).String()), " ")}
		if diff := cmp.Diff(wantAdd, c.Add); diff != "" {
			t.Errorf("DS to add (-want +got):\n%s", diff)
		}
		if !c.Errors() || c.Parent != "test." {
			t.Errorf("want errors at the parent test.: %+v", c)
		}
	})
}
