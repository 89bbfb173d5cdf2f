package verify_test

import (
	"crypto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// keyPair is a DNSKEY and its private key.
type keyPair struct {
	key  *dns.DNSKEY
	priv crypto.Signer
}

// signerKeys are one signer's KSK and ZSK (ECDSA P-256).
type signerKeys struct{ ksk, zsk keyPair }

func newKey(t *testing.T, origin string, flags uint16) keyPair {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 300},
		Flags: flags, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{k, priv.(crypto.Signer)}
}

func newSigner(t *testing.T, origin string) signerKeys {
	t.Helper()
	return signerKeys{newKey(t, origin, 257), newKey(t, origin, 256)}
}

// signing says how to sign a zone: the keys to publish, who signs, and
// the faults to put in.
type signing struct {
	publish []*dns.DNSKEY
	by      signerKeys
	// nsec3 chains the zone with NSEC3 (no salt, no extra iterations)
	// instead of NSEC.
	nsec3 bool
	// expired are "name TYPE" whose signatures expired yesterday.
	expired map[string]bool
	// extra are "name TYPE" signed a second time with a key nobody publishes.
	extra map[string]keyPair
	// dropNSEC removes the NSEC records at these names; addToBitmap adds
	// the types to the NSEC bitmap at a name (still signed: a wrong proof).
	dropNSEC    map[string]bool
	addToBitmap map[string][]uint16
}

// signZone returns text (a zone file) signed as s says: DNSKEYs added,
// an NSEC or NSEC3 chain made, every RRset signed by the ZSK and the
// DNSKEY set by the KSK, valid from an hour ago for 30 days.
func signZone(t *testing.T, origin, text string, s signing) string {
	t.Helper()
	var rrs []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "zone")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rr.Header().Name = zones.CanonicalName(rr.Header().Name)
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	for _, k := range s.publish {
		rrs = append(rrs, dns.Copy(k))
	}
	types := map[string][]uint16{}
	for _, rr := range rrs {
		h := rr.Header()
		if !slices.Contains(types[h.Name], h.Rrtype) {
			types[h.Name] = append(types[h.Name], h.Rrtype)
		}
	}
	var names []string
	for n := range types {
		names = append(names, n)
	}
	slices.SortFunc(names, zones.CompareNames)
	if s.nsec3 {
		rrs = append(rrs, &dns.NSEC3PARAM{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeNSEC3PARAM, Class: dns.ClassINET, Ttl: 0}, Hash: dns.SHA1})
		types[origin] = append(types[origin], dns.TypeNSEC3PARAM)
		type hashed struct{ hash, name string }
		var hs []hashed
		for _, n := range names {
			hs = append(hs, hashed{dns.HashName(n, dns.SHA1, 0, ""), n})
		}
		slices.SortFunc(hs, func(a, b hashed) int { return strings.Compare(a.hash, b.hash) })
		for i, h := range hs {
			next := hs[(i+1)%len(hs)].hash
			bitmap := append(slices.Clone(types[h.name]), dns.TypeRRSIG)
			slices.Sort(bitmap)
			rrs = append(rrs, &dns.NSEC3{Hdr: dns.RR_Header{Name: strings.ToLower(h.hash) + "." + origin, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: 300},
				Hash: dns.SHA1, HashLength: 20, NextDomain: next, TypeBitMap: bitmap})
		}
	} else {
		for i, n := range names {
			if s.dropNSEC[n] {
				continue
			}
			bitmap := append(slices.Clone(types[n]), dns.TypeNSEC, dns.TypeRRSIG)
			bitmap = append(bitmap, s.addToBitmap[n]...)
			slices.Sort(bitmap)
			rrs = append(rrs, &dns.NSEC{Hdr: dns.RR_Header{Name: n, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: 300},
				NextDomain: names[(i+1)%len(names)], TypeBitMap: bitmap})
		}
	}
	type key struct {
		name string
		t    uint16
	}
	sets := map[key][]dns.RR{}
	var order []key
	for _, rr := range rrs {
		k := key{rr.Header().Name, rr.Header().Rrtype}
		if _, ok := sets[k]; !ok {
			order = append(order, k)
		}
		sets[k] = append(sets[k], rr)
	}
	now := time.Now()
	out := slices.Clone(rrs)
	sign := func(k key, kp keyPair, incep, exp time.Time) {
		sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: k.name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: sets[k][0].Header().Ttl},
			KeyTag: kp.key.KeyTag(), SignerName: origin, Algorithm: kp.key.Algorithm,
			Inception: uint32(incep.Unix()), Expiration: uint32(exp.Unix())}
		if err := sig.Sign(kp.priv, sets[k]); err != nil {
			t.Fatalf("sign %s %s: %v", k.name, dns.TypeToString[k.t], err)
		}
		out = append(out, sig)
	}
	for _, k := range order {
		kp := s.by.zsk
		if k.t == dns.TypeDNSKEY {
			kp = s.by.ksk
		}
		id := k.name + " " + dns.TypeToString[k.t]
		incep, exp := now.Add(-time.Hour), now.Add(30*24*time.Hour)
		if s.expired[id] {
			incep, exp = now.Add(-10*24*time.Hour), now.Add(-24*time.Hour)
		}
		sign(k, kp, incep, exp)
		if x, ok := s.extra[id]; ok {
			sign(k, x, now.Add(-time.Hour), now.Add(30*24*time.Hour))
		}
	}
	var b strings.Builder
	for _, rr := range out {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
	return b.String()
}
