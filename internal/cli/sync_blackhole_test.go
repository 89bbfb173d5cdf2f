package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zonecast/zonecast/internal/dnstest"
)

// The outage as a sync daemon sees it: one provider black-holed (its
// server takes the connection and never answers). An edit still reaches
// the two healthy providers within an interval and the dead one's timeout;
// /livez stays 200 all along (/readyz says the dead one is out of sync);
// `failover drop` succeeds at once, without "zone is locked", because the
// cycle yields; after it the daemon is ready again.
func TestSyncBlackholedProvider(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString([]byte("blackhole-test-key-0123456789abcd"))
	h, err := dnstest.StartHostile(dnstest.HostileConfig{Origin: "example.com.", KeyName: "zonecast.", Secret: secret,
		AXFR: dnstest.Hang, Update: dnstest.Hang})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	t.Setenv("HOLE_TSIG", secret)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "zonecast.yaml")
	write(t, cfg, `providers:
  one: {type: zonefile, directory: out/one}
  two: {type: zonefile, directory: out/two}
  hole:
    type: rfc2136
    server: `+h.Addr()+`
    timeout: 2s
    max_attempts: 1
    tsig: {name: zonecast., algorithm: hmac-sha256, secret: env:HOLE_TSIG}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one, two, hole]
`)
	zone := "$TTL 300\n@ SOA ns.example.net. hostmaster 1 7200 900 1209600 300\n@ NS ns.example.net.\nwww A 192.0.2.2\n"
	write(t, filepath.Join(dir, "example.com.zone"), zone)
	addr := freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	var wg sync.WaitGroup
	const interval = time.Second
	wg.Go(func() {
		Main(ctx, []string{"sync", "--interval", interval.String(), "--audit-every", "0", "--listen", addr, "--config", cfg}, &out, &errb)
	})
	defer func() { cancel(); wg.Wait() }()
	get := func(path string) int {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	served := func(name string) bool {
		for _, p := range []string{"one", "two"} {
			b, _ := os.ReadFile(filepath.Join(dir, "out", p, "example.com.zone"))
			if !strings.Contains(string(b), name) {
				return false
			}
		}
		return true
	}
	livez := true
	waitFor := func(what string, bound time.Duration, ok func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !ok() {
			if get("/livez") != 200 && time.Since(start) > time.Second {
				livez = false
			}
			if time.Since(start) > bound {
				t.Fatalf("%s did not happen within %s; stderr:\n%s", what, bound, errb.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(start)
	}
	waitFor("the healthy providers served", 60*time.Second, func() bool { return served("www.example.com.") })

	// An edit reaches the healthy ones although every cycle waits out the
	// black hole's timeout.
	write(t, filepath.Join(dir, "example.com.zone"), zone+"api A 192.0.2.3\n")
	took := waitFor("the edit at the healthy providers", 60*time.Second, func() bool { return served("api.example.com.") })
	t.Logf("edit → both healthy providers serve it: %.2fs (interval %s, the black hole's timeout 2s)", took.Seconds(), interval)
	if code := get("/readyz"); code != 503 {
		t.Errorf("/readyz %d with a provider out of sync, want 503", code)
	}

	// failover drop while the daemon runs: it goes first.
	var dout, derr bytes.Buffer
	start := time.Now()
	code := Main(context.Background(), []string{"failover", "drop", "hole", "--force", "--reason", "black-holed", "--config", cfg}, &dout, &derr)
	t.Logf("failover drop during sync: %.2fs, exit %d", time.Since(start).Seconds(), code)
	if code != 0 || strings.Contains(derr.String(), "locked") {
		t.Fatalf("failover drop: exit %d\n%s%s", code, dout.String(), derr.String())
	}
	waitFor("ready after the drop", 60*time.Second, func() bool { return get("/readyz") == 200 })
	if !livez {
		t.Error("/livez was not 200 during the outage")
	}
}

// syncBuffer is a bytes.Buffer safe for the daemon's writes and the
// test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr returns a loopback address with a port free at the time, for a
// server the test starts by address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
