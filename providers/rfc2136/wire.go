package rfc2136

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/providers"
)

// TransferTooLargeError is an AXFR cut off because its messages passed
// max_transfer_bytes. It is not retried: the zone would be as large again.
type TransferTooLargeError struct {
	Zone, Server string
	Limit        int64  // bytes
	Key          string // the configuration key that sets the limit
}

func (e *TransferTooLargeError) Error() string {
	return fmt.Sprintf("AXFR %s at %s: the transfer passed %d bytes and was cut off; if the zone is that large, raise %s", e.Zone, e.Server, e.Limit, e.Key)
}

// conn is a TCP connection to a server for one exchange or transfer,
// closed as soon as the caller's context is done, so that no read or write
// outlives a cancelled apply.
type conn struct {
	net.Conn
	ctx  context.Context
	stop func() bool
}

// dial connects to server within timeout (and ctx).
func dial(ctx context.Context, server string, timeout time.Duration) (*conn, error) {
	c, err := providers.Dial(ctx, &net.Dialer{Timeout: timeout}, "tcp", server)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	// Close rather than a past deadline: a deadline set later for the
	// next read would undo it.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	return &conn{Conn: c, ctx: ctx, stop: stop}, nil
}

func (c *conn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// cause is err, or the context's error when the context is done: a read
// on a connection closed by cancellation fails with "use of closed network
// connection", which is not what happened.
func (c *conn) cause(err error) error {
	if c.ctx.Err() != nil {
		return c.ctx.Err()
	}
	return err
}

// write sends msg framed for TCP (RFC 1035 §4.2.2), by deadline.
func (c *conn) write(msg []byte, deadline time.Time) error {
	if err := c.SetWriteDeadline(deadline); err != nil {
		return c.cause(err)
	}
	b := make([]byte, 2+len(msg))
	binary.BigEndian.PutUint16(b, uint16(len(msg)))
	copy(b[2:], msg)
	_, err := c.Write(b)
	return c.cause(err)
}

// errBudget is read's error when the next message would take more bytes
// than are left.
var errBudget = errors.New("over the byte budget")

// read reads one message framed for TCP by deadline. A message of more
// than budget bytes (its length octets counted) is not read: errBudget.
func (c *conn) read(deadline time.Time, budget int64) ([]byte, error) {
	if err := c.SetReadDeadline(deadline); err != nil {
		return nil, c.cause(err)
	}
	var l [2]byte
	if _, err := io.ReadFull(c, l[:]); err != nil {
		return nil, c.cause(err)
	}
	n := int(binary.BigEndian.Uint16(l[:]))
	if int64(n)+2 > budget {
		return nil, errBudget
	}
	if n < 12 {
		return nil, fmt.Errorf("a message of %d octets, shorter than a header", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		return nil, c.cause(err)
	}
	return b, nil
}

// exchange sends the UPDATE m, signed, to server and returns the verified
// reply. sent reports whether the whole message was written: an error
// after that is an UPDATE whose fate is unknown (see Provider.send).
//
// The answer is waited for on the same connection for p.answerWait()
// after the message was written: max_wait, never less than timeout. A
// server may take long over a large UPDATE (PowerDNS has taken more than
// 2s), and the message is never sent again while it may still be at work
// on it.
func (p *Provider) exchange(ctx context.Context, server, op string, m *dns.Msg) (r *dns.Msg, sent bool, err error) {
	return p.roundTrip(ctx, server, op, m, p.answerWait(), "max_wait")
}

// roundTrip sends m, signed, to server and returns the verified reply,
// waited for up to wait after m was written (waitKey names the setting
// that gives it, for the timeout error). sent is as for exchange.
func (p *Provider) roundTrip(ctx context.Context, server, op string, m *dns.Msg, wait time.Duration, waitKey string) (r *dns.Msg, sent bool, err error) {
	out, mac, err := p.key.sign(m)
	if err != nil {
		return nil, false, fmt.Errorf("%s at %s: sign: %w", op, server, err)
	}
	c, err := dial(ctx, server, p.timeout)
	if err != nil {
		return nil, false, fmt.Errorf("%s at %s: %w", op, server, err)
	}
	defer c.Close()
	if err := c.write(out, time.Now().Add(p.timeout)); err != nil {
		return nil, false, fmt.Errorf("%s at %s: %w", op, server, err)
	}
	deadline := time.Now().Add(wait)
	for {
		raw, err := c.read(deadline, dns.MaxMsgSize+2)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = &providers.TimeoutError{What: "waiting for the answer", Limit: wait, Key: p.configKey(waitKey), Err: err}
		}
		if err != nil {
			return nil, true, fmt.Errorf("%s at %s: %w", op, server, err)
		}
		r := new(dns.Msg)
		if err := r.Unpack(raw); err != nil {
			return nil, true, fmt.Errorf("%s at %s: a malformed reply: %w", op, server, err)
		}
		if r.Id != m.Id || !r.Response {
			continue // not the reply to m (RFC 1035 §7.3: ignore it)
		}
		if _, err := newReplyChecker(p.key, op, server, mac).check(raw, r, true); err != nil {
			return nil, true, err
		}
		return r, true, nil
	}
}

// answerWait is how long an UPDATE's answer is waited for: max_wait,
// never less than timeout.
func (p *Provider) answerWait() time.Duration { return max(p.maxWait, p.timeout) }

// axfr transfers origin from server with one signed AXFR: every message
// checked against the key (RFC 8945 §5.3.1), within p.timeout each and
// p.transferTimeout in all, and at most p.maxTransferBytes of messages.
func (p *Provider) axfr(ctx context.Context, server, origin string) ([]dns.RR, error) {
	op := "AXFR " + origin
	m := new(dns.Msg)
	m.SetAxfr(origin)
	out, mac, err := p.key.sign(m)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: sign: %w", op, server, err)
	}
	p.transfers.Add(1)
	start := time.Now()
	end := start.Add(p.transferTimeout)
	c, err := dial(ctx, server, min(p.timeout, p.transferTimeout))
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", op, server, err)
	}
	defer c.Close()
	if err := c.write(out, earlier(end, time.Now().Add(p.timeout))); err != nil {
		return nil, fmt.Errorf("%s at %s: %w", op, server, p.overall(err, end))
	}
	check := newReplyChecker(p.key, op, server, mac)
	var rrs []dns.RR
	left := p.maxTransferBytes
	for first := true; ; first = false {
		raw, err := c.read(earlier(end, time.Now().Add(p.timeout)), left)
		if errors.Is(err, errBudget) {
			return nil, &TransferTooLargeError{Zone: origin, Server: server, Limit: p.maxTransferBytes, Key: p.configKey("max_transfer_bytes")}
		}
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", op, server, p.overall(err, end))
		}
		left -= int64(len(raw)) + 2
		r := new(dns.Msg)
		if err := r.Unpack(raw); err != nil {
			return nil, fmt.Errorf("%s at %s: a malformed reply: %w", op, server, err)
		}
		if r.Id != m.Id {
			return nil, fmt.Errorf("%s at %s: a message with ID %d, not the query's %d", op, server, r.Id, m.Id)
		}
		// The transfer ends with the SOA it began with (RFC 5936 §2.2);
		// a first message may hold the whole zone.
		done := len(r.Answer) > 0 && r.Answer[len(r.Answer)-1].Header().Rrtype == dns.TypeSOA && (!first || len(r.Answer) > 1)
		if _, err := check.check(raw, r, done); err != nil {
			return nil, err
		}
		if first {
			if r.Rcode != dns.RcodeSuccess {
				return nil, &rcodeError{server: server, op: op, rcode: r.Rcode}
			}
			if len(r.Answer) == 0 || r.Answer[0].Header().Rrtype != dns.TypeSOA {
				return nil, fmt.Errorf("%s at %s: the transfer does not begin with the SOA", op, server)
			}
		} else if r.Rcode != dns.RcodeSuccess {
			return nil, &rcodeError{server: server, op: op, rcode: r.Rcode}
		}
		rrs = append(rrs, r.Answer...)
		if done {
			return rrs, nil
		}
	}
}

// overall turns a timeout at the transfer's deadline end into the error
// naming transfer_timeout.
func (p *Provider) overall(err error, end time.Time) error {
	if errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(end) {
		return &providers.TimeoutError{What: "the zone transfer", Limit: p.transferTimeout, Key: p.configKey("transfer_timeout"), Err: err}
	}
	return err
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// configKey is the full configuration key of one of the provider's
// settings.
func (p *Provider) configKey(k string) string { return "providers." + p.name + "." + k }
