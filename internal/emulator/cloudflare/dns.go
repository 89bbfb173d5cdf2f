package cloudflare

import (
	"cmp"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// The DNS front: the emulator answers DNS queries for its zones as
// Cloudflare's authoritative servers would, so that a real resolver can be
// sent to it (the multi-signer drill). What it models, and the guesses:
//
//   - every zone (status active or pending) is answered from its records as
//     the API holds them, with an SOA Cloudflare's way (MNAME the first
//     assigned nameserver, RNAME dns.cloudflare.com., refresh 10000, retry
//     2400, expire 604800, minimum 1800 unless the zone's records' TTLs are
//     lower: the emulator takes the smallest TTL of the zone's records for
//     the SOA's TTL and minimum, so a lab with TTLs of seconds stays one)
//     and the apex NS set ServedApexNS gives; automatic TTLs (1) are 300;
//     proxied records are answered with their content (no proxy here);
//   - types with structured data are answered from their content: A, AAAA,
//     CNAME, NS, TXT, MX (with its priority), SRV (with its priority), CAA,
//     DS, DNSKEY, TLSA, SSHFP, HTTPS, SVCB; a record that does not read
//     back as its type is left out;
//   - the DNSKEY RRset is answered with Options.DNSKEYTTL (3600, as
//     Cloudflare does, when 0);
//   - with the zone's DNSSEC active or pending, answers to queries with the
//     DO bit are signed online: the DNSKEY RRset (its KSK, its ZSK and the
//     zone's DNSKEY records, the other signers' keys) by the KSK, every
//     other RRset by the ZSK, with inception an hour back and expiration
//     three days ahead. Denial is Cloudflare's compact answer ("black
//     lies", RFC 9824): a name that does not exist is answered NOERROR
//     with an NSEC at the name itself whose next name is \000.<name> and
//     whose types are RRSIG and NSEC (Cloudflare adds NXNAME; miekg/dns does
//     not know it, and resolvers need it only to tell NXDOMAIN apart); an
//     existing name without the type asked for gets an NSEC at it listing
//     its types;
//   - CNAMEs are answered as records, not chased; delegations below the
//     apex and wildcards are not modelled.

// ServeDNS answers DNS on addr (host:port) over UDP and TCP until stop is
// called.
func (s *Server) ServeDNS(addr string) (stop func(), err error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		pc.Close()
		return nil, err
	}
	h := dns.HandlerFunc(s.serveDNS)
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	return func() {
		udp.Shutdown()
		tcp.Shutdown()
	}, nil
}

func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := s.answerDNS(req, s.opts.Now())
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if o := req.IsEdns0(); o != nil {
			size = int(max(o.UDPSize(), dns.MinMsgSize))
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// answerDNS is the reply to req at time now.
func (s *Server) answerDNS(req *dns.Msg, now time.Time) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Compress = true
	do := false
	if o := req.IsEdns0(); o != nil {
		do = o.Do()
		m.SetEdns0(1232, do)
	}
	if len(req.Question) != 1 || req.Opcode != dns.OpcodeQuery {
		m.Rcode = dns.RcodeNotImplemented
		return m
	}
	q := req.Question[0]
	qname := strings.ToLower(dns.Fqdn(q.Name))
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneFor(qname)
	if z == nil {
		m.Rcode = dns.RcodeRefused
		return m
	}
	m.Authoritative = true
	sets, soa := s.zoneSets(z)
	signed := do && z.dnssec.statusOr() != "disabled"
	sign := func(rrs []dns.RR) []dns.RR {
		if !signed || len(rrs) == 0 {
			return rrs
		}
		ksk, zsk := z.keys()
		key, priv := zsk, z.dnssec.zskPriv
		if rrs[0].Header().Rrtype == dns.TypeDNSKEY {
			key, priv = ksk, z.dnssec.kskPriv
		}
		sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: rrs[0].Header().Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: rrs[0].Header().Ttl},
			KeyTag: key.KeyTag(), SignerName: key.Hdr.Name, Algorithm: key.Algorithm,
			Inception: uint32(now.Add(-time.Hour).Unix()), Expiration: uint32(now.Add(72 * time.Hour).Unix())}
		if err := sig.Sign(priv, rrs); err != nil {
			return rrs
		}
		return append(rrs, sig)
	}
	byType := sets[qname]
	if rrs := byType[q.Qtype]; len(rrs) > 0 {
		m.Answer = sign(rrs)
		return m
	}
	// No such data: the SOA, and with DNSSEC an NSEC at the name (a
	// compact answer: NOERROR also for a name that does not exist).
	m.Ns = sign([]dns.RR{soa})
	if byType == nil && !signed {
		m.Rcode = dns.RcodeNameError
		return m
	}
	if signed {
		types := []uint16{dns.TypeRRSIG, dns.TypeNSEC}
		for t := range byType {
			types = append(types, t)
		}
		slices.Sort(types)
		next := "\\000." + qname
		nsec := &dns.NSEC{Hdr: dns.RR_Header{Name: qname, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: soa.(*dns.SOA).Minttl},
			NextDomain: next, TypeBitMap: slices.Compact(types)}
		m.Ns = append(m.Ns, sign([]dns.RR{nsec})...)
	}
	return m
}

// zoneFor is the zone whose apex qname is at or below, the longest match
// (the active zone of that name first). The caller holds s.mu.
func (s *Server) zoneFor(qname string) *zone {
	for off, end := 0, false; !end; off, end = dns.NextLabel(qname, off) {
		if z := s.zoneByRef(strings.TrimSuffix(qname[off:], ".")); z != nil {
			return z
		}
	}
	return nil
}

// zoneSets are z's RRsets as served, by owner and type, and its SOA. The
// caller holds s.mu.
func (s *Server) zoneSets(z *zone) (map[string]map[uint16][]dns.RR, dns.RR) {
	apex := dns.Fqdn(z.name)
	sets := map[string]map[uint16][]dns.RR{}
	add := func(rr dns.RR) {
		h := rr.Header()
		h.Name = strings.ToLower(h.Name)
		if sets[h.Name] == nil {
			sets[h.Name] = map[uint16][]dns.RR{}
		}
		for _, o := range sets[h.Name][h.Rrtype] {
			if dns.IsDuplicate(o, rr) {
				return
			}
		}
		sets[h.Name][h.Rrtype] = append(sets[h.Name][h.Rrtype], rr)
	}
	minTTL := uint32(1800)
	for _, r := range z.records {
		if r.Type == "NS" && r.Name == z.name {
			continue // the apex NS set is ServedApexNS's
		}
		ttl := uint32(r.TTL)
		if ttl <= 1 {
			ttl = 300
		}
		minTTL = min(minTTL, ttl)
		content := r.Content
		if r.Priority != nil && (r.Type == "MX" || r.Type == "SRV") {
			content = fmt.Sprintf("%d %s", *r.Priority, content)
		}
		if r.Type == "CNAME" || r.Type == "NS" || r.Type == "MX" || r.Type == "SRV" {
			content = dnsFqdnLast(content)
		}
		rr, err := dns.NewRR(fmt.Sprintf("%s. %d IN %s %s", r.Name, ttl, r.Type, content))
		if err != nil || rr == nil {
			continue
		}
		add(rr)
	}
	ns := s.assigned()
	for _, n := range ns {
		add(&dns.NS{Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: minTTL}, Ns: dns.Fqdn(n)})
	}
	if z.multiProvider {
		for _, r := range z.records {
			if r.Type == "NS" && r.Name == z.name {
				add(&dns.NS{Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: minTTL}, Ns: dns.Fqdn(r.Content)})
			}
		}
	}
	if z.dnssec.statusOr() != "disabled" {
		ksk, zsk := z.keys()
		ttl := cmp.Or(s.opts.DNSKEYTTL, 3600)
		for _, k := range []*dns.DNSKEY{ksk, zsk} {
			c := *k
			c.Hdr.Ttl = ttl
			add(&c)
		}
		// The other signers' keys take the RRset's TTL.
		for _, rr := range sets[apex][dns.TypeDNSKEY] {
			rr.Header().Ttl = ttl
		}
	}
	soa := &dns.SOA{Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: minTTL},
		Ns: dns.Fqdn(ns[0]), Mbox: "dns.cloudflare.com.", Serial: 2371234567, Refresh: 10000, Retry: 2400, Expire: 604800, Minttl: minTTL}
	add(soa)
	return sets, soa
}

// dnsFqdnLast makes the last field of content (a target name) absolute.
func dnsFqdnLast(content string) string {
	f := strings.Fields(content)
	if len(f) == 0 {
		return content
	}
	f[len(f)-1] = dns.Fqdn(f[len(f)-1])
	return strings.Join(f, " ")
}
