package rfc2136_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

// TestZoneNotServed: BIND, Knot and PowerDNS, asked with the right key for
// a zone they do not serve (another zone, or a name inside the zone they
// do serve), each turn the AXFR and the UPDATE down in their own way
// (BIND a signed NOTAUTH; Knot an unsigned NOTAUTH; PowerDNS an unsigned
// NOTAUTH to AXFR and a signed one to UPDATE). Every one is reported as
// the server not serving the zone, with what to check, never as a TSIG
// problem; the signed NOTAUTH is providers.ErrZoneNotFound, the unsigned
// one (not verified) is not. Nothing is counted as applied. A key
// PowerDNS does not know, for the zone it serves, draws the same unsigned
// NOTAUTH to AXFR: that one is still reported as the key.
func TestZoneNotServed(t *testing.T) {
	servers := []*dnstest.Server{
		dnstest.StartBIND(t, map[string]string{origin: providertest.Head}),
		dnstest.StartKnot(t, map[string]string{origin: providertest.Head}),
		dnstest.StartPowerDNS(t, dnstest.Options{}, map[string]string{origin: providertest.Head}),
	}
	// signed: whether the server signs its NOTAUTH, to AXFR and UPDATE.
	signed := map[string][2]bool{"bind": {true, true}, "knot": {false, false}, "pdns": {false, true}}
	for _, s := range servers {
		p := provider(t, s)
		for _, zone := range []string{"example.org.", "sub." + origin} {
			t.Run(s.Kind+" "+zone, func(t *testing.T) {
				_, err := p.Records(t.Context(), zone)
				check(t, s, "AXFR", zone, err, signed[s.Kind][0])
				n, err := p.Apply(t.Context(), zone, changes(t, 2))
				if n != 0 {
					t.Errorf("Apply: %d changes counted as applied; want 0", n)
				}
				check(t, s, "UPDATE", zone, err, signed[s.Kind][1])
			})
		}
	}
	t.Run("pdns unknown key", func(t *testing.T) {
		s := servers[2]
		p, err := rfc2136.New("pdns", rfc2136.Config{Server: s.Addr,
			TSIG: rfc2136.TSIG{Name: "other-key.", Algorithm: s.KeyAlg, Secret: providers.NewSecret(s.Secret)}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Records(t.Context(), origin)
		var nse *rfc2136.ZoneNotServedError
		if errors.As(err, &nse) {
			t.Fatalf("an unknown key is reported as the zone: %v", err)
		}
		wantErr(t, "Records with an unknown key", err, "the reply (NOTAUTH) is not signed with key other-key.",
			"the server serves example.com., so it is the key it turns down", "check tsig.name, tsig.secret")
	})
}

func check(t *testing.T, s *dnstest.Server, op, zone string, err error, signed bool) {
	t.Helper()
	var nse *rfc2136.ZoneNotServedError
	if !errors.As(err, &nse) {
		t.Fatalf("%s of %s: %T %v; want a *rfc2136.ZoneNotServedError", op, zone, err, err)
	}
	if nse.Signed != signed || nse.Rcode != dns.RcodeNotAuth || nse.Op != op || nse.Server != s.Addr || nse.Zone != zone {
		t.Errorf("%s of %s: %+v; want signed %v NOTAUTH", op, zone, nse, signed)
	}
	t.Logf("%s %s: %v", op, zone, err)
	next := ": check the zone name in zonecast.yaml and the server's configuration"
	want := s.Addr + " does not serve " + zone + " (NOTAUTH to " + op + ")" + next
	if !signed {
		want = s.Addr + " says it does not serve " + zone + " (an unsigned NOTAUTH to " + op + ", not verified; its SOA query is answered "
	}
	if !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), next) {
		t.Errorf("%s of %s: %q\nwant it to say %q", op, zone, err, want)
	}
	for _, tsig := range []string{"signature", "bad authentication", "not signed with", "tsig"} {
		if strings.Contains(err.Error(), tsig) {
			t.Errorf("%s of %s: %q speaks of TSIG (%q)", op, zone, err, tsig)
		}
	}
	if errors.Is(err, providers.ErrZoneNotFound) != signed {
		t.Errorf("%s of %s: errors.Is(providers.ErrZoneNotFound) = %v; want %v (only a signed NOTAUTH is the server's word)", op, zone, !signed, signed)
	}
}
