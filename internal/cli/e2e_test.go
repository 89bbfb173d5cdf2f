package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

// TestEndToEnd runs the scripts in testdata/e2e against real servers: each
// script gets its own BIND and Knot serving example.com., and a
// zonecast.yaml naming them (provider names bind and knot) and a zone-file
// target (files). Extra commands:
//
//	exits N zonecast ARGS...   run zonecast and check its exit status is N
//	axfr-equals SERVER FILE    an AXFR from SERVER (bind or knot) holds FILE's RRsets
//	server stop|start SERVER   stop or start a server (same port, same data)
func TestEndToEnd(t *testing.T) {
	dnstest.Tool(t, "named")
	dnstest.Tool(t, "knotd")
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/e2e",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			servers := map[string]*dnstest.Server{
				"bind": dnstest.StartBIND(t, map[string]string{"example.com.": providertest.Head}),
				"knot": dnstest.StartKnot(t, map[string]string{"example.com.": providertest.Head}),
			}
			env.Values["servers"] = servers
			var cfg strings.Builder
			cfg.WriteString("providers:\n")
			for _, name := range []string{"bind", "knot"} {
				s := servers[name]
				env.Setenv(strings.ToUpper(name)+"_TSIG", s.Secret)
				fmt.Fprintf(&cfg, "  %s:\n    type: rfc2136\n    server: %s\n    tsig: {name: %s, algorithm: %s, secret: env:%s_TSIG}\n    nameservers: [ns-%s.example.com.@%s]\n",
					name, s.Addr, s.KeyName, s.KeyAlg, strings.ToUpper(name), name, s.Addr)
			}
			cfg.WriteString("  files:\n    type: zonefile\n    directory: out\n")
			cfg.WriteString("zones:\n  - origin: example.com.\n    file: example.com.zone\n    providers: [bind, knot, files]\n")
			return os.WriteFile(filepath.Join(env.WorkDir, "zonecast.yaml"), []byte(cfg.String()), 0o644)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": exitsCmd,
			"axfr-equals": func(ts *testscript.TestScript, neg bool, args []string) {
				s := ts.Value("servers").(map[string]*dnstest.Server)[args[0]]
				rrs := s.AXFR(t, "example.com.")
				served, err := zones.FromRRs("example.com.", rrs)
				ts.Check(err)
				z, diags, err := zones.ParseFile(ts.MkAbs(args[1]), zones.Options{Origin: "example.com."})
				ts.Check(err)
				ts.Check(diags.Err())
				if diff := cmp.Diff(withoutSOA(z.RRsets()), withoutSOAValues(served)); diff != "" {
					ts.Fatalf("%s serves other RRsets than %s (-file +served):\n%s", args[0], args[1], diff)
				}
			},
			"server": func(ts *testscript.TestScript, neg bool, args []string) {
				s := ts.Value("servers").(map[string]*dnstest.Server)[args[1]]
				switch args[0] {
				case "stop":
					s.Stop()
				case "start":
					s.Start()
				default:
					ts.Fatalf("usage: server stop|start NAME")
				}
			},
		},
	})
}

// exitsCmd runs a command and checks its exit status: exits N cmd args...
func exitsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exits N command args...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	checkExit(ts, ts.Exec(args[1], args[2:]...), want)
}

// checkExit fails the script unless err, from running a command, is exit
// status want (nil for 0).
func checkExit(ts *testscript.TestScript, err error, want int) {
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%v", err)
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// withoutSOA lists RRsets as lines, leaving out the SOA, which the server
// keeps for itself.
func withoutSOA(sets []*zones.RRset) []string {
	var out []string
	for _, s := range sets {
		if s.Type == 6 || strings.HasPrefix(s.Name, failover.StateLabel+".") {
			continue // the SOA is the server's; the failover state zonecast's
		}
		out = append(out, fmt.Sprintf("%s %d %s %s", s.Name, s.TTL, s.TypeString(), strings.Join(s.Data, " | ")))
	}
	return out
}

func withoutSOAValues(sets []zones.RRset) []string {
	ptrs := make([]*zones.RRset, len(sets))
	for i := range sets {
		ptrs[i] = &sets[i]
	}
	return withoutSOA(ptrs)
}
