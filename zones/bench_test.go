package zones_test

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/zones"
)

// The benchmarks read zones made by ../shared/bench/genzone into
// $ZONECAST_BENCH_DIR/<records>/base.zone; `make bench` makes them.
func benchFiles(b *testing.B) map[int]string {
	dir := os.Getenv("ZONECAST_BENCH_DIR")
	if dir == "" {
		b.Skip("ZONECAST_BENCH_DIR is not set; run `make bench`")
	}
	files := map[int]string{}
	for _, n := range []int{10000, 100000, 1000000} {
		p := filepath.Join(dir, strconv.Itoa(n), "base.zone")
		if _, err := os.Stat(p); err == nil {
			files[n] = p
		}
	}
	if len(files) == 0 {
		b.Fatalf("no generated zones under %s", dir)
	}
	return files
}

// BenchmarkParse measures zones.ParseFile (parse, canonicalise, validate)
// and, in the same run, the bare miekg/dns ZoneParser loop keeping every RR:
// the floor for any Go tool on miekg/dns. Reported per record: ns, bytes
// allocated, and bytes still held once the result is built (after a GC).
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{10000, 100000, 1000000} {
		path, ok := benchFiles(b)[n]
		if !ok {
			continue
		}
		b.Run("zonecast/"+strconv.Itoa(n), func(b *testing.B) {
			var z *zones.Zone
			for b.Loop() {
				var diags zones.Diagnostics
				var err error
				z, diags, err = zones.ParseFile(path, zones.Options{})
				if err != nil || diags.HasErrors() {
					b.Fatalf("%v %v", err, diags.Err())
				}
			}
			report(b, n, func() any { return z })
		})
		b.Run("miekg-floor/"+strconv.Itoa(n), func(b *testing.B) {
			var rrs []dns.RR
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				zp := dns.NewZoneParser(bufio.NewReaderSize(f, 64<<10), "", path)
				rrs = rrs[:0:0]
				for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
					rrs = append(rrs, rr)
				}
				f.Close()
				if err := zp.Err(); err != nil {
					b.Fatal(err)
				}
			}
			report(b, n, func() any { return rrs })
		})
	}
}

// report adds per-record figures; keep returns what the benchmark built, so
// that its memory is live while the heap is measured.
func report(b *testing.B, records int, keep func() any) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(records), "ns/record")
	b.StopTimer()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	held := m.HeapAlloc
	runtime.KeepAlive(keep())
	b.ReportMetric(float64(held)/float64(records), "heap-B/record")
}
