package cloudflare

import (
	"cmp"
	"crypto"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The DNS front: ServeDNS answers DNS queries, over UDP and TCP, for every
// active zone of the emulator, from the records the API holds, as
// Cloudflare's authoritative servers (ada.ns.cloudflare.com and friends)
// answer a resolver. What it does, and where it guesses:
//
//   - The apex SOA is synthesised, as Cloudflare's is: MNAME the zone's
//     first assigned nameserver, RNAME dns.cloudflare.com., refresh 10000,
//     retry 2400, expire 604800, minimum and TTL 1800 (what dig shows for
//     Cloudflare zones). The serial is the Unix time of the zone's last
//     record change (Cloudflare's serial also grows with each change; the
//     exact scheme is unverified). SOA records stored by fixtures are
//     ignored.
//   - The apex NS RRset is ServedApexNS: the assigned names, plus apex NS
//     records when multi_provider is on; TTL 86400 (Cloudflare's).
//   - An automatic TTL (1) is served as 300, Cloudflare's "Auto". Proxied
//     A, AAAA and CNAME records are answered with fixed edge addresses
//     (edgeA, edgeAAAA; the real ones vary by zone and are unverified),
//     as A and AAAA at that name, TTL 300.
//   - Below an NS record that is not at the apex the zone is delegated:
//     a referral (not AA) with the NS RRset, glue from the zone, and with
//     DNSSEC its DS RRset or a compact NSEC proving there is none.
//   - Wildcards (*.name) answer for names that do not exist below name,
//     synthesised at the query name and signed as if they were there
//     (online signing needs no wildcard proof: what Cloudflare does;
//     that it signs them with the qname's label count is a guess).
//   - In-zone CNAME chains are followed (8 links at most).
//   - ANY is answered with the RFC 8482 HINFO "RFC8482", as Cloudflare
//     does.
//   - DNSSEC, while the zone's status is active or pending: online
//     signing with the zone's ECDSAP256SHA256 keys. The DNSKEY RRset is
//     the KSK, the ZSK and the zone's DNSKEY records (the other signers'
//     keys of a multi-signer zone), signed by the KSK alone; every other
//     RRset is signed by the ZSK. Signatures run from an hour before now
//     to two days after (sigInception, sigValidity; Cloudflare's exact
//     window is unverified). They are sent only to queries with the DO
//     bit. Denial of existence is compact (RFC 9824, Cloudflare's "black
//     lies"): a name that does not exist is answered NOERROR with an NSEC
//     at the name whose next name is \000.name and whose types are RRSIG,
//     NSEC and NXNAME; a name without the type asked for gets an NSEC at
//     the name with the types it has, plus RRSIG and NSEC. Without DO, a
//     missing name is NXDOMAIN. NSEC3 (dnssec_use_nsec3) is not emulated.
//   - Every answer from a zone has the AA bit; a query for a name in no
//     zone is REFUSED. EDNS0 is echoed with a 1232-byte buffer; a UDP
//     answer larger than the client's buffer (512 without EDNS0) is
//     truncated with TC set.

const (
	autoTTL      = 300
	soaTTL       = 1800
	apexNSTTL    = 86400
	sigInception = time.Hour
	sigValidity  = 48 * time.Hour
	edgeA        = "104.16.0.1"
	edgeAAAA     = "2606:4700::6810:1"
	maxChain     = 8
)

// ServeDNS starts the DNS front on addr ("127.0.0.1:0" picks a free
// port), UDP and TCP on the same port. It returns the address it listens
// on and a stop function, which the caller must call; Close does not stop
// it.
func (s *Server) ServeDNS(addr string) (bound string, stop func(), err error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("dns front: %w", err)
	}
	bound = pc.LocalAddr().String()
	ln, err := net.Listen("tcp", bound)
	if err != nil {
		pc.Close()
		return "", nil, fmt.Errorf("dns front: %w", err)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		_, tcp := w.RemoteAddr().(*net.TCPAddr)
		_ = w.WriteMsg(s.answerDNS(q, tcp))
	})
	// Both servers have started before ServeDNS returns: a Shutdown
	// before that would fail and leave them running.
	var started sync.WaitGroup
	started.Add(2)
	udp := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: started.Done}
	tcpSrv := &dns.Server{Listener: ln, Handler: h, NotifyStartedFunc: started.Done}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcpSrv.ActivateAndServe() }()
	started.Wait()
	return bound, func() {
		_ = udp.Shutdown()
		_ = tcpSrv.Shutdown()
	}, nil
}

// zoneView is a snapshot of one zone as DNS sees it, taken under s.mu so
// that the answer is built without the lock. Records are copied as they
// are and converted to dns.RR only for the names an answer looks at.
type zoneView struct {
	apex          string              // FQDN
	raw           map[string][]Record // by owner FQDN
	names         map[string]bool     // owners and their ancestors up to the apex
	synth         []dns.RR            // the apex SOA, NS and own DNSKEYs
	multiProvider bool
	dnssecOn      bool
	sets          map[string]map[uint16][]dns.RR // converted, by owner then type
	soa           *dns.SOA
	signed        bool
	ksk           *dns.DNSKEY
	zsk           *dns.DNSKEY
	kskKey        crypto.Signer
	zskKey        crypto.Signer
	now           time.Time
}

// answerDNS answers one query.
func (s *Server) answerDNS(q *dns.Msg, tcp bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = false
	if len(q.Question) != 1 || q.Opcode != dns.OpcodeQuery {
		m.SetRcode(q, dns.RcodeNotImplemented)
		return m
	}
	opt := q.IsEdns0()
	if opt != nil && opt.Version() != 0 {
		m.SetRcode(q, dns.RcodeBadVers)
		m.SetEdns0(1232, false)
		return m
	}
	do := opt != nil && opt.Do()
	qn := strings.ToLower(q.Question[0].Name)
	v := s.view(qn)
	if v == nil || q.Question[0].Qclass != dns.ClassINET {
		m.Rcode = dns.RcodeRefused
	} else {
		v.answer(m, qn, q.Question[0].Qtype, do)
	}
	size := dns.MinMsgSize
	if opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		m.SetEdns0(1232, do)
	}
	if tcp {
		size = dns.MaxMsgSize
	}
	m.Truncate(size)
	return m
}

// view returns the zone qname is in (the longest match among the active
// zones), or nil.
func (s *Server) view(qname string) *zoneView {
	s.mu.Lock()
	defer s.mu.Unlock()
	var z *zone
	for name := qname; ; {
		if c := s.active[strings.TrimSuffix(name, ".")]; c != nil && (c.status == "" || c.status == "active") {
			z = c
			break
		}
		i := strings.IndexByte(name, '.')
		if name == "." || i < 0 || i == len(name)-1 {
			return nil
		}
		name = name[i+1:]
	}
	v := &zoneView{apex: dns.Fqdn(z.name), raw: make(map[string][]Record), names: map[string]bool{dns.Fqdn(z.name): true},
		sets: map[string]map[uint16][]dns.RR{}, now: s.opts.Now(), multiProvider: z.multiProvider}
	var last time.Time
	for _, r := range z.records {
		last = later(last, r.modified, r.created)
		c := r.Record
		if c.Priority != nil {
			p := *c.Priority
			c.Priority = &p
		}
		owner := dns.Fqdn(c.Name)
		v.raw[owner] = append(v.raw[owner], c)
		for n := owner; !v.names[n]; {
			v.names[n] = true
			_, n, _ = strings.Cut(n, ".")
			if n == "" {
				break
			}
		}
	}
	serial := uint32(0)
	if !last.IsZero() {
		serial = uint32(last.Unix())
	}
	v.soa = &dns.SOA{Hdr: dns.RR_Header{Name: v.apex, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: soaTTL},
		Ns: dns.Fqdn(s.assigned()[0]), Mbox: "dns.cloudflare.com.", Serial: serial,
		Refresh: 10000, Retry: 2400, Expire: 604800, Minttl: soaTTL}
	v.synth = append(v.synth, v.soa)
	for _, ns := range s.assigned() {
		v.synth = append(v.synth, &dns.NS{Hdr: dns.RR_Header{Name: v.apex, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: apexNSTTL}, Ns: dns.Fqdn(ns)})
	}
	if st := z.dnssec.statusOr(); st == "active" || st == "pending" {
		v.dnssecOn = true
		v.ksk, v.zsk = z.keys()
		v.kskKey, v.zskKey = z.dnssec.kskPriv, z.dnssec.zskPriv
		v.signed = v.kskKey != nil && v.zskKey != nil
		// Its own keys with the DNSKEY TTL (Options.DNSKEYTTL, 3600 as
		// Cloudflare's); the RRset takes the lowest of its records'.
		for _, k := range []*dns.DNSKEY{v.ksk, v.zsk} {
			c := dns.Copy(k)
			c.Header().Ttl = cmp.Or(s.opts.DNSKEYTTL, 3600)
			v.synth = append(v.synth, c)
		}
	}
	return v
}

// at returns the RRsets owned by name, converting its records the first
// time; every RRset has one TTL (RFC 2181 5.2), the lowest of its records.
func (v *zoneView) at(name string) map[uint16][]dns.RR {
	if sets, ok := v.sets[name]; ok {
		return sets
	}
	var sets map[uint16][]dns.RR
	add := func(rr dns.RR) {
		h := rr.Header()
		h.Name = strings.ToLower(h.Name)
		if sets == nil {
			sets = map[uint16][]dns.RR{}
		}
		for _, o := range sets[h.Rrtype] {
			if dns.IsDuplicate(o, rr) {
				return
			}
		}
		sets[h.Rrtype] = append(sets[h.Rrtype], rr)
	}
	recs := v.raw[name]
	sort.Slice(recs, func(i, j int) bool { return less(recs[i], recs[j]) })
	for _, r := range recs {
		for _, rr := range v.recordRRs(r) {
			add(rr)
		}
	}
	if name == v.apex {
		for _, rr := range v.synth {
			add(rr)
		}
	}
	for _, rrs := range sets {
		ttl := rrs[0].Header().Ttl
		for _, rr := range rrs {
			ttl = min(ttl, rr.Header().Ttl)
		}
		for _, rr := range rrs {
			rr.Header().Ttl = ttl
		}
	}
	v.sets[name] = sets
	return sets
}

func later(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// recordRRs converts one stored record to what the zone serves: nothing
// for the records Cloudflare does not serve (SOA, apex NS while
// multi_provider is off, DNSKEY while DNSSEC is off), edge addresses for
// proxied records. A record whose content does not parse is left out.
func (v *zoneView) recordRRs(r Record) []dns.RR {
	name := dns.Fqdn(r.Name)
	apex := name == v.apex
	switch {
	case r.Type == "SOA",
		r.Type == "NS" && apex && !v.multiProvider,
		r.Type == "DNSKEY" && !v.dnssecOn:
		return nil
	}
	if r.Proxied {
		return []dns.RR{
			&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: autoTTL}, A: net.ParseIP(edgeA)},
			&dns.AAAA{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: autoTTL}, AAAA: net.ParseIP(edgeAAAA)},
		}
	}
	ttl := r.TTL
	if ttl <= 1 {
		ttl = autoTTL
	}
	rdata := r.Content
	prio := ""
	if r.Priority != nil {
		prio = strconv.Itoa(*r.Priority) + " "
	}
	switch r.Type {
	case "CNAME", "NS", "PTR":
		rdata = dns.Fqdn(rdata)
	case "MX":
		rdata = prio + dns.Fqdn(rdata)
	case "SRV":
		f := strings.Fields(rdata)
		if len(f) == 3 && f[2] != "." {
			f[2] = dns.Fqdn(f[2])
		}
		rdata = prio + strings.Join(f, " ")
	case "URI":
		rdata = prio + rdata
	case "TXT", "SPF":
		if !strings.HasPrefix(rdata, `"`) {
			rdata = `"` + txtEscaper.Replace(rdata) + `"`
		}
	case "HTTPS", "SVCB":
		f := strings.SplitN(rdata, " ", 3)
		if len(f) >= 2 && f[1] != "." {
			f[1] = dns.Fqdn(f[1])
		}
		rdata = strings.Join(f, " ")
	}
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, ttl, r.Type, rdata))
	if err != nil || rr == nil {
		return nil
	}
	return []dns.RR{rr}
}

// txtEscaper makes unquoted TXT content one presentation-format string.
var txtEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// answer fills m for qname and qtype.
func (v *zoneView) answer(m *dns.Msg, qname string, qtype uint16, do bool) {
	sign := v.signed && do
	m.Authoritative = true
	if cut := v.cut(qname, qtype); cut != "" {
		m.Authoritative = false
		m.Ns = append(m.Ns, v.at(cut)[dns.TypeNS]...)
		if sign { // the NS RRset at a cut is not signed (RFC 4035 2.2)
			if ds := v.at(cut)[dns.TypeDS]; len(ds) > 0 {
				v.add(&m.Ns, ds, true)
			} else {
				v.add(&m.Ns, []dns.RR{v.nsec(cut, v.types(cut))}, true)
			}
		}
		for _, ns := range v.at(cut)[dns.TypeNS] {
			t := ns.(*dns.NS).Ns
			if dns.IsSubDomain(v.apex, t) {
				m.Extra = append(m.Extra, v.at(t)[dns.TypeA]...)
				m.Extra = append(m.Extra, v.at(t)[dns.TypeAAAA]...)
			}
		}
		return
	}
	if qtype == dns.TypeANY {
		if v.exists(qname) {
			m.Answer = append(m.Answer, &dns.HINFO{Hdr: dns.RR_Header{Name: qname, Rrtype: dns.TypeHINFO, Class: dns.ClassINET, Ttl: 3789}, Cpu: "RFC8482"})
			v.signLast(&m.Answer, sign)
			return
		}
	}
	cur := qname
	for range maxChain {
		sets, exists := v.lookup(cur)
		if rrs := sets[qtype]; len(rrs) > 0 {
			v.add(&m.Answer, rrs, sign)
			return
		}
		if c := sets[dns.TypeCNAME]; len(c) > 0 && qtype != dns.TypeCNAME {
			v.add(&m.Answer, c, sign)
			cur = strings.ToLower(c[0].(*dns.CNAME).Target)
			if !dns.IsSubDomain(v.apex, cur) || v.cut(cur, qtype) != "" {
				return
			}
			continue
		}
		v.add(&m.Ns, []dns.RR{v.negSOA()}, sign)
		switch {
		case exists && sign:
			v.add(&m.Ns, []dns.RR{v.nsec(cur, typesOf(sets))}, true)
		case !exists && sign:
			// Compact denial: NOERROR, and an NSEC that says the name
			// has nothing but the NSEC itself.
			v.add(&m.Ns, []dns.RR{v.nsec(cur, []uint16{dns.TypeNXNAME})}, true)
		case !exists:
			m.Rcode = dns.RcodeNameError
		}
		return
	}
}

// cut returns the delegation point at or above qname (below the apex),
// or "". A DS query at the cut itself is answered by this zone.
func (v *zoneView) cut(qname string, qtype uint16) string {
	labels := dns.SplitDomainName(qname)
	apexLabels := dns.CountLabel(v.apex)
	for i := len(labels) - apexLabels - 1; i >= 0; i-- {
		name := dns.Fqdn(strings.Join(labels[i:], "."))
		if len(v.at(name)[dns.TypeNS]) == 0 {
			continue
		}
		if name == qname && qtype == dns.TypeDS {
			return ""
		}
		return name
	}
	return ""
}

// exists reports whether name owns records or is an empty non-terminal.
func (v *zoneView) exists(name string) bool {
	return v.names[name]
}

// lookup returns the RRsets at name, synthesised from a wildcard at the
// closest encloser when name does not exist, and whether name exists
// (wildcard synthesis counts).
func (v *zoneView) lookup(name string) (map[uint16][]dns.RR, bool) {
	if v.exists(name) {
		return v.at(name), true
	}
	for enc := name; dns.IsSubDomain(v.apex, enc) && enc != v.apex; {
		_, rest, _ := strings.Cut(enc, ".")
		enc = rest
		if !v.exists(enc) && enc != v.apex {
			continue
		}
		w := v.at("*." + enc)
		if len(w) == 0 {
			return nil, false
		}
		out := make(map[uint16][]dns.RR, len(w))
		for t, rrs := range w {
			for _, rr := range rrs {
				c := dns.Copy(rr)
				c.Header().Name = name
				out[t] = append(out[t], c)
			}
		}
		return out, true
	}
	return nil, false
}

// types are the types at name, for a NODATA NSEC.
func (v *zoneView) types(name string) []uint16 { return typesOf(v.at(name)) }

func typesOf(sets map[uint16][]dns.RR) []uint16 {
	var out []uint16
	for t, rrs := range sets {
		if len(rrs) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// nsec is the compact NSEC at name: next name \000.name, the types given
// plus RRSIG and NSEC, TTL the SOA minimum (RFC 4034 4).
func (v *zoneView) nsec(name string, types []uint16) *dns.NSEC {
	bitmap := append(slices.Clone(types), dns.TypeRRSIG, dns.TypeNSEC)
	slices.Sort(bitmap)
	return &dns.NSEC{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: v.soa.Minttl},
		NextDomain: `\000.` + name, TypeBitMap: slices.Compact(bitmap)}
}

// negSOA is the SOA of a negative answer, its TTL the SOA minimum.
func (v *zoneView) negSOA() dns.RR {
	soa := dns.Copy(v.soa)
	soa.Header().Ttl = min(v.soa.Hdr.Ttl, v.soa.Minttl)
	return soa
}

// add appends rrs to section and, when sign, their RRSIG.
func (v *zoneView) add(section *[]dns.RR, rrs []dns.RR, sign bool) {
	*section = append(*section, rrs...)
	if sign {
		*section = append(*section, v.sigs(rrs)...)
	}
}

func (v *zoneView) signLast(section *[]dns.RR, sign bool) {
	if sign {
		*section = append(*section, v.sigs((*section)[len(*section)-1:])...)
	}
}

// sigs signs the RRset rrs: with the KSK for the apex DNSKEY RRset, the
// ZSK for everything else. It returns nil if signing fails.
func (v *zoneView) sigs(rrs []dns.RR) []dns.RR {
	if len(rrs) == 0 {
		return nil
	}
	k, priv := v.zsk, v.zskKey
	if rrs[0].Header().Rrtype == dns.TypeDNSKEY {
		k, priv = v.ksk, v.kskKey
	}
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: rrs[0].Header().Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: rrs[0].Header().Ttl},
		Algorithm: k.Algorithm, KeyTag: k.KeyTag(), SignerName: v.apex,
		Inception: uint32(v.now.Add(-sigInception).Unix()), Expiration: uint32(v.now.Add(sigValidity).Unix())}
	if err := sig.Sign(priv, rrs); err != nil {
		return nil
	}
	return []dns.RR{sig}
}
