package providers

import (
	"net"
	"net/url"
	"strings"
)

// Endpoint is a host name a provider is reached at, as its configuration
// gives it (an API's host, an RFC 2136 server): zonecast needs that name to
// resolve to reach the provider at all.
type Endpoint struct {
	Key  string // the configuration key that sets it: "server", "api_url"
	Host string // a host name, lower case, no final dot; never an address
}

// Endpointer is a provider that says which host names it is reached at,
// for the configuration's check that zonecast does not depend on the zones
// it manages (config: self-dependency).
type Endpointer interface {
	Endpoints() []Endpoint
}

// HostEndpoint is the Endpoint of addr (host:port, a bare host or a URL)
// at key, and false when its host is an address: only names can fail to
// resolve.
func HostEndpoint(key, addr string) (Endpoint, bool) {
	host := addr
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		host = u.Hostname()
	} else if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" || net.ParseIP(host) != nil {
		return Endpoint{}, false
	}
	return Endpoint{Key: key, Host: host}, true
}
