package providers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakeResolver map[string][]string

func (f fakeResolver) Addrs(_ context.Context, host string) ([]string, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, errors.New("resolve " + host + ": no last-known address")
}

// A name resolved through the context's resolver is dialed at its
// addresses in turn (the first refusing, the second answering), for TCP
// and for the API drivers' HTTP transport, which keeps the URL's host;
// without a resolver, ResolveAddr changes nothing.
func TestDialThroughResolver(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "host "+r.Host)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	// 127.0.0.2 has nothing on the port: refused, then 127.0.0.1.
	ctx := WithHostResolver(context.Background(), fakeResolver{"api.dark.test": {"127.0.0.2", "127.0.0.1"}})

	c, err := Dial(ctx, nil, "tcp", net.JoinHostPort("api.dark.test", port))
	if err != nil {
		t.Fatalf("dial by name through the resolver: %v", err)
	}
	c.Close()
	if _, err := Dial(ctx, nil, "tcp", net.JoinHostPort("unknown.dark.test", port)); err == nil || !strings.Contains(err.Error(), "no last-known address") {
		t.Fatalf("a name the resolver does not know: %v", err)
	}
	if got := ResolveAddr(ctx, "api.dark.test:53"); got != "127.0.0.2:53" {
		t.Fatalf("ResolveAddr: %s", got)
	}
	if got := ResolveAddr(context.Background(), "api.dark.test:53"); got != "api.dark.test:53" {
		t.Fatalf("ResolveAddr without a resolver: %s", got)
	}

	req, _ := http.NewRequestWithContext(ctx, "GET", "http://api.dark.test:"+port+"/", nil)
	resp, err := BaseTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("HTTP by name through the resolver: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "host api.dark.test:"+port {
		t.Fatalf("the request did not keep its host: %q", body)
	}
}
