// Package verifytest signs zones for tests of DNSSEC checks: keys made
// with miekg/dns, an NSEC or NSEC3 chain, signatures, and the faults the
// tests need (an expired signature, a key nobody publishes, a broken
// chain). The zone text it returns is served by any server as a presigned
// zone. It is for tests only: keys live in memory and are never written.
package verifytest

import (
	"crypto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// KeyPair is a DNSKEY and its private key.
type KeyPair struct {
	Key  *dns.DNSKEY
	Priv crypto.Signer
}

// Signer is one signer's KSK and ZSK (ECDSA P-256).
type Signer struct{ KSK, ZSK KeyPair }

// NewKey makes a key for origin with flags (257 KSK, 256 ZSK).
func NewKey(t testing.TB, origin string, flags uint16) KeyPair {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 300},
		Flags: flags, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	return KeyPair{k, priv.(crypto.Signer)}
}

// NewSigner makes a KSK and a ZSK for origin.
func NewSigner(t testing.TB, origin string) Signer {
	t.Helper()
	return Signer{NewKey(t, origin, 257), NewKey(t, origin, 256)}
}

// Signing says how to sign a zone: the keys to publish, who signs, and
// the faults to put in.
type Signing struct {
	Publish []*dns.DNSKEY
	By      Signer
	// NSEC3 chains the zone with NSEC3 (no salt, no extra iterations)
	// instead of NSEC.
	NSEC3 bool
	// Expired are "name TYPE" whose signatures expired yesterday.
	Expired map[string]bool
	// Future are "name TYPE" whose signatures are valid only from tomorrow.
	Future map[string]bool
	// Extra are "name TYPE" signed a second time with another key (one
	// nobody publishes, say).
	Extra map[string]KeyPair
	// DropNSEC removes the NSEC (or NSEC3) records of these names; AddToBitmap adds
	// the types to the NSEC bitmap at a name (still signed: a wrong proof).
	DropNSEC    map[string]bool
	AddToBitmap map[string][]uint16
}

// SignZone returns text (a zone file) signed as s says: DNSKEYs added,
// an NSEC or NSEC3 chain made, every RRset signed by the ZSK and the
// DNSKEY set by the KSK, valid from an hour ago for 30 days.
func SignZone(t testing.TB, origin, text string, s Signing) string {
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
	for _, k := range s.Publish {
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
	if s.NSEC3 {
		rrs = append(rrs, &dns.NSEC3PARAM{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeNSEC3PARAM, Class: dns.ClassINET, Ttl: 0}, Hash: dns.SHA1})
		types[origin] = append(types[origin], dns.TypeNSEC3PARAM)
		type hashed struct{ hash, name string }
		var hs []hashed
		for _, n := range names {
			hs = append(hs, hashed{dns.HashName(n, dns.SHA1, 0, ""), n})
		}
		slices.SortFunc(hs, func(a, b hashed) int { return strings.Compare(a.hash, b.hash) })
		for i, h := range hs {
			if s.DropNSEC[h.name] {
				continue
			}
			next := hs[(i+1)%len(hs)].hash
			bitmap := append(slices.Clone(types[h.name]), dns.TypeRRSIG)
			slices.Sort(bitmap)
			rrs = append(rrs, &dns.NSEC3{Hdr: dns.RR_Header{Name: strings.ToLower(h.hash) + "." + origin, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: 300},
				Hash: dns.SHA1, HashLength: 20, NextDomain: next, TypeBitMap: bitmap})
		}
	} else {
		for i, n := range names {
			if s.DropNSEC[n] {
				continue
			}
			bitmap := append(slices.Clone(types[n]), dns.TypeNSEC, dns.TypeRRSIG)
			bitmap = append(bitmap, s.AddToBitmap[n]...)
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
	sign := func(k key, kp KeyPair, incep, exp time.Time) {
		sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: k.name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: sets[k][0].Header().Ttl},
			KeyTag: kp.Key.KeyTag(), SignerName: origin, Algorithm: kp.Key.Algorithm,
			Inception: uint32(incep.Unix()), Expiration: uint32(exp.Unix())}
		if err := sig.Sign(kp.Priv, sets[k]); err != nil {
			t.Fatalf("sign %s %s: %v", k.name, dns.TypeToString[k.t], err)
		}
		out = append(out, sig)
	}
	for _, k := range order {
		kp := s.By.ZSK
		if k.t == dns.TypeDNSKEY {
			kp = s.By.KSK
		}
		id := k.name + " " + dns.TypeToString[k.t]
		incep, exp := now.Add(-time.Hour), now.Add(30*24*time.Hour)
		if s.Expired[id] {
			incep, exp = now.Add(-10*24*time.Hour), now.Add(-24*time.Hour)
		}
		if s.Future[id] {
			incep, exp = now.Add(24*time.Hour), now.Add(30*24*time.Hour)
		}
		sign(k, kp, incep, exp)
		if x, ok := s.Extra[id]; ok {
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
