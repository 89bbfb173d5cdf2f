// Package rfc2136 is a provider for authoritative servers that take RFC 2136
// dynamic updates and serve AXFR, signed with TSIG: BIND, Knot, PowerDNS,
// NSD behind a primary.
//
// It reads a zone with one AXFR and writes with UPDATE messages built from
// whole RRsets, name-compressed and filled up to the 64 KiB limit of a
// message over TCP (less room for the TSIG record), never splitting one
// RRset's change. Servers are tried in the order given until
// one answers. The SOA is never written (the server bumps its serial); the
// apex NS set is managed.
//
// Every reply must carry a TSIG for the key that verifies (RFC 8945 §5.3;
// in a transfer, up to 99 unsigned messages between signed ones, as
// §5.3.1 allows): an unsigned or badly signed reply is an error, never a
// success, and so are the server's TSIG errors, named (BADTIME with the
// clock skew, BADKEY, BADSIG). A transfer is bounded in time and size
// (transfer_timeout, max_transfer_bytes), and a cancelled context closes
// the connection at once.
//
// It speaks the protocol through miekg/dns directly rather than through
// libdns/rfc2136 v1.0.1, whose wire handling loses data zonecast must keep
// (see the comments on Records and Apply).
package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Config is the provider's block in zonecast.yaml.
type Config struct {
	// Server is one address (host:port); Servers a list tried in order
	// until one answers. One of the two is required.
	Server  string   `yaml:"server"`
	Servers []string `yaml:"servers"`
	TSIG    TSIG     `yaml:"tsig"`
	// Timeout for connecting, for sending a message, and for each message
	// of a zone transfer to arrive; default 10s. The answer to an UPDATE
	// is waited for longer: MaxWait.
	Timeout time.Duration `yaml:"timeout"`
	// TransferTimeout bounds one whole AXFR, however steadily its
	// messages come; default 5m. A transfer cut off by it is not
	// retried.
	TransferTimeout time.Duration `yaml:"transfer_timeout"`
	// MaxTransferBytes bounds one AXFR's size on the wire (its messages
	// with their length octets, counted as they arrive); default 256 MiB.
	// A transfer cut off by it is not retried.
	MaxTransferBytes int64 `yaml:"max_transfer_bytes"`
	// MaxAttempts and MaxWait bound the retries of transient failures
	// (timeouts, refused or reset connections, SERVFAIL): default 4
	// attempts within 1 minute. MaxWait is also how long the answer to an
	// UPDATE is waited for, on its connection (never less than Timeout):
	// an UPDATE that reached a server is never sent again while it may
	// still be at work on it (see Provider.send).
	MaxAttempts int           `yaml:"max_attempts"`
	MaxWait     time.Duration `yaml:"max_wait"`
	// Nameservers are the provider's NS host names (for verify and
	// failover, in later issues).
	Nameservers []string `yaml:"nameservers"`
	// DNSSEC says whether the server signs the zone: server-signs (BIND
	// dnssec-policy, Knot dnssec-signing; it takes the other signers'
	// DNSKEYs by UPDATE), zonecast-signs (a plain secondary that serves
	// what it is given) or none (the default: no part in DNSSEC). The
	// driver cannot see the server's signing configuration, so it is said
	// here (providers.ServerDNSSEC).
	DNSSEC providers.ServerDNSSEC `yaml:"dnssec"`
}

// TSIG is the key that signs every message. Every reply must be signed
// with it too (RFC 8945 §5.3): an unsigned or badly signed reply is an
// error, and an UPDATE answered so is not counted as applied.
type TSIG struct {
	Name      string           `yaml:"name"`
	Algorithm string           `yaml:"algorithm"`
	Secret    providers.Secret `yaml:"secret"`
}

// Driver is the rfc2136 entry of providers/all.
var Driver = providers.Driver{
	Type:      "rfc2136",
	Summary:   "an authoritative server taking TSIG-signed dynamic updates (RFC 2136) and AXFR: BIND, Knot, PowerDNS",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, _ string) (providers.Provider, error) {
		return New(name, *cfg.(*Config))
	},
}

// algorithms are the TSIG algorithms zonecast accepts.
var algorithms = map[string]string{
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

// Provider talks to one primary server (or a list of equivalent ones).
type Provider struct {
	name    string
	servers []string
	key     key
	timeout time.Duration
	// transferTimeout and maxTransferBytes bound one AXFR.
	transferTimeout  time.Duration
	maxTransferBytes int64
	// attempts and maxWait bound retries of transient failures.
	attempts    int
	maxWait     time.Duration
	nameservers []providers.Nameserver
	dnssec      providers.ServerDNSSEC
	// messages counts UPDATE messages sent, for benchmarks and logs.
	messages atomic.Int64
	// soaQueries and transfers count the SOA queries of Marker and the
	// AXFRs of Records sent, for benchmarks and tests.
	soaQueries, transfers atomic.Int64
}

// New checks a configuration and returns the provider.
func New(name string, c Config) (*Provider, error) {
	servers := c.Servers
	if c.Server != "" {
		servers = append([]string{c.Server}, servers...)
	}
	if len(servers) == 0 {
		return nil, errors.New("server: required (host:port), or servers: a list")
	}
	for _, s := range servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return nil, fmt.Errorf("server %q: want host:port: %w", s, err)
		}
	}
	alg, ok := algorithms[strings.ToLower(c.TSIG.Algorithm)]
	if !ok {
		return nil, fmt.Errorf("tsig.algorithm %q: want hmac-sha256, hmac-sha384 or hmac-sha512", c.TSIG.Algorithm)
	}
	if c.TSIG.Name == "" {
		return nil, errors.New("tsig.name: required")
	}
	if c.TSIG.Secret.IsZero() {
		return nil, errors.New("tsig.secret: required (env:NAME or file:PATH)")
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	if c.TransferTimeout < 0 {
		return nil, fmt.Errorf("transfer_timeout %s: want a positive duration (default %s)", c.TransferTimeout, defaultTransferTimeout)
	}
	if c.MaxTransferBytes < 0 {
		return nil, fmt.Errorf("max_transfer_bytes %d: want a positive number of bytes (default %d, 256 MiB)", c.MaxTransferBytes, defaultMaxTransferBytes)
	}
	transferTimeout, maxBytes := c.TransferTimeout, c.MaxTransferBytes
	if transferTimeout == 0 {
		transferTimeout = defaultTransferTimeout
	}
	if maxBytes == 0 {
		maxBytes = defaultMaxTransferBytes
	}
	attempts, maxWait := c.MaxAttempts, c.MaxWait
	if attempts <= 0 {
		attempts = 4
	}
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	ns, err := providers.ParseNameservers(c.Nameservers)
	if err != nil {
		return nil, err
	}
	if err := c.DNSSEC.Check(); err != nil {
		return nil, err
	}
	k := key{name: dns.CanonicalName(c.TSIG.Name), alg: alg, secret: c.TSIG.Secret}
	if _, err := k.hash(); err != nil {
		return nil, err
	}
	return &Provider{name: name, servers: servers, key: k, timeout: timeout,
		transferTimeout: transferTimeout, maxTransferBytes: maxBytes,
		attempts: attempts, maxWait: maxWait, nameservers: ns, dnssec: c.DNSSEC}, nil
}

// Defaults of transfer_timeout and max_transfer_bytes. Five minutes is
// ten times what BIND takes to send a zone of a million records over
// loopback, and half of limits.read_timeout, so a stalled transfer is
// named here and not there. 256 MiB of messages is some 3 million
// records of typical size; the parsed records take a few times that in
// memory.
const (
	defaultTransferTimeout  = 5 * time.Minute
	defaultMaxTransferBytes = 256 << 20
)

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{
		// A server zonecast signs for keeps the SOA zonecast signed;
		// otherwise the SOA is the server's (it bumps the serial).
		OwnsSOA:     p.dnssec != providers.ZonecastSigns,
		Nameservers: p.nameservers,
		DNSSEC:      p.dnssec.Caps(),
		Notes: []string{
			"servers: " + strings.Join(p.servers, ", "),
			soaNote(p.dnssec),
			"writes in UPDATE messages filled up to 64 KiB (compressed, TSIG included), whole RRsets each",
		},
	}
}

func soaNote(d providers.ServerDNSSEC) string {
	if d == providers.ZonecastSigns {
		return "SOA written by zonecast, with the serial it signed (dnssec: zonecast-signs); apex NS managed"
	}
	return "SOA left to the server (it bumps the serial); apex NS managed"
}

// Messages returns how many UPDATE messages the provider has sent.
func (p *Provider) Messages() int64 { return p.messages.Load() }

// Records implements providers.Provider with one TSIG-signed AXFR, every
// message checked against the key, within transfer_timeout and
// max_transfer_bytes. A transfer cut off by either, or failing TSIG, is
// not retried. A server that does not serve the zone gives a
// *ZoneNotServedError, which is providers.ErrZoneNotFound when the server
// said so in a signed NOTAUTH.
//
// libdns/rfc2136 v1.0.1 is not used here: its GetRecords joins a TXT
// record's character-strings into one (conversion.go), so a record written as
// "a" "b" would read back as "ab" and never match the zone file again.
func (p *Provider) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	origin = zones.CanonicalName(origin)
	var rrs []dns.RR
	err := p.retry(ctx, func() error {
		var lastErr error
		for _, server := range p.servers {
			var err error
			if rrs, err = p.axfr(ctx, server, origin); err == nil {
				return nil
			}
			var rc *rcodeError
			if errors.As(err, &rc) && !rc.transient() {
				return err // the server answered: asking the next one would not help
			}
			if final(err) || ctx.Err() != nil {
				return err
			}
			lastErr = err
		}
		return lastErr
	})
	if err != nil {
		return nil, p.explain(ctx, origin, "AXFR", err)
	}
	return zones.FromRRs(origin, rrs)
}

// retry runs op until it succeeds, fails for good, or the attempts or the
// time run out: transient failures (timeouts, refused or reset
// connections, SERVFAIL) are retried with exponential backoff and jitter.
// An UPDATE replaces whole RRsets, so sending it again after it was
// applied changes nothing; but it is sent again only when no copy can be
// at work at the server (see send).
func (p *Provider) retry(ctx context.Context, op func() error) error {
	deadline := time.Now().Add(p.maxWait)
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || !transient(err) || attempt >= p.attempts || ctx.Err() != nil {
			return err
		}
		wait := delay/2 + time.Duration(rand.Int64N(int64(delay/2)+1))
		if time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		delay *= 2
	}
}

type rcodeError struct {
	server string
	op     string
	rcode  int
	hint   string // what to check, when known
}

// transient reports failures that may pass: the network (timeouts,
// refused or reset connections, a connection closed early) and SERVFAIL.
// A refusal, a bad key or a bad signature will not.
func transient(err error) bool {
	var rc *rcodeError
	if errors.As(err, &rc) {
		return rc.transient()
	}
	if final(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// final reports failures that the same request would meet again at any of
// the servers: a transfer cut off at its deadline or size (the zone is as
// large everywhere), and a reply that fails TSIG (a wrong key or secret,
// a skewed clock, or something between zonecast and the server, none of
// which a retry mends).
func final(err error) bool {
	var te *providers.TimeoutError
	var big *TransferTooLargeError
	var ts *TSIGError
	var un *UnansweredError
	return errors.As(err, &te) || errors.As(err, &big) || errors.As(err, &ts) || errors.As(err, &un)
}

// transient: a server failure may pass; a refusal will not.
func (e *rcodeError) transient() bool { return e.rcode == dns.RcodeServerFailure }

func (e *rcodeError) Error() string {
	if e.hint != "" {
		return fmt.Sprintf("%s at %s: %s: %s", e.op, e.server, dns.RcodeToString[e.rcode], e.hint)
	}
	return fmt.Sprintf("%s at %s: %s", e.op, e.server, dns.RcodeToString[e.rcode])
}

// maxMessage is the most a DNS message over TCP can hold: its length goes
// in two octets (RFC 1035 §4.2.2).
const maxMessage = dns.MaxMsgSize

// messageLimit is the most an UPDATE may take before it is signed: the TCP
// limit less the largest TSIG record the key can add (RFC 8945 §4.2: the
// key and algorithm names uncompressed, a MAC of up to 64 octets for
// HMAC-SHA512, and six octets of other data).
func messageLimit(keyName, keyAlg string) int {
	t := &dns.TSIG{
		Hdr:       dns.RR_Header{Name: keyName, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: keyAlg,
		MACSize:   64,
		MAC:       strings.Repeat("00", 64),
		OtherLen:  6,
		OtherData: strings.Repeat("00", 6),
	}
	return maxMessage - dns.Len(t)
}

// Apply implements providers.Provider. Changes go out in order, packed into
// as few UPDATE messages as fit, with name compression, under the TCP limit
// less room for the TSIG record; one change (one RRset) is never split
// across messages, and a change too large for a message of its own is an
// error. A message is applied by the server as a whole (RFC 2136 §3.7), so
// the count returned is exact; the trace is told it after each message. A
// context done between messages stops the apply there, returning the count
// so far and ctx.Err().
//
// Messages are sent one at a time, each after the answer to the last; the
// next one is built while the server works on the one in flight, so that
// the client's share of the time (parsing rdata, measuring) is not added
// to the server's.
//
// libdns/rfc2136 v1.0.1 is not used here: it sends one UPDATE per call with
// no size limit (a 10k-record zone does not fit), and re-splits TXT data into
// 255-rune chunks quoted with Go's %q, which corrupts escapes and loses the
// record's own string boundaries.
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	origin = zones.CanonicalName(origin)
	type update struct {
		m       *dns.Msg
		changes int
	}
	// Unbuffered: the builder holds at most one message ready while the
	// sender has one out.
	next := make(chan update)
	stop := make(chan struct{})
	var buildErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(next)
		buildErr = build(origin, messageLimit(p.key.name, p.key.alg), changes, func(m *dns.Msg, n int) bool {
			select {
			case next <- update{m, n}:
				return true
			case <-stop:
				return false
			}
		})
	})
	applied := 0
	var err error
	for u := range next {
		if err = ctx.Err(); err != nil {
			break
		}
		if err = p.retry(ctx, func() error { return p.send(ctx, origin, u.m) }); err != nil {
			err = p.explain(ctx, origin, "UPDATE", err)
			break
		}
		applied += u.changes
		providers.ReportApplied(ctx, applied)
	}
	close(stop)
	wg.Wait()
	if err != nil {
		return applied, err
	}
	return applied, buildErr
}

// build packs changes, in order, into UPDATE messages for origin of at most
// limit octets compressed, and hands each to emit with its number of
// changes, stopping when emit returns false. It returns the first change
// that cannot be encoded or fits no message, after emitting every message
// before it.
func build(origin string, limit int, changes []providers.Change, emit func(m *dns.Msg, changes int) bool) error {
	m := newUpdate(origin)
	inMsg := 0
	// The compressed length of m is known exactly at times (exact) and
	// bounded in between by adding the uncompressed length of each RR
	// appended since (pending): compression only ever shortens what is
	// appended, and never changes what is already in the message. m.Len()
	// is linear in the message, so it is called only when the bound
	// crosses the limit, not after every change.
	exact, pending := m.Len(), 0
	for _, c := range changes {
		rrs, err := updateRRs(origin, c)
		if err != nil {
			return err
		}
		size := 0
		for _, rr := range rrs {
			size += dns.Len(rr)
		}
		m.Ns = append(m.Ns, rrs...)
		if exact+pending+size <= limit {
			inMsg++
			pending += size
			continue
		}
		if l := m.Len(); l <= limit {
			inMsg++
			exact, pending = l, 0
			continue
		}
		// Over the limit with this change: the message goes without it,
		// and the next one starts with it.
		m.Ns = m.Ns[:len(m.Ns)-len(rrs)]
		if inMsg > 0 {
			if !emit(m, inMsg) {
				return nil
			}
			m = newUpdate(origin)
		}
		m.Ns = append(m.Ns, rrs...)
		l := m.Len()
		if l > limit {
			return fmt.Errorf("%s: %s %s is too large for one UPDATE message (%d octets, at most %d)", c, c.Set.Name, c.Set.TypeString(), l, limit)
		}
		inMsg, exact, pending = 1, l, 0
	}
	if inMsg > 0 {
		emit(m, inMsg)
	}
	return nil
}

func newUpdate(origin string) *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(origin)
	m.Compress = true
	return m
}

// updateRRs is the update section for one change (RFC 2136 §2.5): delete
// the RRset (class ANY) and add the new records.
//
// Two apex RRsets are changed record by record instead, never deleted
// whole (no class ANY): the new records are added first (class IN, which
// also sets the RRset's TTL: BIND and Knot re-time the whole RRset to the
// last TTL written) and then the old ones that go are deleted one by one
// (class NONE, TTL 0, RFC 2136 §2.5.4):
//   - the apex NS, where servers never delete the last record (RFC 2136
//     §3.4.2.4);
//   - the apex DNSKEY (see dnskeyRRs): at a server that signs for itself
//     it holds the server's own keys beside the other signers' (RFC 8901
//     model 2), which zonecast must never delete or add again. BIND
//     refuses a class ANY delete of a signed zone's DNSKEY RRset (unless
//     dnssec-secure-to-insecure), and Knot and PowerDNS take it as "every
//     foreign key" (docs/dnssec-signers.md); record by record is the one
//     form every server takes the same way, and a key in both Before and
//     the new set is not in the message at all.
func updateRRs(origin string, c providers.Change) ([]dns.RR, error) {
	s := c.Set
	if s.Type == dns.TypeSOA {
		// Planned only where the server serves what it is given (dnssec:
		// zonecast-signs, Capabilities.OwnsSOA false): zonecast signed
		// the SOA with its serial, which the server keeps (RFC 2136
		// §3.4.2.2: an added SOA replaces the old one).
		if c.Delete || s.Name != origin || len(s.Data) != 1 {
			return nil, fmt.Errorf("%s: the SOA can only be replaced by one SOA at the apex", c)
		}
		return s.RRs()
	}
	if s.Name == origin && s.Type == dns.TypeDNSKEY {
		return dnskeyRRs(c)
	}
	if s.Type == dns.TypeRRSIG {
		return rrsigRRs(c)
	}
	var add []dns.RR
	if !c.Delete {
		var err error
		if add, err = s.RRs(); err != nil {
			return nil, err
		}
	}
	if s.Type != dns.TypeNS || s.Name != origin {
		del := &dns.ANY{Hdr: dns.RR_Header{Name: s.Name, Rrtype: s.Type, Class: dns.ClassANY}}
		return append([]dns.RR{del}, add...), nil
	}
	out := add
	if c.Before != nil {
		keep := map[string]bool{}
		for _, d := range s.Data {
			keep[d] = !c.Delete
		}
		old, err := c.Before.RRs()
		if err != nil {
			return nil, err
		}
		for i, rr := range old {
			if !keep[c.Before.Data[i]] {
				rr.Header().Class, rr.Header().Ttl = dns.ClassNONE, 0
				out = append(out, rr)
			}
		}
	}
	return out, nil
}

// dnskeyRRs is the update section for a change of the apex DNSKEY RRset,
// record by record, never the whole RRset (see updateRRs).
//
// A Set adds the keys of c.Set.Data that Before does not hold (with
// c.Set.TTL), then deletes the keys of Before that c.Set.Data does not
// hold. Keys in both (the server's own keys, as the engine plans it: After
// is Before plus the foreign keys to publish minus those to withdraw) are
// left out of the message. Without Before every key of c.Set.Data is
// added, and nothing deleted: an add of a key the server holds already
// changes nothing (RFC 2136 §3.4.2.2).
//
// A Delete deletes only the keys that c.Set.Data lists and Before holds,
// one by one: never a key zonecast was not shown at the server, and never
// the RRset as a whole. zonecast lists only the foreign keys it withdraws;
// a listed key that is the server's own would not go either (BIND, Knot
// and PowerDNS answer NOERROR and keep a DNSKEY they sign with: TestSigners
// in internal/dnstest), but the driver cannot tell own keys from foreign
// ones, so what it is asked to delete is what it deletes. Without Before
// nothing is deleted. Comparisons are on canonical rdata (zones.Rdata),
// so a key written otherwise (base64 in chunks) is the same key.
func dnskeyRRs(c providers.Change) ([]dns.RR, error) {
	canon := func(s *zones.RRset) ([]dns.RR, []string, error) {
		if s == nil {
			return nil, nil, nil
		}
		rrs, err := s.RRs()
		if err != nil {
			return nil, nil, err
		}
		data := make([]string, len(rrs))
		for i, rr := range rrs {
			data[i] = zones.Rdata(rr)
		}
		return rrs, data, nil
	}
	listed, listedData, err := canon(&c.Set)
	if err != nil {
		return nil, err
	}
	old, oldData, err := canon(c.Before)
	if err != nil {
		return nil, err
	}
	inListed := make(map[string]bool, len(listedData))
	for _, d := range listedData {
		inListed[d] = true
	}
	inOld := make(map[string]bool, len(oldData))
	for _, d := range oldData {
		inOld[d] = true
	}
	var out []dns.RR
	if !c.Delete {
		for i, rr := range listed {
			if !inOld[listedData[i]] {
				inOld[listedData[i]] = true // a key listed twice is added once
				out = append(out, rr)
			}
		}
	}
	for i, rr := range old {
		// A Set deletes what is not listed; a Delete what is.
		if inListed[oldData[i]] == c.Delete {
			rr.Header().Class, rr.Header().Ttl = dns.ClassNONE, 0
			out = append(out, rr)
		}
	}
	return out, nil
}

// rrsigRRs is the update section of a change of the RRSIG set covering one
// type at a name: record by record. Deleting "the RRSIG RRset" (class ANY)
// would delete the signatures of every type at the name, not only the one
// the change is about (RFC 2136 §2.5.2 deletes by name and type, and every
// RRSIG there has type RRSIG). A Set adds its records the server lacks and
// deletes those of Before it does not list; a Delete deletes Before's (or,
// with no Before, its own) records.
func rrsigRRs(c providers.Change) ([]dns.RR, error) {
	if c.Delete {
		from := c.Before
		if from == nil {
			from = &c.Set
		}
		rrs, err := from.RRs()
		if err != nil {
			return nil, err
		}
		for _, rr := range rrs {
			rr.Header().Class, rr.Header().Ttl = dns.ClassNONE, 0
		}
		return rrs, nil
	}
	return dnskeyRRs(c)
}

// send signs m and sends it to the first server that answers. The reply
// counts only if it is signed with the key (RFC 8945 §5.3).
//
// An UPDATE is sent again (to the next server, or by retry to the first)
// only when it cannot be at work at a server: the connection could not be
// made, the message could not be written whole, or the server answered
// SERVFAIL (it applied nothing: RFC 2136 §3 applies an UPDATE whole or
// not at all). Once written, it is never sent again while unanswered: a
// server that is slow, not dead, would apply the copies one after the
// other, each undoing what later messages did, long after apply gave up
// (with timeout: 2s PowerDNS got the same UPDATE four times, and kept
// changing the zone for a minute). So exchange waits for the late answer
// on the same connection, up to max_wait; when none comes, or the server
// closes the connection first, the error is an *UnansweredError and the
// apply stops there. Two other ways were weighed: reading back what the
// message changes before resending proves nothing while the server may
// still apply it later (and an AXFR of a large zone costs more than the
// wait); RFC 2136 prerequisites (the RRsets as they were before) would
// make a duplicate a no-op, but double every message's size and turn an
// edit made meanwhile by someone else into a failure of the whole message.
func (p *Provider) send(ctx context.Context, origin string, m *dns.Msg) error {
	var lastErr error
	op := "UPDATE " + origin
	for _, server := range p.servers {
		r, sent, err := p.exchange(ctx, server, op, m)
		if err != nil {
			var ts *TSIGError
			if sent && !errors.As(err, &ts) {
				return &UnansweredError{Zone: origin, Server: server, Err: err}
			}
			if final(err) || ctx.Err() != nil {
				return err
			}
			lastErr = err
			continue
		}
		p.messages.Add(1)
		if r.Rcode != dns.RcodeSuccess {
			err := &rcodeError{server: server, op: op, rcode: r.Rcode}
			if err.transient() {
				lastErr = err
				continue
			}
			return err
		}
		return nil
	}
	return lastErr
}

// UnansweredError is an UPDATE written to a server whose answer never
// came: not within max_wait (Err is then a *providers.TimeoutError), or
// the connection closed first, or the context ended. The server may have
// applied it, or may still apply it, so it is not sent again (to it or to
// another server), and its changes are not counted as applied; the next
// run reads the zone and plans whatever is left.
type UnansweredError struct {
	Zone, Server string
	Err          error // what ended the wait
}

func (e *UnansweredError) Error() string {
	return fmt.Sprintf("no answer to an UPDATE of %s from %s: %v; not sent again, since the server may still apply it: the next run reads the zone and plans what is left",
		e.Zone, e.Server, e.Err)
}

func (e *UnansweredError) Unwrap() error { return e.Err }

// Endpoints are the servers given by name (providers.Endpointer).
func (p *Provider) Endpoints() []providers.Endpoint {
	var out []providers.Endpoint
	for _, s := range p.servers {
		if e, ok := providers.HostEndpoint("server", s); ok {
			out = append(out, e)
		}
	}
	return out
}
