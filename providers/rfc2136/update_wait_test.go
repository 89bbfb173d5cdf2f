package rfc2136_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

// TestShortTimeoutPowerDNS: with a timeout far shorter than PowerDNS takes
// over a full UPDATE message, each message still reaches it once: the
// serial (SOA-EDIT-DNSUPDATE INCREASE: one per UPDATE applied) moves by
// exactly the messages sent, and the zone converges.
func TestShortTimeoutPowerDNS(t *testing.T) {
	s := dnstest.StartPowerDNS(t, dnstest.Options{}, map[string]string{origin: providertest.Head})
	p, err := rfc2136.New("pdns", rfc2136.Config{Server: s.Addr, Timeout: 20 * time.Millisecond, MaxWait: time.Minute,
		TSIG: rfc2136.TSIG{Name: s.KeyName, Algorithm: s.KeyAlg, Secret: providers.NewSecret(s.Secret)}})
	if err != nil {
		t.Fatal(err)
	}
	serial := func() uint32 {
		for _, rr := range s.AXFR(t, origin) {
			if soa, ok := rr.(*dns.SOA); ok {
				return soa.Serial
			}
		}
		t.Fatal("no SOA")
		return 0
	}
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range 3000 {
		fmt.Fprintf(&b, "t%d TXT \"%s\"\n", i, strings.Repeat("x", 60))
	}
	before, sent := serial(), p.Messages()
	start := time.Now()
	providertest.Converge(t, p, origin, b.String())
	n := p.Messages() - sent
	if got := serial() - before; int64(got) != n {
		t.Errorf("the serial moved by %d for %d UPDATE messages sent: some reached the server more than once", got, n)
	}
	t.Logf("%d UPDATE messages in %s with a 20ms timeout", n, time.Since(start).Round(time.Millisecond))
}

// TestSlowUpdateNotResent: a server that answers each UPDATE only after
// 1.5s, five times zonecast's timeout, gets each message once: zonecast
// waits for the late answer on the same connection (up to max_wait) and
// never sends a copy while one is unanswered. The apply succeeds, counted
// exactly.
func TestSlowUpdateNotResent(t *testing.T) {
	s, p := hostile(t, dnstest.HostileConfig{Update: dnstest.Slow, Interval: 1500 * time.Millisecond},
		rfc2136.Config{Timeout: 300 * time.Millisecond, MaxAttempts: 4, MaxWait: 10 * time.Second})
	start := time.Now()
	var applied int
	err := within(t, time.Minute, func() error {
		var err error
		applied, err = p.Apply(t.Context(), origin, changes(t, 3))
		return err
	})
	if err != nil || applied != 3 {
		t.Fatalf("Apply to a slow server: %d applied, %v; want 3, no error", applied, err)
	}
	if _, n := s.Counts(); n != 1 {
		t.Errorf("the server got %d UPDATE requests for one message; want 1", n)
	}
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("Apply took %s, less than the server's 1.5s: it did not wait for the answer", d)
	}
}

// TestUnansweredUpdateNotResent: a server slower than max_wait gets the
// UPDATE once, not once per attempt; the apply fails saying the message's
// fate is unknown, counting nothing as applied, and the server, applying it
// late, applies it once.
func TestUnansweredUpdateNotResent(t *testing.T) {
	s, p := hostile(t, dnstest.HostileConfig{Update: dnstest.Slow, Interval: 2 * time.Second},
		rfc2136.Config{Timeout: 200 * time.Millisecond, MaxAttempts: 4, MaxWait: 500 * time.Millisecond})
	before := len(s.Records())
	var applied int
	err := within(t, time.Minute, func() error {
		var err error
		applied, err = p.Apply(t.Context(), origin, changes(t, 2))
		return err
	})
	var u *rfc2136.UnansweredError
	if !errors.As(err, &u) || applied != 0 {
		t.Fatalf("Apply to a server slower than max_wait: %d applied, %v; want 0 and an *rfc2136.UnansweredError", applied, err)
	}
	wantErr(t, "Apply", err, "not sent again, since the server may still apply it")
	// Well past the server's delay, and past every retry the old code
	// would have made within max_wait.
	deadline := time.Now().Add(10 * time.Second)
	for len(s.Records()) == before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if _, n := s.Counts(); n != 1 {
		t.Errorf("the server got %d UPDATE requests; want 1", n)
	}
	if got := len(s.Records()); got != before+2 {
		t.Errorf("the server holds %d records after applying the late UPDATE, had %d; want 2 more", got, before)
	}
}
