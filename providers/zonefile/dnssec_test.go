package zonefile_test

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnssec"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/zonefile"
	"github.com/zonecast/zonecast/zones"
)

// TestDNSSECKey: zone files join a zonecast-signed zone only with dnssec:
// zonecast-signs; server-signs is refused with the way out.
func TestDNSSECKey(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		mode providers.ServerDNSSEC
		join bool
	}{{"", false}, {"none", false}, {"zonecast-signs", true}} {
		p, err := zonefile.Driver.New("files", &zonefile.Config{Directory: dir, DNSSEC: tc.mode}, dir)
		if err != nil {
			t.Fatalf("%q: %v", tc.mode, err)
		}
		err = providers.CanJoin("files", p.Capabilities().DNSSEC, providers.SignedByZonecast)
		if (err == nil) != tc.join {
			t.Errorf("%q: joins signed-by-zonecast: %v, want %v", tc.mode, err, tc.join)
		}
		if !tc.join && (err == nil || !strings.Contains(err.Error(), "set dnssec: zonecast-signs")) {
			t.Errorf("%q: refusal %v does not name the key", tc.mode, err)
		}
	}
	_, err := zonefile.Driver.New("files", &zonefile.Config{Directory: dir, DNSSEC: "server-signs"}, dir)
	if err == nil || !strings.Contains(err.Error(), "rfc2136") {
		t.Errorf("server-signs: got %v, want a refusal naming rfc2136", err)
	}
}

// signedZone is a zone signed by zonecast (internal/dnssec: DNSKEY, RRSIG,
// NSEC), with an NSEC3PARAM and NSEC3 set added as another signer's chain
// would have them, as the RRsets Apply is given, and the zone's KSK.
func signedZone(t *testing.T) ([]zones.RRset, *dnssec.Key) {
	t.Helper()
	const text = `$ORIGIN example.com.
$TTL 300
@    SOA  ns1 hostmaster 7 7200 900 1209600 300
@    NS   ns1
ns1  A    192.0.2.1
www  A    192.0.2.80
www  TXT  "a" "b"
`
	z, diags, err := zones.Parse(strings.NewReader(text), "signed.zone", zones.Options{Origin: origin})
	if err != nil || diags.Err() != nil {
		t.Fatal(err, diags.Err())
	}
	ksk, err := dnssec.Generate(origin, dns.ECDSAP256SHA256, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	zsk, err := dnssec.Generate(origin, dns.ECDSAP256SHA256, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	signed, _, err := dnssec.Sign(z, []*dnssec.Key{ksk, zsk}, nil, nil, time.Now(), dnssec.Options{CDS: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range []string{
		origin + " 0 IN NSEC3PARAM 1 0 10 aabbccdd",
		"2vptu5timamqttgl4luu9kg21e0aor3s." + origin + " 300 IN NSEC3 1 0 10 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr A RRSIG",
	} {
		r, err := dns.NewRR(rr)
		if err != nil {
			t.Fatal(err)
		}
		// In canonical form, as a provider's records are read
		// (FromRRs: the NSEC3 next hashed owner as packed).
		c, err := zones.FromRRs(origin, []dns.RR{r})
		if err != nil || len(c) != 1 {
			t.Fatal(c, err)
		}
		signed.Sets[c[0].Key()] = &c[0]
	}
	var sets []zones.RRset
	for _, s := range signed.RRsets() {
		sets = append(sets, *s)
	}
	return sets, ksk
}

// plain is an RRset without its position, for comparing what was written
// with what is read back. plainSets sorts them by owner, type and type
// covered: Records gives them in the file's order.
type plain struct {
	Name   string
	Type   string
	Covers string
	TTL    uint32
	Data   []string
}

func plainSets(sets []zones.RRset) []plain {
	out := make([]plain, len(sets))
	for i, s := range sets {
		out[i] = plain{s.Name, s.TypeString(), dns.TypeToString[s.Covers], s.TTL, s.Data}
	}
	slices.SortFunc(out, func(a, b plain) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Type, b.Type), strings.Compare(a.Covers, b.Covers))
	})
	return out
}

// TestSignedZoneReadBack: with dnssec: zonecast-signs, a zone given DNSKEY,
// RRSIG, NSEC, NSEC3PARAM, NSEC3 (and CDS, CDNSKEY) RRsets through Apply is
// written and read back by Records exactly as given, its SOA included: the
// serial is not raised, which would leave the SOA's signature over the old
// serial (zonecast chose the serial before signing). The file is sealed,
// and the SOA's signature still verifies after the round trip. A second
// Apply of the same zone writes the same octets.
func TestSignedZoneReadBack(t *testing.T) {
	dir := t.TempDir()
	p, err := zonefile.Driver.New("files", &zonefile.Config{Directory: dir, DNSSEC: providers.ZonecastSigns}, dir)
	if err != nil {
		t.Fatal(err)
	}
	sets, ksk := signedZone(t)
	types := map[string]bool{}
	changes := make([]providers.Change, len(sets))
	for i, s := range sets {
		changes[i] = providers.Change{Set: s}
		types[s.TypeString()] = true
	}
	for _, want := range []string{"DNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "CDS", "CDNSKEY"} {
		if !types[want] {
			t.Fatalf("the signed zone has no %s set", want)
		}
	}
	if n, err := p.Apply(t.Context(), origin, changes); err != nil || n != len(changes) {
		t.Fatalf("apply: %d of %d applied, %v", n, len(changes), err)
	}
	got, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(plainSets(sets), plainSets(got)); diff != "" {
		t.Errorf("read back (-given +got):\n%s", diff)
	}
	path := filepath.Join(dir, origin+"zone")
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(first, []byte("; zonecast sealed sha256:")) {
		t.Errorf("the signed zone's file is not sealed")
	}
	if err := verifySOA(got, ksk); err != nil {
		t.Errorf("after the round trip: %v", err)
	}

	// Apply again, as the plan would after a change elsewhere: the same
	// file.
	cur := make([]providers.Change, len(got))
	for i, s := range got {
		cur[i] = providers.Change{Set: s, Before: &got[i]}
	}
	if _, err := p.Apply(t.Context(), origin, cur[:1]); err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("a second apply of the same RRset changed the file:\n%s\nthen:\n%s", first, second)
	}
}

// verifySOA checks that the apex SOA of sets carries a signature by a key
// of the DNSKEY set that verifies over it. ksk only signs the DNSKEY set;
// the SOA is signed by the ZSK, found in the DNSKEY set.
func verifySOA(sets []zones.RRset, ksk *dnssec.Key) error {
	var soa, keys, sigs []dns.RR
	for _, s := range sets {
		if s.Name != origin {
			continue
		}
		rrs, err := s.RRs()
		if err != nil {
			return err
		}
		switch {
		case s.Type == dns.TypeSOA:
			soa = rrs
		case s.Type == dns.TypeDNSKEY:
			keys = rrs
		case s.Type == dns.TypeRRSIG && s.Covers == dns.TypeSOA:
			sigs = rrs
		}
	}
	for _, sig := range sigs {
		for _, k := range keys {
			k := k.(*dns.DNSKEY)
			if k.KeyTag() == ksk.Tag() {
				continue
			}
			if s := sig.(*dns.RRSIG); s.KeyTag == k.KeyTag() && s.Verify(k, soa) == nil {
				return nil
			}
		}
	}
	return fmt.Errorf("no valid signature over the SOA %v (%d signatures, %d keys)", soa, len(sigs), len(keys))
}

// TestUnsignedTargetKeepsBehaviour: a zone-file target without dnssec:
// zonecast-signs (none, or the key left out) stores DNSSEC RRsets it is
// given as before, and still raises the SOA serial at every write.
func TestUnsignedTargetKeepsBehaviour(t *testing.T) {
	for _, mode := range []providers.ServerDNSSEC{"", providers.DNSSECNone} {
		dir := t.TempDir()
		p, err := zonefile.Driver.New("files", &zonefile.Config{Directory: dir, DNSSEC: mode}, dir)
		if err != nil {
			t.Fatal(err)
		}
		sets, _ := signedZone(t)
		changes := make([]providers.Change, len(sets))
		for i, s := range sets {
			changes[i] = providers.Change{Set: s}
		}
		if _, err := p.Apply(t.Context(), origin, changes); err != nil {
			t.Fatalf("%q: %v", mode, err)
		}
		got, err := p.Records(t.Context(), origin)
		if err != nil {
			t.Fatal(err)
		}
		want := plainSets(sets)
		for i := range want {
			if want[i].Type == "SOA" {
				// The date-based serial, as TestSerialAndReload.
				want[i].Data = []string{strings.Replace(want[i].Data[0], " 7 ", " "+time.Now().UTC().Format("20060102")+"00 ", 1)}
			}
		}
		if diff := gocmp.Diff(want, plainSets(got)); diff != "" {
			t.Errorf("%q: read back (-want: as given, the serial raised +got):\n%s", mode, diff)
		}
	}
}
