package dnstest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
)

const signerZone = `$ORIGIN example.test.
$TTL 300
@    SOA  ns1 hostmaster 1 3600 600 86400 300
@    NS   ns1
ns1  A    192.0.2.53
www  A    192.0.2.80
`

// signerFacts is what TestSigners finds out about one kind of server as a
// signer; docs/dnssec-signers.md is its table.
type signerFacts struct {
	SignsItself      bool    // DNSKEY, with a KSK and a ZSK of its own, and signed SOA
	Algorithms       []uint8 // of its own keys
	OwnCDS           bool    // it publishes CDS/CDNSKEY of its own KSK from the start
	ForeignDNSKEY    string  // rcode of an UPDATE adding another signer's ZSK
	ForeignPublished bool    // that ZSK is in its DNSKEY RRset, signed by its own KSK
	ForeignCDS       string  // rcode of an UPDATE adding another signer's CDS and CDNSKEY
	CDSPublished     bool    // both served, signed by its own key
	DeleteOwn        string  // rcode of an UPDATE deleting its own ZSK's DNSKEY
	OwnKept          bool    // its own ZSK still published after that
	KeptOnRestart    bool    // foreign DNSKEY, CDS, CDNSKEY still there after Stop and Start
	KeptOnRollover   bool    // foreign DNSKEY still there, signed, once its new ZSK signs the SOA
	OldZSKPublished  bool    // its old ZSK still published at that moment
	RemoveForeign    string  // rcode of an UPDATE deleting the foreign DNSKEY, CDS, CDNSKEY
	Removed          bool    // all three gone after that
	DeleteSet        string  // rcode of an UPDATE deleting the whole DNSKEY RRset (another foreign ZSK in it)
	SetOwnKept       bool    // its own keys still published after that
	SetForeignKept   bool    // the foreign ZSK still published after that
	// TTLs is the TTLs of the DNSKEY RRset served: its own keys alone,
	// then after adding a foreign ZSK with TTL 3600.
	TTLs [2][]uint32
	// Serials is the SOA serial after each step, "step=serial".
	Serials []string
}

// probeSigner finds out signerFacts of s, which serves signerZone with
// Options.Sign; rollover starts a rollover of the server's ZSK (tag).
func probeSigner(t *testing.T, s *Server, rollover func(t *testing.T, s *Server, tag uint16)) signerFacts {
	t.Helper()
	const origin = "example.test."
	var f signerFacts
	serial := func(step string) {
		t.Helper()
		soa := s.QuerySigned(t, origin, dns.TypeSOA)
		if len(soa.RRs) != 1 {
			t.Fatalf("%s: SOA: %v", s.Kind, soa)
		}
		f.Serials = append(f.Serials, fmt.Sprintf("%s=%d", step, soa.RRs[0].(*dns.SOA).Serial))
	}
	logSince := func(off int64, what string) {
		t.Helper()
		var lines []string
		for _, l := range strings.Split(s.logSince(off), "\n") {
			if ll := strings.ToLower(l); strings.Contains(ll, "dnskey") || strings.Contains(ll, "update") || strings.Contains(ll, "ddns") {
				lines = append(lines, l)
			}
		}
		t.Logf("%s: log after %s:\n%s", s.Kind, what, strings.Join(lines, "\n"))
	}
	logSize := func() int64 { return int64(len(s.Log())) }

	keys := s.QuerySigned(t, origin, dns.TypeDNSKEY)
	own := DNSKEYs(keys.RRs)
	var ksk, zsk []*dns.DNSKEY
	for _, k := range own {
		if k.Flags&dns.SEP != 0 {
			ksk = append(ksk, k)
		} else {
			zsk = append(zsk, k)
		}
		if !slices.Contains(f.Algorithms, k.Algorithm) {
			f.Algorithms = append(f.Algorithms, k.Algorithm)
		}
	}
	soa := s.QuerySigned(t, origin, dns.TypeSOA)
	f.SignsItself = len(ksk) > 0 && len(zsk) > 0 && len(keys.VerifiedBy(ksk)) > 0 && len(soa.VerifiedBy(zsk)) > 0
	t.Logf("%s: own keys %v; DNSKEY signed by %v; SOA signed by %v", s.Kind, keyTags(own), keys.VerifiedBy(own), soa.VerifiedBy(own))
	if !f.SignsItself {
		return f
	}
	serial("start")
	f.OwnCDS = len(s.QuerySigned(t, origin, dns.TypeCDS).RRs) > 0

	foreignZSK, _ := NewKey(t, origin, dns.ZONE, signerDNSKEYTTL)
	foreignKSK, _ := NewKey(t, origin, dns.ZONE|dns.SEP, signerDNSKEYTTL)
	cds := &dns.CDS{DS: *foreignKSK.ToDS(dns.SHA256)}
	cds.Hdr = dns.RR_Header{Name: origin, Rrtype: dns.TypeCDS, Class: dns.ClassINET, Ttl: signerDNSKEYTTL}
	cdnskey := foreignKSK.ToCDNSKEY()

	f.ForeignDNSKEY = dns.RcodeToString[s.Update(t, origin, []dns.RR{foreignZSK}, nil)]
	keys = s.QuerySigned(t, origin, dns.TypeDNSKEY)
	f.ForeignPublished = hasKey(keys.RRs, foreignZSK) && len(keys.VerifiedBy(ksk)) > 0
	serial("addzsk")

	f.ForeignCDS = dns.RcodeToString[s.Update(t, origin, []dns.RR{cds, cdnskey}, nil)]
	gotCDS := s.QuerySigned(t, origin, dns.TypeCDS)
	gotCDNSKEY := s.QuerySigned(t, origin, dns.TypeCDNSKEY)
	f.CDSPublished = hasRR(gotCDS.RRs, cds) && hasRR(gotCDNSKEY.RRs, cdnskey) &&
		len(gotCDS.VerifiedBy(own)) > 0 && len(gotCDNSKEY.VerifiedBy(own)) > 0
	t.Logf("%s: CDS %d records signed by %v; CDNSKEY %d records", s.Kind, len(gotCDS.RRs), gotCDS.VerifiedBy(own), len(gotCDNSKEY.RRs))
	serial("addcds")

	off := logSize()
	f.DeleteOwn = dns.RcodeToString[s.Update(t, origin, nil, []dns.RR{zsk[0]})]
	keys = s.QuerySigned(t, origin, dns.TypeDNSKEY)
	f.OwnKept = hasKey(keys.RRs, zsk[0])
	logSince(off, "deleting its own ZSK")
	serial("delown")

	s.Stop()
	s.Start()
	f.KeptOnRestart = hasKey(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs, foreignZSK) &&
		hasRR(s.QuerySigned(t, origin, dns.TypeCDS).RRs, cds) &&
		hasRR(s.QuerySigned(t, origin, dns.TypeCDNSKEY).RRs, cdnskey)
	serial("restart")

	// A ZSK rollover: the new key is published, then signs. The old
	// key's removal comes only after the zone's maximum TTL: not waited.
	rollover(t, s, zsk[0].KeyTag())
	deadline := time.Now().Add(20 * time.Second)
	for {
		keys = s.QuerySigned(t, origin, dns.TypeDNSKEY)
		var next []*dns.DNSKEY
		for _, k := range DNSKEYs(keys.RRs) {
			if k.Flags == dns.ZONE && k.PublicKey != zsk[0].PublicKey && k.PublicKey != foreignZSK.PublicKey {
				next = append(next, k)
			}
		}
		if len(next) > 0 && len(s.QuerySigned(t, origin, dns.TypeSOA).VerifiedBy(next)) > 0 {
			f.KeptOnRollover = hasKey(keys.RRs, foreignZSK) && len(keys.VerifiedBy(ksk)) > 0
			f.OldZSKPublished = hasKey(keys.RRs, zsk[0])
			t.Logf("%s: rollover of ZSK %d: new ZSK %v signs; DNSKEY %v (foreign ZSK %d)", s.Kind, zsk[0].KeyTag(),
				keyTags(next), keyTags(DNSKEYs(keys.RRs)), foreignZSK.KeyTag())
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: no new ZSK signing 20 s after the rollover began; DNSKEY %v", s.Kind, keyTags(DNSKEYs(keys.RRs)))
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	serial("rollover")

	f.RemoveForeign = dns.RcodeToString[s.Update(t, origin, nil, []dns.RR{foreignZSK, cds, cdnskey})]
	f.Removed = !hasKey(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs, foreignZSK) &&
		!hasRR(s.QuerySigned(t, origin, dns.TypeCDS).RRs, cds) &&
		!hasRR(s.QuerySigned(t, origin, dns.TypeCDNSKEY).RRs, cdnskey)
	serial("remove")

	// Deleting the whole DNSKEY RRset (RFC 2136 2.5.2), with another
	// signer's ZSK in it.
	second, _ := NewKey(t, origin, dns.ZONE, signerDNSKEYTTL)
	if rc := s.Update(t, origin, []dns.RR{second}, nil); rc != dns.RcodeSuccess {
		t.Errorf("%s: add a second foreign ZSK: %s", s.Kind, dns.RcodeToString[rc])
	}
	off = logSize()
	set := &dns.ANY{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassANY}}
	m := new(dns.Msg)
	m.SetUpdate(origin)
	m.RemoveRRset([]dns.RR{set})
	f.DeleteSet = dns.RcodeToString[s.send(t, m)]
	keys = s.QuerySigned(t, origin, dns.TypeDNSKEY)
	f.SetOwnKept = hasKey(keys.RRs, ksk[0]) && len(keys.VerifiedBy(ksk)) > 0
	f.SetForeignKept = hasKey(keys.RRs, second)
	logSince(off, "deleting the DNSKEY RRset")
	serial("delset")

	// A foreign ZSK whose TTL is not the DNSKEY RRset's (RFC 2181 5.2:
	// one TTL per RRset).
	f.TTLs[0] = ttls(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs)
	long, _ := NewKey(t, origin, dns.ZONE, 3600)
	if rc := s.Update(t, origin, []dns.RR{long}, nil); rc != dns.RcodeSuccess {
		t.Errorf("%s: add a foreign ZSK with TTL 3600: %s", s.Kind, dns.RcodeToString[rc])
	}
	f.TTLs[1] = ttls(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs)
	return f
}

// ttls returns the distinct TTLs of rrs, sorted.
func ttls(rrs []dns.RR) []uint32 {
	var out []uint32
	for _, rr := range rrs {
		if !slices.Contains(out, rr.Header().Ttl) {
			out = append(out, rr.Header().Ttl)
		}
	}
	slices.Sort(out)
	return out
}

func keyTags(keys []*dns.DNSKEY) []string {
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%d/%d", k.KeyTag(), k.Flags))
	}
	return out
}

func hasKey(rrs []dns.RR, key *dns.DNSKEY) bool {
	for _, k := range DNSKEYs(rrs) {
		if k.Flags == key.Flags && k.Algorithm == key.Algorithm && k.PublicKey == key.PublicKey {
			return true
		}
	}
	return false
}

func hasRR(rrs []dns.RR, want dns.RR) bool {
	for _, rr := range rrs {
		if dns.IsDuplicate(rr, want) {
			return true
		}
	}
	return false
}

// TestSigners starts BIND, Knot and PowerDNS with Options.Sign and finds
// out what each does as one of several signers (RFC 8901 model 2): see
// signerFacts and docs/dnssec-signers.md.
func TestSigners(t *testing.T) {
	tests := []struct {
		kind     string
		start    func(testing.TB, Options, map[string]string) *Server
		rollover func(t *testing.T, s *Server, tag uint16)
		want     signerFacts // without Serials
		// serialBumps is how much each step may add to the SOA serial:
		// the update's own +1, and for BIND a re-sign of the DNSKEY
		// RRset it may or may not have made by the time we ask.
		serialBumps map[string][2]uint32
	}{
		{"bind", StartBINDWith, func(t *testing.T, s *Server, tag uint16) {
			s.Control(t, "dnssec", "-rollover", "-key", fmt.Sprint(tag), "example.test")
		}, signerFacts{
			SignsItself: true, Algorithms: []uint8{dns.ECDSAP256SHA256}, OwnCDS: false,
			ForeignDNSKEY: "NOERROR", ForeignPublished: true, ForeignCDS: "NOERROR", CDSPublished: true,
			DeleteOwn: "NOERROR", OwnKept: true, KeptOnRestart: true, KeptOnRollover: true, OldZSKPublished: false,
			RemoveForeign: "NOERROR", Removed: true,
			DeleteSet: "REFUSED", SetOwnKept: true, SetForeignKept: true,
			TTLs: [2][]uint32{{signerDNSKEYTTL}, {3600}},
		}, map[string][2]uint32{
			"addzsk": {1, 2}, "addcds": {1, 2}, "delown": {0, 0}, "restart": {0, 0},
			"rollover": {1, 3}, "remove": {1, 3}, "delset": {1, 3},
		}},
		{"knot", StartKnotWith, func(t *testing.T, s *Server, tag uint16) {
			s.Control(t, "zone-key-rollover", "example.test.", "zsk")
		}, signerFacts{
			SignsItself: true, Algorithms: []uint8{dns.ECDSAP256SHA256}, OwnCDS: true,
			ForeignDNSKEY: "NOERROR", ForeignPublished: true, ForeignCDS: "NOERROR", CDSPublished: true,
			DeleteOwn: "NOERROR", OwnKept: true, KeptOnRestart: true, KeptOnRollover: true, OldZSKPublished: true,
			RemoveForeign: "NOERROR", Removed: true,
			DeleteSet: "NOERROR", SetOwnKept: true, SetForeignKept: false,
			TTLs: [2][]uint32{{signerDNSKEYTTL}, {3600}},
		}, map[string][2]uint32{
			"addzsk": {1, 1}, "addcds": {1, 1}, "delown": {0, 0}, "restart": {0, 0},
			"rollover": {1, 2}, "remove": {1, 1}, "delset": {2, 2},
		}},
		// PowerDNS rolls no key itself: the operator adds one (active:
		// it signs at once, beside the old).
		{"pdns", StartPowerDNS, func(t *testing.T, s *Server, tag uint16) {
			s.Control(t, "add-zone-key", "example.test.", "zsk", "active", "published", "ecdsa256")
		}, signerFacts{
			SignsItself: true, Algorithms: []uint8{dns.ECDSAP256SHA256}, OwnCDS: false,
			ForeignDNSKEY: "NOERROR", ForeignPublished: true, ForeignCDS: "NOERROR", CDSPublished: true,
			DeleteOwn: "NOERROR", OwnKept: true, KeptOnRestart: true, KeptOnRollover: true, OldZSKPublished: true,
			RemoveForeign: "NOERROR", Removed: true,
			DeleteSet: "NOERROR", SetOwnKept: true, SetForeignKept: false,
			// Its own TTL for DNSKEY (the zone's 300 here), whatever
			// the records say.
			TTLs: [2][]uint32{{300}, {300}},
		}, map[string][2]uint32{
			"addzsk": {1, 1}, "addcds": {1, 1}, "delown": {0, 0}, "restart": {0, 0},
			"rollover": {0, 0}, "remove": {1, 1}, "delset": {2, 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			s := tt.start(t, Options{Sign: true}, map[string]string{"example.test.": signerZone})
			t.Logf("%s signing and ready in %v", tt.kind, time.Since(start).Round(time.Millisecond))
			f := probeSigner(t, s, tt.rollover)
			t.Logf("%s: %+v", tt.kind, f)
			got := f
			got.Serials = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s as a signer (-want +got):\n%s", tt.kind, diff)
			}
			checkSerials(t, f.Serials, tt.serialBumps)
		})
	}
}

// checkSerials checks that each step of serials ("step=serial", in order)
// added to the serial of the step before it an amount within bumps[step].
func checkSerials(t *testing.T, serials []string, bumps map[string][2]uint32) {
	t.Helper()
	var prev uint32
	for i, s := range serials {
		step, num, _ := strings.Cut(s, "=")
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			t.Fatalf("serial %q: %v", s, err)
		}
		if i > 0 {
			b, ok := bumps[step]
			if d := uint32(n) - prev; !ok || d < b[0] || d > b[1] {
				t.Errorf("SOA serial at step %s: +%d (from %d to %d), want +%d to +%d; all: %v", step, d, prev, n, b[0], b[1], serials)
			}
		}
		prev = uint32(n)
	}
}

// TestSignerAlgorithms starts each kind of server signing with each
// algorithm of RFC 8624's "MUST/RECOMMENDED to sign" list that Debian's
// builds offer, and checks that its own DNSKEYs have that algorithm and its
// SOA is signed with it. (RFC 8901 section 4: all signers of a zone need to
// use a common algorithm.)
func TestSignerAlgorithms(t *testing.T) {
	kinds := []struct {
		kind  string
		start func(testing.TB, Options, map[string]string) *Server
	}{
		{"bind", StartBINDWith},
		{"knot", StartKnotWith},
		{"pdns", StartPowerDNS},
	}
	for _, k := range kinds {
		for _, alg := range []uint8{dns.RSASHA256, dns.ECDSAP384SHA384, dns.ED25519, dns.ED448} {
			t.Run(k.kind+"/"+dns.AlgorithmToString[alg], func(t *testing.T) {
				t.Parallel()
				s := k.start(t, Options{Sign: true, SignAlgorithm: alg}, map[string]string{"example.test.": signerZone})
				keys := DNSKEYs(s.QuerySigned(t, "example.test.", dns.TypeDNSKEY).RRs)
				var flags []uint16
				for _, key := range keys {
					if key.Algorithm != alg {
						t.Errorf("DNSKEY %d/%d has algorithm %d, want %d", key.KeyTag(), key.Flags, key.Algorithm, alg)
					}
					flags = append(flags, key.Flags)
				}
				slices.Sort(flags)
				if !slices.Equal(flags, []uint16{dns.ZONE, dns.ZONE | dns.SEP}) {
					t.Errorf("DNSKEY flags %v, want a ZSK and a KSK (256, 257)", flags)
				}
				soa := s.QuerySigned(t, "example.test.", dns.TypeSOA)
				if alg == dns.ED448 {
					// miekg/dns cannot verify Ed448 (it has no Go
					// implementation): only look for the RRSIG.
					var zsk bool
					for _, sig := range soa.Sigs {
						for _, key := range keys {
							zsk = zsk || (sig.Algorithm == alg && sig.KeyTag == key.KeyTag() && key.Flags == dns.ZONE)
						}
					}
					if !zsk {
						t.Errorf("SOA has no RRSIG of algorithm %d by its ZSK: %v", alg, soa.Sigs)
					}
					return
				}
				if len(soa.VerifiedBy(keys)) == 0 {
					t.Errorf("SOA not signed by its keys %v", keyTags(keys))
				}
			})
		}
	}
}

// TestPowerDNSDirectDNSKEY shows why Options.Sign sets direct-dnskey=yes
// for PowerDNS: without it, another signer's DNSKEY added by UPDATE is
// stored (NOERROR) but not served, while CDS and CDNSKEY records are.
func TestPowerDNSDirectDNSKEY(t *testing.T) {
	t.Parallel()
	const origin = "example.test."
	s := StartPowerDNS(t, Options{Sign: true}, map[string]string{origin: signerZone})
	zsk, _ := NewKey(t, origin, dns.ZONE, signerDNSKEYTTL)
	ksk, _ := NewKey(t, origin, dns.ZONE|dns.SEP, signerDNSKEYTTL)
	cdnskey := ksk.ToCDNSKEY()
	cds := &dns.CDS{DS: *ksk.ToDS(dns.SHA256)}
	cds.Hdr = dns.RR_Header{Name: origin, Rrtype: dns.TypeCDS, Class: dns.ClassINET, Ttl: signerDNSKEYTTL}
	if rc := s.Update(t, origin, []dns.RR{zsk, cdnskey, cds}, nil); rc != dns.RcodeSuccess {
		t.Fatalf("add a foreign ZSK, CDNSKEY and CDS: %s", dns.RcodeToString[rc])
	}
	if !hasKey(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs, zsk) {
		t.Fatalf("direct-dnskey=yes: the foreign ZSK is not served")
	}

	s.Stop()
	conf := filepath.Join(s.dir, "pdns.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	off := strings.Replace(string(b), "\ndirect-dnskey=yes\n", "\ndirect-dnskey=no\n", 1)
	if off == string(b) {
		t.Fatalf("no direct-dnskey=yes line in %s", conf)
	}
	if err := os.WriteFile(conf, []byte(off), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Start()
	keys := s.QuerySigned(t, origin, dns.TypeDNSKEY)
	if hasKey(keys.RRs, zsk) {
		t.Errorf("direct-dnskey=no: the foreign ZSK is served: %v", keyTags(DNSKEYs(keys.RRs)))
	}
	if len(DNSKEYs(keys.RRs)) != 2 {
		t.Errorf("direct-dnskey=no: DNSKEY %v, want its own KSK and ZSK", keyTags(DNSKEYs(keys.RRs)))
	}
	if !hasRR(s.QuerySigned(t, origin, dns.TypeCDNSKEY).RRs, cdnskey) {
		t.Errorf("direct-dnskey=no: the foreign CDNSKEY is not served")
	}
	if !hasRR(s.QuerySigned(t, origin, dns.TypeCDS).RRs, cds) {
		t.Errorf("direct-dnskey=no: the foreign CDS is not served")
	}
}

// TestKnotDNSKEYManagementFull shows why Options.Sign sets
// dnskey-management: incremental for Knot: with the default (full), Knot
// drops another signer's DNSKEY, which it kept with incremental through a
// zone-sign, as soon as it starts (it signs the zone as it loads it), and
// it does not come back with a zone-sign.
func TestKnotDNSKEYManagementFull(t *testing.T) {
	t.Parallel()
	const origin = "example.test."
	s := StartKnotWith(t, Options{Sign: true}, map[string]string{origin: signerZone})
	zsk, _ := NewKey(t, origin, dns.ZONE, signerDNSKEYTTL)
	if rc := s.Update(t, origin, []dns.RR{zsk}, nil); rc != dns.RcodeSuccess {
		t.Fatalf("add a foreign ZSK: %s", dns.RcodeToString[rc])
	}
	// zone-sign is asynchronous: wait for the serial it sets.
	waitSerialAbove := func(serial uint32) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			soa := s.QuerySigned(t, origin, dns.TypeSOA)
			if len(soa.RRs) == 1 && soa.RRs[0].(*dns.SOA).Serial > serial {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("serial not above %d 5 s after zone-sign", serial)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	serialNow := func() uint32 {
		t.Helper()
		return s.QuerySigned(t, origin, dns.TypeSOA).RRs[0].(*dns.SOA).Serial
	}
	before := serialNow()
	s.Control(t, "zone-sign", origin)
	waitSerialAbove(before)
	if !hasKey(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs, zsk) {
		t.Fatalf("incremental: the foreign ZSK is not kept after zone-sign")
	}

	s.Stop()
	conf := filepath.Join(s.dir, "knot.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	full := strings.Replace(string(b), "dnskey-management: incremental", "dnskey-management: full", 1)
	if full == string(b) {
		t.Fatalf("no dnskey-management: incremental in %s", conf)
	}
	if err := os.WriteFile(conf, []byte(full), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Start()
	if keys := s.QuerySigned(t, origin, dns.TypeDNSKEY); hasKey(keys.RRs, zsk) {
		t.Errorf("full: the foreign ZSK is still served after the restart: %v", keyTags(DNSKEYs(keys.RRs)))
	}
	before = serialNow()
	s.Control(t, "zone-sign", origin)
	waitSerialAbove(before)
	if keys := s.QuerySigned(t, origin, dns.TypeDNSKEY); hasKey(keys.RRs, zsk) {
		t.Errorf("full: the foreign ZSK is still served after zone-sign: %v", keyTags(DNSKEYs(keys.RRs)))
	}
}
