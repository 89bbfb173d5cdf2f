package rfc2136_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

// servers are the real servers, each started serving one zone.
var servers = []struct {
	kind  string
	start func(t *testing.T, zone string) *dnstest.Server
}{
	{"bind", func(t *testing.T, zone string) *dnstest.Server {
		return dnstest.StartBIND(t, map[string]string{origin: zone})
	}},
	{"knot", func(t *testing.T, zone string) *dnstest.Server {
		return dnstest.StartKnot(t, map[string]string{origin: zone})
	}},
	{"pdns", func(t *testing.T, zone string) *dnstest.Server {
		return dnstest.StartPowerDNS(t, dnstest.Options{}, map[string]string{origin: zone})
	}},
}

// TestSignedTransferOfManyMessages: a zone of 20,000 records comes in
// about 90 (BIND, Knot) to 200 (PowerDNS) messages, each signed; every
// MAC in the chain verifies and every record arrives.
func TestSignedTransferOfManyMessages(t *testing.T) {
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range 20000 {
		fmt.Fprintf(&b, "h%d TXT \"%s\"\n", i, strings.Repeat("x", 60))
	}
	for _, srv := range servers {
		t.Run(srv.kind, func(t *testing.T) {
			s := srv.start(t, b.String())
			sets, err := provider(t, s).Records(t.Context(), origin)
			if err != nil {
				t.Fatal(err)
			}
			if n := countRRs(sets); n != 20000+len(rrs(t, providertest.Head)) {
				t.Errorf("%d records transferred, want %d", n, 20000+len(rrs(t, providertest.Head)))
			}
		})
	}
}

// TestWrongKeyNamed: a key name the server does not know, and a secret
// it does not hold, are named as such; PowerDNS, which answers both
// unsigned, is told apart from a middlebox only by the hint.
func TestWrongKeyNamed(t *testing.T) {
	want := map[string][2]string{
		"bind": {"the server does not know key other-key. (TSIG error BADKEY)", "the server says the signature is wrong (TSIG error BADSIG)"},
		"knot": {"the server does not know key other-key. (TSIG error BADKEY)", "the server says the signature is wrong (TSIG error BADSIG)"},
		"pdns": {"the reply (NOTAUTH) is not signed with key other-key.", "the reply (NOTAUTH) is not signed with key zonecast-test."},
	}
	for _, srv := range servers {
		t.Run(srv.kind, func(t *testing.T) {
			s := srv.start(t, providertest.Head)
			for i, k := range []rfc2136.TSIG{
				{Name: "other-key.", Algorithm: s.KeyAlg, Secret: providers.NewSecret(s.Secret)},
				{Name: s.KeyName, Algorithm: s.KeyAlg, Secret: providers.NewSecret("c2VjcmV0c2VjcmV0c2VjcmV0")},
			} {
				p, err := rfc2136.New(s.Kind, rfc2136.Config{Server: s.Addr, TSIG: k})
				if err != nil {
					t.Fatal(err)
				}
				_, err = p.Records(t.Context(), origin)
				wantErr(t, "Records with "+[]string{"a wrong key name", "a wrong secret"}[i], err, "AXFR example.com. at "+s.Addr, want[s.Kind][i])
				if strings.Contains(err.Error(), s.Secret) {
					t.Errorf("the error carries the secret: %v", err)
				}
			}
		})
	}
}

// TestPowerDNSSignsUpdateReplies: PowerDNS's signed replies to UPDATE
// verify (BIND and Knot are covered by the conformance suites).
func TestPowerDNSSignsUpdateReplies(t *testing.T) {
	s := dnstest.StartPowerDNS(t, dnstest.Options{}, map[string]string{origin: providertest.Head})
	providertest.Converge(t, provider(t, s), origin, providertest.Head+"www A 192.0.2.9\nt TXT \"a\" \"b\"\n")
}
