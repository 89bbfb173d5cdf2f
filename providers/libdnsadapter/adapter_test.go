package libdnsadapter_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	desecemu "github.com/zonecast/zonecast/internal/emulator/desec"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/libdnsadapter"
	"github.com/zonecast/zonecast/providers/providertest"
)

const origin = "example.com."

// start starts a deSEC emulator holding origin and a libdns provider of
// package desec pointed at it. Each test has its own token: the adapter
// routes libdns/desec's requests by token.
func start(tb testing.TB, opts desecemu.Options) (*desecemu.Server, *libdnsadapter.Provider, string) {
	tb.Helper()
	return startWith(tb, opts, func(*libdnsadapter.Config) {})
}

// startWith is start with a change to the provider's configuration.
func startWith(tb testing.TB, opts desecemu.Options, edit func(*libdnsadapter.Config)) (*desecemu.Server, *libdnsadapter.Provider, string) {
	tb.Helper()
	token := "tok-" + strings.NewReplacer("/", "-", " ", "-").Replace(tb.Name())
	opts.Tokens = append(opts.Tokens, token)
	emu := desecemu.New(opts)
	tb.Cleanup(emu.Close)
	emu.AddDomain(origin)
	tb.Setenv("DESEC_TEST_TOKEN", token)
	cfg := &libdnsadapter.Config{
		AllowUnverified: true, Package: "desec", Settings: map[string]string{"token": "env:DESEC_TEST_TOKEN"},
		Endpoint: emu.URL, RequestsPerSecond: 1000,
	}
	edit(cfg)
	p, err := libdnsadapter.Driver.New("desec", cfg, "")
	if err != nil {
		tb.Fatal(err)
	}
	return emu, p.(*libdnsadapter.Provider), token
}

// The conformance suite through the adapter and libdns/desec v1.1.0
// against the deSEC emulator: what makes the package "verified".
func TestConformance(t *testing.T) {
	emu, p, _ := start(t, desecemu.Options{})
	providertest.Run(t, p, origin)
	c := emu.Counts()
	if c["PUT rrsets"] == 0 || c["PATCH rrsets"] == 0 || c["GET rrsets"] == 0 {
		t.Errorf("counts %v: want bulk PUTs (the package's), bulk PATCHes (the adapter's) and paged GETs", c)
	}
	if p.Requests() == 0 {
		t.Error("no request went through the provider's transport")
	}
	// The package writes what it can (every step sets RRsets it writes
	// exactly); the adapter's own path takes the TXT records of several
	// strings and the deletions.
	calls := p.Calls()
	if calls["SetRecords"] < len(providertest.Steps)-1 || calls["native write"] == 0 || calls["GetRecords"] != 0 {
		t.Errorf("calls %v", calls)
	}
}

func TestNotFound(t *testing.T) {
	_, p, _ := start(t, desecemu.Options{})
	if _, err := p.Records(context.Background(), "nosuch.example."); err != providers.ErrZoneNotFound {
		t.Errorf("unknown zone: %v, want ErrZoneNotFound", err)
	}
}

// The router that paces libdns/desec's requests leaves every other
// request of http.DefaultClient alone.
func TestRouterLeavesOthersAlone(t *testing.T) {
	_, p, _ := start(t, desecemu.Options{})
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Host, " ", r.Header.Get("Authorization"))
	}))
	defer other.Close()
	before := p.Requests()
	req, _ := http.NewRequest(http.MethodGet, other.URL, nil)
	req.Header.Set("Authorization", "Token tok-"+t.Name())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if u, _ := url.Parse(other.URL); string(b) != u.Host+" Token tok-"+t.Name() || p.Requests() != before {
		t.Errorf("another host's request: %q, %d requests through the provider", b, p.Requests()-before)
	}
}
