package providers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// HostResolver resolves the host names providers are reached at. The
// engine gives one (internal/resolve: the configured resolvers, falling
// back on the last-known addresses) to every connection through the
// context (WithHostResolver), so that an RFC 2136 server or an API given
// by name stays reachable when its name no longer resolves: the trap of
// the outage zonecast exists for.
type HostResolver interface {
	Addrs(ctx context.Context, host string) ([]string, error)
}

type hostResolverKey struct{}

// WithHostResolver returns ctx whose connections (Dial, BaseTransport)
// resolve host names through r.
func WithHostResolver(ctx context.Context, r HostResolver) context.Context {
	return context.WithValue(ctx, hostResolverKey{}, r)
}

// Dial connects to addr (host:port) as d does, resolving a host name
// through ctx's HostResolver when it has one (each address in turn until
// one answers), through the system otherwise.
func Dial(ctx context.Context, d *net.Dialer, network, addr string) (net.Conn, error) {
	if d == nil {
		d = &net.Dialer{}
	}
	r, _ := ctx.Value(hostResolverKey{}).(HostResolver)
	host, port, err := net.SplitHostPort(addr)
	if r == nil || err != nil || net.ParseIP(host) != nil {
		return d.DialContext(ctx, network, addr)
	}
	addrs, err := r.Addrs(ctx, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var errs []error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a, port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// ResolveAddr returns addr (host:port) with its host resolved through
// ctx's HostResolver (its first address), for a client that dials by
// itself (miekg/dns); addr itself when there is no resolver, the host is
// an address, or it does not resolve (the client then says why).
func ResolveAddr(ctx context.Context, addr string) string {
	r, _ := ctx.Value(hostResolverKey{}).(HostResolver)
	host, port, err := net.SplitHostPort(addr)
	if r == nil || err != nil || net.ParseIP(host) != nil {
		return addr
	}
	addrs, err := r.Addrs(ctx, host)
	if err != nil || len(addrs) == 0 {
		return addr
	}
	return net.JoinHostPort(addrs[0], port)
}

// BaseTransport is the HTTP transport under the API drivers' Transport:
// http.DefaultTransport's settings, dialing through Dial so that the
// request's context decides how host names resolve. TLS still checks
// the certificate against the URL's host name.
var BaseTransport http.RoundTripper = baseTransport()

func baseTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return Dial(ctx, d, network, addr)
	}
	return t
}
