package route53_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/route53"
	"github.com/zonecast/zonecast/zones"
)

func TestSignerCaps(t *testing.T) {
	_, _, p := setup(t, emu.Options{})
	c := p.Capabilities().DNSSEC
	if !c.Signs || c.ForeignKeys || c.ServesGiven || c.CDS {
		t.Errorf("caps %+v: want Signs only", c)
	}
	err := providers.CanJoin("route53", c, providers.MultiSigner)
	var je *providers.JoinError
	if !errors.As(err, &je) {
		t.Fatalf("multi-signer: got %v, want a *JoinError", err)
	}
	for _, want := range []string{"cannot publish other signers' DNSKEYs", "take it out of this zone's providers", "keep the zone unsigned"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	if err := providers.CanJoin("route53", c, providers.SignedByZonecast); !errors.Is(err, providers.ErrCannotJoin) {
		t.Errorf("signed-by-zonecast: got %v, want a refusal", err)
	}
	if err := providers.CanJoin("route53", c, providers.Unsigned); err != nil {
		t.Errorf("unsigned: %v", err)
	}
}

// TestSignerStateNotSigning: a zone without signing reads NOT_SIGNING, no
// keys, in one GetDNSSEC.
func TestSignerStateNotSigning(t *testing.T) {
	s, _, p := setup(t, emu.Options{})
	st, err := p.SignerState(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if st.Signing || st.Status != "NOT_SIGNING" || len(st.Keys.Data) != 0 || len(st.DS) != 0 {
		t.Errorf("state %+v: want NOT_SIGNING and no keys", st)
	}
	if n := s.Counts()["GetDNSSEC"]; n != 1 {
		t.Errorf("%d GetDNSSEC requests, want 1", n)
	}
}

// TestSignerState: the ACTIVE KSK's DNSKEY and DS are read back through the
// SDK from GetDNSSEC.
func TestSignerState(t *testing.T) {
	s, zid, p := setup(t, emu.Options{})
	key := s.EnableSigning(zid, "ksk1")
	st, err := p.SignerState(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Signing || st.Status != "SIGNING" {
		t.Errorf("status %q signing %v: want SIGNING", st.Status, st.Signing)
	}
	rr, err := dns.NewRR(origin + " 3600 IN DNSKEY " + key)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{zones.Rdata(rr)}, st.Keys.Data); diff != "" {
		t.Errorf("keys (-the KSK +read):\n%s", diff)
	}
	if diff := cmp.Diff([]string{zones.Rdata(rr.(*dns.DNSKEY).ToDS(dns.SHA256))}, st.DS); diff != "" {
		t.Errorf("DS (-the KSK's +read):\n%s", diff)
	}
	if !strings.Contains(st.Refusal, "take route53 out of this zone's providers") {
		t.Errorf("refusal %q: want the way out named", st.Refusal)
	}
	if len(st.Notes) == 0 || !strings.Contains(st.Notes[0], "ZSK") {
		t.Errorf("notes %q: want one saying the ZSK is not in the API", st.Notes)
	}
}

// TestForeignKeysRefused: Route 53 refuses foreign DNSKEYs without a
// request, with the way out named; and the API refuses a DNSKEY set too.
func TestForeignKeysRefused(t *testing.T) {
	s, zid, p := setup(t, emu.Options{})
	s.EnableSigning(zid, "ksk1")
	s.ResetRequests()
	err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: []string{"256 3 13 AAAA"}})
	if !errors.Is(err, providers.ErrForeignKeysRefused) || !errors.Is(err, route53.ErrNoForeignKeys) {
		t.Fatalf("got %v, want ErrNoForeignKeys", err)
	}
	if !strings.Contains(err.Error(), "take route53 out of this zone's providers") {
		t.Errorf("refusal %q does not say what to do", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests for a refused write, want 0", n)
	}
	if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY}); err != nil {
		t.Errorf("removing no keys: %v", err)
	}
	// A DNSKEY set cannot be written as a record set either: Apply
	// refuses it, with the same error, before any request (the other
	// changes of the apply included).
	k, _ := dns.NewRR(origin + " 3600 IN DNSKEY 256 3 13 " + strings.Repeat("A", 88))
	www := zones.RRset{Name: "www." + origin, Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.80"}}
	s.ResetRequests()
	n, err := p.Apply(t.Context(), origin, []providers.Change{{Set: www}, {Set: zones.RRset{Name: origin, Type: dns.TypeDNSKEY, TTL: 3600, Data: []string{zones.Rdata(k)}}}})
	if n != 0 || !errors.Is(err, route53.ErrNoForeignKeys) || !strings.Contains(err.Error(), "take route53 out of this zone's providers") {
		t.Errorf("apply of a DNSKEY set: %d applied, %v; want 0 and ErrNoForeignKeys", n, err)
	}
	for _, r := range s.Requests() {
		if r.Op == "ChangeResourceRecordSets" {
			t.Errorf("a change request for a refused apply: %s %s", r.Method, r.Path)
		}
	}
}
