package rfc2136

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/providers"
)

// fudge is the TSIG fudge zonecast signs with, in seconds: the most two
// clocks may differ (RFC 8945 §5.2.3 recommends 300).
const fudge = 300

// maxUnsigned is the most messages of a transfer that may go unsigned
// between two signed ones (RFC 8945 §5.3.1: a client MUST accept up to 99).
const maxUnsigned = 99

// TSIGProblem is what is wrong with the TSIG of a reply.
type TSIGProblem int

const (
	// Unsigned: the reply carries no TSIG for the key (RFC 8945 §5.3
	// requires one on every reply to a signed request).
	Unsigned TSIGProblem = iota + 1
	// OtherKey: the reply is signed with another key or algorithm.
	OtherKey
	// BadMAC: the reply's MAC does not verify with the key's secret.
	BadMAC
	// ClockSkew: the server's clock and this machine's differ by more
	// than the fudge, by the server's word (TSIG error BADTIME) or by the
	// time in its signed reply.
	ClockSkew
	// ServerBadKey: the server does not know the key (TSIG error BADKEY).
	ServerBadKey
	// ServerBadSig: the server found the request's MAC wrong (TSIG error
	// BADSIG): it holds another secret for the key.
	ServerBadSig
	// TooManyUnsigned: a transfer sent more than 99 messages in a row
	// without a TSIG, or ended on an unsigned one (RFC 8945 §5.3.1).
	TooManyUnsigned
)

// TSIGError is a reply to a signed request that fails the checks of RFC
// 8945: not signed, or not signed with the key, or with a MAC that does not
// verify, or signed at a time too far from this machine's (§5.3, §5.4); or
// that carries the server's TSIG error (§5.2). Such a reply proves nothing:
// an UPDATE answered so is never counted as applied. It is not retried.
type TSIGError struct {
	Op      string // "UPDATE example.com.", "AXFR example.com."
	Server  string
	Key     string // the key's name
	Problem TSIGProblem
	Rcode   int           // the reply's rcode
	Skew    time.Duration // ClockSkew: the server's clock less this machine's
	Detail  string        // OtherKey: the key and algorithm the reply names
	// Served is, for an unsigned NOTAUTH or REFUSED, the zone that the
	// server was seen serving (it answers the zone's SOA with authority):
	// then it is the key it turned down, not the zone.
	Served string
}

func (e *TSIGError) Error() string {
	var what string
	rcode := dns.RcodeToString[e.Rcode]
	switch e.Problem {
	case Unsigned:
		what = fmt.Sprintf("the reply (%s) is not signed with key %s (RFC 8945 §5.3); is something between zonecast and the server?", rcode, e.Key)
		switch {
		case e.Rcode != dns.RcodeSuccess && e.Served != "":
			what += fmt.Sprintf(" (the server serves %s, so it is the key it turns down: PowerDNS and Knot do so with an unsigned %s; check tsig.name, tsig.secret and that the server lets key %s transfer and update the zone)", e.Served, rcode, e.Key)
		case e.Rcode != dns.RcodeSuccess:
			what += fmt.Sprintf(" (PowerDNS and Knot also turn down a key, a secret or a zone they do not have with an unsigned %s: check tsig.name, tsig.secret and that the server serves the zone)", rcode)
		}
	case OtherKey:
		what = fmt.Sprintf("the reply (%s) is signed with %s, not with key %s (RFC 8945 §5.3); is something between zonecast and the server?", rcode, e.Detail, e.Key)
	case BadMAC:
		what = fmt.Sprintf("the reply's (%s) signature does not verify with key %s (RFC 8945 §5.3); is something between zonecast and the server?", rcode, e.Key)
	case ClockSkew:
		dir, n := "ahead of", e.Skew
		if n < 0 {
			dir, n = "behind", -n
		}
		what = fmt.Sprintf("clock skew: the server's clock is %d s %s this machine's (TSIG allows %d s); fix the clock (NTP)", int64(n/time.Second), dir, fudge)
	case ServerBadKey:
		what = fmt.Sprintf("the server does not know key %s (TSIG error BADKEY): check tsig.name and tsig.algorithm", e.Key)
	case ServerBadSig:
		what = fmt.Sprintf("the server says the signature is wrong (TSIG error BADSIG): check the secret (tsig.secret) of key %s", e.Key)
	case TooManyUnsigned:
		what = fmt.Sprintf("the transfer has more than %d messages in a row, or its last, not signed with key %s (RFC 8945 §5.3.1); is something between zonecast and the server?", maxUnsigned, e.Key)
	default:
		what = "bad TSIG"
	}
	return fmt.Sprintf("%s at %s: %s", e.Op, e.Server, what)
}

// key is the TSIG key zonecast signs with and checks replies against.
type key struct {
	name   string           // canonical
	alg    string           // canonical, e.g. "hmac-sha256."
	secret providers.Secret // base64
}

func (k key) hash() (hash.Hash, error) {
	raw, err := base64.StdEncoding.DecodeString(k.secret.Value())
	if err != nil {
		return nil, errors.New("tsig.secret: not base64")
	}
	switch k.alg {
	case dns.HmacSHA256:
		return hmac.New(sha256.New, raw), nil
	case dns.HmacSHA384:
		return hmac.New(sha512.New384, raw), nil
	case dns.HmacSHA512:
		return hmac.New(sha512.New, raw), nil
	}
	return nil, fmt.Errorf("tsig.algorithm %q: not supported", k.alg)
}

// sign packs m signed with the key, returning the message and its MAC.
func (k key) sign(m *dns.Msg) ([]byte, []byte, error) {
	m.Extra = nil // a TSIG left from trying another server
	m.SetTsig(k.name, k.alg, fudge, time.Now().Unix())
	out, mac, err := dns.TsigGenerate(m, k.secret.Value(), "", false)
	if err != nil {
		return nil, nil, err
	}
	raw, err := hex.DecodeString(mac)
	return out, raw, err
}

// replyChecker checks the TSIG of each message of the reply to one signed
// request (RFC 8945 §5.3, §5.3.1): the first must be signed with the key,
// its MAC computed over the request's MAC, the message and all TSIG
// variables; each later one over the MAC before it, the unsigned messages
// since, the message and the timers. Up to 99 messages in a row may be
// unsigned, not the last.
type replyChecker struct {
	k        key
	op       string
	server   string
	prior    []byte    // the request's MAC, then the last signed message's
	pending  hash.Hash // the MAC under way over unsigned messages, or nil
	unsigned int       // messages since the last signed one
	first    bool
	now      func() time.Time
}

func newReplyChecker(k key, op, server string, requestMAC []byte) *replyChecker {
	return &replyChecker{k: k, op: op, server: server, prior: requestMAC, first: true, now: time.Now}
}

func (c *replyChecker) fail(p TSIGProblem, m *dns.Msg) *TSIGError {
	return &TSIGError{Op: c.op, Server: c.server, Key: c.k.name, Problem: p, Rcode: m.Rcode}
}

// check checks message m, received as raw. It returns whether m was
// signed; an unsigned message is an error when it is the first, or the
// 100th in a row. done says that m is the transfer's last message, which
// must be signed.
func (c *replyChecker) check(raw []byte, m *dns.Msg, done bool) (signed bool, err error) {
	first := c.first
	c.first = false
	t := m.IsTsig()
	if t == nil {
		if first {
			return false, c.fail(Unsigned, m)
		}
		c.unsigned++
		if c.unsigned > maxUnsigned || done {
			return false, c.fail(TooManyUnsigned, m)
		}
		if err := c.begin(); err != nil {
			return false, err
		}
		c.pending.Write(raw)
		return false, nil
	}
	if first {
		// The server's own verdict on the request (RFC 8945 §5.2),
		// whether it signed it (BADTIME) or could not (BADKEY, BADSIG).
		switch t.Error {
		case dns.RcodeBadKey:
			return true, c.fail(ServerBadKey, m)
		case dns.RcodeBadSig:
			return true, c.fail(ServerBadSig, m)
		case dns.RcodeBadTime:
			e := c.fail(ClockSkew, m)
			e.Skew = serverTime(t).Sub(c.now().Truncate(time.Second)) // both to the second
			return true, e
		}
	}
	if name, alg := dns.CanonicalName(t.Hdr.Name), dns.CanonicalName(t.Algorithm); name != c.k.name || alg != c.k.alg {
		e := c.fail(OtherKey, m)
		e.Detail = fmt.Sprintf("key %s (%s)", name, strings.TrimSuffix(alg, "."))
		return true, e
	}
	mac, err := hex.DecodeString(t.MAC)
	if err != nil {
		return true, c.fail(BadMAC, m)
	}
	if err := c.begin(); err != nil {
		return true, err
	}
	h := c.pending
	c.pending, c.unsigned = nil, 0
	stripped, err := stripTSIG(raw, t.OrigId)
	if err != nil {
		return true, fmt.Errorf("%s at %s: a malformed reply: %w", c.op, c.server, err)
	}
	h.Write(stripped)
	if first {
		h.Write(tsigVariables(t))
	} else {
		h.Write(timers(t))
	}
	sum := h.Sum(nil)
	// A MAC may be truncated to half the hash's size, at least 10 octets
	// (RFC 8945 §5.2.2.1).
	if len(mac) > len(sum) || len(mac) < max(10, len(sum)/2) || !hmac.Equal(mac, sum[:len(mac)]) {
		return true, c.fail(BadMAC, m)
	}
	c.prior = mac
	// The time is checked after the MAC (RFC 8945 §5.4.3's order), so
	// that only a genuine reply can claim the server's time.
	if skew := time.Unix(int64(t.TimeSigned), 0).Sub(c.now().Truncate(time.Second)); skew > fudge*time.Second || skew < -fudge*time.Second {
		e := c.fail(ClockSkew, m)
		e.Skew = skew
		return true, e
	}
	return true, nil
}

// begin starts the MAC of the next signed message with the prior MAC,
// unless it is started.
func (c *replyChecker) begin() error {
	if c.pending != nil {
		return nil
	}
	h, err := c.k.hash()
	if err != nil {
		return err
	}
	var l [2]byte
	binary.BigEndian.PutUint16(l[:], uint16(len(c.prior)))
	h.Write(l[:])
	h.Write(c.prior)
	c.pending = h
	return nil
}

// serverTime is the server's clock in a BADTIME reply: its other data
// (RFC 8945 §5.2.3), or the time signed if there is none.
func serverTime(t *dns.TSIG) time.Time {
	if b, err := hex.DecodeString(t.OtherData); err == nil && len(b) == 6 {
		return time.Unix(int64(uint64(binary.BigEndian.Uint16(b))<<32|uint64(binary.BigEndian.Uint32(b[2:]))), 0)
	}
	return time.Unix(int64(t.TimeSigned), 0)
}

// tsigVariables are the TSIG fields a first reply's MAC covers (RFC 8945
// §4.3.3): name and algorithm in canonical wire form, class, TTL, time
// signed, fudge, error and other data.
func tsigVariables(t *dns.TSIG) []byte {
	b := make([]byte, 0, 2*256+26+len(t.OtherData)/2)
	b = appendName(b, t.Hdr.Name)
	b = binary.BigEndian.AppendUint16(b, dns.ClassANY)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = appendName(b, t.Algorithm)
	b = append(b, timers(t)...)
	b = binary.BigEndian.AppendUint16(b, t.Error)
	other, _ := hex.DecodeString(t.OtherData)
	b = binary.BigEndian.AppendUint16(b, uint16(len(other)))
	return append(b, other...)
}

// timers are time signed (48 bits) and fudge, all a later message's MAC
// covers of its TSIG (RFC 8945 §5.3.1).
func timers(t *dns.TSIG) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint16(b, uint16(t.TimeSigned>>32))
	binary.BigEndian.PutUint32(b[2:], uint32(t.TimeSigned))
	binary.BigEndian.PutUint16(b[6:], t.Fudge)
	return b
}

func appendName(b []byte, name string) []byte {
	buf := make([]byte, 256)
	n, _ := dns.PackDomainName(dns.CanonicalName(name), buf, 0, nil, false)
	return append(b, buf[:n]...)
}

// stripTSIG returns raw, a message whose last record is its TSIG, without
// that record: the ID set back to the original ID and the additional count
// one less (RFC 8945 §4.3.1).
func stripTSIG(raw []byte, origID uint16) ([]byte, error) {
	if len(raw) < 12 {
		return nil, errors.New("short message")
	}
	off := 12
	var err error
	for range binary.BigEndian.Uint16(raw[4:]) {
		if off, err = skipName(raw, off); err != nil {
			return nil, err
		}
		off += 4
	}
	records := int(binary.BigEndian.Uint16(raw[6:])) + int(binary.BigEndian.Uint16(raw[8:])) + int(binary.BigEndian.Uint16(raw[10:]))
	for range records - 1 {
		if off, err = skipName(raw, off); err != nil {
			return nil, err
		}
		if off+10 > len(raw) {
			return nil, errors.New("record runs past the message")
		}
		off += 10 + int(binary.BigEndian.Uint16(raw[off+8:]))
	}
	if off > len(raw) {
		return nil, errors.New("record runs past the message")
	}
	out := append([]byte(nil), raw[:off]...)
	binary.BigEndian.PutUint16(out[0:], origID)
	binary.BigEndian.PutUint16(out[10:], binary.BigEndian.Uint16(raw[10:])-1)
	return out, nil
}

// skipName returns the offset after the (possibly compressed) name at off.
func skipName(raw []byte, off int) (int, error) {
	for {
		if off >= len(raw) {
			return 0, errors.New("name runs past the message")
		}
		l := int(raw[off])
		switch {
		case l == 0:
			return off + 1, nil
		case l&0xC0 == 0xC0:
			return off + 2, nil
		case l&0xC0 != 0:
			return 0, errors.New("bad label")
		}
		off += 1 + l
	}
}
