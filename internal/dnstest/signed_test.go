package dnstest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The signed mini Internet of TestSignedMiniInternet, on addresses of its
// own so that it runs beside TestMiniInternet.
const (
	signedRootAddr     = "127.0.0.110"
	signedTLDAddr      = "127.0.0.111"
	signedProviderAddr = "127.0.0.121"
	signedResolverAddr = "127.0.0.130"
)

// labRoot is the root zone of a signed lab whose root server is rootIP and
// TLD server tldIP, with the TLD's DS records ds (zone file lines).
func labRoot(rootIP, tldIP, ds string) string {
	return fmt.Sprintf(`$ORIGIN .
$TTL 300
@              SOA  a.root.test. hostmaster.root.test. 1 3600 600 86400 300
@              NS   a.root.test.
test.          NS   ns.nic.test.
%s
; glue
ns.nic.test.   A    %s
a.root.test.   A    %s
`, ds, tldIP, rootIP)
}

// labTLD is the zone test. of a signed lab with delegations (zone file
// lines: NS, glue and DS records).
func labTLD(rootIP, tldIP, delegations string) string {
	return fmt.Sprintf(`$ORIGIN test.
$TTL 300
@              SOA  ns.nic.test. hostmaster.nic.test. 1 3600 600 86400 300
@              NS   ns.nic.test.
ns.nic         A    %s
a.root         A    %s
%s
`, tldIP, rootIP, delegations)
}

// TestSignedMiniInternet runs a signed root (BIND) and TLD (Knot), both
// signed by SignZone, and a provider (BIND) serving two signed children of
// test.: example.test, whose DS at the TLD matches its KSK, and
// bogus.test, whose DS names another key. Unbound, given the root's DS as
// its trust anchor, must answer for example.test with the AD bit, and
// SERVFAIL (validation failure) for bogus.test.
func TestSignedMiniInternet(t *testing.T) {
	t.Parallel()
	begin := time.Now()
	step := func(what string) {
		t.Logf("%-40s %v", what, time.Since(begin).Round(time.Millisecond))
		begin = time.Now()
	}
	child := func(origin string) string {
		return fmt.Sprintf(`$ORIGIN %s
$TTL 300
@    SOA  ns1 hostmaster 1 3600 600 86400 300
@    NS   ns1
ns1  A    %s
www  A    192.0.2.80
`, origin, signedProviderAddr)
	}
	example := SignZone(t, "example.test.", child("example.test."))
	bogus := SignZone(t, "bogus.test.", child("bogus.test."))
	other := SignZone(t, "bogus.test.", child("bogus.test.")) // its DS goes to the TLD: wrong key
	tld := SignZone(t, "test.", labTLD(signedRootAddr, signedTLDAddr, fmt.Sprintf(`example NS ns1.example
ns1.example A %s
%sbogus NS ns1.bogus
ns1.bogus A %s
%s`, signedProviderAddr, DSText([]*dns.DNSKEY{example.KSK}, 300), signedProviderAddr, DSText([]*dns.DNSKEY{other.KSK}, 300))))
	root := SignZone(t, ".", labRoot(signedRootAddr, signedTLDAddr, DSText([]*dns.DNSKEY{tld.KSK}, 300)))
	step("signed 4 zones")
	if !strings.Contains(tld.Text, "RRSIG") || !strings.Contains(tld.Text, "NSEC") {
		t.Fatalf("signed test. has no RRSIG or NSEC:\n%s", tld.Text)
	}

	StartBINDWith(t, Options{Addr: signedRootAddr}, map[string]string{".": root.Text})
	StartKnotWith(t, Options{Addr: signedTLDAddr}, map[string]string{"test.": tld.Text})
	StartBINDWith(t, Options{Addr: signedProviderAddr}, map[string]string{
		"example.test.": example.Text,
		"bogus.test.":   bogus.Text,
	})
	step("root, tld, provider ready")
	r := StartUnboundWith(t, signedResolverAddr, map[string]string{"a.root.test.": signedRootAddr},
		ResolverOptions{TrustAnchors: []dns.RR{root.DS}})
	step("validating resolver ready")

	a := r.Ask(t, "www.example.test.", dns.TypeA)
	if !a.Validated() {
		t.Fatalf("www.example.test A: %v; want NOERROR with AD", a)
	}
	step("www.example.test validated")
	a = r.Ask(t, "nothere.example.test.", dns.TypeA)
	if a.Rcode != dns.RcodeNameError || !a.AD {
		t.Errorf("nothere.example.test A: %v; want NXDOMAIN with AD (NSEC proof)", a)
	}
	a = r.Ask(t, "www.bogus.test.", dns.TypeA)
	if a.Rcode != dns.RcodeServerFailure || len(a.Answer) != 0 {
		t.Errorf("www.bogus.test A (DS names another key): %v; want SERVFAIL", a)
	}
	// Unbound 1.17 says why (ede: yes): 9, DNSKEY Missing (RFC 8914 4.10).
	if len(a.EDE) == 0 || !strings.HasPrefix(a.EDE[0], "9: validation failure") {
		t.Errorf("www.bogus.test A: extended errors %q, want 9 (DNSKEY Missing), a validation failure", a.EDE)
	}
	step("bogus.test SERVFAIL")
	r.Flush()
	if a := r.Ask(t, "www.example.test.", dns.TypeA); !a.Validated() {
		t.Fatalf("www.example.test A after Flush: %v; want NOERROR with AD", a)
	}
}
