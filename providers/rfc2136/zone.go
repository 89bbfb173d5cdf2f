package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/providers"
)

// ZoneNotServedError is a REFUSED or NOTAUTH to an AXFR or UPDATE from a
// server that does not serve the zone: a zone name mistyped in
// zonecast.yaml, or a zone the server was never given.
//
// What the servers answer for a zone they do not serve (with the right
// key): BIND a NOTAUTH signed with the key; Knot an unsigned NOTAUTH, to
// AXFR and UPDATE alike; PowerDNS an unsigned NOTAUTH to AXFR and a signed
// one to UPDATE. A signed NOTAUTH whose TSIG error is NOERROR is the
// server's own word (RFC 2136 §2.2: not authoritative for the zone named).
// An unsigned reply proves nothing (RFC 8945 §5.3), and PowerDNS answers a
// key it does not know with the same unsigned NOTAUTH; so an unsigned
// NOTAUTH or REFUSED, and a signed REFUSED, are told apart by asking the
// server for the zone's SOA (an unsigned query): only when it does not
// answer it with authority is the error a ZoneNotServedError. Trusting
// that unverified answer is safe: it changes only what the error says,
// never whether the request failed.
type ZoneNotServedError struct {
	Zone   string
	Server string
	Op     string // "AXFR" or "UPDATE"
	Rcode  int    // NOTAUTH or REFUSED
	// Signed: the reply was signed with the key and verified.
	Signed bool
	// SOA says what the server answered to a query for the zone's SOA,
	// when it was asked ("" for a signed NOTAUTH, which needs no check).
	SOA string
}

func (e *ZoneNotServedError) Error() string {
	next := "check the zone name in zonecast.yaml and the server's configuration"
	rcode := dns.RcodeToString[e.Rcode]
	switch {
	case e.Signed && e.SOA == "":
		return fmt.Sprintf("%s does not serve %s (%s to %s): %s", e.Server, e.Zone, rcode, e.Op, next)
	case e.Signed:
		return fmt.Sprintf("%s does not serve %s (%s to %s; its SOA query is answered %s): %s", e.Server, e.Zone, rcode, e.Op, e.SOA, next)
	}
	return fmt.Sprintf("%s says it does not serve %s (an unsigned %s to %s, not verified; its SOA query is answered %s): %s",
		e.Server, e.Zone, rcode, e.Op, e.SOA, next)
}

// Unwrap makes a signed NOTAUTH providers.ErrZoneNotFound: the server
// itself says it has no such zone, which the engine plans as a zone to
// restore. An unverified reply, or a REFUSED, is not that.
func (e *ZoneNotServedError) Unwrap() error {
	if e.Signed && e.Rcode == dns.RcodeNotAuth {
		return providers.ErrZoneNotFound
	}
	return nil
}

// explain turns the reply of server to an AXFR or UPDATE (op) of zone
// that turned it down (err: a signed NOTAUTH or REFUSED, or an unsigned
// one) into a *ZoneNotServedError when the server does not serve the
// zone; see ZoneNotServedError for how that is decided. Any other err is
// returned as it is, and so is one that the server's answer to the SOA
// query cannot settle (no answer): then it is, in the words of the
// error, a key or a zone the server does not have.
func (p *Provider) explain(ctx context.Context, zone, op string, err error) error {
	var rc *rcodeError
	var te *TSIGError
	var server string
	var rcode int
	signed := false
	switch {
	case errors.As(err, &rc) && (rc.rcode == dns.RcodeNotAuth || rc.rcode == dns.RcodeRefused):
		server, rcode, signed = rc.server, rc.rcode, true
		if rcode == dns.RcodeNotAuth {
			return &ZoneNotServedError{Zone: zone, Server: server, Op: op, Rcode: rcode, Signed: true}
		}
	case errors.As(err, &te) && te.Problem == Unsigned && (te.Rcode == dns.RcodeNotAuth || te.Rcode == dns.RcodeRefused):
		server, rcode = te.Server, te.Rcode
	default:
		return err
	}
	served, soa, ok := p.servesZone(ctx, server, zone)
	switch {
	case !ok:
		return err
	case !served:
		return &ZoneNotServedError{Zone: zone, Server: server, Op: op, Rcode: rcode, Signed: signed, SOA: soa}
	case te != nil:
		te.Served = zone
	default:
		rc.hint = fmt.Sprintf("the server serves %s (%s), so it is key %s it turns down: check that its configuration lets the key %s the zone",
			zone, soa, p.key.name, map[string]string{"AXFR": "transfer", "UPDATE": "update"}[op])
	}
	return err
}

// servesZone asks server, without a signature, for zone's SOA. It reports
// whether the server answers it with authority, what it answered, and
// whether it answered at all.
func (p *Provider) servesZone(ctx context.Context, server, zone string) (served bool, answer string, ok bool) {
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	q.RecursionDesired = false
	c := &dns.Client{Net: "tcp", Timeout: p.timeout}
	r, _, err := c.ExchangeContext(ctx, q, providers.ResolveAddr(ctx, server))
	if err != nil || r == nil {
		return false, "", false
	}
	for _, rr := range r.Answer {
		if soa, isSOA := rr.(*dns.SOA); isSOA && r.Rcode == dns.RcodeSuccess && r.Authoritative && strings.EqualFold(dns.CanonicalName(soa.Hdr.Name), zone) {
			return true, "with authority", true
		}
	}
	// A name inside a zone the server serves is answered from that zone,
	// whose SOA comes in the authority section (RFC 2308 §2).
	inside := "another zone it serves"
	for _, rr := range r.Ns {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			inside = dns.CanonicalName(soa.Hdr.Name) + ", a zone it serves"
		}
	}
	switch {
	case r.Rcode == dns.RcodeNameError && r.Authoritative:
		return false, "NXDOMAIN from " + inside + ": the name is inside that zone, not a zone's apex", true
	case r.Rcode == dns.RcodeSuccess && r.Authoritative:
		return false, "with no SOA, from " + inside + ": the name is inside that zone, not a zone's apex", true
	case r.Rcode == dns.RcodeSuccess:
		return false, "without authority", true
	case r.Rcode == dns.RcodeServerFailure:
		return false, "SERVFAIL: the zone may have failed to load; see the server's log", true
	}
	return false, dns.RcodeToString[r.Rcode], true
}
