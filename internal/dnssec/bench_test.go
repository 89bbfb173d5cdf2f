package dnssec

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// benchZone is a zone of n records: n-2 hosts with one A record each,
// besides the SOA and NS.
func benchZone(n int) string {
	var b strings.Builder
	b.WriteString("$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n@ IN NS ns1\n")
	for i := range n - 2 {
		fmt.Fprintf(&b, "h%d IN A 192.0.%d.%d\n", i, i/250%250, i%250+1)
	}
	return b.String()
}

// BenchmarkSign10k signs a 10,000-record zone with an ECDSA KSK and ZSK:
// from scratch (nothing served yet), and again with the provider serving
// the first result and nothing changed (every signature verified and
// reused).
func BenchmarkSign10k(b *testing.B) {
	z := parse(b, benchZone(10_000))
	keys := []*Key{testKSK, testZSK}
	b.Run("scratch", func(b *testing.B) {
		for b.Loop() {
			sign(b, z, keys, nil, nil, now)
		}
	})
	first, _ := sign(b, z, keys, nil, nil, now)
	current := sets(first)
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			_, st := sign(b, z, keys, nil, current, now.Add(time.Hour))
			if st.Signed != 0 {
				b.Fatalf("stats %+v: want nothing signed", st)
			}
		}
	})
	b.Run("unchanged-trusted", func(b *testing.B) {
		for b.Loop() {
			_, st, err := Sign(z, keys, nil, current, now.Add(time.Hour), Options{TrustCurrent: true})
			if err != nil || st.Signed != 0 {
				b.Fatalf("stats %+v, %v: want nothing signed", st, err)
			}
		}
	})
	b.Run("scratch-ed25519", func(b *testing.B) {
		k := mustKey(dns.ED25519, false)
		for b.Loop() {
			sign(b, z, []*Key{k}, nil, nil, now)
		}
	})
}
