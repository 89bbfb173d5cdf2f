package dnssec

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/zones"
)

const testZone = `$ORIGIN example.com.
$TTL 3600
@	IN SOA ns1 hostmaster 1 7200 900 1209600 300
@	IN NS ns1
@	IN NS ns2.example.net.
@	IN MX 10 mail
ns1	IN A 192.0.2.1
mail	IN A 192.0.2.2
www	IN A 192.0.2.3
www	IN AAAA 2001:db8::3
*.wild	IN TXT "wildcard"
child	IN NS ns1.child
child	IN NS ns.example.net.
child	IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns1.child	IN A 192.0.2.9
insecure	IN NS ns.example.net.
a.b.c	IN TXT "below an empty non-terminal"
`

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func parse(t testing.TB, text string) *zones.Zone {
	t.Helper()
	z, _, err := zones.Parse(strings.NewReader(text), "example.com.zone", zones.Options{Origin: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// testKeys are one ECDSA KSK and ZSK, made once: RSA keys take long to make.
var testKSK, testZSK = mustKey(dns.ECDSAP256SHA256, true), mustKey(dns.ECDSAP256SHA256, false)

func mustKey(alg uint8, ksk bool) *Key {
	k, err := Generate("example.com.", alg, ksk, 0)
	if err != nil {
		panic(err)
	}
	return k
}

func sign(t testing.TB, z *zones.Zone, keys []*Key, foreign, current []zones.RRset, at time.Time) (*zones.Zone, Stats) {
	t.Helper()
	out, st, err := Sign(z, keys, foreign, current, at, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

func sets(z *zones.Zone) []zones.RRset {
	var out []zones.RRset
	for _, s := range z.RRsets() {
		out = append(out, *s)
	}
	return out
}

// verifyAll checks every RRSIG of z with miekg/dns against the DNSKEY set,
// and that every RRset that must be signed is signed by every key that
// must sign it.
func verifyAll(t *testing.T, z *zones.Zone, at time.Time, signers ...*Key) {
	t.Helper()
	keys := map[uint16]*dns.DNSKEY{}
	dnskeys, err := z.Lookup(z.Origin, dns.TypeDNSKEY).RRs()
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range dnskeys {
		k := rr.(*dns.DNSKEY)
		keys[k.KeyTag()] = k
	}
	signed := map[zones.Key][]uint16{}
	for _, s := range z.RRsets() {
		if s.Type != dns.TypeRRSIG {
			continue
		}
		covered := z.Sets[zones.Key{Name: s.Name, Type: s.Covers}]
		if covered == nil {
			t.Errorf("%s RRSIG covers %s, which the zone lacks", s.Name, zones.TypeString(s.Covers))
			continue
		}
		rrs, err := covered.RRs()
		if err != nil {
			t.Fatal(err)
		}
		sigs, err := s.RRs()
		if err != nil {
			t.Fatal(err)
		}
		for _, rr := range sigs {
			sig := rr.(*dns.RRSIG)
			k := keys[sig.KeyTag]
			if k == nil {
				t.Errorf("%s RRSIG %s: key %d is not in the DNSKEY set", s.Name, zones.TypeString(s.Covers), sig.KeyTag)
				continue
			}
			if err := sig.Verify(k, rrs); err != nil {
				t.Errorf("%s RRSIG %s by %d does not verify: %v", s.Name, zones.TypeString(s.Covers), sig.KeyTag, err)
			}
			if !sig.ValidityPeriod(at) {
				t.Errorf("%s RRSIG %s by %d is not valid at %s", s.Name, zones.TypeString(s.Covers), sig.KeyTag, at)
			}
			signed[covered.Key()] = append(signed[covered.Key()], sig.KeyTag)
		}
	}
	for _, s := range z.RRsets() {
		if s.Type == dns.TypeRRSIG {
			continue
		}
		delegation := s.Name != z.Origin && z.Lookup(s.Name, dns.TypeNS) != nil
		below := belowCut(z, s.Name)
		want := !below && !(delegation && s.Type != dns.TypeDS && s.Type != dns.TypeNSEC)
		got := signed[s.Key()]
		if !want {
			if len(got) > 0 {
				t.Errorf("%s %s is signed; delegation NS and glue must not be", s.Name, s.TypeString())
			}
			continue
		}
		for _, k := range signers {
			if isDNSKEY := s.Type == dns.TypeDNSKEY; isDNSKEY != k.KSK() {
				continue
			}
			if !slices.Contains(got, k.Tag()) {
				t.Errorf("%s %s is not signed by %s", s.Name, s.TypeString(), k)
			}
		}
	}
}

func belowCut(z *zones.Zone, name string) bool {
	for off, end := dns.NextLabel(name, 0); !end; off, end = dns.NextLabel(name, off) {
		p := name[off:]
		if p == z.Origin || !dns.IsSubDomain(z.Origin, p) {
			return false
		}
		if z.Lookup(p, dns.TypeNS) != nil {
			return true
		}
	}
	return false
}

func TestSignVerifies(t *testing.T) {
	for _, alg := range []uint8{dns.RSASHA256, dns.ECDSAP256SHA256, dns.ED25519} {
		t.Run(dns.AlgorithmToString[alg], func(t *testing.T) {
			ksk, zsk := testKSK, testZSK
			if alg != dns.ECDSAP256SHA256 {
				ksk, zsk = mustKey(alg, true), mustKey(alg, false)
			}
			out, st := sign(t, parse(t, testZone), []*Key{ksk, zsk}, nil, nil, now)
			if st.Reused != 0 || st.Signed == 0 {
				t.Errorf("stats %+v: want every signature new", st)
			}
			verifyAll(t, out, now, ksk, zsk)
			if out.Lookup("ns1.child.example.com.", dns.TypeNSEC) != nil {
				t.Error("glue ns1.child has an NSEC; names below a delegation are not in the chain")
			}
			if out.Sets[zones.Key{Name: "child.example.com.", Type: dns.TypeRRSIG, Covers: dns.TypeDS}] == nil {
				t.Error("the DS of child is not signed")
			}
		})
	}
}

func TestNSECChain(t *testing.T) {
	in := parse(t, testZone)
	out, _ := sign(t, in, []*Key{testKSK, testZSK}, nil, nil, now)
	// Canonical order compares labels from the right: *.wild sorts
	// under "wild", between ns1 and www.
	want := []string{"example.com.", "a.b.c.example.com.", "child.example.com.",
		"insecure.example.com.", "mail.example.com.", "ns1.example.com.", "*.wild.example.com.", "www.example.com."}
	var got []string
	name := "example.com."
	for range len(want) + 1 {
		got = append(got, name)
		s := out.Lookup(name, dns.TypeNSEC)
		if s == nil {
			t.Fatalf("%s has no NSEC", name)
		}
		rrs, err := s.RRs()
		if err != nil {
			t.Fatal(err)
		}
		nsec := rrs[0].(*dns.NSEC)
		var types []uint16
		for _, o := range out.RRsets() {
			if o.Name == name && o.Type != dns.TypeRRSIG {
				types = append(types, o.Type)
			}
		}
		types = append(types, dns.TypeRRSIG)
		slices.Sort(types)
		if diff := cmp.Diff(types, nsec.TypeBitMap); diff != "" {
			t.Errorf("NSEC of %s: type bitmap (-the name's types +NSEC):\n%s", name, diff)
		}
		if nsec.Hdr.Ttl != 300 {
			t.Errorf("NSEC of %s: TTL %d, want the SOA minimum 300", name, nsec.Hdr.Ttl)
		}
		name = nsec.NextDomain
		if name == "example.com." {
			break
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NSEC chain (-want +got):\n%s", diff)
	}
	n := 0
	for _, s := range out.Sets {
		if s.Type == dns.TypeNSEC {
			n++
		}
	}
	if n != len(want) {
		t.Errorf("%d NSEC records, want %d (one per name of the chain)", n, len(want))
	}
}

func TestSignTwiceIsIdentical(t *testing.T) {
	in := parse(t, testZone)
	keys := []*Key{testKSK, testZSK}
	first, _ := sign(t, in, keys, nil, nil, now)
	// A day later, with the provider serving the first result.
	second, st := sign(t, in, keys, nil, sets(first), now.Add(24*time.Hour))
	if diff := cmp.Diff(sets(first), sets(second)); diff != "" {
		t.Errorf("signing an unchanged zone again changed it (-first +second):\n%s", diff)
	}
	if st.Signed != 0 || st.Reused == 0 {
		t.Errorf("stats %+v: want every signature reused", st)
	}
}

// diffKeys returns the keys of RRsets that differ between a and b.
func diffKeys(a, b *zones.Zone) []string {
	var out []string
	for k, s := range a.Sets {
		if o := b.Sets[k]; o == nil || !o.Equal(s) {
			out = append(out, name(k))
		}
	}
	for k := range b.Sets {
		if a.Sets[k] == nil {
			out = append(out, name(k))
		}
	}
	slices.Sort(out)
	return out
}

func name(k zones.Key) string {
	if k.Type == dns.TypeRRSIG {
		return fmt.Sprintf("%s RRSIG %s", k.Name, zones.TypeString(k.Covers))
	}
	return k.Name + " " + zones.TypeString(k.Type)
}

func TestChangeResignsOnlyWhatChanged(t *testing.T) {
	keys := []*Key{testKSK, testZSK}
	first, _ := sign(t, parse(t, testZone), keys, nil, nil, now)
	tests := []struct {
		name string
		edit func(string) string
		want []string
	}{
		{"data changed", func(s string) string { return strings.Replace(s, "www\tIN A 192.0.2.3", "www\tIN A 192.0.2.33", 1) },
			[]string{"www.example.com. A", "www.example.com. RRSIG A"}},
		{"TTL changed", func(s string) string { return strings.Replace(s, "mail\tIN A", "mail 60 IN A", 1) },
			[]string{"mail.example.com. A", "mail.example.com. RRSIG A"}},
		{"type added", func(s string) string { return s + "mail\tIN TXT \"new\"\n" },
			[]string{"mail.example.com. NSEC", "mail.example.com. RRSIG NSEC", "mail.example.com. RRSIG TXT", "mail.example.com. TXT"}},
		{"name added", func(s string) string { return s + "new\tIN A 192.0.2.7\n" },
			[]string{"mail.example.com. NSEC", "mail.example.com. RRSIG NSEC", "new.example.com. A", "new.example.com. NSEC",
				"new.example.com. RRSIG A", "new.example.com. RRSIG NSEC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			second, _ := sign(t, parse(t, tt.edit(testZone)), keys, nil, sets(first), now.Add(time.Hour))
			verifyAll(t, second, now.Add(time.Hour), keys...)
			if diff := cmp.Diff(tt.want, diffKeys(first, second)); diff != "" {
				t.Errorf("changed RRsets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenewsNearExpiry(t *testing.T) {
	keys := []*Key{testKSK, testZSK}
	in := parse(t, testZone)
	first, _ := sign(t, in, keys, nil, nil, now)
	// New signatures expire 10.5 to 14 days after now (DefaultValidity
	// less the jitter); 5 days later those with less than 7 days left are
	// within the refresh window, the others not yet.
	later := now.Add(5 * 24 * time.Hour)
	second, st := sign(t, in, keys, nil, sets(first), later)
	if st.Signed == 0 || st.Reused == 0 {
		t.Fatalf("stats %+v: want some renewed, some reused", st)
	}
	verifyAll(t, second, later, keys...)
	limit := uint32(later.Add(DefaultRefresh).Unix())
	for _, s := range second.RRsets() {
		if s.Type != dns.TypeRRSIG {
			continue
		}
		rrs, _ := s.RRs()
		old := first.Sets[s.Key()]
		for _, rr := range rrs {
			sig := rr.(*dns.RRSIG)
			if sig.Expiration <= limit {
				t.Errorf("%s RRSIG %s expires within the refresh window: not renewed", s.Name, zones.TypeString(s.Covers))
			}
			kept := slices.Contains(old.Data, zones.Rdata(sig))
			if kept != (sig.Inception < uint32(later.Add(-2*time.Hour).Unix())) {
				t.Errorf("%s RRSIG %s: kept %v, inception %d", s.Name, zones.TypeString(s.Covers), kept, sig.Inception)
			}
		}
	}
	// Three weeks on every first signature has expired: all are new.
	_, st = sign(t, in, keys, nil, sets(first), now.Add(21*24*time.Hour))
	if st.Reused != 0 {
		t.Errorf("stats %+v: expired signatures reused", st)
	}
}

func TestForeignKeys(t *testing.T) {
	other, err := Generate("example.com.", dns.ECDSAP256SHA256, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	otherKSK, _ := Generate("example.com.", dns.ECDSAP256SHA256, true, 0)
	foreign := []zones.RRset{{Name: "example.com.", Type: dns.TypeDNSKEY, TTL: 3600, Data: []string{other.Rdata(), otherKSK.Rdata()}}}
	keys := []*Key{testKSK, testZSK}
	out, _ := sign(t, parse(t, testZone), keys, foreign, nil, now)
	got := out.Lookup("example.com.", dns.TypeDNSKEY).Data
	want := []string{testKSK.Rdata(), testZSK.Rdata(), other.Rdata(), otherKSK.Rdata()}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DNSKEY set (-want +got):\n%s", diff)
	}
	verifyAll(t, out, now, keys...)
	sigs, _ := out.Sets[zones.Key{Name: "example.com.", Type: dns.TypeRRSIG, Covers: dns.TypeDNSKEY}].RRs()
	if len(sigs) != 1 || sigs[0].(*dns.RRSIG).KeyTag != testKSK.Tag() {
		t.Errorf("DNSKEY signatures %v: want one, by our KSK %d", sigs, testKSK.Tag())
	}
	// The other signer's ZSK rolls: only the DNSKEY set and its
	// signature change.
	// Our own key given back is not doubled, nor a key written otherwise.
	split := testKSK.Rdata()
	split = split[:40] + " " + split[40:]
	foreign[0].Data = []string{otherKSK.Rdata(), split}
	again, _ := sign(t, parse(t, testZone), keys, foreign, sets(out), now)
	if diff := cmp.Diff([]string{"example.com. DNSKEY", "example.com. RRSIG DNSKEY"}, diffKeys(out, again)); diff != "" {
		t.Errorf("changed RRsets (-want +got):\n%s", diff)
	}
	if n := len(again.Lookup("example.com.", dns.TypeDNSKEY).Data); n != 3 {
		t.Errorf("DNSKEY set holds %d keys, want 3", n)
	}
}

func TestCDS(t *testing.T) {
	out, _, err := Sign(parse(t, testZone), []*Key{testKSK, testZSK}, nil, nil, now, Options{CDS: true})
	if err != nil {
		t.Fatal(err)
	}
	cds := out.Lookup("example.com.", dns.TypeCDS)
	cdnskey := out.Lookup("example.com.", dns.TypeCDNSKEY)
	if cds == nil || len(cds.Data) != 1 || cdnskey == nil || len(cdnskey.Data) != 1 {
		t.Fatalf("CDS %v, CDNSKEY %v: want one each, for the KSK", cds, cdnskey)
	}
	if want := zones.Rdata(testKSK.DNSKEY.ToDS(dns.SHA256).ToCDS()); cds.Data[0] != want {
		t.Errorf("CDS %q, want %q", cds.Data[0], want)
	}
	if cds.Data[0] != testKSK.DS() {
		t.Errorf("CDS %q and DS %q of the KSK differ", cds.Data[0], testKSK.DS())
	}
	verifyAll(t, out, now, testKSK, testZSK)
}

func TestSignRefuses(t *testing.T) {
	other, _ := Generate("example.org.", dns.ED25519, false, 0)
	tests := []struct {
		name string
		zone string
		keys []*Key
		opt  Options
		want string
	}{
		{"no keys", testZone, nil, Options{}, "no keys"},
		{"key of another zone", testZone, []*Key{testZSK, other}, Options{}, "is a key of example.org."},
		{"no SOA", "www.example.com. 60 IN A 192.0.2.1\n", []*Key{testZSK}, Options{}, "no SOA"},
		{"refresh not below validity", testZone, []*Key{testZSK}, Options{Validity: time.Hour, Refresh: 2 * time.Hour}, "must be less than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Sign(parse(t, tt.zone), tt.keys, nil, nil, now, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// TestDNSSECVerify checks the written zone with BIND's dnssec-verify, for a
// KSK/ZSK pair and for a single key signing everything (a CSK).
func TestDNSSECVerify(t *testing.T) {
	tool := dnstest.Tool(t, "dnssec-verify")
	other, _ := Generate("example.com.", dns.ECDSAP256SHA256, false, 0)
	foreign := []zones.RRset{{Name: "example.com.", Type: dns.TypeDNSKEY, TTL: 3600, Data: []string{other.Rdata()}}}
	for _, tc := range []struct {
		name    string
		keys    []*Key
		foreign []zones.RRset
		flags   []string
	}{
		{"ksk and zsk", []*Key{testKSK, testZSK}, nil, nil},
		// -z: a single key signs everything, whatever its SEP flag.
		{"csk", []*Key{testKSK}, nil, []string{"-z"}},
		{"with a foreign zsk", []*Key{testKSK, testZSK}, foreign, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := time.Now()
			out, _ := sign(t, parse(t, testZone), tc.keys, tc.foreign, nil, at)
			var buf bytes.Buffer
			if err := zones.Write(&buf, out); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "example.com.signed")
			if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(t.Context(), tool, append(tc.flags, "-o", "example.com.", file)...)
			b, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("dnssec-verify: %v\n%s\nzone:\n%s", err, b, buf.String())
			}
			if !strings.Contains(string(b), "Zone fully signed") {
				t.Errorf("dnssec-verify did not say the zone is fully signed:\n%s", b)
			}
		})
	}
}

// A signature the provider serves that does not verify (damaged, or made
// over other data) is replaced, unless TrustCurrent says not to check;
// with TrustCurrent a signature over data the provider no longer serves as
// the zone has it is still replaced.
func TestReuseVerifies(t *testing.T) {
	keys := []*Key{testKSK, testZSK}
	in := parse(t, testZone)
	first, _ := sign(t, in, keys, nil, nil, now)
	current := sets(first)
	k := zones.Key{Name: "www.example.com.", Type: dns.TypeRRSIG, Covers: dns.TypeA}
	for i := range current {
		if current[i].Key() == k {
			// Flip one character of the signature, keeping the rest.
			d := current[i].Data[0]
			c := byte('A')
			if d[len(d)-5] == 'A' {
				c = 'B'
			}
			current[i].Data = []string{d[:len(d)-5] + string(c) + d[len(d)-4:]}
		}
	}
	second, st := sign(t, in, keys, nil, current, now)
	if st.Signed != 1 {
		t.Errorf("stats %+v: want the one damaged signature made anew", st)
	}
	verifyAll(t, second, now, keys...)
	if diff := cmp.Diff([]string{"www.example.com. RRSIG A"}, diffKeys(first, second)); diff != "" {
		t.Errorf("changed RRsets (-want +got):\n%s", diff)
	}

	trusted, st, err := Sign(in, keys, nil, current, now, Options{TrustCurrent: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Signed != 0 || trusted.Sets[k].Data[0] != current[slices.IndexFunc(current, func(s zones.RRset) bool { return s.Key() == k })].Data[0] {
		t.Errorf("TrustCurrent: stats %+v; want the damaged signature kept, unverified", st)
	}
	changed := parse(t, strings.Replace(testZone, "www\tIN A 192.0.2.3", "www\tIN A 192.0.2.4", 1))
	_, st, err = Sign(changed, keys, nil, sets(first), now, Options{TrustCurrent: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Signed != 1 {
		t.Errorf("TrustCurrent with www A changed: stats %+v, want its one signature made anew", st)
	}
}

// The signed zone written and read back (what a zone-file target serves)
// is the same zone; signatures and keys the source file held are replaced,
// not kept.
func TestSignedRoundTrip(t *testing.T) {
	old, _ := Generate("example.com.", dns.ED25519, false, 0)
	src := testZone + "@\tIN " + old.DNSKEY.String()[strings.Index(old.DNSKEY.String(), "DNSKEY"):] + "\n" +
		"www\tIN RRSIG A 15 3 3600 20300101000000 20200101000000 1 example.com. AAAA\n" +
		"child\tIN A 192.0.2.99\n" // occluded by the delegation
	out, _ := sign(t, parse(t, src), []*Key{testKSK, testZSK}, nil, nil, now)
	if got := out.Lookup("example.com.", dns.TypeDNSKEY).Data; slices.Contains(got, old.Rdata()) {
		t.Error("the DNSKEY of the source file is kept; only the signers' keys belong in the set")
	}
	verifyAll(t, out, now, testKSK, testZSK)
	nsec, _ := out.Lookup("child.example.com.", dns.TypeNSEC).RRs()
	if got := nsec[0].(*dns.NSEC).TypeBitMap; !slices.Equal(got, []uint16{dns.TypeNS, dns.TypeDS, dns.TypeRRSIG, dns.TypeNSEC}) {
		t.Errorf("NSEC of the delegation child: types %v, want NS DS RRSIG NSEC", got)
	}
	var buf bytes.Buffer
	if err := zones.Write(&buf, out); err != nil {
		t.Fatal(err)
	}
	back := parse(t, buf.String())
	if diff := cmp.Diff(sets(out), sets(back), cmpopts.IgnoreFields(zones.RRset{}, "Pos")); diff != "" {
		t.Errorf("written and read back (-signed +read):\n%s", diff)
	}
}

// TestMultiSignerCrossValidates is RFC 8901 model 2 with two signers, each
// zonecast with its own KSK and ZSK and the other's ZSK given as foreign:
// a resolver that holds one signer's DNSKEY set validates the other
// signer's signatures of every RRset (the DNSKEY set excepted, which each
// signs for itself, validated through its own KSK's DS at the parent).
func TestMultiSignerCrossValidates(t *testing.T) {
	kskB, _ := Generate("example.com.", dns.ECDSAP256SHA256, true, 0)
	zskB, _ := Generate("example.com.", dns.ECDSAP256SHA256, false, 0)
	in := parse(t, testZone)
	dnskeys := func(ks ...*Key) []zones.RRset {
		s := zones.RRset{Name: "example.com.", Type: dns.TypeDNSKEY, TTL: 3600}
		for _, k := range ks {
			s.Data = append(s.Data, k.Rdata())
		}
		return []zones.RRset{s}
	}
	a, _ := sign(t, in, []*Key{testKSK, testZSK}, dnskeys(zskB), nil, now)
	b, _ := sign(t, in, []*Key{kskB, zskB}, dnskeys(testZSK), nil, now)
	for _, pair := range []struct {
		name        string
		keys, sigs  *zones.Zone
		wantKeyTags []uint16
	}{{"B's signatures, A's keys", a, b, []uint16{zskB.Tag()}}, {"A's signatures, B's keys", b, a, []uint16{testZSK.Tag()}}} {
		keyRRs, _ := pair.keys.Lookup("example.com.", dns.TypeDNSKEY).RRs()
		byTag := map[uint16]*dns.DNSKEY{}
		for _, rr := range keyRRs {
			byTag[rr.(*dns.DNSKEY).KeyTag()] = rr.(*dns.DNSKEY)
		}
		n := 0
		for _, s := range pair.sigs.RRsets() {
			if s.Type != dns.TypeRRSIG || s.Covers == dns.TypeDNSKEY {
				continue
			}
			covered, _ := pair.sigs.Sets[zones.Key{Name: s.Name, Type: s.Covers}].RRs()
			sigs, _ := s.RRs()
			for _, rr := range sigs {
				sig := rr.(*dns.RRSIG)
				k := byTag[sig.KeyTag]
				if k == nil || !slices.Contains(pair.wantKeyTags, sig.KeyTag) {
					t.Errorf("%s: %s RRSIG %s by %d: key not in the other signer's DNSKEY set", pair.name, s.Name, zones.TypeString(s.Covers), sig.KeyTag)
					continue
				}
				if err := sig.Verify(k, covered); err != nil {
					t.Errorf("%s: %s RRSIG %s: %v", pair.name, s.Name, zones.TypeString(s.Covers), err)
				}
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s: no signature checked", pair.name)
		}
	}
}
