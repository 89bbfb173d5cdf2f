package rfc2136

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/zones"
)

// Marker implements providers.Marker with one TSIG-signed query for the
// zone's SOA, to the servers in order until one answers, as Records does;
// it does not retry (a failure costs a full read, which retries).
// The reply must verify with the key like every other reply, be
// authoritative (AA) and carry the SOA of the zone itself; anything else
// (NXDOMAIN, REFUSED, NOTAUTH, a referral, the SOA of an enclosing zone,
// an unsigned reply) is an error, never a marker.
//
// The marker is "soa:SERIAL server:ADDR rdata:HASH": the serial, which
// RFC 1996 §4 and RFC 2136 §3.7 have the server raise with every change
// of the zone (BIND, Knot and PowerDNS do so on UPDATE); the server that
// answered, so that an answer from another server of the list (which may
// hold another copy) is a change; and a hash of the whole SOA record, so
// that an edit of its other fields is one too.
//
// A zone edited at the server without a new serial (a file reloaded by
// hand with the old one) keeps its marker: RFC 1996 secondaries would
// miss that edit as well. `--full-read` reads such a zone anyway.
func (p *Provider) Marker(ctx context.Context, origin string) (string, error) {
	origin = zones.CanonicalName(origin)
	var lastErr error
	for _, server := range p.servers {
		marker, err := p.soaMarker(ctx, server, origin)
		if err == nil {
			return marker, nil
		}
		var rc *rcodeError
		if errors.As(err, &rc) && !rc.transient() {
			return "", err // the server answered: the read would stop there too
		}
		if final(err) || ctx.Err() != nil {
			return "", err
		}
		lastErr = err
	}
	return "", lastErr
}

// SOAQueries returns how many SOA queries Marker has sent.
func (p *Provider) SOAQueries() int64 { return p.soaQueries.Load() }

// Transfers returns how many AXFRs Records has begun.
func (p *Provider) Transfers() int64 { return p.transfers.Load() }

// soaMarker asks server for origin's SOA with one signed query over TCP,
// waiting timeout for the answer.
func (p *Provider) soaMarker(ctx context.Context, server, origin string) (string, error) {
	op := "SOA " + origin
	q := new(dns.Msg)
	q.SetQuestion(origin, dns.TypeSOA)
	q.RecursionDesired = false
	p.soaQueries.Add(1)
	r, _, err := p.roundTrip(ctx, server, op, q, p.timeout, "timeout")
	if err != nil {
		return "", err
	}
	if r.Rcode != dns.RcodeSuccess {
		return "", &rcodeError{server: server, op: op, rcode: r.Rcode}
	}
	if !r.Authoritative {
		return "", fmt.Errorf("%s at %s: the answer is not authoritative: the server does not serve the zone", op, server)
	}
	var soa *dns.SOA
	for _, rr := range r.Answer {
		if s, ok := rr.(*dns.SOA); ok && dns.CanonicalName(s.Hdr.Name) == origin {
			if soa != nil {
				return "", fmt.Errorf("%s at %s: the answer holds more than one SOA", op, server)
			}
			soa = s
		}
	}
	if soa == nil {
		return "", fmt.Errorf("%s at %s: the answer holds no SOA of the zone: the name is not a zone's apex there", op, server)
	}
	sum := sha256.Sum256([]byte(strings.ToLower(soa.String())))
	return fmt.Sprintf("soa:%d server:%s rdata:%s", soa.Serial, server, hex.EncodeToString(sum[:8])), nil
}
