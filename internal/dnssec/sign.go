package dnssec

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// Defaults of Options.
const (
	// DefaultValidity is how long a new signature is valid: 14 days, as
	// BIND's sig-validity-interval defaults to.
	DefaultValidity = 14 * 24 * time.Hour
	// DefaultRefresh: a signature with less than 7 days left is renewed,
	// so a zone whose signer stops (zonecast not run for a week) still
	// validates for at least a week more.
	DefaultRefresh = 7 * 24 * time.Hour
	// DefaultInceptionOffset backdates new signatures by an hour, for
	// validators whose clocks run behind.
	DefaultInceptionOffset = time.Hour
	// DefaultDNSKEYTTL is the TTL of the DNSKEY (and CDS/CDNSKEY) RRset.
	DefaultDNSKEYTTL = 3600
)

// Options tune Sign; the zero value means the defaults above.
type Options struct {
	// Validity is the lifetime of a new signature (DefaultValidity). New
	// signatures expire between now+Validity-(Validity-Refresh)/2 and
	// now+Validity, spread by a hash of owner name and type, so that they
	// are not all renewed in one run (which would make one plan change
	// every signature of the zone at once).
	Validity time.Duration
	// Refresh: a current signature is reused only while more than Refresh
	// of its validity remains (DefaultRefresh). It must be less than
	// Validity.
	Refresh time.Duration
	// InceptionOffset backdates a new signature's inception
	// (DefaultInceptionOffset).
	InceptionOffset time.Duration
	// DNSKEYTTL is the TTL of the DNSKEY RRset, and of CDS and CDNSKEY
	// (DefaultDNSKEYTTL).
	DNSKEYTTL uint32
	// TrustCurrent reuses a current signature without verifying it when
	// the provider serves the RRset it covers exactly as the zone holds it
	// (name, type, TTL, data) and the signature's key, TTL and times are
	// right: about five times faster for an unchanged zone of ECDSA
	// signatures, since verifying costs more than signing. The price: a
	// signature damaged at the provider is kept until it comes up for
	// renewal. Off by default: every reused signature is verified.
	TrustCurrent bool
	// CDS publishes a CDS (SHA-256) and a CDNSKEY for each of keys' KSKs
	// at the apex (RFC 7344), next to the CDS/CDNSKEY records the zone
	// already holds.
	CDS bool
}

func (o Options) withDefaults() (Options, error) {
	if o.Validity == 0 {
		o.Validity = DefaultValidity
	}
	if o.Refresh == 0 {
		o.Refresh = DefaultRefresh
	}
	if o.InceptionOffset == 0 {
		o.InceptionOffset = DefaultInceptionOffset
	}
	if o.DNSKEYTTL == 0 {
		o.DNSKEYTTL = DefaultDNSKEYTTL
	}
	if o.Validity < 0 || o.Refresh < 0 || o.InceptionOffset < 0 {
		return o, errors.New("signature validity, refresh and inception offset must not be negative")
	}
	if o.Refresh >= o.Validity {
		return o, fmt.Errorf("refresh %s must be less than the signature validity %s", o.Refresh, o.Validity)
	}
	return o, nil
}

// Stats counts what Sign did with the signatures of the zone.
type Stats struct {
	// Signed counts new signatures, Reused the current ones kept.
	Signed, Reused int
}

// Sign returns zone signed with keys, for a provider that serves now what
// current holds (what it returned from Records; nil for a provider not
// written yet).
//
// The result holds every RRset of zone but its DNSSEC records (RRSIG, NSEC,
// NSEC3, NSEC3PARAM and DNSKEY are left out and made anew; CDS and CDNSKEY
// are kept, as they carry every signer's keys in a multi-signer group)
// and:
//   - at the apex, the DNSKEY RRset: keys' DNSKEYs and every DNSKEY of
//     foreign (the other signers' DNSKEY RRsets; other types there are
//     ignored), with Options.DNSKEYTTL; with Options.CDS, the CDS and
//     CDNSKEY of keys' KSKs;
//   - an NSEC chain over every authoritative name and delegation point in
//     canonical order (RFC 4034 §6.1), the last pointing back to the apex,
//     with the TTL of the SOA's minimum or its own TTL, whichever is less
//     (RFC 9077);
//   - an RRSIG RRset for every authoritative RRset: the DNSKEY RRset signed
//     by each KSK (keys with the SEP flag; every key when there is none),
//     the others by each ZSK (every KSK when there is no ZSK). Delegation
//     NS RRsets and the glue and other data below a delegation are not
//     signed; DS and NSEC at a delegation are.
//
// A key to pre-publish (a new ZSK before a rollover, RFC 6781 §4.1.1.1) is
// given in foreign: it joins the DNSKEY set without signing, and moves to
// keys once the DNSKEY TTL has passed.
//
// A signature of current (an RRSIG set there) is reused rather than made
// anew when it was made by one of keys, still verifies over the RRset as it
// is now (so covers exactly the same data, TTL included), has begun, and has
// more than Options.Refresh left before it expires at now. Signing an
// unchanged zone again with its signed self as current therefore returns
// the same zone; a changed RRset gets new signatures, and so does the NSEC
// of its name when its types change.
//
// Every RRset of the result is in canonical form (zones.Rdata, sorted), so
// the plan compares it with what the provider serves like any other. Sign
// does no I/O and reads no clock; it signs on up to GOMAXPROCS goroutines.
// Every key must be of zone's origin; zone must have its SOA.
//
// The SOA is signed as given, so its serial must be chosen before Sign: a
// server that raises the serial itself after an UPDATE that leaves the SOA
// alone (BIND, Knot) would serve a signature of the old SOA, which fails
// validation of every negative answer. An update of a zonecast-signed zone
// carries the signed SOA with a higher serial; BIND and Knot keep a serial
// the update sets.
func Sign(zone *zones.Zone, keys []*Key, foreign []zones.RRset, current []zones.RRset, now time.Time, opt Options) (*zones.Zone, Stats, error) {
	var st Stats
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, st, err
	}
	origin := zone.Origin
	if len(keys) == 0 {
		return nil, st, fmt.Errorf("sign %s: no keys", origin)
	}
	for _, k := range keys {
		if k.Zone() != origin {
			return nil, st, fmt.Errorf("sign %s: key %s is a key of %s", origin, k, k.Zone())
		}
	}
	soa := zone.Lookup(origin, dns.TypeSOA)
	if soa == nil || len(soa.Data) != 1 {
		return nil, st, fmt.Errorf("sign %s: the zone has no SOA at its apex", origin)
	}
	soaRR, err := soa.RRs()
	if err != nil {
		return nil, st, fmt.Errorf("sign %s: %w", origin, err)
	}
	nsecTTL := min(soa.TTL, soaRR[0].(*dns.SOA).Minttl)

	out := &zones.Zone{Origin: origin, OriginFrom: zone.OriginFrom, File: zone.File, Includes: zone.Includes,
		Sets: make(map[zones.Key]*zones.RRset, len(zone.Sets)*3)}
	for k, s := range zone.Sets {
		switch s.Type {
		case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY:
			continue
		}
		c := *s
		c.Data = slices.Clone(s.Data)
		out.Sets[k] = &c
	}

	// The apex's keys.
	keyData := make([]string, 0, len(keys))
	for _, k := range keys {
		keyData = append(keyData, k.Rdata())
	}
	for _, f := range foreign {
		if f.Type != dns.TypeDNSKEY {
			continue
		}
		// Read each key back so that one written otherwise (base64
		// split in chunks, as some APIs return it) is one record.
		rrs, err := (&zones.RRset{Name: origin, Type: dns.TypeDNSKEY, TTL: f.TTL, Data: f.Data}).RRs()
		if err != nil {
			return nil, st, fmt.Errorf("sign %s: a foreign DNSKEY: %w", origin, err)
		}
		for _, rr := range rrs {
			keyData = append(keyData, zones.Rdata(rr))
		}
	}
	put(out, origin, dns.TypeDNSKEY, 0, opt.DNSKEYTTL, keyData)
	if opt.CDS {
		var cds, cdnskey []string
		for _, k := range keys {
			if !k.KSK() {
				continue
			}
			ds := k.DNSKEY.ToDS(dns.SHA256)
			cds = append(cds, zones.Rdata(ds.ToCDS()))
			cdnskey = append(cdnskey, zones.Rdata(k.DNSKEY.ToCDNSKEY()))
		}
		if len(cds) > 0 {
			put(out, origin, dns.TypeCDS, 0, opt.DNSKEYTTL, cds)
			put(out, origin, dns.TypeCDNSKEY, 0, opt.DNSKEYTTL, cdnskey)
		}
	}

	// Delegations and what lies below them (RFC 4035 §2.2: glue and
	// occluded data are not signed and not in the NSEC chain).
	types := map[string][]uint16{}
	for _, s := range out.Sets {
		types[s.Name] = append(types[s.Name], s.Type)
	}
	cut := func(name string) bool {
		return name != origin && slices.Contains(types[name], dns.TypeNS)
	}
	occluded := func(name string) bool {
		for off, end := dns.NextLabel(name, 0); !end; off, end = dns.NextLabel(name, off) {
			parent := name[off:]
			if parent == origin || len(parent) < len(origin) {
				return false
			}
			if cut(parent) {
				return true
			}
		}
		return false
	}
	names := make([]string, 0, len(types))
	for n := range types {
		if !occluded(n) {
			names = append(names, n)
		}
	}
	okeys := make(map[string]string, len(names))
	for _, n := range names {
		okeys[n] = zones.OrderKey(n)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(okeys[a], okeys[b]) })
	for i, n := range names {
		next := names[(i+1)%len(names)]
		bitmap := append(slices.Clone(types[n]), dns.TypeNSEC, dns.TypeRRSIG)
		if cut(n) {
			// At a delegation only NS and DS are the zone's (RFC 4035
			// §2.3); other data there is occluded.
			bitmap = slices.DeleteFunc(bitmap, func(t uint16) bool {
				return t != dns.TypeNS && t != dns.TypeDS && t != dns.TypeNSEC && t != dns.TypeRRSIG
			})
		}
		slices.Sort(bitmap)
		bitmap = slices.Compact(bitmap)
		nsec := &dns.NSEC{Hdr: dns.RR_Header{Name: n, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: nsecTTL}, NextDomain: next, TypeBitMap: bitmap}
		put(out, n, dns.TypeNSEC, 0, nsecTTL, []string{zones.Rdata(nsec)})
	}

	// What to sign, and with which keys.
	var ksks, zsks []*Key
	for _, k := range keys {
		if k.KSK() {
			ksks = append(ksks, k)
		} else {
			zsks = append(zsks, k)
		}
	}
	if len(ksks) == 0 {
		ksks = zsks
	}
	if len(zsks) == 0 {
		zsks = ksks
	}
	var sets []*zones.RRset
	for _, n := range names {
		delegation := cut(n)
		for _, t := range append(types[n], dns.TypeNSEC) {
			if delegation && t != dns.TypeDS && t != dns.TypeNSEC {
				continue
			}
			sets = append(sets, out.Sets[zones.Key{Name: n, Type: t}])
		}
	}
	slices.SortFunc(sets, func(a, b *zones.RRset) int {
		if c := strings.Compare(okeys[a.Name], okeys[b.Name]); c != 0 {
			return c
		}
		return int(a.Type) - int(b.Type)
	})

	cur := currentSigs(current, origin)
	served := make(map[zones.Key]*zones.RRset, len(current))
	for i := range current {
		if s := &current[i]; s.Type != dns.TypeRRSIG {
			served[s.Key()] = s
		}
	}
	jobs := make([]job, len(sets))
	for i, s := range sets {
		jobs[i].set = s
		jobs[i].keys = zsks
		if s.Type == dns.TypeDNSKEY && s.Name == origin {
			jobs[i].keys = ksks
		}
		jobs[i].current = cur[zones.Key{Name: s.Name, Type: dns.TypeRRSIG, Covers: s.Type}]
		if o := served[s.Key()]; o != nil {
			jobs[i].served = 1
			if o.Equal(s) {
				jobs[i].served = 2
			}
		}
	}
	sg := signer{origin: origin, now: now, opt: opt}
	if err := sg.run(jobs); err != nil {
		return nil, st, fmt.Errorf("sign %s: %w", origin, err)
	}
	for _, j := range jobs {
		st.Signed += j.signed
		st.Reused += j.reused
		put(out, j.set.Name, dns.TypeRRSIG, j.set.Type, j.set.TTL, j.sigs)
	}
	return out, st, nil
}

// put adds an RRset to z in canonical form (sorted, without duplicates).
// CDS and CDNSKEY merge with the records of the set already there.
func put(z *zones.Zone, name string, t uint16, covers uint16, ttl uint32, data []string) {
	k := zones.Key{Name: name, Type: t, Covers: covers}
	if old := z.Sets[k]; old != nil && (t == dns.TypeCDS || t == dns.TypeCDNSKEY) {
		data = append(data, old.Data...)
	}
	slices.Sort(data)
	data = slices.Compact(data)
	z.Sets[k] = &zones.RRset{Name: name, Type: t, Covers: covers, TTL: ttl, Data: data}
}
