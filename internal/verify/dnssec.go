package verify

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// Severities of a DNSSEC problem: an error breaks validation for resolvers
// that meet it (verify exits 2); a warning is named and does not fail.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Problem is one thing wrong with a server's signed answers or with the
// parent's DS set: a stable code, the RRset concerned (when there is one)
// and a sentence naming keys by tag and algorithm.
type Problem struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Name     string `json:"name,omitempty"`
	Type     string `json:"type,omitempty"`
	Message  string `json:"message"`
}

func (p Problem) String() string {
	if p.Name == "" {
		return fmt.Sprintf("%s %s: %s", p.Severity, p.Code, p.Message)
	}
	return fmt.Sprintf("%s %s: %s %s: %s", p.Severity, p.Code, p.Name, p.Type, p.Message)
}

// Key names one DNSKEY: its key tag, algorithm and role (KSK when the SEP
// flag is set, else ZSK).
type Key struct {
	Tag       uint16 `json:"tag"`
	Algorithm string `json:"algorithm"`
	Role      string `json:"role"`
}

func (k Key) String() string { return fmt.Sprintf("%s %d (%s)", k.Role, k.Tag, k.Algorithm) }

// DNSSEC is what one server's signed answers showed (Options.DNSSEC).
type DNSSEC struct {
	// Keys is the server's DNSKEY set, sorted by tag.
	Keys []Key `json:"keys"`
	// Checked counts the RRsets whose signatures were checked (the DNSKEY
	// set, the SOA, every RRset of the zone the server is authoritative
	// for, and the denial records of the two negative answers).
	Checked int `json:"checked"`
	// Missing are the zone-signing keys of the zone's signers (the union
	// over every server asked) that this server's DNSKEY set lacks: a
	// resolver that cached this DNSKEY set cannot validate those signers'
	// signatures (RFC 8901 §2, model 2).
	Missing  []Key     `json:"missing_keys"`
	Problems []Problem `json:"problems"`

	ev *evidence
}

// Errors reports whether a problem is an error.
func (d *DNSSEC) Errors() bool {
	return d != nil && slices.ContainsFunc(d.Problems, func(p Problem) bool { return p.Severity == SeverityError })
}

// evidence is what a server answered with the DO bit: the raw records the
// checks need, kept until every provider of the zone has been asked.
type evidence struct {
	origin string
	keys   []*dns.DNSKEY
	sets   []signedSet
	// denials are the answers to a name and a type that do not exist.
	denials []denial
	// verified remembers the outcome of each signature check (signature,
	// key id): CheckSigners runs again for every provider of the zone.
	verified map[sigKey]bool
}

type sigKey struct {
	sig *dns.RRSIG
	key string
}

// verify reports whether sig over rrs verifies with the key id in u,
// checked once per evidence.
func (ev *evidence) verify(sig *dns.RRSIG, id string, u *signerKeys, rrs []dns.RR) bool {
	k := sigKey{sig, id}
	if ok, seen := ev.verified[k]; seen {
		return ok
	}
	if ev.verified == nil {
		ev.verified = map[sigKey]bool{}
	}
	ok := sig.Verify(u.all[id], rrs) == nil
	ev.verified[k] = ok
	return ok
}

// signedSet is one RRset as served with the RRSIGs covering it.
type signedSet struct {
	name string
	typ  uint16
	rrs  []dns.RR
	sigs []*dns.RRSIG
}

// denial is the answer to a question whose answer must be "no".
type denial struct {
	qname string
	qtype uint16
	rcode int
	aa    bool
	ns    []dns.RR // the authority section
}

// collect groups the records of a section into signed sets of name and
// type (the RRSIGs covering them attached), for names the origin holds.
func collect(section []dns.RR, keep func(name string, t uint16) bool) []signedSet {
	type key struct {
		name string
		t    uint16
	}
	idx := map[key]int{}
	var out []signedSet
	add := func(k key) int {
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, signedSet{name: k.name, typ: k.t})
		}
		return i
	}
	for _, rr := range section {
		h := rr.Header()
		name := zones.CanonicalName(h.Name)
		if sig, ok := rr.(*dns.RRSIG); ok {
			if keep(name, sig.TypeCovered) {
				i := add(key{name, sig.TypeCovered})
				out[i].sigs = append(out[i].sigs, sig)
			}
			continue
		}
		if keep(name, h.Rrtype) {
			i := add(key{name, h.Rrtype})
			out[i].rrs = append(out[i].rrs, rr)
		}
	}
	return out
}

// keyID identifies a DNSKEY by everything but its TTL and owner case.
func keyID(k *dns.DNSKEY) string {
	return fmt.Sprintf("%d/%d/%d/%s", k.Algorithm, k.KeyTag(), k.Flags, k.PublicKey)
}

func keyOf(k *dns.DNSKEY) Key {
	role := "ZSK"
	if k.Flags&dns.SEP != 0 {
		role = "KSK"
	}
	return Key{Tag: k.KeyTag(), Algorithm: algName(k.Algorithm), Role: role}
}

func algName(a uint8) string {
	if s, ok := dns.AlgorithmToString[a]; ok {
		return s
	}
	return fmt.Sprintf("algorithm %d", a)
}

// signerKeys is what the DNSSEC checks know of a zone's keys across all
// servers asked: every key published anywhere, which providers publish and
// sign with each, and the zone-signing keys every DNSKEY set must hold.
type signerKeys struct {
	all       map[string]*dns.DNSKEY
	publishes map[string][]string // key id → providers publishing it
	signsAt   map[string][]string // key id → providers whose data it signs
	required  []string            // key ids every server's DNSKEY set must hold
}

// member is one server's evidence and the provider it belongs to.
type member struct {
	provider string
	server   *Server
}

// union gathers the keys of every member. A key signs at a provider when
// it makes a valid signature over an RRset other than the DNSKEY set
// there: the signer's ZSK (or CSK). Every ZSK published anywhere and every
// key that signs data somewhere is required everywhere (RFC 8901 §2.1.2:
// each provider's DNSKEY set carries every provider's ZSKs; KSKs need only
// be at the parent as DS).
func union(members []member) *signerKeys {
	u := &signerKeys{all: map[string]*dns.DNSKEY{}, publishes: map[string][]string{}, signsAt: map[string][]string{}}
	for _, m := range members {
		for _, k := range m.server.DNSSEC.ev.keys {
			id := keyID(k)
			u.all[id] = k
			if !slices.Contains(u.publishes[id], m.provider) {
				u.publishes[id] = append(u.publishes[id], m.provider)
			}
		}
	}
	for _, m := range members {
		ev := m.server.DNSSEC.ev
		for _, s := range ev.sets {
			if s.typ == dns.TypeDNSKEY {
				continue
			}
			for _, sig := range s.sigs {
				for _, id := range u.candidates(sig, ev.origin) {
					if ev.verify(sig, id, u, s.rrs) && !slices.Contains(u.signsAt[id], m.provider) {
						u.signsAt[id] = append(u.signsAt[id], m.provider)
					}
				}
			}
		}
	}
	for id, k := range u.all {
		if k.Flags&dns.SEP == 0 || len(u.signsAt[id]) > 0 {
			u.required = append(u.required, id)
		}
	}
	slices.SortFunc(u.required, func(a, b string) int { return compareKeys(u.all[a], u.all[b]) })
	return u
}

func compareKeys(a, b *dns.DNSKEY) int {
	return cmp.Or(cmp.Compare(a.KeyTag(), b.KeyTag()), cmp.Compare(a.Algorithm, b.Algorithm), strings.Compare(a.PublicKey, b.PublicKey))
}

// candidates are the ids of the keys that may have made sig: same tag,
// algorithm and signer (the zone's apex).
func (u *signerKeys) candidates(sig *dns.RRSIG, origin string) []string {
	var out []string
	if zones.CanonicalName(sig.SignerName) != origin {
		return nil
	}
	for id, k := range u.all {
		if k.KeyTag() == sig.KeyTag && k.Algorithm == sig.Algorithm && k.Protocol == 3 && k.Flags&dns.ZONE != 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// assess checks every member's evidence against the union of the keys of
// all members, and sets each server's DNSSEC report. Members without
// evidence (servers that could not be asked) are left alone.
func assess(members []member, now time.Time) {
	var have []member
	for _, m := range members {
		if m.server.DNSSEC != nil && m.server.DNSSEC.ev != nil {
			have = append(have, m)
		}
	}
	u := union(have)
	for _, m := range have {
		d := m.server.DNSSEC
		ev := d.ev
		d.Keys, d.Missing, d.Problems, d.Checked = []Key{}, []Key{}, []Problem{}, 0
		mine := map[string]bool{}
		for _, k := range ev.keys {
			mine[keyID(k)] = true
			d.Keys = append(d.Keys, keyOf(k))
		}
		slices.SortFunc(d.Keys, func(a, b Key) int {
			return cmp.Or(cmp.Compare(a.Tag, b.Tag), strings.Compare(a.Algorithm, b.Algorithm))
		})
		if len(ev.keys) == 0 {
			d.Problems = append(d.Problems, Problem{SeverityError, "no-dnskey", ev.origin, "DNSKEY",
				"the server serves no DNSKEY set: the zone is unsigned here, and resolvers that hold a DS for the zone reject its answers"})
			continue
		}
		for _, id := range u.required {
			if mine[id] {
				continue
			}
			k := u.all[id]
			d.Missing = append(d.Missing, keyOf(k))
			if who := u.signsAt[id]; len(who) > 0 {
				d.Problems = append(d.Problems, Problem{SeverityError, "missing-zsk", ev.origin, "DNSKEY",
					fmt.Sprintf("the DNSKEY set lacks %s, which signs at %s: resolvers that cached this DNSKEY set reject that signer's signatures (RFC 8901 model 2: every DNSKEY set carries every signer's ZSKs); publish it here",
						keyOf(k), strings.Join(who, ", "))})
				continue
			}
			// Published but signing nothing yet (a ZSK rollover's new key):
			// it breaks validation only once it is used.
			d.Problems = append(d.Problems, Problem{SeverityWarning, "missing-zsk", ev.origin, "DNSKEY",
				fmt.Sprintf("the DNSKEY set lacks %s, which is published at %s and signs nothing yet: publish it here before that signer uses it (RFC 8901 model 2)",
					keyOf(k), strings.Join(u.publishes[id], ", "))})
		}
		for _, s := range ev.sets {
			d.Checked++
			keys := u
			if s.typ == dns.TypeDNSKEY {
				// The DNSKEY set is validated by a key in itself.
				keys = ownKeys(ev.keys)
			}
			d.Problems = append(d.Problems, checkSigs(ev, s, keys, now)...)
		}
		for _, dn := range ev.denials {
			n, ps := checkDenial(ev, dn, u, now)
			d.Checked += n
			d.Problems = append(d.Problems, ps...)
		}
	}
}

func ownKeys(keys []*dns.DNSKEY) *signerKeys {
	u := &signerKeys{all: map[string]*dns.DNSKEY{}}
	for _, k := range keys {
		u.all[keyID(k)] = k
	}
	return u
}

// checkSigs checks the signatures of one RRset: each that fails is named,
// a warning when another signature validates, an error when none does.
func checkSigs(ev *evidence, s signedSet, u *signerKeys, now time.Time) []Problem {
	t := dns.TypeToString[s.typ]
	if len(s.rrs) == 0 {
		return nil
	}
	if len(s.sigs) == 0 {
		return []Problem{{SeverityError, "unsigned", s.name, t, "served without an RRSIG"}}
	}
	valid := false
	var why []Problem
	for _, sig := range s.sigs {
		code, msg := judge(ev, sig, s.rrs, u, now)
		if code == "" {
			valid = true
			continue
		}
		why = append(why, Problem{SeverityWarning, code, s.name, t, msg})
	}
	if !valid {
		// Each reason is then why resolvers reject the RRset.
		for i := range why {
			why[i].Severity = SeverityError
			why[i].Message = "no signature validates: " + why[i].Message
		}
	}
	return why
}

// judge says why sig does not validate rrs ("" when it does).
func judge(ev *evidence, sig *dns.RRSIG, rrs []dns.RR, u *signerKeys, now time.Time) (code, msg string) {
	origin := ev.origin
	by := fmt.Sprintf("the signature by key %d (%s)", sig.KeyTag, algName(sig.Algorithm))
	ids := u.candidates(sig, origin)
	if len(ids) == 0 {
		if zones.CanonicalName(sig.SignerName) != origin {
			return "foreign-signer", fmt.Sprintf("%s names the signer %s, not the zone", by, sig.SignerName)
		}
		if sig.TypeCovered == dns.TypeDNSKEY {
			return "unknown-key", by + " is made with a key this DNSKEY set does not hold"
		}
		return "unknown-key", by + " is made with a key no server publishes"
	}
	verified := false
	for _, id := range ids {
		if ev.verify(sig, id, u, rrs) {
			verified = true
			break
		}
	}
	switch {
	case !verified:
		return "bad-signature", by + " does not verify against that key"
	case !sig.ValidityPeriod(now):
		incep, exp := sigTime(sig.Inception, now), sigTime(sig.Expiration, now)
		if now.Before(incep) {
			return "signature-not-yet-valid", fmt.Sprintf("%s is valid only from %s", by, incep.UTC().Format(time.RFC3339))
		}
		return "signature-expired", fmt.Sprintf("%s expired at %s", by, exp.UTC().Format(time.RFC3339))
	}
	return "", ""
}

// sigTime turns an RRSIG time (seconds mod 2^32, RFC 4034 §3.1.5) into the
// time nearest now.
func sigTime(v uint32, now time.Time) time.Time {
	n := now.Unix()
	base := n - n%(1<<32)
	t := base + int64(v)
	if t-n > 1<<31 {
		t -= 1 << 32
	} else if n-t > 1<<31 {
		t += 1 << 32
	}
	return time.Unix(t, 0)
}

// checkDenial checks that a negative answer proves what it denies, with
// NSEC (RFC 4035 §5.4) or NSEC3 (RFC 5155 §8.4, §8.5) records whose
// signatures validate. It returns how many denial RRsets it checked.
func checkDenial(ev *evidence, dn denial, u *signerKeys, now time.Time) (int, []Problem) {
	origin := ev.origin
	t := dns.TypeToString[dn.qtype]
	code, what := "nodata-unproven", fmt.Sprintf("the answer that %s has no %s record", dn.qname, t)
	if dn.qtype == 0 {
		code, what, t = "nxdomain-unproven", fmt.Sprintf("the answer that %s does not exist", dn.qname), ""
	}
	fail := func(msg string) []Problem {
		return []Problem{{SeverityError, code, dn.qname, t, what + " " + msg}}
	}
	if dn.qtype == 0 && dn.rcode == dns.RcodeSuccess && compact(dn) {
		// Compact denial of existence (RFC 9824, as Cloudflare and Route
		// 53 answer): NOERROR with an NSEC at the name listing nothing
		// but NSEC, RRSIG and NXNAME. Resolvers take it as "no data at
		// the name", which is what must then be proven.
		dn.qtype = dns.TypeA
	}
	switch {
	case !dn.aa:
		return 0, fail("carries no AA bit")
	case dn.qtype == 0 && dn.rcode != dns.RcodeNameError:
		return 0, fail(fmt.Sprintf("is %s, not NXDOMAIN", dns.RcodeToString[dn.rcode]))
	case dn.qtype != 0 && dn.rcode != dns.RcodeSuccess:
		return 0, fail(fmt.Sprintf("is %s, not NOERROR with no data", dns.RcodeToString[dn.rcode]))
	}
	sets := collect(dn.ns, func(_ string, t uint16) bool { return t == dns.TypeNSEC || t == dns.TypeNSEC3 })
	var ps []Problem
	var nsec []*dns.NSEC
	var nsec3 []*dns.NSEC3
	for _, s := range sets {
		ps = append(ps, checkSigs(ev, s, u, now)...)
		for _, rr := range s.rrs {
			switch r := rr.(type) {
			case *dns.NSEC:
				nsec = append(nsec, r)
			case *dns.NSEC3:
				nsec3 = append(nsec3, r)
			}
		}
	}
	var gap string
	switch {
	case len(nsec) > 0:
		gap = proveNSEC(dn, origin, nsec)
	case len(nsec3) > 0:
		gap = proveNSEC3(dn, origin, nsec3)
	default:
		gap = "comes with no NSEC or NSEC3 record"
	}
	if gap != "" {
		ps = append(ps, fail(gap)...)
	}
	return len(sets), ps
}

// covers reports whether the NSEC's span (owner, next) holds name strictly
// inside, in canonical order; the last NSEC's next is the apex.
func covers(n *dns.NSEC, name string) bool {
	owner, next := zones.CanonicalName(n.Hdr.Name), zones.CanonicalName(n.NextDomain)
	if zones.CompareNames(owner, name) >= 0 {
		return false
	}
	return zones.CompareNames(name, next) < 0 || zones.CompareNames(next, owner) <= 0
}

// typeNXNAME is the NXNAME pseudo-type of compact denial (RFC 9824).
const typeNXNAME = 128

// compact reports whether dn is a compact denial: an NSEC at the name
// whose bitmap has no type but NSEC, RRSIG and NXNAME.
func compact(dn denial) bool {
	for _, rr := range dn.ns {
		n, ok := rr.(*dns.NSEC)
		if !ok || zones.CanonicalName(n.Hdr.Name) != dn.qname {
			continue
		}
		return !slices.ContainsFunc(n.TypeBitMap, func(t uint16) bool {
			return t != dns.TypeNSEC && t != dns.TypeRRSIG && t != typeNXNAME
		})
	}
	return false
}

func hasType(bitmap []uint16, t uint16) bool { return slices.Contains(bitmap, t) }

// closestEncloser is the longest ancestor of name that is also an
// ancestor (or the owner) of the NSEC's ends: the name that exists above it.
func closestEncloser(name, a, b string) string {
	la := dns.CompareDomainName(name, a)
	lb := dns.CompareDomainName(name, b)
	labels := dns.SplitDomainName(name)
	n := max(la, lb)
	return dns.Fqdn(strings.Join(labels[len(labels)-n:], "."))
}

func proveNSEC(dn denial, origin string, nsec []*dns.NSEC) string {
	if dn.qtype != 0 {
		for _, n := range nsec {
			if zones.CanonicalName(n.Hdr.Name) == dn.qname {
				if hasType(n.TypeBitMap, dn.qtype) || hasType(n.TypeBitMap, dns.TypeCNAME) {
					return fmt.Sprintf("comes with an NSEC at %s whose type bitmap has %s", dn.qname, dns.TypeToString[dn.qtype])
				}
				return ""
			}
		}
		return "comes with no NSEC at " + dn.qname + " to show its types"
	}
	var cover *dns.NSEC
	for _, n := range nsec {
		if covers(n, dn.qname) {
			cover = n
		}
	}
	if cover == nil {
		return "comes with no NSEC whose span covers the name"
	}
	ce := closestEncloser(dn.qname, zones.CanonicalName(cover.Hdr.Name), zones.CanonicalName(cover.NextDomain))
	if !dns.IsSubDomain(origin, ce) {
		ce = origin
	}
	wild := "*." + ce
	if !slices.ContainsFunc(nsec, func(n *dns.NSEC) bool { return covers(n, wild) }) {
		return "comes with no NSEC that covers the wildcard " + wild + " (a wildcard could have answered)"
	}
	return ""
}

func proveNSEC3(dn denial, origin string, nsec3 []*dns.NSEC3) string {
	match := func(name string) *dns.NSEC3 {
		for _, n := range nsec3 {
			if n.Match(name) {
				return n
			}
		}
		return nil
	}
	cover := func(name string) bool {
		return slices.ContainsFunc(nsec3, func(n *dns.NSEC3) bool { return n.Cover(name) })
	}
	if dn.qtype != 0 {
		n := match(dn.qname)
		switch {
		case n == nil:
			return "comes with no NSEC3 matching " + dn.qname + " to show its types"
		case hasType(n.TypeBitMap, dn.qtype) || hasType(n.TypeBitMap, dns.TypeCNAME):
			return fmt.Sprintf("comes with an NSEC3 for %s whose type bitmap has %s", dn.qname, dns.TypeToString[dn.qtype])
		}
		return ""
	}
	// The closest encloser proof: an NSEC3 matching the closest encloser,
	// one covering the next closer name, one covering the wildcard.
	labels := dns.SplitDomainName(dn.qname)
	for i := 1; i < len(labels); i++ {
		ce := dns.Fqdn(strings.Join(labels[i:], "."))
		if !dns.IsSubDomain(origin, ce) {
			break
		}
		if match(ce) == nil {
			continue
		}
		next := dns.Fqdn(strings.Join(labels[i-1:], "."))
		switch {
		case !cover(next):
			return "comes with no NSEC3 covering the next closer name " + next
		case !cover("*." + ce):
			return "comes with no NSEC3 covering the wildcard *." + ce + " (a wildcard could have answered)"
		}
		return ""
	}
	return "comes with no NSEC3 matching a closest encloser of the name"
}

// missingType is a type to ask for at the apex that the zone does not
// have there, for the NODATA proof.
func missingType(desired *zones.Zone) uint16 {
	for _, t := range []uint16{dns.TypeHINFO, dns.TypeRP, dns.TypeNULL, dns.TypeAFSDB} {
		if desired.Lookup(desired.Origin, t) == nil {
			return t
		}
	}
	return dns.TypeX25
}

// missingName is a name the zone does not have, for the NXDOMAIN proof.
func missingName(desired *zones.Zone) string {
	for i := 0; ; i++ {
		n := fmt.Sprintf("zonecast-verify-nx%d.%s", i, desired.Origin)
		if i == 0 {
			n = "zonecast-verify-nx." + desired.Origin
		}
		taken := false
		for _, s := range desired.RRsets() {
			if s.Name == n || dns.IsSubDomain(n, s.Name) {
				taken = true
				break
			}
		}
		if !taken {
			return n
		}
	}
}

// CheckSigners redoes the DNSSEC checks of reports (made with
// Options.DNSSEC) zone by zone against the union of the keys every
// provider of the zone publishes, so a signer's ZSK missing at another
// provider, and a signature by another provider's key, are found. Run
// alone checks one provider's servers against that provider's keys; call
// CheckSigners with the reports of every provider of each zone. It asks no
// server and changes only the DNSSEC fields of the reports.
func CheckSigners(reports []Provider, now time.Time) {
	byZone := map[string][]member{}
	for i := range reports {
		for j := range reports[i].Servers {
			s := &reports[i].Servers[j]
			byZone[reports[i].Zone] = append(byZone[reports[i].Zone], member{reports[i].Provider, s})
		}
	}
	for _, z := range slices.Sorted(maps.Keys(byZone)) {
		assess(byZone[z], now)
	}
}

// fetch asks the server for the DNSKEY set and for the two negative
// answers (a name and an apex type the zone does not have).
func (ev *evidence) fetch(ctx context.Context, addr string, desired *zones.Zone, opts Options) error {
	origin := desired.Origin
	m, err := query(ctx, addr, origin, dns.TypeDNSKEY, opts)
	if err != nil {
		return err
	}
	if !m.Authoritative || m.Rcode != dns.RcodeSuccess {
		return fmt.Errorf("%s answers %s for the DNSKEY set of %s without authority", addr, dns.RcodeToString[m.Rcode], origin)
	}
	for _, rr := range m.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && zones.CanonicalName(k.Hdr.Name) == origin {
			ev.keys = append(ev.keys, k)
		}
	}
	ev.sets = append(ev.sets, collect(m.Answer, func(n string, t uint16) bool { return n == origin && t == dns.TypeDNSKEY })...)
	for _, q := range []struct {
		name string
		t    uint16
	}{{missingName(desired), 0}, {origin, missingType(desired)}} {
		qt := q.t
		if qt == 0 {
			qt = dns.TypeA
		}
		m, err := query(ctx, addr, q.name, qt, opts)
		if err != nil {
			return err
		}
		ev.denials = append(ev.denials, denial{qname: q.name, qtype: q.t, rcode: m.Rcode, aa: m.Authoritative, ns: m.Ns})
	}
	return nil
}
