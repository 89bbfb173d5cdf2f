// Command zonecast-emulator serves emulations of the Cloudflare and Route 53
// DNS APIs on loopback, the same ones zonecast's tests use, so that the
// cloud drivers can be tried without an account:
//
//	zonecast-emulator --zone example.com --config-out clouds.yaml
//	zonecast apply --config clouds.yaml --yes
//
// It prints the two API addresses, writes a zonecast.yaml that points the
// cloudflare and route53 drivers at them (with a zone-file provider beside
// them), and serves until SIGINT or SIGTERM. Nothing leaves the machine;
// the data lives in memory and is gone when it stops. --fault injects a
// fault for trying the retry paths: cf-429 (Cloudflare answers 429 to the
// next 3 requests) or r53-throttle (Route 53 answers Throttling to the next
// 3). --zones N adds N generated zones of --zone-records records to both
// clouds, for trying accounts that hold many; --counts prints the requests
// each endpoint received when it stops. --dnssec signs the --zone zones at
// both clouds: Cloudflare's DNSSEC active with multi-signer DNSSEC on (it
// takes other signers' DNSKEYs), Route 53 signing with one KSK (it takes
// none).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	cfemu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	r53emu "github.com/zonecast/zonecast/internal/emulator/route53"
)

// Token and the AWS keys are what the emulators accept; they are not
// secrets, and the written configuration reads them from the environment
// as a real one would.
const (
	Token     = "emulator-token"
	AWSKey    = "AKIDEMULATOR"
	AWSSecret = "emulator-secret"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "zonecast-emulator:", err)
		os.Exit(1)
	}
}

// zonesFlag is a repeatable --zone.
type zonesFlag []string

func (z *zonesFlag) String() string     { return strings.Join(*z, ",") }
func (z *zonesFlag) Set(v string) error { *z = append(*z, strings.TrimSuffix(v, ".")); return nil }

// serve runs the emulators until ctx is done; ready, when not nil, is
// closed once they listen and the configuration is written.
func serve(ctx context.Context, args []string, out io.Writer, ready chan<- struct{}) error {
	fs := flag.NewFlagSet("zonecast-emulator", flag.ContinueOnError)
	var zs zonesFlag
	fs.Var(&zs, "zone", "a zone both emulated clouds host, empty (repeatable; default example.com)")
	configOut := fs.String("config-out", "", "write a zonecast.yaml for the emulated clouds here")
	zoneFile := fs.String("zone-file", "example.com.zone", "the zone file the written configuration names (relative to it)")
	fault := fs.String("fault", "", "inject a fault: cf-429 or r53-throttle")
	r53Duplicate := fs.Bool("r53-duplicate-zone", false, "Route 53 holds a second public hosted zone of each name, as a leftover would (zonecast then asks for hosted_zone_ids)")
	r53Pending := fs.Duration("r53-pending", 0, "Route 53 reports each change PENDING for this long before INSYNC (the real service: usually under 60s)")
	many := fs.Int("zones", 0, "also host this many generated zones, zone00000.example. on, at both clouds (not in the written configuration: they have no zone files)")
	manyRecords := fs.Int("zone-records", 50, "records of each generated zone (--zones)")
	signed := fs.Bool("dnssec", false, "sign the --zone zones at both clouds: Cloudflare with multi-signer DNSSEC on, Route 53 with one KSK")
	counts := fs.Bool("counts", false, "print the requests each API endpoint received when stopping")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(zs) == 0 {
		zs = zonesFlag{"example.com"}
	}
	cf := cfemu.New(cfemu.Options{Tokens: []string{Token}})
	defer cf.Close()
	r53 := r53emu.New(r53emu.Options{})
	defer r53.Close()
	for _, z := range zs {
		cf.AddZone(z)
		id := r53.AddZone(z + ".")
		if *signed {
			cf.SetDNSSEC(z, "active", true)
			r53.EnableSigning(id, "zonecast-emulator")
		}
		if *r53Duplicate {
			r53.AddZone(z + ".")
		}
	}
	if *many < 0 || *manyRecords < 3 {
		return fmt.Errorf("--zones %d --zone-records %d: want zones >= 0 and records >= 3", *many, *manyRecords)
	}
	if *many > 0 {
		cf.AddZones(*many, *manyRecords)
		r53.AddZones(*many, *manyRecords)
	}
	r53.SetPendingFor(*r53Pending)
	switch *fault {
	case "":
	case "cf-429":
		cf.Inject(cfemu.Fault{Status: 429, Times: 3})
	case "r53-throttle":
		r53.Inject(r53emu.Fault{Status: 400, Code: "Throttling", Times: 3})
	default:
		return fmt.Errorf("--fault %q: want cf-429 or r53-throttle", *fault)
	}
	fmt.Fprintf(out, "Cloudflare API: %s/client/v4 (token %s)\n", cf.URL, Token)
	fmt.Fprintf(out, "Route 53 API:   %s (access key %s, secret %s)\n", r53.URL, AWSKey, AWSSecret)
	fmt.Fprintf(out, "zones: %s\n", strings.Join(zs, ", "))
	if *signed {
		fmt.Fprintln(out, "DNSSEC: signed at Cloudflare (multi-signer on) and at Route 53 (one KSK)")
	}
	if *many > 0 {
		fmt.Fprintf(out, "generated zones: %d of %d records, zone00000.example. to zone%05d.example.\n", *many, *manyRecords, *many-1)
	}
	if *configOut != "" {
		if err := os.WriteFile(*configOut, []byte(Config(cf.URL, r53.URL, zs, *zoneFile)), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s; in another shell:\n  export EMULATOR_CF_TOKEN=%s EMULATOR_AWS_KEY=%s EMULATOR_AWS_SECRET=%s\n  zonecast apply --config %s --yes\n",
			*configOut, Token, AWSKey, AWSSecret, *configOut)
	}
	if ready != nil {
		close(ready)
	}
	<-ctx.Done()
	if *counts {
		printCounts(out, "Cloudflare", cf.Counts())
		printCounts(out, "Route 53", r53.Counts())
	}
	return nil
}

// printCounts writes one line per endpoint, sorted.
func printCounts(out io.Writer, api string, c map[string]int) {
	for _, k := range slices.Sorted(maps.Keys(c)) {
		fmt.Fprintf(out, "%s requests: %-40s %d\n", api, k, c[k])
	}
}

// Config is a zonecast.yaml for the emulated clouds at cfURL and r53URL and
// a zone-file provider (directory out/files beside it), for the zones.
func Config(cfURL, r53URL string, zones []string, zoneFile string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by zonecast-emulator: the cloud drivers against emulated APIs on
# loopback. Credentials come from the environment, as in a real setup.
providers:
  cloudflare:
    type: cloudflare
    api_token: env:EMULATOR_CF_TOKEN
    api_url: %s/client/v4
    requests_per_second: 100
  route53:
    type: route53
    access_key_id: env:EMULATOR_AWS_KEY
    secret_access_key: env:EMULATOR_AWS_SECRET
    endpoint: %s
    requests_per_second: 100
  files:
    type: zonefile
    directory: out/files
zones:
`, cfURL, r53URL)
	for i, z := range zones {
		file := zoneFile
		if i > 0 {
			file = z + ".zone"
		}
		fmt.Fprintf(&b, "  - origin: %s.\n    file: %s\n    providers: [cloudflare, route53, files]\n", z, filepath.ToSlash(file))
	}
	return b.String()
}
