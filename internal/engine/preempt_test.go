package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/zonecast/zonecast/internal/dnstest"
)

// A sync cycle stuck on a hung provider holds the zone's lock; a failover
// drop asks for it first, the cycle stops between messages (ErrPreempted)
// and the drop goes ahead at once instead of failing with "zone is locked"
// until the cycle's read times out.
func TestDropPreemptsSyncCycle(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString([]byte("preempt-test-key-0123456789abcdef"))
	h, err := dnstest.StartHostile(dnstest.HostileConfig{Origin: "example.com.", KeyName: "zonecast.", Secret: secret,
		AXFR: dnstest.Hang, Update: dnstest.Hang})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	t.Setenv("HUNG_TSIG", secret)
	dir := t.TempDir()
	write(t, dir, "zonecast.yaml", `providers:
  a:
    type: zonefile
    directory: out/a
  b:
    type: zonefile
    directory: out/b
  hung:
    type: rfc2136
    server: `+h.Addr()+`
    timeout: 5m
    tsig: {name: zonecast., algorithm: hmac-sha256, secret: env:HUNG_TSIG}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [a, b, hung]
limits:
  read_timeout: 5m
`)
	write(t, dir, "example.com.zone", `$TTL 300
@ SOA ns.example.net. hostmaster 1 7200 900 1209600 300
@ NS ns.example.net.
www A 192.0.2.1
`)
	cfg := filepath.Join(dir, "zonecast.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cycle, err := Load(Selection{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() {
		_, err := cycle.Run(ctx, Policy{SkipRefused: true, Yield: true})
		ran <- err
	}()
	// Wait until the cycle holds the lock and is stuck on the hung read.
	for axfr, _ := h.Counts(); axfr == 0; axfr, _ = h.Counts() {
		time.Sleep(20 * time.Millisecond)
	}
	dropper, err := Load(Selection{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := dropper.Drop(ctx, "hung", "hung in test", true)
	if err != nil && !errors.Is(err, ErrPartial) {
		t.Fatalf("drop: %v", err)
	}
	if tr == nil || len(tr.Zones) != 1 {
		t.Fatalf("drop did nothing: %+v", tr)
	}
	if err := <-ran; !errors.Is(err, ErrPreempted) {
		t.Fatalf("the cycle ended with %v, want ErrPreempted", err)
	}
	if !dropper.State.IsDropped("hung", "example.com.") {
		t.Fatal("hung not dropped")
	}
}
