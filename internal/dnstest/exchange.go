package dnstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// exchangeTimeout is Exchange's timeout for each of UDP and TCP.
const exchangeTimeout = 2 * time.Second

// Exchange sends one query for name's qtype records to addr ("IP:PORT")
// over UDP, with recursion desired and EDNS0 (1232 bytes), and asks again
// over TCP if the reply is truncated. It returns the reply whatever its
// rcode; the error is for no reply (2 s timeout each way) or a bad one.
// It does not fail the test.
func Exchange(t testing.TB, addr, name string, qtype uint16) (*dns.Msg, error) {
	t.Helper()
	return exchange(addr, name, qtype, exchangeTimeout)
}

func exchange(addr, name string, qtype uint16, timeout time.Duration) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false)
	c := &dns.Client{Net: "udp", Timeout: timeout, UDPSize: 1232}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s over UDP to %s: %w", name, dns.TypeToString[qtype], addr, err)
	}
	if !r.Truncated {
		return r, nil
	}
	c.Net = "tcp"
	r, _, err = c.Exchange(m, addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s over TCP to %s (UDP reply truncated): %w", name, dns.TypeToString[qtype], addr, err)
	}
	return r, nil
}
