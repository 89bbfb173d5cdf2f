package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/dnstest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		// As cmd/zonecast does: SIGINT and SIGTERM cancel the context.
		"zonecast": func() {
			ctx, stop := SignalContext(os.Stderr, os.Exit)
			code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		},
	})
}

// held are the locks hold-lock took, per script.
var held = map[*testscript.TestScript]*apply.Lock{}

// TestScripts runs the CLI behaviour scripts in testdata/script, one .txtar
// file per behaviour, named after what it proves.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": exitsCmd,
			// hold-lock ZONE takes the zone's apply lock, as another
			// zonecast would; release-lock gives it back.
			"hold-lock": func(ts *testscript.TestScript, neg bool, args []string) {
				l, err := apply.Acquire(ts.MkAbs(".zonecast/locks"), args[0])
				ts.Check(err)
				ts.Setenv("HELD", "1")
				held[ts] = l
			},
			"release-lock": func(ts *testscript.TestScript, neg bool, args []string) {
				ts.Check(held[ts].Release())
			},
			"hostile":    hostileCmd,
			"gen-zones":  genZonesCmd,
			"json-lines": jsonLinesCmd,
			// edit-json FILE changes one value in a saved plan, as a
			// careless or malicious edit would.
			"edit-json": func(ts *testscript.TestScript, neg bool, args []string) {
				b, err := os.ReadFile(ts.MkAbs(args[0]))
				ts.Check(err)
				edited := strings.Replace(string(b), `"ttl": 300`, `"ttl": 30`, 1)
				if edited == string(b) {
					edited = strings.Replace(string(b), `"zone": "example.com."`, `"zone": "example.org."`, 1)
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(edited), 0o644))
			},
		},
	})
}

// hostileCmd is `hostile AXFR UPDATE [SKEW]`: it starts a misbehaving DNS
// server (dnstest.Hostile) for example.com. that answers AXFR and UPDATE as
// the behaviours named say ("hang", "normal", …; SKEW is the server clock's
// offset for "badtime"). $HOSTILE_ADDR is its address, $TSIG_SECRET its
// key's secret (key name zonecast.).
func hostileCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: hostile AXFR-BEHAVIOUR UPDATE-BEHAVIOUR [SKEW]")
	}
	var skew time.Duration
	if len(args) == 3 {
		var err error
		skew, err = time.ParseDuration(args[2])
		ts.Check(err)
	}
	axfr, err := dnstest.ParseBehaviour(args[0])
	ts.Check(err)
	update, err := dnstest.ParseBehaviour(args[1])
	ts.Check(err)
	secret := base64.StdEncoding.EncodeToString([]byte("hostile-test-key-0123456789abcdef"))
	h, err := dnstest.StartHostile(dnstest.HostileConfig{Origin: "example.com.", KeyName: "zonecast.", Secret: secret,
		AXFR: axfr, Update: update, Skew: skew, Interval: 500 * time.Millisecond})
	ts.Check(err)
	ts.Defer(func() { h.Close() })
	ts.Setenv("HOSTILE_ADDR", h.Addr())
	ts.Setenv("TSIG_SECRET", secret)
}

// jsonLinesCmd is `json-lines FILE`: every line of FILE (a copy of a
// command's stderr) is one JSON object with time, level and msg, as
// log/slog's JSON handler writes them, and there is at least one.
func jsonLinesCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: json-lines FILE")
	}
	text := ts.ReadFile(args[0])
	if text == "" {
		ts.Fatalf("%s is empty", args[0])
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			ts.Fatalf("%s:%d is not a JSON object: %q (%v)", args[0], i+1, line, err)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				ts.Fatalf("%s:%d has no %q: %s", args[0], i+1, k, line)
			}
		}
	}
}

// genZonesCmd is `gen-zones N AT-ONCE`: it writes N small zones
// (zones/zNNNN.example.zone, origins zNNNN.example.) and zonecast.yaml
// listing them, served by two zone-file providers (out/a, out/b), with
// limits.zones_at_once AT-ONCE, so that runs go in batches.
func genZonesCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: gen-zones N AT-ONCE")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	ts.Check(os.MkdirAll(ts.MkAbs("zones"), 0o755))
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "providers:\n  a: {type: zonefile, directory: out/a}\n  b: {type: zonefile, directory: out/b}\nlimits: {zones_at_once: %s}\nzones:\n", args[1])
	for i := range n {
		name := fmt.Sprintf("z%04d.example", i)
		zone := fmt.Sprintf("$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns1.example.net.\n@ NS ns2.example.org.\nwww A 192.0.2.%d\n", i%250+1)
		ts.Check(os.WriteFile(ts.MkAbs("zones/"+name+".zone"), []byte(zone), 0o644))
		fmt.Fprintf(&cfg, "  - {origin: %s., file: zones/%s.zone, providers: [a, b]}\n", name, name)
	}
	ts.Check(os.WriteFile(ts.MkAbs("zonecast.yaml"), []byte(cfg.String()), 0o644))
}
