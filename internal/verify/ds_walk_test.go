package verify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/internal/verify/verifytest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// serveAt starts a on addr, port 53 (UDP), until the test ends: the walk
// from the root has addresses of its own, 127.0.56.0/24, apart from the
// other packages' tests (dnstest.ServePort53).
func serveAt(t *testing.T, addr string, a *authority) {
	t.Helper()
	dnstest.ServePort53(t, addr, a)
}

// TestCheckDSWalk finds the parent's DS set by walking from a root (no
// parent: provider): the root refers to test., whose server answers the
// DS set of walk.test.; both signers' KSKs have a DS there. A zone the
// parent does not delegate is not checked, and says why.
func TestCheckDSWalk(t *testing.T) {
	const origin = "walk.test."
	a, b := verifytest.NewSigner(t, origin), verifytest.NewSigner(t, origin)
	tld := "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 127.0.56.2\n" +
		"walk NS ns1.walk\nns1.walk A 127.0.56.3\n" +
		a.KSK.Key.ToDS(dns.SHA256).String() + "\n" + b.KSK.Key.ToDS(dns.SHA256).String() + "\n"
	serveAt(t, "127.0.56.1", newAuthority(t, map[string]string{".": "$TTL 3600\n. SOA a.root.test. hostmaster.test. 1 7200 900 1209600 300\n. NS a.root.test.\na.root.test. A 127.0.56.1\ntest. NS ns.test.\nns.test. A 127.0.56.2\n"}))
	serveAt(t, "127.0.56.2", newAuthority(t, map[string]string{"test.": tld}))

	publish := []*dns.DNSKEY{a.KSK.Key, a.ZSK.Key, b.ZSK.Key, b.KSK.Key}
	bindA := dnstest.StartBIND(t, map[string]string{origin: verifytest.SignZone(t, origin, signedZone, verifytest.Signing{By: a, Publish: publish[:3]})})
	bindB := dnstest.StartBIND(t, map[string]string{origin: verifytest.SignZone(t, origin, signedZone, verifytest.Signing{By: b, Publish: []*dns.DNSKEY{b.KSK.Key, b.ZSK.Key, a.ZSK.Key}})})
	desired, diags, err := zones.Parse(strings.NewReader(signedZone), origin+"zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	opts := verify.Options{DNSSEC: true, Timeout: time.Second}
	reports := []verify.Provider{
		verify.Run(t.Context(), desired, "a", providers.Capabilities{Nameservers: []providers.Nameserver{{Addr: bindA.Addr}}}, opts),
		verify.Run(t.Context(), desired, "b", providers.Capabilities{Nameservers: []providers.Nameserver{{Addr: bindB.Addr}}}, opts),
	}
	verify.CheckSigners(reports, time.Now())
	roots := verify.DSOptions{Roots: []string{"127.0.56.1:53"}, Timeout: 300 * time.Millisecond}
	c := verify.CheckDS(t.Context(), desired, reports, roots)
	if !c.Checked || c.Parent != "test." || c.Source != "the walk from the root" || len(c.DS) != 2 || len(c.Problems) != 0 {
		t.Errorf("DS check %+v: want test.'s 2 DS found by the walk, no problems", c)
	}

	other, diags, err := zones.Parse(strings.NewReader(signedZone), "nowhere.test.zone", zones.Options{Origin: "nowhere.test."})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	c = verify.CheckDS(t.Context(), other, nil, roots)
	if c.Checked || !strings.Contains(c.Err, "nowhere.test. is not delegated: the servers of test. answer NXDOMAIN") {
		t.Errorf("DS check of an undelegated zone %+v: want not checked, saying so", c)
	}
}
