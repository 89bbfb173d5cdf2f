package rfc2136_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/rfc2136"
	"github.com/zonecast/zonecast/zones"
)

const (
	hostileKey    = "zonecast-test."
	hostileSecret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
)

// hostile starts a misbehaving server for origin and returns it with a
// provider pointed at it (cfg.Timeout 2s and one attempt unless set).
func hostile(t *testing.T, h dnstest.HostileConfig, cfg rfc2136.Config) (*dnstest.Hostile, *rfc2136.Provider) {
	t.Helper()
	h.Origin, h.KeyName, h.Secret = origin, hostileKey, hostileSecret
	if h.Records == nil {
		h.Records = rrs(t, providertest.Head)
	}
	s, err := dnstest.StartHostile(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cfg.Server = s.Addr()
	if cfg.TSIG.Name == "" {
		cfg.TSIG = rfc2136.TSIG{Name: hostileKey, Algorithm: "hmac-sha256", Secret: providers.NewSecret(hostileSecret)}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 1
	}
	p, err := rfc2136.New("hostile", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func rrs(t *testing.T, text string) []dns.RR {
	t.Helper()
	var out []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		out = append(out, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// changes is a plan of n new TXT sets.
func changes(t *testing.T, n int) []providers.Change {
	t.Helper()
	var out []providers.Change
	for i := range n {
		out = append(out, providers.Change{Set: zones.RRset{Name: fmt.Sprintf("h%d.%s", i, origin), Type: dns.TypeTXT, TTL: 300, Data: []string{`"x"`}}})
	}
	return out
}

// within runs f and fails the test if it takes longer than limit: a
// generous bound that only catches a hang.
func within[T any](t *testing.T, limit time.Duration, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(limit):
		t.Fatalf("still running after %v", limit)
		panic("unreachable")
	}
}

func wantErr(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error; want one saying %q", what, want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q\ndoes not say %q", what, err, w)
		}
	}
}

// TestHostileAXFR: each way a server can misbehave in a transfer ends
// Records with an error that says what happened, never a zone.
func TestHostileAXFR(t *testing.T) {
	tests := []struct {
		name string
		h    dnstest.HostileConfig
		cfg  rfc2136.Config
		want []string
		is   func(error) bool
	}{
		{name: "hang", h: dnstest.HostileConfig{AXFR: dnstest.Hang}, cfg: rfc2136.Config{Timeout: 300 * time.Millisecond},
			want: []string{"AXFR example.com. at 127.0.0.1:", "timeout"}},
		{name: "garbage", h: dnstest.HostileConfig{AXFR: dnstest.Garbage}, want: []string{"a malformed reply"}},
		{name: "badtime", h: dnstest.HostileConfig{AXFR: dnstest.BadTime, Skew: time.Hour},
			want: []string{"clock skew: the server's clock is ", " s ahead of this machine's (TSIG allows 300 s); fix the clock (NTP)"},
			is:   skewNear(time.Hour)},
		{name: "badtime behind", h: dnstest.HostileConfig{AXFR: dnstest.BadTime, Skew: -2 * time.Hour},
			want: []string{" s behind this machine's"}, is: skewNear(-2 * time.Hour)},
		{name: "endless", h: dnstest.HostileConfig{AXFR: dnstest.Endless}, cfg: rfc2136.Config{MaxTransferBytes: 4 << 20},
			want: []string{"passed 4194304 bytes", "raise providers.hostile.max_transfer_bytes"},
			is:   func(err error) bool { var e *rfc2136.TransferTooLargeError; return errors.As(err, &e) }},
		{name: "slow", h: dnstest.HostileConfig{AXFR: dnstest.Slow, Interval: 50 * time.Millisecond}, cfg: rfc2136.Config{TransferTimeout: 500 * time.Millisecond},
			want: []string{"the zone transfer did not finish within 500ms (providers.hostile.transfer_timeout)"},
			is:   func(err error) bool { var e *providers.TimeoutError; return errors.As(err, &e) }},
		{name: "unsigned", h: dnstest.HostileConfig{AXFR: dnstest.Unsigned},
			want: []string{"the reply (NOERROR) is not signed with key zonecast-test. (RFC 8945 §5.3); is something between zonecast and the server?"}},
		{name: "unsigned refused", h: dnstest.HostileConfig{AXFR: dnstest.UnsignedRefused},
			want: []string{"the reply (REFUSED) is not signed with key zonecast-test."}},
		{name: "bad signature", h: dnstest.HostileConfig{AXFR: dnstest.BadSignature},
			want: []string{"signature does not verify with key zonecast-test."}},
		{name: "100 unsigned in a row", h: dnstest.HostileConfig{AXFR: dnstest.Normal, SignEvery: 101, PerMessage: 1, Records: bigZone(t, 300)},
			want: []string{"more than 99 messages in a row"}},
		{name: "wrong key name", h: dnstest.HostileConfig{AXFR: dnstest.Normal},
			cfg:  rfc2136.Config{TSIG: rfc2136.TSIG{Name: "other.", Algorithm: "hmac-sha256", Secret: providers.NewSecret(hostileSecret)}},
			want: []string{"the server does not know key other. (TSIG error BADKEY): check tsig.name and tsig.algorithm"}},
		{name: "wrong secret", h: dnstest.HostileConfig{AXFR: dnstest.Normal},
			cfg:  rfc2136.Config{TSIG: rfc2136.TSIG{Name: hostileKey, Algorithm: "hmac-sha256", Secret: providers.NewSecret("b3RoZXI=")}},
			want: []string{"the server says the signature is wrong (TSIG error BADSIG): check the secret (tsig.secret)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.MaxAttempts == 0 {
				tt.cfg.MaxAttempts = 3 // what must not be retried is not
			}
			s, p := hostile(t, tt.h, tt.cfg)
			got := within(t, time.Minute, func() error {
				_, err := p.Records(t.Context(), origin)
				return err
			})
			wantErr(t, "Records", got, tt.want...)
			if strings.Contains(got.Error(), hostileSecret) {
				t.Errorf("the error carries the secret: %v", got)
			}
			if tt.is != nil && !tt.is(got) {
				t.Errorf("error %T %v is not of the expected type", got, got)
			}
			if n, _ := s.Counts(); tt.name != "hang" && n != 1 {
				t.Errorf("%d AXFR requests; want 1: this failure is not retried", n)
			}
		})
	}
}

// skewNear accepts a clock-skew error within a second of skew (the two
// clocks are read a moment apart, each to the second).
func skewNear(skew time.Duration) func(error) bool {
	return func(err error) bool {
		var e *rfc2136.TSIGError
		return errors.As(err, &e) && e.Problem == rfc2136.ClockSkew && (e.Skew-skew).Abs() <= time.Second
	}
}

// bigZone is the test head and n A records.
func bigZone(t *testing.T, n int) []dns.RR {
	t.Helper()
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range n {
		fmt.Fprintf(&b, "a%d A 192.0.2.%d\n", i, i%250+1)
	}
	return rrs(t, b.String())
}

// TestSparselySignedTransfer: a transfer with 99 unsigned messages
// between signed ones, as RFC 8945 §5.3.1 allows (NSD signs one in 96),
// is accepted, the MAC of each signed message covering the unsigned ones
// before it.
func TestSparselySignedTransfer(t *testing.T) {
	zone := bigZone(t, 1000)
	_, p := hostile(t, dnstest.HostileConfig{SignEvery: 100, PerMessage: 3, Records: zone}, rfc2136.Config{})
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatalf("a transfer signed every 100th message: %v", err)
	}
	if n := countRRs(sets); n != len(zone) {
		t.Errorf("%d records transferred, want %d", n, len(zone))
	}
}

func countRRs(sets []zones.RRset) int {
	n := 0
	for _, s := range sets {
		n += len(s.Data)
	}
	return n
}

// TestNormalHostile: the well-behaved hostile server reads and writes like
// a real one: apply, then plan again, expect nothing.
func TestNormalHostile(t *testing.T) {
	_, p := hostile(t, dnstest.HostileConfig{PerMessage: 7}, rfc2136.Config{})
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.9\nt TXT \"a\" \"b\"\n")
}

// TestHostileUpdate: an UPDATE whose reply is hung, garbled, unsigned,
// badly signed or a BADTIME is an error that says so, and nothing is
// counted as applied.
func TestHostileUpdate(t *testing.T) {
	tests := []struct {
		name string
		h    dnstest.HostileConfig
		cfg  rfc2136.Config
		want []string
		is   func(error) bool
	}{
		{name: "hang", h: dnstest.HostileConfig{Update: dnstest.Hang}, cfg: rfc2136.Config{Timeout: 300 * time.Millisecond, MaxWait: 500 * time.Millisecond},
			want: []string{"no answer to an UPDATE of example.com. from 127.0.0.1:", "UPDATE example.com. at 127.0.0.1:",
				"waiting for the answer did not finish within 500ms (providers.hostile.max_wait)", "not sent again, since the server may still apply it"},
			is: func(err error) bool {
				var u *rfc2136.UnansweredError
				var te *providers.TimeoutError
				return errors.As(err, &u) && errors.As(err, &te)
			}},
		{name: "garbage", h: dnstest.HostileConfig{Update: dnstest.Garbage}, want: []string{"a malformed reply"}},
		{name: "badtime", h: dnstest.HostileConfig{Update: dnstest.BadTime, Skew: time.Hour},
			want: []string{"UPDATE example.com. at 127.0.0.1:", "clock skew: the server's clock is ", " s ahead of this machine's (TSIG allows 300 s); fix the clock (NTP)"},
			is:   skewNear(time.Hour)},
		{name: "unsigned noerror", h: dnstest.HostileConfig{Update: dnstest.Unsigned},
			want: []string{"UPDATE example.com. at 127.0.0.1:", "the reply (NOERROR) is not signed with key zonecast-test. (RFC 8945 §5.3); is something between zonecast and the server?"}},
		{name: "unsigned refused", h: dnstest.HostileConfig{Update: dnstest.UnsignedRefused},
			want: []string{"the reply (REFUSED) is not signed with key zonecast-test.", "check tsig.name, tsig.secret"}},
		{name: "bad signature", h: dnstest.HostileConfig{Update: dnstest.BadSignature},
			want: []string{"signature does not verify with key zonecast-test."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.MaxAttempts == 0 {
				tt.cfg.MaxAttempts = 3
			}
			s, p := hostile(t, tt.h, tt.cfg)
			before := s.Records()
			var applied int
			err := within(t, time.Minute, func() error {
				var err error
				applied, err = p.Apply(t.Context(), origin, changes(t, 10))
				return err
			})
			wantErr(t, "Apply", err, tt.want...)
			if tt.is != nil && !tt.is(err) {
				t.Errorf("error %T %v is not what was expected", err, err)
			}
			if applied != 0 {
				t.Errorf("%d of 10 counted as applied; want 0", applied)
			}
			if _, n := s.Counts(); n != 1 {
				t.Errorf("%d UPDATE requests; want 1: this failure is not retried", n)
			}
			if after := s.Records(); len(after) != len(before) {
				t.Errorf("the server holds %d records, had %d", len(after), len(before))
			}
		})
	}
}

// TestCancelSlowTransfer: a context cancelled during a slow transfer
// ends Records at once with the context's error, the connection closed.
func TestCancelSlowTransfer(t *testing.T) {
	s, p := hostile(t, dnstest.HostileConfig{AXFR: dnstest.Slow, Interval: time.Second}, rfc2136.Config{Timeout: time.Minute, MaxAttempts: 4})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// Cancel once the transfer is under way.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if n, _ := s.Counts(); n > 0 {
				break
			}
		}
		cancel()
	}()
	err := within(t, 30*time.Second, func() error {
		_, err := p.Records(ctx, origin)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Records cancelled: %v; want context.Canceled", err)
	}
	if n, _ := s.Counts(); n != 1 {
		t.Errorf("%d AXFR requests; want 1 (a cancelled transfer is not retried)", n)
	}
}

// TestCancelHungUpdate: a context cancelled while an UPDATE waits for a
// reply that never comes ends Apply at once, nothing applied.
func TestCancelHungUpdate(t *testing.T) {
	s, p := hostile(t, dnstest.HostileConfig{Update: dnstest.Hang}, rfc2136.Config{Timeout: time.Minute, MaxAttempts: 4})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, n := s.Counts(); n > 0 {
				break
			}
		}
		cancel()
	}()
	var applied int
	err := within(t, 30*time.Second, func() error {
		var err error
		applied, err = p.Apply(ctx, origin, changes(t, 3))
		return err
	})
	if !errors.Is(err, context.Canceled) || applied != 0 {
		t.Errorf("Apply cancelled: %d applied, %v; want 0, context.Canceled", applied, err)
	}
}

// TestEndlessTransferMemory: cut off at 64 MiB, an endless transfer holds
// no more than the records read so far.
func TestEndlessTransferMemory(t *testing.T) {
	_, p := hostile(t, dnstest.HostileConfig{AXFR: dnstest.Endless}, rfc2136.Config{MaxTransferBytes: 64 << 20})
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}()
	_, err := p.Records(t.Context(), origin)
	close(stop)
	<-sampled
	var big *rfc2136.TransferTooLargeError
	if !errors.As(err, &big) {
		t.Fatalf("an endless transfer: %v; want the max_transfer_bytes error", err)
	}
	// The records of 64 MiB of messages take a few times that parsed;
	// the bound only catches a reader that does not stop.
	if peak > 2<<30 {
		t.Errorf("heap peaked at %d MiB reading 64 MiB", peak>>20)
	}
	t.Logf("heap peak %d MiB", peak>>20)
}

// TestTransferLimitsValidated: negative limits are refused, naming the key.
func TestTransferLimitsValidated(t *testing.T) {
	tsig := rfc2136.TSIG{Name: hostileKey, Algorithm: "hmac-sha256", Secret: providers.NewSecret(hostileSecret)}
	for key, c := range map[string]rfc2136.Config{
		"transfer_timeout":   {Server: "127.0.0.1:53", TSIG: tsig, TransferTimeout: -time.Second},
		"max_transfer_bytes": {Server: "127.0.0.1:53", TSIG: tsig, MaxTransferBytes: -1},
	} {
		_, err := rfc2136.New("x", c)
		wantErr(t, key, err, key)
	}
}
