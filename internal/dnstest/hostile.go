package dnstest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Behaviour is how a Hostile server answers one kind of request (AXFR or
// UPDATE).
type Behaviour int

const (
	// Normal answers correctly and signs every reply with the key (a
	// request signed with another key or a bad MAC gets NOTAUTH with TSIG
	// error BADKEY or BADSIG, as a real server's). An UPDATE is applied
	// to the in-memory records.
	Normal Behaviour = iota
	// Hang accepts the connection, reads the request and never answers.
	Hang
	// Garbage answers with a message of the request's ID whose counts
	// promise records that are not there: random bytes.
	Garbage
	// BadTime answers NOTAUTH with TSIG error BADTIME, signed, carrying
	// the server's time (now + Skew) in other data (RFC 8945 §5.2.3).
	BadTime
	// Endless (AXFR) sends signed messages forever, as fast as the client
	// reads them: a first one with the SOA, then ~50 KB of TXT records
	// each, never the closing SOA. For UPDATE it is Normal.
	Endless
	// Slow (AXFR) sends one signed message per Interval forever, never
	// the closing SOA. For UPDATE it answers as Normal after Interval.
	Slow
	// Unsigned replies without a TSIG: NOERROR for an UPDATE (which is
	// not applied), the zone's messages for an AXFR.
	Unsigned
	// UnsignedRefused replies REFUSED without a TSIG.
	UnsignedRefused
	// BadSignature replies as Normal would (an UPDATE is not applied),
	// signed with the key's name but a different secret.
	BadSignature
)

var behaviourNames = []string{"normal", "hang", "garbage", "badtime", "endless", "slow", "unsigned", "unsigned-refused", "bad-signature"}

// String returns the behaviour's name as ParseBehaviour takes it.
func (b Behaviour) String() string {
	if b >= 0 && int(b) < len(behaviourNames) {
		return behaviourNames[b]
	}
	return fmt.Sprintf("Behaviour(%d)", int(b))
}

// ParseBehaviour returns the behaviour named s ("normal", "hang",
// "garbage", "badtime", "endless", "slow", "unsigned", "unsigned-refused",
// "bad-signature"; case does not matter), for testscript commands.
func ParseBehaviour(s string) (Behaviour, error) {
	for i, n := range behaviourNames {
		if strings.EqualFold(s, n) {
			return Behaviour(i), nil
		}
	}
	return 0, fmt.Errorf("behaviour %q: want one of %s", s, strings.Join(behaviourNames, ", "))
}

// HostileConfig is what a Hostile server serves and how it misbehaves.
type HostileConfig struct {
	// Origin is the zone served, e.g. "example.com.".
	Origin string
	// KeyName and Secret are the TSIG key (hmac-sha256, Secret in
	// base64) clients sign with; the secret's bytes are never logged.
	KeyName, Secret string
	// Records is the zone for a Normal AXFR, SOA first. Empty: an SOA
	// and one NS record.
	Records []dns.RR
	// AXFR and Update say how each kind of request is answered.
	AXFR   Behaviour
	Update Behaviour
	// Interval is the gap between messages for Slow; default 1s.
	Interval time.Duration
	// Skew is the server clock's offset from this machine's for BadTime.
	Skew time.Duration
	// SignEvery, if more than 1, signs only every SignEvery-th message of
	// an AXFR, and its last, leaving SignEvery-1 unsigned in between, as
	// RFC 8945 §5.3.1 allows for up to 99 (NSD does this). 0 or 1: every
	// message is signed.
	SignEvery int
	// PerMessage is the number of records in each AXFR message of a
	// Normal, Unsigned or BadSignature transfer; default 100.
	PerMessage int
}

// Hostile is a DNS server on 127.0.0.1 (TCP and UDP, one port) that serves
// one zone and answers AXFR and UPDATE as its HostileConfig says: a server
// or a man in the middle that misbehaves. It needs no *testing.T, so
// testscript commands can start one too. Its methods are safe for
// concurrent use.
type Hostile struct {
	cfg        HostileConfig
	wrongKey   string // a secret that is not cfg.Secret, for BadSignature
	tcp, udp   *dns.Server
	ln         *trackingListener
	done       chan struct{}
	closeOnce  sync.Once
	closeErr   error
	served     sync.WaitGroup
	mu         sync.Mutex
	records    []dns.RR
	axfrs, ups int
}

// StartHostile starts a Hostile server on a free port of 127.0.0.1 and
// returns once it is listening; Close stops it.
func StartHostile(cfg HostileConfig) (*Hostile, error) {
	if _, ok := dns.IsDomainName(cfg.Origin); !ok || cfg.Origin == "" {
		return nil, fmt.Errorf("start hostile server: origin %q is not a domain name", cfg.Origin)
	}
	if _, ok := dns.IsDomainName(cfg.KeyName); !ok || cfg.KeyName == "" {
		return nil, fmt.Errorf("start hostile server: key name %q is not a domain name", cfg.KeyName)
	}
	cfg.Origin = dns.CanonicalName(cfg.Origin)
	cfg.KeyName = dns.CanonicalName(cfg.KeyName)
	if _, err := base64.StdEncoding.DecodeString(cfg.Secret); err != nil || cfg.Secret == "" {
		return nil, fmt.Errorf("start hostile server: the TSIG secret is not base64 (%v)", err)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.PerMessage <= 0 {
		cfg.PerMessage = 100
	}
	records := make([]dns.RR, 0, len(cfg.Records))
	for _, rr := range cfg.Records {
		records = append(records, dns.Copy(rr))
	}
	if len(records) == 0 {
		records = defaultZone(cfg.Origin)
	}
	if _, ok := records[0].(*dns.SOA); !ok {
		return nil, errors.New("start hostile server: the records must start with the SOA")
	}
	wrong := make([]byte, 32)
	if _, err := rand.Read(wrong); err != nil {
		return nil, fmt.Errorf("start hostile server: %w", err)
	}
	h := &Hostile{cfg: cfg, wrongKey: base64.StdEncoding.EncodeToString(wrong), records: records, done: make(chan struct{})}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start hostile server: %w", err)
	}
	pc, err := net.ListenPacket("udp", l.Addr().String())
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("start hostile server: UDP: %w", err)
	}
	h.ln = &trackingListener{Listener: l, conns: map[net.Conn]struct{}{}}
	secrets := map[string]string{cfg.KeyName: cfg.Secret}
	h.tcp = &dns.Server{Listener: h.ln, Handler: h, TsigSecret: secrets, MsgAcceptFunc: acceptRequests}
	h.udp = &dns.Server{PacketConn: pc, Handler: h, TsigSecret: secrets, MsgAcceptFunc: acceptRequests}
	for _, s := range []*dns.Server{h.tcp, h.udp} {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		h.served.Add(1)
		go func() {
			defer h.served.Done()
			_ = s.ActivateAndServe() // ends with Shutdown
		}()
		<-started
	}
	return h, nil
}

// defaultZone is an SOA and one NS record for origin.
func defaultZone(origin string) []dns.RR {
	soa, _ := dns.NewRR(origin + " 3600 IN SOA ns1." + origin + " hostmaster." + origin + " 1 3600 600 86400 300")
	ns, _ := dns.NewRR(origin + " 3600 IN NS ns1." + origin)
	return []dns.RR{soa, ns}
}

// acceptRequests accepts every request (dns.DefaultMsgAcceptFunc refuses
// UPDATE) and ignores responses.
func acceptRequests(dh dns.Header) dns.MsgAcceptAction {
	if dh.Bits&(1<<15) != 0 {
		return dns.MsgIgnore
	}
	return dns.MsgAccept
}

// Addr is the server's address, "127.0.0.1:PORT" (TCP and UDP).
func (h *Hostile) Addr() string { return h.ln.Addr().String() }

// Close stops the server: it closes every connection, releases every
// request held by Hang or Slow, and waits for them to end. It may be
// called any number of times.
func (h *Hostile) Close() error {
	h.closeOnce.Do(func() {
		close(h.done)
		h.ln.closeAll()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.closeErr = errors.Join(h.tcp.ShutdownContext(ctx), h.udp.ShutdownContext(ctx))
		h.served.Wait()
	})
	return h.closeErr
}

// Records returns a copy of the zone as it is now: the configured records
// with every Normal UPDATE applied, SOA first.
func (h *Hostile) Records() []dns.RR {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]dns.RR, len(h.records))
	for i, rr := range h.records {
		out[i] = dns.Copy(rr)
	}
	return out
}

// Counts returns the number of AXFR and UPDATE requests received.
func (h *Hostile) Counts() (axfr, update int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.axfrs, h.ups
}

// ServeDNS implements dns.Handler.
func (h *Hostile) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	switch {
	case r.Opcode == dns.OpcodeUpdate:
		h.mu.Lock()
		h.ups++
		h.mu.Unlock()
		h.answerUpdate(w, r)
	case len(r.Question) == 1 && r.Question[0].Qtype == dns.TypeAXFR:
		h.mu.Lock()
		h.axfrs++
		h.mu.Unlock()
		h.answerAXFR(w, r)
	default:
		h.answerQuery(w, r)
	}
}

// answerQuery answers any other query from the zone, as a well-behaved
// authoritative server would.
func (h *Hostile) answerQuery(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	if len(r.Question) != 1 || !dns.IsSubDomain(h.cfg.Origin, dns.CanonicalName(r.Question[0].Name)) {
		m.Rcode = dns.RcodeRefused
		h.reply(w, r, m)
		return
	}
	m.Authoritative = true
	q := r.Question[0]
	h.mu.Lock()
	for _, rr := range h.records {
		if strings.EqualFold(rr.Header().Name, q.Name) && (q.Qtype == dns.TypeANY || rr.Header().Rrtype == q.Qtype) {
			m.Answer = append(m.Answer, dns.Copy(rr))
		}
	}
	h.mu.Unlock()
	h.reply(w, r, m)
}

// reply writes m, signed if the request was signed with the key and
// verified; a request that failed verification gets NOTAUTH with the TSIG
// error a real server gives (RFC 8945 §5.2).
func (h *Hostile) reply(w dns.ResponseWriter, r, m *dns.Msg) {
	if t := r.IsTsig(); t != nil {
		if err := w.TsigStatus(); err != nil {
			h.authError(w, r, err)
			return
		}
		m.SetTsig(h.cfg.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
	}
	_ = w.WriteMsg(m)
}

// authError answers a request whose TSIG did not verify (RFC 8945 §5.2):
// NOTAUTH with BADKEY or BADSIG unsigned, BADTIME signed.
func (h *Hostile) authError(w dns.ResponseWriter, r *dns.Msg, err error) {
	t := r.IsTsig()
	m := new(dns.Msg)
	m.SetRcode(r, dns.RcodeNotAuth)
	code := uint16(dns.RcodeBadSig)
	switch {
	case errors.Is(err, dns.ErrSecret):
		code = dns.RcodeBadKey
	case errors.Is(err, dns.ErrTime):
		h.badTime(w, r, 0)
		return
	}
	m.Extra = append(m.Extra, &dns.TSIG{
		Hdr:       dns.RR_Header{Name: t.Hdr.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: t.Algorithm, TimeSigned: t.TimeSigned, Fudge: t.Fudge, OrigId: r.Id, Error: code,
	})
	_ = w.WriteMsg(m) // the server leaves the MAC out for BADKEY and BADSIG
}

// badTime answers NOTAUTH with TSIG error BADTIME, signed, with the
// server's time (now + skew) in other data; time signed is the request's
// (RFC 8945 §5.2.3, §5.3.2).
func (h *Hostile) badTime(w dns.ResponseWriter, r *dns.Msg, skew time.Duration) {
	t := r.IsTsig()
	m := new(dns.Msg)
	m.SetRcode(r, dns.RcodeNotAuth)
	var other [6]byte
	now := uint64(time.Now().Add(skew).Unix())
	binary.BigEndian.PutUint16(other[0:], uint16(now>>32))
	binary.BigEndian.PutUint32(other[2:], uint32(now))
	var signed uint64
	if t != nil {
		signed = t.TimeSigned
	}
	m.Extra = append(m.Extra, &dns.TSIG{
		Hdr:       dns.RR_Header{Name: h.cfg.KeyName, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: dns.HmacSHA256, TimeSigned: signed, Fudge: 300, OrigId: r.Id, Error: dns.RcodeBadTime,
		OtherLen: 6, OtherData: hex.EncodeToString(other[:]),
	})
	_ = w.WriteMsg(m) // signed with the request's MAC when the request was signed
}

// garbage writes a reply of r's ID that promises 255 answers and carries
// random bytes.
func garbage(w dns.ResponseWriter, r *dns.Msg) {
	b := make([]byte, 12+100)
	binary.BigEndian.PutUint16(b[0:], r.Id)
	binary.BigEndian.PutUint16(b[2:], 0x8400) // QR, AA
	binary.BigEndian.PutUint16(b[6:], 255)    // ANCOUNT
	_, _ = rand.Read(b[12:])
	_, _ = w.Write(b)
}

// misbehave answers as Hang, Garbage and BadTime do, whatever the request,
// and reports whether b was one of them.
func (h *Hostile) misbehave(w dns.ResponseWriter, r *dns.Msg, b Behaviour) bool {
	switch b {
	case Hang:
		<-h.done
	case Garbage:
		garbage(w, r)
	case BadTime:
		h.badTime(w, r, h.cfg.Skew)
	default:
		return false
	}
	return true
}

func (h *Hostile) answerUpdate(w dns.ResponseWriter, r *dns.Msg) {
	b := h.cfg.Update
	if h.misbehave(w, r, b) {
		return
	}
	switch b {
	case Slow:
		select {
		case <-time.After(h.cfg.Interval):
		case <-h.done:
			return
		}
	}
	m := new(dns.Msg)
	m.SetReply(r)
	switch b {
	case UnsignedRefused:
		m.Rcode = dns.RcodeRefused
		_ = w.WriteMsg(m)
		return
	case Unsigned:
		_ = w.WriteMsg(m)
		return
	case BadSignature:
		m.SetTsig(h.cfg.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
		m.Extra[len(m.Extra)-1].(*dns.TSIG).OrigId = m.Id
		if out, _, err := dns.TsigGenerate(m, h.wrongKey, r.IsTsig().MAC, false); err == nil {
			_, _ = w.Write(out)
		}
		return
	}
	if r.IsTsig() == nil || w.TsigStatus() != nil {
		if r.IsTsig() == nil {
			m.Rcode = dns.RcodeRefused
		}
		h.reply(w, r, m)
		return
	}
	if len(r.Question) != 1 || dns.CanonicalName(r.Question[0].Name) != h.cfg.Origin {
		m.Rcode = dns.RcodeNotAuth
		h.reply(w, r, m)
		return
	}
	h.mu.Lock()
	h.records = applyUpdate(h.records, r.Ns)
	h.mu.Unlock()
	h.reply(w, r, m)
}

// applyUpdate applies the update section of an RFC 2136 message to
// records (SOA first) and bumps the serial: class ANY deletes an RRset
// (or every set of a name, with type ANY), class NONE one record, anything
// else adds one. Prerequisites are not checked. The SOA is never deleted.
func applyUpdate(records []dns.RR, update []dns.RR) []dns.RR {
	same := func(a, b dns.RR) bool {
		return strings.EqualFold(a.Header().Name, b.Header().Name) && a.Header().Rrtype == b.Header().Rrtype
	}
	keep := func(pred func(dns.RR) bool) {
		out := records[:1]
		for _, rr := range records[1:] {
			if !pred(rr) {
				out = append(out, rr)
			}
		}
		records = out
	}
	for _, u := range update {
		hdr := u.Header()
		switch hdr.Class {
		case dns.ClassANY:
			keep(func(rr dns.RR) bool {
				return strings.EqualFold(rr.Header().Name, hdr.Name) && (hdr.Rrtype == dns.TypeANY || rr.Header().Rrtype == hdr.Rrtype)
			})
		case dns.ClassNONE:
			keep(func(rr dns.RR) bool { return same(rr, u) && dns.IsDuplicate(rr, withClass(u, dns.ClassINET)) })
		default:
			if hdr.Rrtype == dns.TypeSOA {
				continue
			}
			keep(func(rr dns.RR) bool { return same(rr, u) && dns.IsDuplicate(rr, u) })
			records = append(records, dns.Copy(u))
		}
	}
	soa := dns.Copy(records[0]).(*dns.SOA)
	soa.Serial++
	records[0] = soa
	return records
}

func withClass(rr dns.RR, class uint16) dns.RR {
	c := dns.Copy(rr)
	c.Header().Class = class
	return c
}

func (h *Hostile) answerAXFR(w dns.ResponseWriter, r *dns.Msg) {
	b := h.cfg.AXFR
	if h.misbehave(w, r, b) {
		return
	}
	switch b {
	case UnsignedRefused:
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeRefused)
		_ = w.WriteMsg(m)
		return
	}
	t := r.IsTsig()
	if t == nil || w.TsigStatus() != nil || dns.CanonicalName(r.Question[0].Name) != h.cfg.Origin {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeRefused)
		if t != nil && w.TsigStatus() == nil {
			m.Rcode = dns.RcodeNotAuth
		}
		h.reply(w, r, m)
		return
	}
	x := &xfrWriter{w: w, q: r, key: h.cfg.KeyName, secret: h.cfg.Secret, mac: t.MAC, every: max(h.cfg.SignEvery, 1)}
	switch b {
	case Unsigned:
		x.unsigned = true
	case BadSignature:
		x.secret = h.wrongKey
	}
	soa := h.Records()[0]
	switch b {
	case Endless:
		var txt []dns.RR
		for i := range 200 {
			rr, _ := dns.NewRR(fmt.Sprintf("e%d.%s 300 IN TXT %q", i, h.cfg.Origin, strings.Repeat("x", 200)))
			txt = append(txt, rr)
		}
		if x.send([]dns.RR{soa}, false) != nil {
			return
		}
		for {
			select {
			case <-h.done:
				return
			default:
			}
			if x.send(txt, false) != nil {
				return
			}
		}
	case Slow:
		for i := 0; ; i++ {
			rrs := []dns.RR{soa}
			if i > 0 {
				rr, _ := dns.NewRR(fmt.Sprintf("s%d.%s 300 IN A 192.0.2.1", i, h.cfg.Origin))
				rrs = []dns.RR{rr}
			}
			if x.send(rrs, false) != nil {
				return
			}
			select {
			case <-h.done:
				return
			case <-time.After(h.cfg.Interval):
			}
		}
	}
	rrs := append(h.Records(), soa)
	for len(rrs) > 0 {
		n := min(h.cfg.PerMessage, len(rrs))
		if x.send(rrs[:n], n == len(rrs)) != nil {
			return
		}
		rrs = rrs[n:]
	}
}

// xfrWriter writes the messages of one AXFR reply, signing them as RFC
// 8945 §5.3.1 says: the first with the request's MAC and all TSIG
// variables, each later one with the MAC before it and the timers only;
// with every > 1 only every every-th message and the last are signed,
// and a signed one's MAC then covers the unsigned messages before it.
type xfrWriter struct {
	w        dns.ResponseWriter
	q        *dns.Msg
	key      string
	secret   string
	unsigned bool
	every    int
	mac      string   // the MAC of the last signed message (or the request's)
	n        int      // messages sent
	pending  [][]byte // unsigned messages since the last signed one
}

func (x *xfrWriter) send(rrs []dns.RR, last bool) error {
	m := new(dns.Msg)
	m.SetReply(x.q)
	m.Authoritative = true
	m.Answer = rrs
	first := x.n == 0
	x.n++
	sign := !x.unsigned && (first || last || (x.n-1)%x.every == 0)
	var out []byte
	var err error
	switch {
	case !sign:
		if out, err = m.Pack(); err != nil {
			return err
		}
		if x.every > 1 {
			x.pending = append(x.pending, out)
		}
	case len(x.pending) == 0:
		// miekg/dns does the common case: nothing unsigned in between.
		m.SetTsig(x.key, dns.HmacSHA256, 300, time.Now().Unix())
		if out, x.mac, err = dns.TsigGenerate(m, x.secret, x.mac, !first); err != nil {
			return err
		}
	default:
		if out, err = x.signAfterUnsigned(m); err != nil {
			return err
		}
	}
	_, err = x.w.Write(out)
	return err
}

// signAfterUnsigned signs m, a message after unsigned ones, computing the
// MAC over the prior MAC, the unsigned messages, m and the timers (RFC 8945
// §5.3.1), which miekg/dns cannot.
func (x *xfrWriter) signAfterUnsigned(m *dns.Msg) ([]byte, error) {
	body, err := m.Pack()
	if err != nil {
		return nil, err
	}
	prior, err := hex.DecodeString(x.mac)
	if err != nil {
		return nil, err
	}
	secret, err := base64.StdEncoding.DecodeString(x.secret)
	if err != nil {
		return nil, err
	}
	now := uint64(time.Now().Unix())
	mac := hmac.New(sha256.New, secret)
	_ = binary.Write(mac, binary.BigEndian, uint16(len(prior)))
	mac.Write(prior)
	for _, p := range x.pending {
		mac.Write(p)
	}
	mac.Write(body)
	var timers [8]byte
	binary.BigEndian.PutUint16(timers[0:], uint16(now>>32))
	binary.BigEndian.PutUint32(timers[2:], uint32(now))
	binary.BigEndian.PutUint16(timers[6:], 300)
	mac.Write(timers[:])
	sum := mac.Sum(nil)
	x.pending = nil
	x.mac = hex.EncodeToString(sum)
	m.Extra = append(m.Extra, &dns.TSIG{
		Hdr:       dns.RR_Header{Name: x.key, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: dns.HmacSHA256, TimeSigned: now, Fudge: 300,
		MACSize: uint16(len(sum)), MAC: x.mac, OrigId: m.Id,
	})
	return m.Pack()
}

// trackingListener remembers the connections it accepted, so Close can
// close them: dns.Server's shutdown only unblocks reads, not a handler
// blocked writing to a client that stopped reading.
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *trackingListener) closeAll() {
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = map[net.Conn]struct{}{}
	l.mu.Unlock()
	for c := range conns {
		c.(*trackedConn).Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	l *trackingListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}
