package rfc2136_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

// BenchmarkApplyBIND applies a zone of 10k and of 100k records to a real
// BIND, from an empty zone (SOA, apex NS and their addresses), with
// zonecast's driver and with BIND's own nsupdate, and reports both side by
// side: UPDATE messages and seconds of each, and their ratios (zonecast
// over nsupdate). nsupdate is given the records the plan adds, addresses
// first, over TCP, with a `send` whenever the next record would take the
// compressed message past 48 KiB (see nsupdateScript for a second bound);
// 48KiB-min-messages is the count by that first bound alone. Each tool starts from a BIND of its own,
// started (untimed) for each iteration; ns/op is the two applies together.
//
// The zones are genzone's base.zone and empty.zone when ZONECAST_BENCH_DIR
// is set (`make bench`), and generated here (genZone) otherwise.
func BenchmarkApplyBIND(b *testing.B) {
	nsupdate := dnstest.Tool(b, "nsupdate")
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			full, empty := benchZones(b, n)
			var emptyText strings.Builder
			if err := zones.Write(&emptyText, empty); err != nil {
				b.Fatal(err)
			}
			origin := full.Origin
			var ours, theirs struct {
				messages int
				took     time.Duration
			}
			var changes, compressedOnly int
			for b.Loop() {
				b.StopTimer()
				s := dnstest.StartBIND(b, map[string]string{origin: emptyText.String()})
				p := provider(b, s)
				target := providertest.PlanOf(b.Context(), b, p, full)
				cs := apply.Order(target.Changes)
				changes = len(cs)
				before := p.Messages()
				start := time.Now()
				b.StartTimer()
				applied, err := p.Apply(b.Context(), origin, cs)
				b.StopTimer()
				ours.took += time.Since(start)
				if err != nil || applied != len(cs) {
					b.Fatalf("zonecast: %d of %d applied: %v", applied, len(cs), err)
				}
				ours.messages = int(p.Messages() - before)
				expectConverged(b, p, full, "zonecast")
				s.Stop()

				s = dnstest.StartBIND(b, map[string]string{origin: emptyText.String()})
				script, sends, least := nsupdateScript(b, s, origin, addRRs(b, cs))
				cmd := exec.CommandContext(b.Context(), nsupdate, "-v", "-t", "60",
					"-y", fmt.Sprintf("%s:%s:%s", s.KeyAlg, strings.TrimSuffix(s.KeyName, "."), s.Secret))
				cmd.Stdin = bytes.NewReader(script)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				start = time.Now()
				b.StartTimer()
				err = cmd.Run()
				b.StopTimer()
				theirs.took += time.Since(start)
				if err != nil {
					b.Fatalf("nsupdate: %v: %s", err, out.Bytes())
				}
				theirs.messages, compressedOnly = sends, least
				expectConverged(b, provider(b, s), full, "nsupdate")
				s.Stop()
				b.StartTimer()
			}
			iters := float64(b.N)
			b.ReportMetric(float64(changes), "rrsets")
			b.ReportMetric(float64(ours.messages), "zonecast-messages")
			b.ReportMetric(float64(theirs.messages), "nsupdate-messages")
			b.ReportMetric(ours.took.Seconds()/iters, "zonecast-s")
			b.ReportMetric(theirs.took.Seconds()/iters, "nsupdate-s")
			b.ReportMetric(float64(ours.messages)/float64(theirs.messages), "messages-ratio")
			// The messages the added records take at 48 KiB by miekg/dns's
			// compression alone, and zonecast's count over it.
			b.ReportMetric(float64(compressedOnly), "48KiB-min-messages")
			b.ReportMetric(float64(ours.messages)/float64(compressedOnly), "messages-ratio-48KiB-min")
			b.ReportMetric(ours.took.Seconds()/theirs.took.Seconds(), "time-ratio")
		})
	}
}

// benchZones is the full and the empty zone of about n records: genzone's
// when ZONECAST_BENCH_DIR is set, generated otherwise.
func benchZones(b *testing.B, n int) (full, empty *zones.Zone) {
	b.Helper()
	if os.Getenv("ZONECAST_BENCH_DIR") != "" {
		return providertest.BenchZone(b, n, "base.zone"), providertest.BenchZone(b, n, "empty.zone")
	}
	head, text := genZone("bench.example.", n)
	parse := func(text string) *zones.Zone {
		z, diags, err := zones.Parse(strings.NewReader(text), "gen.zone", zones.Options{Origin: "bench.example."})
		if err != nil || diags.HasErrors() {
			b.Fatal(err, diags.Err())
		}
		return z
	}
	return parse(text), parse(head)
}

// nsupdateScript is nsupdate's input adding rrs to origin at s, one
// `update add` a record, sent in the batches that batches finds: at most
// 48 KiB compressed by miekg/dns and, uncompressed, within what a TCP
// message holds. The second bound is there because BIND 9.18's nsupdate
// compresses less than miekg/dns does (it wrote the glue owners
// ns1.sub-N.bench.example. of genzone's 100k zone in full, 29 octets, where
// miekg/dns writes 12), so that a batch of 48 KiB by miekg/dns came to
// 63 KiB and more in nsupdate, which then stops with "dns_request_create:
// ran out of space". It returns the script, its number of sends, and the
// number of messages of 48 KiB compressed alone would take.
func nsupdateScript(b *testing.B, s *dnstest.Server, origin string, rrs []dns.RR) ([]byte, int, int) {
	b.Helper()
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		b.Fatal(err)
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "server %s %s\nzone %s\n", host, port, origin)
	sends := batches(b, origin, rrs, nsupdateLimit, dns.MaxMsgSize-512)
	for _, batch := range sends {
		for _, rr := range batch {
			fmt.Fprintf(&w, "update add %s\n", rr.String())
		}
		w.WriteString("send\n")
	}
	return w.Bytes(), len(sends), len(batches(b, origin, rrs, nsupdateLimit, 0))
}

// expectConverged fails the benchmark unless a new plan of full at p is
// empty: the tool applied every record.
func expectConverged(b *testing.B, p providers.Provider, full *zones.Zone, tool string) {
	b.Helper()
	if again := providertest.PlanOf(b.Context(), b, p, full); len(again.Changes) > 0 {
		b.Fatalf("after %s, a plan still has %d changes", tool, len(again.Changes))
	}
}

// BenchmarkRecordsBIND reads a zone of 100k records from a real BIND with
// one AXFR (TSIG-verified message by message), as every plan does.
func BenchmarkRecordsBIND(b *testing.B) {
	full, _ := benchZones(b, 100_000)
	var text strings.Builder
	if err := zones.Write(&text, full); err != nil {
		b.Fatal(err)
	}
	s := dnstest.StartBIND(b, map[string]string{full.Origin: text.String()})
	p := provider(b, s)
	for b.Loop() {
		sets, err := p.Records(b.Context(), full.Origin)
		if err != nil || len(sets) < len(full.Sets) {
			b.Fatalf("%d of %d RRsets read: %v", len(sets), len(full.Sets), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(full.Records()), "ns/record")
}
