package rfc2136_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

// TestDNSSECKey: the dnssec: key decides the provider's SignerCaps, and a
// wrong value is refused when the provider is made, naming the key.
func TestDNSSECKey(t *testing.T) {
	cfg := func(mode providers.ServerDNSSEC) rfc2136.Config {
		return rfc2136.Config{Server: "127.0.0.1:53", DNSSEC: mode,
			TSIG: rfc2136.TSIG{Name: "k.", Algorithm: "hmac-sha256", Secret: providers.NewSecret("c2VjcmV0c2VjcmV0c2VjcmV0")}}
	}
	for _, tc := range []struct {
		mode              providers.ServerDNSSEC
		multi, byZonecast bool
	}{
		{mode: "", multi: false, byZonecast: false},
		{mode: "none", multi: false, byZonecast: false},
		{mode: "server-signs", multi: true, byZonecast: false},
		{mode: "zonecast-signs", multi: true, byZonecast: true},
	} {
		p, err := rfc2136.New("own", cfg(tc.mode))
		if err != nil {
			t.Fatalf("%q: %v", tc.mode, err)
		}
		c := p.Capabilities().DNSSEC
		if got := providers.CanJoin("own", c, providers.MultiSigner) == nil; got != tc.multi {
			t.Errorf("%q: joins multi-signer %v, want %v", tc.mode, got, tc.multi)
		}
		err = providers.CanJoin("own", c, providers.SignedByZonecast)
		if got := err == nil; got != tc.byZonecast {
			t.Errorf("%q: joins signed-by-zonecast %v, want %v", tc.mode, got, tc.byZonecast)
		}
		if (tc.mode == "" || tc.mode == "none") && (!errors.Is(err, providers.ErrCannotJoin) || !strings.Contains(err.Error(), "set dnssec: server-signs")) {
			t.Errorf("%q: refusal %v does not name the key", tc.mode, err)
		}
	}
	if _, err := rfc2136.New("own", cfg("on")); err == nil || !strings.Contains(err.Error(), "dnssec:") {
		t.Errorf("dnssec: on: got %v, want an error naming the key", err)
	}
}

// signingZone is the zone the signing servers start with.
const signingZone = providertest.Head + "www A 192.0.2.80\n"

// TestForeignDNSKEY: at a server that signs the zone with keys of its own
// (dnssec: server-signs), a change of the apex DNSKEY RRset as the engine
// plans it (Before the served set, Set the served set plus a foreign ZSK)
// publishes the foreign key through Apply; Records reads the DNSKEY RRset
// back as served (own keys and the foreign one, the served TTL), signed by
// the server's KSK, with its RRSIG and NSEC sets; withdrawing it (a Set
// without it, then a Delete listing it) leaves the server's own keys as
// they were. BIND refuses a class ANY delete of a signed zone's DNSKEY
// RRset, so this also shows the driver never sends one.
func TestForeignDNSKEY(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		start func(testing.TB, dnstest.Options, map[string]string) *dnstest.Server
	}{
		{"bind", dnstest.StartBINDWith},
		{"knot", dnstest.StartKnotWith},
		{"pdns", dnstest.StartPowerDNS},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			s := tc.start(t, dnstest.Options{Sign: true}, map[string]string{origin: signingZone})
			p, err := rfc2136.New(s.Kind, rfc2136.Config{
				Server: s.Addr, DNSSEC: providers.ServerSigns,
				TSIG: rfc2136.TSIG{Name: s.KeyName, Algorithm: s.KeyAlg, Secret: providers.NewSecret(s.Secret)},
			})
			if err != nil {
				t.Fatal(err)
			}
			served := readDNSKEY(t, p)
			own := served
			ownKSK := ksks(t, own)
			if len(ownKSK) == 0 || len(own.Data) < 2 {
				t.Fatalf("the server's own DNSKEY RRset %v: want a KSK and a ZSK", own.Data)
			}
			foreign, _ := dnstest.NewKey(t, origin, dns.ZONE, served.TTL)
			fdata := zones.Rdata(foreign)

			// Publish.
			after := served
			after.Data = sortedWith(served.Data, fdata)
			if n, err := p.Apply(t.Context(), origin, []providers.Change{{Set: after, Before: &served}}); err != nil || n != 1 {
				t.Fatalf("publish a foreign ZSK: applied %d, %v", n, err)
			}
			got := waitSigned(t, s, p, ownKSK, after.Data)
			if diff := cmp.Diff(after, got); diff != "" {
				t.Errorf("DNSKEY RRset read back after publishing (-want +got):\n%s", diff)
			}

			// Withdraw with a Set: Before plus nothing, minus the foreign key.
			if n, err := p.Apply(t.Context(), origin, []providers.Change{{Set: own, Before: &got}}); err != nil || n != 1 {
				t.Fatalf("withdraw the foreign ZSK: applied %d, %v", n, err)
			}
			if got := waitSigned(t, s, p, ownKSK, own.Data); !slices.Equal(got.Data, own.Data) {
				t.Errorf("after withdrawing: DNSKEY %v, want the server's own %v", got.Data, own.Data)
			}

			// Publish again, then withdraw with a Delete that lists only
			// the foreign key.
			if _, err := p.Apply(t.Context(), origin, []providers.Change{{Set: after, Before: &own}}); err != nil {
				t.Fatal(err)
			}
			got = waitSigned(t, s, p, ownKSK, after.Data)
			del := zones.RRset{Name: origin, Type: dns.TypeDNSKEY, TTL: served.TTL, Data: []string{fdata}}
			if n, err := p.Apply(t.Context(), origin, []providers.Change{{Delete: true, Set: del, Before: &got}}); err != nil || n != 1 {
				t.Fatalf("delete the foreign ZSK: applied %d, %v", n, err)
			}
			if got := waitSigned(t, s, p, ownKSK, own.Data); !slices.Equal(got.Data, own.Data) {
				t.Errorf("after the Delete: DNSKEY %v, want the server's own %v", got.Data, own.Data)
			}
		})
	}
}

// readDNSKEY reads the zone with Records and returns its apex DNSKEY RRset,
// checking that the apex also has its RRSIG over the DNSKEY RRset and an
// NSEC RRset with its RRSIG: what the engine needs to see the zone signed.
func readDNSKEY(t *testing.T, p *rfc2136.Provider) zones.RRset {
	t.Helper()
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	var key *zones.RRset
	found := map[string]bool{}
	for i, s := range sets {
		if s.Name != origin {
			continue
		}
		switch {
		case s.Type == dns.TypeDNSKEY:
			key = &sets[i]
		case s.Type == dns.TypeNSEC:
			found["NSEC"] = true
		case s.Type == dns.TypeRRSIG:
			found["RRSIG "+dns.TypeToString[s.Covers]] = true
		}
	}
	for _, want := range []string{"NSEC", "RRSIG DNSKEY", "RRSIG NSEC", "RRSIG SOA"} {
		if !found[want] {
			t.Errorf("Records: no apex %s set", want)
		}
	}
	if key == nil {
		t.Fatalf("Records: no apex DNSKEY RRset")
	}
	return *key
}

// waitSigned polls, for up to 10 s, until Records gives the apex DNSKEY
// RRset with exactly data, every key of own (KSKs) in it, and the server
// answers the DNSKEY RRset signed by one of own. A signing server re-signs
// the DNSKEY RRset after the UPDATE, BIND at times after its reply.
func waitSigned(t *testing.T, s *dnstest.Server, p *rfc2136.Provider, own []*dns.DNSKEY, data []string) zones.RRset {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := readDNSKEY(t, p)
		answer := s.QuerySigned(t, origin, dns.TypeDNSKEY)
		served := make([]string, len(answer.RRs))
		for i, rr := range answer.RRs {
			served[i] = zones.Rdata(rr)
		}
		slices.Sort(served)
		signed := len(answer.VerifiedBy(own)) > 0
		if slices.Equal(got.Data, data) && slices.Equal(served, data) && signed {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("DNSKEY RRset: AXFR %v, served %v, signed by the server's KSK %v; want %v signed", got.Data, served, signed, data)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ksks returns the keys of set with the SEP flag.
func ksks(t *testing.T, set zones.RRset) []*dns.DNSKEY {
	t.Helper()
	rrs, err := set.RRs()
	if err != nil {
		t.Fatal(err)
	}
	var out []*dns.DNSKEY
	for _, k := range dnstest.DNSKEYs(rrs) {
		if k.Flags&dns.SEP != 0 {
			out = append(out, k)
		}
	}
	return out
}

func sortedWith(data []string, d string) []string {
	out := append(slices.Clone(data), d)
	slices.Sort(out)
	return out
}

// TestDNSKEYUpdateSection: the update section of an apex DNSKEY change
// holds only the keys that come and go, record by record (class IN to
// add, class NONE and TTL 0 to delete), never a class ANY delete and never
// a key that is in both Before and the new set (the server's own keys).
// Other RRsets are still replaced whole.
func TestDNSKEYUpdateSection(t *testing.T) {
	const ksk, zsk, f1, f2 = "257 3 13 a3NrAA==", "256 3 13 enNrAA==", "256 3 13 ZjEAAA==", "256 3 13 ZjIAAA=="
	set := func(data ...string) zones.RRset {
		return zones.RRset{Name: origin, Type: dns.TypeDNSKEY, TTL: 3600, Data: data}
	}
	ptr := func(s zones.RRset) *zones.RRset { return &s }
	for _, tc := range []struct {
		name   string
		change providers.Change
		want   []string // "CLASS TTL rdata"
	}{
		{name: "publish", change: providers.Change{Set: set(f1, ksk, zsk), Before: ptr(set(ksk, zsk))},
			want: []string{"IN 3600 " + f1}},
		{name: "publish and withdraw", change: providers.Change{Set: set(f2, ksk, zsk), Before: ptr(set(f1, ksk, zsk))},
			want: []string{"IN 3600 " + f2, "NONE 0 " + f1}},
		{name: "withdraw", change: providers.Change{Set: set(ksk, zsk), Before: ptr(set(f1, f2, ksk, zsk))},
			want: []string{"NONE 0 " + f1, "NONE 0 " + f2}},
		{name: "no Before: add every key listed", change: providers.Change{Set: set(f1, ksk)},
			want: []string{"IN 3600 " + f1, "IN 3600 " + ksk}},
		{name: "nothing changes", change: providers.Change{Set: set(ksk, zsk), Before: ptr(set(ksk, zsk))}},
		{name: "delete lists the foreign keys", change: providers.Change{Delete: true, Set: set(f1, f2), Before: ptr(set(f1, f2, ksk, zsk))},
			want: []string{"NONE 0 " + f1, "NONE 0 " + f2}},
		{name: "delete: a key Before does not hold is not sent", change: providers.Change{Delete: true, Set: set(f1, f2), Before: ptr(set(f1, ksk, zsk))},
			want: []string{"NONE 0 " + f1}},
		{name: "delete without Before", change: providers.Change{Delete: true, Set: set(f1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rrs, err := rfc2136.UpdateRRs(origin, tc.change)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rr := range rrs {
				h := rr.Header()
				if h.Name != origin || h.Rrtype != dns.TypeDNSKEY {
					t.Errorf("a record %s in a DNSKEY change", rr)
					continue
				}
				got = append(got, fmt.Sprintf("%s %d %s", dns.ClassToString[h.Class], h.Ttl, zones.Rdata(rr)))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("update section (-want +got):\n%s", diff)
			}
		})
	}
	// Below the apex a DNSKEY RRset is ordinary data, replaced whole.
	sub := zones.RRset{Name: "sub." + origin, Type: dns.TypeDNSKEY, TTL: 300, Data: []string{ksk}}
	rrs, err := rfc2136.UpdateRRs(origin, providers.Change{Set: sub, Before: &sub})
	if err != nil {
		t.Fatal(err)
	}
	if len(rrs) != 2 || rrs[0].Header().Class != dns.ClassANY {
		t.Errorf("sub.%s DNSKEY: update section %v, want a class ANY delete and the record", origin, rrs)
	}
}

// An RRSIG set (the signatures of one type at a name) changes record by
// record: a class ANY delete of type RRSIG would take the signatures of
// every type at the name (found applying a zonecast-signed zone to Knot:
// only the apex's last RRSIG set survived). A SOA is replaced by adding it.
func TestRRSIGAndSOAUpdateSection(t *testing.T) {
	const old = "SOA 13 2 300 20261212000000 20261201000000 1 " + origin + " b2xkAA=="
	const nu = "SOA 13 2 300 20261213000000 20261202000000 1 " + origin + " bmV3AA=="
	sig := func(data ...string) zones.RRset {
		return zones.RRset{Name: origin, Type: dns.TypeRRSIG, Covers: dns.TypeSOA, TTL: 300, Data: data}
	}
	before := sig(old)
	for _, tc := range []struct {
		name   string
		change providers.Change
		want   []string
	}{
		{"renewed", providers.Change{Set: sig(nu), Before: &before}, []string{"IN RRSIG " + nu, "NONE RRSIG " + old}},
		{"deleted", providers.Change{Delete: true, Set: sig(old), Before: &before}, []string{"NONE RRSIG " + old}},
		{"SOA replaced", providers.Change{Set: zones.RRset{Name: origin, Type: dns.TypeSOA, TTL: 300, Data: []string{"ns." + origin + " h." + origin + " 7 3600 600 86400 300"}}},
			[]string{"IN SOA ns." + origin + " h." + origin + " 7 3600 600 86400 300"}},
	} {
		rrs, err := rfc2136.UpdateRRs(origin, tc.change)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, rr := range rrs {
			if rr.Header().Class == dns.ClassANY {
				t.Errorf("%s: a class ANY delete %v", tc.name, rr)
			}
			got = append(got, dns.ClassToString[rr.Header().Class]+" "+dns.TypeToString[rr.Header().Rrtype]+" "+zones.Rdata(rr))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: update section\n%q\nwant\n%q", tc.name, got, tc.want)
		}
	}
	if _, err := rfc2136.UpdateRRs(origin, providers.Change{Delete: true, Set: zones.RRset{Name: origin, Type: dns.TypeSOA}}); err == nil {
		t.Error("a SOA delete was accepted")
	}
}
