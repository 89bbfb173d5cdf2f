package e2e

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Step is one state of a generated edit sequence.
type Step struct {
	Kind string // what the step does: "create", "edit", "big edit", "at the limit", "over the limit"
	Zone *Zone
}

// Sequence is one seed's edit sequence.
type Sequence struct {
	Seed  uint64
	Steps []Step
}

// Params are what a sequence is generated for.
type Params struct {
	Seed    uint64
	Origin  string
	Records int // about how many records the first step holds
	// MaxRecords bounds the growth of the zone: a big edit that would take
	// it past this many records is a smaller edit instead (0: no bound).
	MaxRecords int
	Profile    Profile // the provider's: the safety steps are cut to its count of RRsets
	Limit      int     // the safety limit, percent
	Quirks     Quirks  // what the provider refuses or mishandles
}

// Quirks keep a sequence clear of what a provider cannot take, so that the
// test passes while a known problem is open; the drivers that set them say
// which problem.
type Quirks struct {
	// MXNeedsAddress: the MX targets inside the zone always have
	// addresses (mail hosts are never deleted).
	MXNeedsAddress bool
	// ApexNSTTL, when not zero, is the apex NS set's TTL in every step.
	ApexNSTTL uint32
	// TXTUTF8: TXT data is UTF-8 text (no octet above 0x7f), for APIs
	// that carry it in JSON strings (NS1).
	TXTUTF8 bool
}

// Size returns the number of records a seed's zone starts with: log-uniform
// from 5 to 20,000, from the seed alone.
func Size(seed uint64) int {
	r := rand.New(rand.NewPCG(seed, 0x5a5a))
	return int(5 * math.Pow(4000, r.Float64()))
}

type kind int

const (
	kApex kind = iota
	kNSHost
	kHost
	kWild
	kMail
	kDeleg
	kSRV
	kTXT
)

// entity is a group of RRsets that stand or fall together: a host and its
// types, a delegation and its glue, the apex.
type entity struct {
	kind kind
	name string // the main owner, absolute
	sets []*RRset
}

func (e *entity) records() int {
	n := 0
	for _, s := range e.sets {
		n += len(s.Data)
	}
	return n
}

func (e *entity) set(t uint16) *RRset {
	for _, s := range e.sets {
		if s.Type == t && s.Name == e.name {
			return s
		}
	}
	return nil
}

func (e *entity) drop(s *RRset) {
	e.sets = slices.DeleteFunc(e.sets, func(x *RRset) bool { return x == s })
}

// gen is the state of one sequence's generator.
type gen struct {
	r      *rand.Rand
	p      Params
	ents   []*entity
	apex   *entity
	nextID int
	serial uint32
}

// Generate returns the edit sequence of p.Seed: 3 to 6 steps, the first
// creating a zone of about p.Records records, the others editing it. Some
// seeds have a step exactly at the safety limit for p.Profile and a later
// one just over it. The result depends only on p.
func Generate(p Params) (seq *Sequence, err error) {
	// The generator's own invariants (every record it makes parses, no two
	// entities share an RRset) panic where they break; the caller gets an
	// error naming the seed.
	defer func() {
		if v := recover(); v != nil {
			seq, err = nil, fmt.Errorf("seed %d: generator: %v", p.Seed, v)
		}
	}()
	g := &gen{r: rand.New(rand.NewPCG(p.Seed, 0x7a6f6e65636173)), p: p, serial: 2024010100}
	g.initApex()
	for g.records() < p.Records {
		g.add()
	}
	seq = &Sequence{Seed: p.Seed}
	first := g.snapshot()
	seq.Steps = append(seq.Steps, Step{"create", first})

	n := 3 + g.r.IntN(4)
	safety := g.r.IntN(10) < 6 && n >= 3
	under, over := -1, -1
	if safety {
		under = 1 + g.r.IntN(n-2)
		over = under + 1 + g.r.IntN(n-1-under)
	}
	for i := 1; i < n; i++ {
		prev := seq.Steps[len(seq.Steps)-1].Zone
		var st Step
		switch {
		case i == under:
			st, err = g.safetyStep(prev, false)
		case i == over:
			st, err = g.safetyStep(prev, true)
		default:
			st, err = g.editStep(prev)
		}
		if err != nil {
			return nil, fmt.Errorf("seed %d step %d: %w", p.Seed, i+1, err)
		}
		seq.Steps = append(seq.Steps, st)
	}
	return seq, nil
}

func (g *gen) fq(rel string) string {
	if rel == "@" {
		return g.p.Origin
	}
	return rel + "." + g.p.Origin
}

func (g *gen) id() int {
	g.nextID++
	return g.nextID
}

func (g *gen) records() int {
	n := 0
	for _, e := range g.ents {
		n += e.records()
	}
	return n
}

func (g *gen) snapshot() *Zone {
	g.serial++
	soa := g.apex.set(dns.TypeSOA)
	soa.Data = []string{fmt.Sprintf("%s %s %d 7200 900 1209600 300", g.fq("ns1"), g.fq("hostmaster"), g.serial)}
	z := &Zone{Origin: g.p.Origin, Sets: map[Key]*RRset{}}
	for _, e := range g.ents {
		for _, s := range e.sets {
			k := Key{s.Name, s.Type}
			if _, dup := z.Sets[k]; dup {
				panic(fmt.Sprintf("generator: two entities hold %s %s", s.Name, dns.TypeToString[s.Type]))
			}
			z.Sets[k] = s.clone()
		}
	}
	return z
}

// pick returns one of xs.
func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

var ttls = []uint32{60, 120, 300, 300, 300, 300, 600, 900, 3600, 3600, 86400}

func (g *gen) ttl() uint32 { return pick(g.r, ttls...) }

// otherTTL returns a TTL that differs from old at the provider, whose
// minimum TTL (Profile.MinTTL) raises lower ones.
func (g *gen) otherTTL(old uint32) uint32 {
	for {
		if t := g.ttl(); max(t, g.p.Profile.MinTTL) != max(old, g.p.Profile.MinTTL) {
			return t
		}
	}
}

func (g *gen) ipv4() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("192.0.2.%d", 1+g.r.IntN(254))
	case 1:
		return fmt.Sprintf("198.51.100.%d", 1+g.r.IntN(254))
	case 2:
		return fmt.Sprintf("203.0.113.%d", 1+g.r.IntN(254))
	}
	return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) ipv6() string {
	s := fmt.Sprintf("2001:db8::%x", 1+g.r.IntN(0xffff))
	if g.r.IntN(4) > 0 {
		s = fmt.Sprintf("2001:db8:%x:%x::%x", g.r.IntN(0x10000), g.r.IntN(0x10000), 1+g.r.IntN(0xffff))
	}
	return netip.MustParseAddr(s).String()
}

func (g *gen) external(prefix string) string {
	return fmt.Sprintf("%s%d.example.%s.", prefix, g.r.IntN(40), pick(g.r, "net", "org"))
}

// mailTarget is an existing mail host of the zone, or a name outside it.
func (g *gen) mailTarget() string {
	if g.r.IntN(3) > 0 {
		for range 4 {
			if e := g.ents[g.r.IntN(len(g.ents))]; e.kind == kMail {
				return e.name
			}
		}
	}
	return g.external(pick(g.r, "mx", "mail", "srv"))
}

// cnameTarget is a host, a mail host, a name under a wildcard, or a name
// outside the zone.
func (g *gen) cnameTarget(self string) string {
	for range 4 {
		e := g.ents[g.r.IntN(len(g.ents))]
		if e.name == self {
			continue
		}
		switch e.kind {
		case kHost, kMail:
			return e.name
		case kWild:
			return "any" + strings.TrimPrefix(e.name, "*")
		}
	}
	return g.external(pick(g.r, "cdn", "lb", "edge"))
}

// txtByte is a random byte of TXT data: mostly letters, sometimes the
// characters zone files must escape or that split words.
func (g *gen) txtByte() byte {
	switch n := g.r.IntN(100); {
	case n < 4:
		return '"'
	case n < 8:
		return '\\'
	case n < 16:
		return ' '
	case n < 18:
		return ';'
	case n < 20:
		return pick(g.r, byte('='), '-', '.', ':', '(', ')', '@', '$')
	case n < 21:
		b := byte(0x80 + g.r.IntN(0x80)) // written \DDD
		if g.p.Quirks.TXTUTF8 {
			return 'a' + (b-0x80)%26 // a letter instead, the draws as without the quirk
		}
		return b
	case n < 22:
		return '\t' // written \009
	}
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	return letters[g.r.IntN(len(letters))]
}

// quote writes b as an RFC 1035 character-string.
func quote(b []byte) string {
	var s strings.Builder
	s.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&s, "\\%03d", c)
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte('"')
	return s.String()
}

func (g *gen) txtString(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = g.txtByte()
	}
	return b
}

// txt is one TXT record's rdata: one short string, several strings, or a
// long text (over 255 bytes) cut into strings of at most 255.
func (g *gen) txt() string {
	switch n := g.r.IntN(10); {
	case n < 4:
		return quote(g.txtString(1 + g.r.IntN(60)))
	case n < 7:
		parts := make([]string, 2+g.r.IntN(3))
		for i := range parts {
			parts[i] = quote(g.txtString(1 + g.r.IntN(40)))
		}
		return strings.Join(parts, " ")
	}
	long := g.txtString(256 + g.r.IntN(450))
	var parts []string
	for len(long) > 0 {
		cut := min(len(long), 255)
		if g.r.IntN(3) == 0 {
			cut = min(len(long), 100+g.r.IntN(156))
		}
		parts = append(parts, quote(long[:cut]))
		long = long[cut:]
	}
	return strings.Join(parts, " ")
}

var caas = []string{
	`0 issue "letsencrypt.org"`,
	`0 issue "pki.goog"`,
	`0 issue "letsencrypt.org; validationmethods=dns-01"`,
	`0 issuewild ";"`,
	`128 issue "ca.example.net"`,
	`0 iodef "mailto:security@example.net"`,
	`0 iodef "https://iodef.example.net/report"`,
}

// value returns new rdata for a set of type t owned by e.
func (g *gen) value(t uint16, e *entity) string {
	switch t {
	case dns.TypeA:
		return g.ipv4()
	case dns.TypeAAAA:
		return g.ipv6()
	case dns.TypeTXT:
		return g.txt()
	case dns.TypeMX:
		return fmt.Sprintf("%d %s", pick(g.r, 0, 5, 10, 10, 20, 30, 50), g.mailTarget())
	case dns.TypeCAA:
		return pick(g.r, caas...)
	case dns.TypeSRV:
		return fmt.Sprintf("%d %d %d %s", g.r.IntN(20), pick(g.r, 0, 5, 10, 60, 100), 1+g.r.IntN(65535), g.mailTarget())
	case dns.TypeCNAME:
		return g.cnameTarget(e.name)
	}
	panic("generator: no values for type " + dns.TypeToString[t])
}

// fill makes s hold n distinct records of new values.
func (g *gen) fill(s *RRset, e *entity, n int) {
	for tries := 0; len(s.Data) < n && tries < 10*n; tries++ {
		v := g.value(s.Type, e)
		if !g.has(s, v) {
			s.Data = append(s.Data, v)
		}
	}
}

// has reports whether s already holds v. The generator spells each value
// one way (IPv6 in RFC 5952 form, names lower-case and absolute, TXT
// quoted by quote), so equal records are equal strings.
func (g *gen) has(s *RRset, v string) bool {
	return slices.Contains(s.Data, v)
}

func (g *gen) newSet(e *entity, name string, t uint16, n int) *RRset {
	s := &RRset{Name: name, Type: t, TTL: g.ttl()}
	if t == dns.TypeMX && g.r.IntN(40) == 0 && e.kind == kHost {
		s.Data = []string{"0 ."} // null MX (RFC 7505): the only MX of its name
	} else {
		g.fill(s, e, n)
	}
	e.sets = append(e.sets, s)
	return s
}

func (g *gen) initApex() {
	a := &entity{kind: kApex, name: g.p.Origin}
	a.sets = append(a.sets, &RRset{Name: a.name, Type: dns.TypeSOA, TTL: 300})
	ns := &RRset{Name: a.name, Type: dns.TypeNS, TTL: pick(g.r, uint32(300), 3600, 86400)}
	if g.p.Quirks.ApexNSTTL != 0 {
		ns.TTL = g.p.Quirks.ApexNSTTL
	}
	a.sets = append(a.sets, ns)
	g.apex = a
	g.ents = append(g.ents, a)
	// ns1 is what dnstest's servers start with (providertest.Head).
	ns1 := &entity{kind: kNSHost, name: g.fq("ns1")}
	ns1.sets = []*RRset{{Name: ns1.name, Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.1"}}}
	g.ents = append(g.ents, ns1)
	ns.Data = []string{ns1.name}
	for range g.r.IntN(3) {
		g.addApexNS()
	}
	if g.r.IntN(2) == 0 {
		g.newSet(a, a.name, dns.TypeA, 1+g.r.IntN(2))
	}
	if g.r.IntN(2) == 0 {
		g.newSet(a, a.name, dns.TypeMX, 1+g.r.IntN(2))
	}
	g.newSet(a, a.name, dns.TypeTXT, 1+g.r.IntN(3))
	if g.r.IntN(2) == 0 {
		g.newSet(a, a.name, dns.TypeCAA, 1+g.r.IntN(3))
	}
}

// addApexNS adds a nameserver to the apex NS set: a new host of the zone
// with its addresses, or a name outside the zone.
func (g *gen) addApexNS() {
	ns := g.apex.set(dns.TypeNS)
	if g.r.IntN(3) == 0 {
		for range 4 {
			if v := g.external("ns"); !g.has(ns, v) {
				ns.Data = append(ns.Data, v)
				return
			}
		}
	}
	h := &entity{kind: kNSHost, name: g.fq(fmt.Sprintf("ns%d", 100+g.id()))}
	g.newSet(h, h.name, dns.TypeA, 1)
	if g.r.IntN(2) == 0 {
		g.newSet(h, h.name, dns.TypeAAAA, 1)
	}
	g.ents = append(g.ents, h)
	ns.Data = append(ns.Data, h.name)
}

// removeApexNS removes one nameserver of the apex NS set, keeping one at
// least; the host of one inside the zone usually goes with it.
func (g *gen) removeApexNS() {
	ns := g.apex.set(dns.TypeNS)
	if len(ns.Data) < 2 {
		return
	}
	i := g.r.IntN(len(ns.Data))
	name := ns.Data[i]
	ns.Data = slices.Delete(ns.Data, i, i+1)
	if g.r.IntN(4) == 0 {
		return // the host stays, no longer a nameserver
	}
	for j, e := range g.ents {
		if e.kind == kNSHost && e.name == name {
			g.removeAt(j)
			return
		}
	}
}

func (g *gen) inApexNS(name string) bool {
	return slices.Contains(g.apex.set(dns.TypeNS).Data, name)
}

func (g *gen) removeAt(i int) {
	last := len(g.ents) - 1
	g.ents[i] = g.ents[last]
	g.ents = g.ents[:last]
}

// add adds a new entity of a random kind.
func (g *gen) add() *entity {
	id := g.id()
	var e *entity
	switch n := g.r.IntN(100); {
	case n < 45:
		name := fmt.Sprintf("h%d", id)
		if g.r.IntN(5) == 0 {
			name = fmt.Sprintf("x%d.h%d", g.r.IntN(9), id)
		}
		e = &entity{kind: kHost, name: g.fq(name)}
		g.hostSets(e)
	case n < 53:
		e = &entity{kind: kWild, name: g.fq(fmt.Sprintf("*.w%d", id))}
		g.hostSets(e)
	case n < 63:
		e = &entity{kind: kMail, name: g.fq(fmt.Sprintf("m%d", id))}
		g.newSet(e, e.name, dns.TypeA, 1+g.r.IntN(2))
		if g.r.IntN(3) == 0 {
			g.newSet(e, e.name, dns.TypeAAAA, 1)
		}
	case n < 70:
		e = &entity{kind: kDeleg, name: g.fq(fmt.Sprintf("d%d", id))}
		e.sets = []*RRset{{Name: e.name, Type: dns.TypeNS, TTL: pick(g.r, uint32(300), 3600, 86400)}}
		for range 1 + g.r.IntN(3) {
			g.addDelegNS(e)
		}
	case n < 80:
		e = &entity{kind: kSRV, name: g.fq(fmt.Sprintf("_s%d.%s", id, pick(g.r, "_tcp", "_udp")))}
		g.newSet(e, e.name, dns.TypeSRV, 1+g.r.IntN(3))
	default:
		e = &entity{kind: kTXT, name: g.fq(fmt.Sprintf("t%d", id))}
		g.newSet(e, e.name, dns.TypeTXT, 1+g.r.IntN(3))
	}
	g.ents = append(g.ents, e)
	return e
}

// hostSets gives a new host either a CNAME or one to three other types.
func (g *gen) hostSets(e *entity) {
	if g.r.IntN(4) == 0 {
		g.newSet(e, e.name, dns.TypeCNAME, 1)
		return
	}
	types := []uint16{dns.TypeA}
	for _, t := range []uint16{dns.TypeAAAA, dns.TypeTXT, dns.TypeMX, dns.TypeCAA} {
		if g.r.IntN(4) == 0 {
			types = append(types, t)
		}
	}
	if g.r.IntN(6) == 0 {
		types = types[1:] // no address at all: TXT, MX... only
		if len(types) == 0 {
			types = []uint16{dns.TypeTXT}
		}
	}
	for _, t := range types {
		n := 1
		if g.r.IntN(3) == 0 {
			n = 2 + g.r.IntN(3)
		}
		g.newSet(e, e.name, t, n)
	}
}

// addDelegNS adds a nameserver to a delegation: below it, with glue, or
// outside the zone.
func (g *gen) addDelegNS(e *entity) {
	ns := e.set(dns.TypeNS)
	if g.r.IntN(3) == 0 {
		if v := g.external("ns"); !g.has(ns, v) {
			ns.Data = append(ns.Data, v)
		}
		return
	}
	for j := 1; j < 10; j++ {
		name := fmt.Sprintf("ns%d.%s", j, e.name)
		if slices.Contains(ns.Data, name) {
			continue
		}
		ns.Data = append(ns.Data, name)
		g.newSet(e, name, dns.TypeA, 1+g.r.IntN(2))
		if g.r.IntN(3) == 0 {
			g.newSet(e, name, dns.TypeAAAA, 1)
		}
		return
	}
}

// removeDelegNS removes one nameserver of a delegation (keeping one) and
// its glue.
func (g *gen) removeDelegNS(e *entity) {
	ns := e.set(dns.TypeNS)
	if len(ns.Data) < 2 {
		return
	}
	i := g.r.IntN(len(ns.Data))
	name := ns.Data[i]
	ns.Data = slices.Delete(ns.Data, i, i+1)
	e.sets = slices.DeleteFunc(e.sets, func(s *RRset) bool { return s.Name == name })
}

// changeValues changes the records of s: one replaced, one added or one
// removed; failing that, its TTL. The result always differs from s before.
func (g *gen) changeValues(s *RRset, e *entity) {
	old := mustLines(s)
	single := s.Type == dns.TypeCNAME || len(s.Data) == 1 && s.Data[0] == "0 ."
	switch n := g.r.IntN(3); {
	case n == 0 && !single && len(s.Data) < 6:
		g.fill(s, e, len(s.Data)+1)
	case n == 1 && len(s.Data) > 1:
		i := g.r.IntN(len(s.Data))
		s.Data = slices.Delete(s.Data, i, i+1)
	default:
		i := g.r.IntN(len(s.Data))
		for range 20 {
			v := g.value(s.Type, e)
			if !g.has(s, v) {
				s.Data[i] = v
				break
			}
		}
	}
	if slices.Equal(mustLines(s), old) {
		s.TTL = g.otherTTL(s.TTL)
	}
}

func mustLines(s *RRset) []string {
	l, err := setLines(s)
	if err != nil {
		panic(err)
	}
	return l
}

// mutate changes e in a way its kind allows; e keeps one RRset at least.
func (g *gen) mutate(e *entity) {
	switch e.kind {
	case kApex:
		g.mutateApex()
	case kHost, kWild:
		g.mutateHost(e)
	case kDeleg:
		switch n := g.r.IntN(4); {
		case n == 0:
			g.addDelegNS(e)
		case n == 1 && len(e.set(dns.TypeNS).Data) > 1:
			g.removeDelegNS(e)
		default:
			s := e.sets[g.r.IntN(len(e.sets))]
			if s.Type == dns.TypeNS || g.r.IntN(2) == 0 {
				s.TTL = g.otherTTL(s.TTL)
			} else {
				g.changeValues(s, e)
			}
		}
	default: // kNSHost, kMail, kSRV, kTXT
		s := e.sets[g.r.IntN(len(e.sets))]
		if g.r.IntN(3) == 0 {
			s.TTL = g.otherTTL(s.TTL)
		} else {
			g.changeValues(s, e)
		}
	}
}

func (g *gen) mutateHost(e *entity) {
	cname := e.set(dns.TypeCNAME)
	switch n := g.r.IntN(10); {
	case n < 2:
		// CNAME <-> address records at the name.
		e.sets = nil
		if cname != nil {
			g.newSet(e, e.name, dns.TypeA, 1+g.r.IntN(2))
			if g.r.IntN(3) == 0 {
				g.newSet(e, e.name, dns.TypeTXT, 1)
			}
		} else {
			g.newSet(e, e.name, dns.TypeCNAME, 1)
		}
	case n < 4 && cname == nil:
		// A type more, or one less.
		var missing []uint16
		for _, t := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeMX, dns.TypeCAA} {
			if e.set(t) == nil {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 && (g.r.IntN(2) == 0 || len(e.sets) == 1) {
			g.newSet(e, e.name, pick(g.r, missing...), 1+g.r.IntN(2))
		} else {
			e.drop(e.sets[g.r.IntN(len(e.sets))])
		}
	case n < 6:
		s := e.sets[g.r.IntN(len(e.sets))]
		s.TTL = g.otherTTL(s.TTL)
	default:
		s := e.sets[g.r.IntN(len(e.sets))]
		if s.Type == dns.TypeTXT && g.r.IntN(2) == 0 {
			// A TXT rewrite: every record new.
			n := len(s.Data)
			s.Data = nil
			g.fill(s, e, n)
			return
		}
		g.changeValues(s, e)
	}
}

func (g *gen) mutateApex() {
	switch n := g.r.IntN(10); {
	case n < 3:
		g.addApexNS()
	case n < 5:
		g.removeApexNS()
	case n < 6:
		// A new apex NS set; the old names' hosts mostly go.
		old := slices.Clone(g.apex.set(dns.TypeNS).Data)
		g.addApexNS()
		for range old {
			g.removeApexNS()
		}
	default:
		var others []*RRset
		for _, s := range g.apex.sets {
			if s.Type != dns.TypeSOA && s.Type != dns.TypeNS {
				others = append(others, s)
			}
		}
		if len(others) == 0 || g.r.IntN(4) == 0 {
			for _, t := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeMX, dns.TypeTXT, dns.TypeCAA} {
				if g.apex.set(t) == nil {
					g.newSet(g.apex, g.apex.name, t, 1+g.r.IntN(2))
					return
				}
			}
		}
		if len(others) == 0 {
			return
		}
		s := others[g.r.IntN(len(others))]
		switch g.r.IntN(4) {
		case 0:
			g.apex.drop(s)
		case 1:
			s.TTL = g.otherTTL(s.TTL)
		default:
			g.changeValues(s, g.apex)
		}
	}
}

// deletable reports whether e may be deleted whole: not the apex, not a
// nameserver the apex NS set names, not a mail host where MX targets must
// resolve.
func (g *gen) deletable(e *entity) bool {
	switch e.kind {
	case kApex:
		return false
	case kNSHost:
		return !g.inApexNS(e.name)
	case kMail:
		return !g.p.Quirks.MXNeedsAddress
	}
	return true
}

// op is one random edit: add, delete or change an entity.
func (g *gen) op(adds, dels int) {
	switch n := g.r.IntN(100); {
	case n < adds:
		g.add()
	case n < adds+dels:
		for range 8 {
			i := g.r.IntN(len(g.ents))
			if g.deletable(g.ents[i]) {
				g.removeAt(i)
				return
			}
		}
	default:
		g.mutate(g.ents[g.r.IntN(len(g.ents))])
	}
}

// editStep makes a random edit of a few, a tenth, or over a thousand
// changes.
func (g *gen) editStep(prev *Zone) (Step, error) {
	ents := len(g.ents)
	if g.r.IntN(10) < 6 || g.p.MaxRecords > 0 && g.records()+1600 > g.p.MaxRecords {
		// Small or medium: from one op to a tenth of the entities.
		n := 1 + g.r.IntN(20)
		kind := "edit"
		if g.r.IntN(2) == 0 {
			n = max(n, ents*(2+g.r.IntN(9))/100)
			kind = "edit (medium)"
		}
		if g.r.IntN(3) == 0 {
			g.mutateApex()
		}
		for range n {
			g.op(30, 20)
		}
		return Step{kind, g.snapshot()}, nil
	}
	// Big: over 1,000 changes, mostly new RRsets unless the zone is big
	// enough to take 1,000 updates and deletes within the limit.
	adds, dels := 97, 1
	if ents > 8000 {
		adds, dels = 30, 20
	}
	for range 1000 + g.r.IntN(300) {
		g.op(adds, dels)
	}
	for {
		z := g.snapshot()
		v, err := Judge(prev, z, g.p.Profile, g.p.Limit)
		if err != nil {
			return Step{}, err
		}
		if v.Changes() > 1000 {
			return Step{"big edit", z}, nil
		}
		for range 100 {
			g.add()
		}
	}
}

// safetyStep changes exactly the limit's share of the RRsets the provider
// serves (updates and deletes; over: one more), plus a few new RRsets,
// which the limit does not count.
func (g *gen) safetyStep(prev *Zone, over bool) (Step, error) {
	kind := "at the limit"
	if over {
		kind = "over the limit"
	}
	current := 0
	for k := range prev.Sets {
		if g.p.Profile.Managed(k, prev.Origin) {
			current++
		}
	}
	if current < 10 {
		// Too small for the limit to apply: a plain edit instead.
		st, err := g.editStep(prev)
		st.Kind += " (zone below 10 RRsets: no limit)"
		return st, err
	}
	target := g.p.Limit * current / 100
	if over {
		target++
	}
	type cand struct {
		e *entity
		s *RRset
	}
	var cands []cand
	for _, e := range g.ents {
		switch e.kind {
		case kHost, kWild, kMail, kSRV, kTXT, kDeleg:
			for _, s := range e.sets {
				cands = append(cands, cand{e, s})
			}
		}
	}
	if len(cands) < target {
		st, err := g.editStep(prev)
		st.Kind += " (too few RRsets to reach the limit)"
		return st, err
	}
	g.r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	for _, c := range cands[:target] {
		switch n := g.r.IntN(10); {
		case n < 3 && c.e.kind != kDeleg && (c.e.kind != kMail || !g.p.Quirks.MXNeedsAddress):
			c.e.drop(c.s)
		case n < 5 && c.s.Type != dns.TypeNS:
			g.changeValues(c.s, c.e)
		default:
			c.s.TTL = g.otherTTL(c.s.TTL)
		}
	}
	g.ents = slices.DeleteFunc(g.ents, func(e *entity) bool { return len(e.sets) == 0 })
	for range g.r.IntN(4) {
		g.add()
	}
	z := g.snapshot()
	v, err := Judge(prev, z, g.p.Profile, g.p.Limit)
	if err != nil {
		return Step{}, err
	}
	if v.Updates+v.Deletes != target || v.Refused != over {
		return Step{}, fmt.Errorf("generator: %s step has %d updates + %d deletes of %d RRsets, want %d (refused %v)",
			kind, v.Updates, v.Deletes, v.Current, target, v.Refused)
	}
	return Step{kind, z}, nil
}
