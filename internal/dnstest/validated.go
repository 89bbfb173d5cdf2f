package dnstest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Answer is what a validating resolver said to one query (see Ask).
type Answer struct {
	Rcode int  // dns.RcodeSuccess, dns.RcodeServerFailure, …; RcodeNoReply if no try got a reply
	AD    bool // the AD bit: every RRset in the answer validated (RFC 4035 3.2.3)
	// Answer is the answer section, RRSIGs left out.
	Answer []dns.RR
	// EDE is the reply's extended DNS errors (RFC 8914), "code: text",
	// which say why a SERVFAIL is one ("6: validation failure <…>").
	EDE []string
}

// Validated reports whether the answer is NOERROR with the AD bit and at
// least one record.
func (a Answer) Validated() bool {
	return a.Rcode == dns.RcodeSuccess && a.AD && len(a.Answer) > 0
}

func (a Answer) String() string {
	var recs []string
	for _, rr := range a.Answer {
		recs = append(recs, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return fmt.Sprintf("%s ad=%v answer=%q ede=%q", rcodeText(a.Rcode), a.AD, recs, a.EDE)
}

// Ask asks the resolver for name's qtype records with recursion desired,
// the AD bit set (RFC 6840 5.7: the way to ask for it without DO) and
// EDNS0, over UDP and again over TCP if truncated, with Lookup's retries
// (3 tries of 2 s, for Unbound's discard-timeout). It does not fail the
// test; a query no try got a reply to is Rcode RcodeNoReply.
func (r *Resolver) Ask(t testing.TB, name string, qtype uint16) Answer {
	t.Helper()
	name = dns.Fqdn(name)
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.AuthenticatedData = true
	m.SetEdns0(1232, false)
	for try := 1; try <= lookupTries; try++ {
		start := time.Now()
		resp, err := exchangeMsg(m, r.Addr, lookupTimeout)
		if err == nil {
			return answerOf(resp)
		}
		t.Logf("ask %s %s at %s, try %d of %d: %v after %v", name, dns.TypeToString[qtype], r.Addr,
			try, lookupTries, err, time.Since(start).Round(time.Millisecond))
		if wait := 100*time.Millisecond - time.Since(start); wait > 0 {
			time.Sleep(wait) // a refused or failed send returns at once
		}
	}
	return Answer{Rcode: RcodeNoReply}
}

func answerOf(resp *dns.Msg) Answer {
	a := Answer{Rcode: resp.Rcode, AD: resp.AuthenticatedData}
	for _, rr := range resp.Answer {
		if rr.Header().Rrtype != dns.TypeRRSIG {
			a.Answer = append(a.Answer, rr)
		}
	}
	if opt := resp.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if e, ok := o.(*dns.EDNS0_EDE); ok {
				a.EDE = append(a.EDE, fmt.Sprintf("%d: %s", e.InfoCode, e.ExtraText))
			}
		}
	}
	return a
}

// exchangeMsg sends m to addr over UDP, and over TCP if the reply is
// truncated.
func exchangeMsg(m *dns.Msg, addr string, timeout time.Duration) (*dns.Msg, error) {
	c := &dns.Client{Net: "udp", Timeout: timeout, UDPSize: 1232}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		return nil, fmt.Errorf("over UDP to %s: %w", addr, err)
	}
	if !resp.Truncated {
		return resp, nil
	}
	c.Net = "tcp"
	resp, _, err = c.Exchange(m, addr)
	if err != nil {
		return nil, fmt.Errorf("over TCP to %s (UDP reply truncated): %w", addr, err)
	}
	return resp, nil
}

func rcodeText(rcode int) string {
	if rcode == RcodeNoReply {
		return "no reply"
	}
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", rcode)
}
