package libdnsadapter_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libdns/libdns"

	"github.com/zonecast/zonecast/internal/config"
	desecemu "github.com/zonecast/zonecast/internal/emulator/desec"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/libdnsadapter"
	"github.com/zonecast/zonecast/zones"
)

// A 429 with Retry-After and a 5xx (HTML body) are retried, for the
// adapter's own reads and the package's writes alike.
func TestRetries(t *testing.T) {
	emu, p, _ := start(t, desecemu.Options{})
	emu.Inject(desecemu.Fault{Method: "GET", Status: 429, RetryAfter: time.Second, Times: 1})
	emu.Inject(desecemu.Fault{Method: "PUT", Status: 502, HTML: true, Times: 1})
	set := zones.RRset{Name: "www." + origin, Type: 1, TTL: 3600, Data: []string{"192.0.2.7"}}
	if _, err := p.Apply(context.Background(), origin, []providers.Change{{Set: set}}); err != nil {
		t.Fatal(err)
	}
	sets, err := p.Records(context.Background(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if s := dataOf(t, sets, "www."+origin, 1); s == nil || !slices.Equal(s.Data, set.Data) {
		t.Fatalf("read %v", s)
	}
	if n := emu.Counts()["fault"]; n != 2 {
		t.Errorf("faults hit %d times, want 2", n)
	}
}

// deSEC's throttle (sliding windows, 429 with Retry-After) is waited out.
func TestThrottle(t *testing.T) {
	emu, p, _ := start(t, desecemu.Options{PageSize: 2, Rates: []desecemu.Rate{{Scope: "dns_api_cheap", N: 2, Per: time.Second}}})
	for _, sub := range []string{"a", "b", "c", "d", "e"} {
		emu.Put(origin, desecemu.RRset{Subname: sub, Type: "A", TTL: 3600, Records: []string{"192.0.2.1"}})
	}
	sets, err := p.Records(context.Background(), origin)
	if err != nil || len(sets) != 6 {
		t.Fatalf("read %d RRsets: %v", len(sets), err)
	}
	if emu.Counts()["429"] == 0 {
		t.Error("the throttle never answered 429: the test proves nothing")
	}
}

// deSEC's refusals come back as errors naming deSEC's reason, and a bulk
// write refused is refused whole.
func TestRefusals(t *testing.T) {
	emu, p, _ := start(t, desecemu.Options{})
	ctx := context.Background()
	a := zones.RRset{Name: "host." + origin, Type: 1, TTL: 3600, Data: []string{"192.0.2.1"}}
	if _, err := p.Apply(ctx, origin, []providers.Change{{Set: a}}); err != nil {
		t.Fatal(err)
	}
	// A CNAME beside the address.
	cname := zones.RRset{Name: "host." + origin, Type: 5, TTL: 3600, Data: []string{"www.example.net."}}
	other := zones.RRset{Name: "other." + origin, Type: 1, TTL: 3600, Data: []string{"192.0.2.2"}}
	_, err := p.Apply(ctx, origin, []providers.Change{{Set: other}, {Set: cname}})
	if err == nil || !strings.Contains(err.Error(), "No other RRsets are allowed alongside CNAME") {
		t.Fatalf("CNAME beside A: %v", err)
	}
	if recordsAt(emu, "other", "A") != nil {
		t.Error("a refused bulk write was applied in part")
	}
	// A TTL under the minimum through the adapter's own write (a TXT
	// record of two strings goes that way): deSEC's message.
	txt := zones.RRset{Name: "t." + origin, Type: 16, TTL: 300, Data: []string{`"a" "b"`}}
	_, err = p.Apply(ctx, origin, []providers.Change{{Set: txt}})
	if err == nil || !strings.Contains(err.Error(), "Ensure this value is greater than or equal to 3600.") {
		t.Fatalf("TTL 300: %v", err)
	}
	// zonecast never sends deSEC's own types.
	key := zones.RRset{Name: origin, Type: 48, TTL: 3600, Data: []string{emu.DNSKEY(origin)}}
	if _, err := p.Apply(ctx, origin, []providers.Change{{Set: key}}); err == nil {
		t.Error("a DNSKEY write was sent")
	}
}

// An unverified package is refused at configuration load unless the block
// opts in; the message says what is unverified and how to opt in.
func TestUnverifiedNeedsOptIn(t *testing.T) {
	libdnsadapter.Register(&libdnsadapter.Package{Name: "fake-unverified", Module: "example.invalid/libdns-fake", Version: "v0.1.0",
		New: func() libdnsadapter.Client { return &fakeClient{} }})
	dir := t.TempDir()
	file := filepath.Join(dir, "zonecast.yaml")
	write := func(extra string) {
		if err := os.WriteFile(file, []byte("providers:\n  f:\n    type: libdns\n    package: fake-unverified\n"+extra), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	_, err := config.LoadProviders(file, []providers.Driver{libdnsadapter.Driver}, nil)
	if err == nil || !strings.Contains(err.Error(), "package fake-unverified is unverified") || !strings.Contains(err.Error(), "allow_unverified: true") ||
		!strings.Contains(err.Error(), "has not passed the conformance suite") {
		t.Fatalf("unverified without opt-in: %v", err)
	}
	write("    allow_unverified: true\n")
	if _, err := config.LoadProviders(file, []providers.Driver{libdnsadapter.Driver}, nil); err != nil {
		t.Fatalf("with allow_unverified: %v", err)
	}
	// A package verified at another version than the one compiled in is
	// unverified too.
	old := &libdnsadapter.Package{Name: "old", Module: "example.invalid/old", Version: "v1.2.0", VerifiedAt: "v1.1.0", VerifiedAgainst: "x"}
	if old.Verified() || !strings.Contains(old.Status(), "passed the conformance suite at v1.1.0 only") {
		t.Errorf("old: %v %q", old.Verified(), old.Status())
	}
	// desec passes against the emulator at the version go.mod pins, and
	// stays unverified until it passes against deSEC itself.
	for _, pkg := range libdnsadapter.Packages() {
		if pkg.Name == "desec" && (pkg.Verified() || pkg.Compiled() != "v1.1.0") {
			t.Errorf("desec: verified %v, compiled %s: %s", pkg.Verified(), pkg.Compiled(), pkg.Status())
		}
	}
	lines := strings.Join(libdnsadapter.Details(), "\n")
	if !strings.Contains(lines, "package desec (github.com/libdns/desec v1.1.0): unverified: github.com/libdns/desec v1.1.0 passes the conformance suite against zonecast's deSEC emulator (internal/emulator/desec), not yet against the live service") ||
		!strings.Contains(lines, "package fake-unverified (example.invalid/libdns-fake v0.1.0): unverified") {
		t.Errorf("details:\n%s", lines)
	}
}

type fakeClient struct {
	Token string `json:"token"`
}

func (*fakeClient) GetRecords(context.Context, string) ([]libdns.Record, error) { return nil, nil }
func (*fakeClient) SetRecords(context.Context, string, []libdns.Record) ([]libdns.Record, error) {
	return nil, nil
}
func (*fakeClient) DeleteRecords(context.Context, string, []libdns.Record) ([]libdns.Record, error) {
	return nil, nil
}

// Secrets: a value written in place of a reference is refused without
// being repeated; an unknown setting names the known ones; a reference
// that cannot be read fails on use, naming the reference; a refused token
// is said so without the token.
func TestSettingsAndSecrets(t *testing.T) {
	const value = "s3cr3t-value-never-shown"
	_, err := libdnsadapter.Driver.New("d", &libdnsadapter.Config{AllowUnverified: true, Package: "desec", Settings: map[string]string{"token": value}}, "")
	if err == nil || strings.Contains(err.Error(), value) || !strings.Contains(err.Error(), "env:NAME or file:PATH") {
		t.Errorf("literal token: %v", err)
	}
	_, err = libdnsadapter.Driver.New("d", &libdnsadapter.Config{AllowUnverified: true, Package: "desec", Settings: map[string]string{"tokne": "env:X"}}, "")
	if err == nil || !strings.Contains(err.Error(), "settings.tokne: package desec has no such setting (known: token)") {
		t.Errorf("unknown setting: %v", err)
	}
	_, err = libdnsadapter.Driver.New("d", &libdnsadapter.Config{Package: "nosuch"}, "")
	if err == nil || !strings.Contains(err.Error(), "desec") {
		t.Errorf("unknown package: %v", err)
	}
	p, err := libdnsadapter.Driver.New("d", &libdnsadapter.Config{AllowUnverified: true, Package: "desec", Settings: map[string]string{"token": "env:ZONECAST_NO_SUCH_VARIABLE"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(context.Background(), origin); err == nil || !strings.Contains(err.Error(), "env:ZONECAST_NO_SUCH_VARIABLE") {
		t.Errorf("unreadable secret on use: %v", err)
	}
	emu := desecemu.New(desecemu.Options{Tokens: []string{"the-right-one"}})
	defer emu.Close()
	emu.AddDomain(origin)
	t.Setenv("DESEC_WRONG", value)
	q, err := libdnsadapter.Driver.New("d", &libdnsadapter.Config{AllowUnverified: true, Package: "desec", Settings: map[string]string{"token": "env:DESEC_WRONG"}, Endpoint: emu.URL}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = q.Records(context.Background(), origin)
	if err == nil || strings.Contains(err.Error(), value) || !strings.Contains(err.Error(), "refuses the token") {
		t.Errorf("wrong token on read: %v", err)
	}
	_, err = q.Apply(context.Background(), origin, []providers.Change{{Set: zones.RRset{Name: "w." + origin, Type: 1, TTL: 3600, Data: []string{"192.0.2.1"}}}})
	if err == nil || strings.Contains(err.Error(), value) || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token on write: %v", err)
	}
	if errors.Is(err, providers.ErrZoneNotFound) {
		t.Error("a refused token is not an unknown zone")
	}
}
