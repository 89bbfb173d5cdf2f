package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/zonecast/zonecast/internal/dnstest"
	cfemu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	r53emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

// clouds is what one script of TestEndToEndClouds runs against.
type clouds struct {
	bind   *dnstest.Server
	cf     *cfemu.Server
	r53    *r53emu.Server
	r53zid string
	// mark is the emulators' request counts at `api-calls mark`.
	mark map[string]int
}

// apiCalls are both emulators' request counts, "cloudflare GET /zones",
// "route53 ListHostedZones", … → requests.
func (c *clouds) apiCalls() map[string]int {
	out := map[string]int{}
	for k, n := range c.cf.Counts() {
		out["cloudflare "+k] = n
	}
	for k, n := range c.r53.Counts() {
		out["route53 "+k] = n
	}
	return out
}

// TestEndToEndClouds runs testdata/e2e-clouds against a Cloudflare
// emulator, a Route 53 emulator and a real BIND, all three in one
// zonecast.yaml (providers cloudflare, route53, bind). Extra commands:
//
//	exits N zonecast ARGS...       as in TestEndToEnd
//	stores-equal FILE              BIND's AXFR and both emulators' stores hold FILE's RRsets
//	                               (less what each provider owns: SOA, apex NS)
//	cloudflare down|up             the Cloudflare API answers 500 to everything, or works again
//	route53 duplicate-zone|pending DUR|config KEY VALUE
//	                               Route 53 account states and route53 provider settings
func TestEndToEndClouds(t *testing.T) {
	dnstest.Tool(t, "named")
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/e2e-clouds",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			c := &clouds{
				bind: dnstest.StartBIND(t, map[string]string{"example.com.": providertest.Head}),
				cf:   cfemu.New(cfemu.Options{Tokens: []string{"cf-test-token"}}),
				r53:  r53emu.New(r53emu.Options{}),
			}
			env.Defer(c.cf.Close)
			env.Defer(c.r53.Close)
			c.cf.AddZone("example.com")
			c.r53zid = c.r53.AddZone("example.com.")
			env.Values["clouds"] = c
			env.Setenv("CF_TOKEN", "cf-test-token")
			env.Setenv("AWS_KEY", "AKIDTEST")
			env.Setenv("AWS_SECRET", "aws-test-secret")
			env.Setenv("BIND_TSIG", c.bind.Secret)
			// Keep the AWS SDK away from the machine's own settings.
			env.Setenv("AWS_CONFIG_FILE", filepath.Join(env.WorkDir, "aws-config"))
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(env.WorkDir, "aws-credentials"))
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			cfg := fmt.Sprintf(`providers:
  cloudflare:
    type: cloudflare
    api_token: env:CF_TOKEN
    api_url: %s/client/v4
    requests_per_second: 1000
    max_attempts: 3
    timeout: 2s
  route53:
    type: route53
    access_key_id: env:AWS_KEY
    secret_access_key: env:AWS_SECRET
    endpoint: %s
    requests_per_second: 1000
  bind:
    type: rfc2136
    server: %s
    tsig: {name: %s, algorithm: %s, secret: env:BIND_TSIG}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [cloudflare, route53, bind]
`, c.cf.URL, c.r53.URL, c.bind.Addr, c.bind.KeyName, c.bind.KeyAlg)
			return os.WriteFile(filepath.Join(env.WorkDir, "zonecast.yaml"), []byte(cfg), 0o644)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": exitsCmd,
			"stores-equal": func(ts *testscript.TestScript, neg bool, args []string) {
				c := ts.Value("clouds").(*clouds)
				z, diags, err := zones.ParseFile(ts.MkAbs(args[0]), zones.Options{Origin: "example.com."})
				ts.Check(err)
				ts.Check(diags.Err())
				want := storeLines(t, ts, z.RRsets())
				bind, err := zones.FromRRs("example.com.", c.bind.AXFR(t, "example.com."))
				ts.Check(err)
				for name, got := range map[string][]string{
					"bind":       storeLines(t, ts, ptrs(bind)),
					"cloudflare": storeLines(t, ts, fromCF(ts, c.cf.Records("example.com"))),
					"route53":    storeLines(t, ts, fromR53(ts, c.r53.RRSets(c.r53zid))),
				} {
					if diff := cmp.Diff(want, got); diff != "" {
						ts.Fatalf("%s holds other RRsets than %s (-file +store):\n%s", name, args[0], diff)
					}
				}
			},
			"cloudflare": func(ts *testscript.TestScript, neg bool, args []string) {
				c := ts.Value("clouds").(*clouds)
				switch args[0] {
				case "down":
					c.cf.Inject(cfemu.Fault{Status: 500})
				case "fails-after-one-batch":
					c.cf.Inject(cfemu.Fault{Path: "/batch", Status: 400, After: 1})
				case "storm":
					c.cf.Inject(cfemu.Fault{Status: 429, RetryAfter: time.Second, Times: 2})
				case "hang":
					c.cf.Inject(cfemu.Fault{Latency: 5 * time.Second})
				case "slow":
					c.cf.Inject(cfemu.Fault{Path: "/batch", Latency: 400 * time.Millisecond})
				case "up":
					c.cf.ClearFaults()
				}
			},
			// cfrecord add NAME TYPE CONTENT: a proxied record with comment
			// "keep" and tag "team:web", as made in Cloudflare's dashboard.
			// cfrecord proxied NAME N: NAME has N records, all proxied.
			// cfrecord comment NAME CONTENT TEXT: that record's comment.
			"cfrecord": func(ts *testscript.TestScript, neg bool, args []string) {
				c := ts.Value("clouds").(*clouds)
				var at []cfemu.Record
				if len(args) > 1 {
					for _, r := range c.cf.Records("example.com") {
						if r.Name == args[1] {
							at = append(at, r)
						}
					}
				}
				switch {
				case len(args) == 4 && args[0] == "add":
					keep := "keep"
					c.cf.AddRecord("example.com", cfemu.Record{Name: args[1], Type: args[2], Content: args[3], Proxied: true, Comment: &keep, Tags: []string{"team:web"}})
				case len(args) == 3 && args[0] == "proxied":
					n, err := strconv.Atoi(args[2])
					ts.Check(err)
					if len(at) != n {
						ts.Fatalf("%s has %d records, want %d", args[1], len(at), n)
					}
					for _, r := range at {
						if !r.Proxied {
							ts.Fatalf("%s %s %s is not proxied: an edit un-proxied it", r.Name, r.Type, r.Content)
						}
					}
				case len(args) == 4 && args[0] == "comment":
					for _, r := range at {
						if r.Content == args[2] {
							if r.Comment == nil || *r.Comment != args[3] || !slices.Contains(r.Tags, "team:web") {
								ts.Fatalf("%s %s lost its comment or tags: %v %v", r.Name, r.Content, r.Comment, r.Tags)
							}
							return
						}
					}
					ts.Fatalf("no record %s %s", args[1], args[2])
				default:
					ts.Fatalf("usage: cfrecord add NAME TYPE CONTENT | proxied NAME N | comment NAME CONTENT TEXT")
				}
			},
			// route53 duplicate-zone: a second public hosted zone of
			// example.com. appears in the account (a leftover, not delegated).
			// route53 pending DUR: each change stays PENDING for DUR.
			// route53 config KEY VALUE: the route53 provider's KEY is VALUE
			// in zonecast.yaml, ZID in VALUE standing for the first zone's id.
			"route53": func(ts *testscript.TestScript, neg bool, args []string) {
				c := ts.Value("clouds").(*clouds)
				switch {
				case len(args) == 1 && args[0] == "duplicate-zone":
					c.r53.AddZone("example.com.")
				case len(args) == 2 && args[0] == "pending":
					d, err := time.ParseDuration(args[1])
					ts.Check(err)
					c.r53.SetPendingFor(d)
				case len(args) == 3 && args[0] == "config":
					file := ts.MkAbs("zonecast.yaml")
					text := ts.ReadFile(file)
					anchor := "\n  bind:\n" // the block after route53's
					if !strings.Contains(text, anchor) {
						ts.Fatalf("zonecast.yaml has no route53 block to extend")
					}
					line := "\n    " + args[1] + ": " + strings.ReplaceAll(args[2], "ZID", c.r53zid)
					text = strings.Replace(text, anchor, line+anchor, 1)
					ts.Check(os.WriteFile(file, []byte(text), 0o644))
				default:
					ts.Fatalf("usage: route53 duplicate-zone | pending DUR | config KEY VALUE")
				}
			},
			// many-zones N: N more zones, c0000.example. …, hosted at both
			// clouds, as the zone set zones/ served by cloudflare and
			// route53.
			"many-zones": func(ts *testscript.TestScript, neg bool, args []string) {
				c := ts.Value("clouds").(*clouds)
				n, err := strconv.Atoi(args[0])
				ts.Check(err)
				ts.Check(os.MkdirAll(ts.MkAbs("zones"), 0o755))
				for i := range n {
					origin := fmt.Sprintf("c%04d.example.", i)
					c.cf.AddZone(strings.TrimSuffix(origin, "."))
					c.r53.AddZone(origin)
					text := fmt.Sprintf("$TTL 300\n@ SOA ns1.example.net. hostmaster 1 7200 900 1209600 300\n@ NS ns1.example.net.\nwww A 192.0.2.%d\nmail MX 10 www\n", i%250+1)
					ts.Check(os.WriteFile(ts.MkAbs("zones/"+origin+"zone"), []byte(text), 0o644))
				}
				file := ts.MkAbs("zonecast.yaml")
				ts.Check(os.WriteFile(file, []byte(ts.ReadFile(file)+"  - {dir: zones, providers: [cloudflare, route53]}\n"), 0o644))
			},
			// api-calls mark | api-calls FILE: FILE gets the requests each
			// emulator endpoint received since the mark, a line each
			// ("cloudflare GET /zones 4"), sorted.
			"api-calls": func(ts *testscript.TestScript, neg bool, args []string) {
				c := ts.Value("clouds").(*clouds)
				if args[0] == "mark" {
					c.mark = c.apiCalls()
					return
				}
				var lines []string
				for k, n := range c.apiCalls() {
					if d := n - c.mark[k]; d > 0 {
						lines = append(lines, fmt.Sprintf("%s %d", k, d))
					}
				}
				slices.Sort(lines)
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
			},
			// no-secrets FILE...: no configured secret value appears in
			// the files nor in anything the script's commands printed.
			"no-secrets": func(ts *testscript.TestScript, neg bool, args []string) {
				c := ts.Value("clouds").(*clouds)
				secrets := []string{"cf-test-token", "aws-test-secret", "AKIDTEST", c.bind.Secret}
				texts := []string{ts.ReadFile("stdout"), ts.ReadFile("stderr")}
				for _, f := range args {
					texts = append(texts, ts.ReadFile(f))
				}
				for _, secret := range secrets {
					for _, text := range texts {
						if strings.Contains(text, secret) {
							ts.Fatalf("a secret (%.4s…) appears in zonecast's output", secret)
						}
					}
				}
			},
			// bigzone N FILE writes a zone of the head and N A records.
			"bigzone": func(ts *testscript.TestScript, neg bool, args []string) {
				n, err := strconv.Atoi(args[0])
				ts.Check(err)
				var b strings.Builder
				b.WriteString(providertest.Head)
				for i := range n {
					fmt.Fprintf(&b, "h%d A 192.0.2.%d\n", i, i%250+1)
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(b.String()), 0o644))
			},
		},
	})
}

func ptrs(sets []zones.RRset) []*zones.RRset {
	out := make([]*zones.RRset, len(sets))
	for i := range sets {
		out[i] = &sets[i]
	}
	return out
}

// storeLines lists RRsets as lines, leaving out the SOA and the apex NS,
// which each provider keeps for itself.
func storeLines(t *testing.T, ts *testscript.TestScript, sets []*zones.RRset) []string {
	var out []string
	for _, s := range sets {
		if s.Type == dns.TypeSOA || s.Type == dns.TypeNS && s.Name == "example.com." {
			continue
		}
		out = append(out, fmt.Sprintf("%s %d %s %s", s.Name, s.TTL, s.TypeString(), strings.Join(s.Data, " | ")))
	}
	slices.Sort(out)
	return out
}

// fromCF reads the Cloudflare emulator's store as zone-file records.
func fromCF(ts *testscript.TestScript, recs []cfemu.Record) []*zones.RRset {
	var rrs []dns.RR
	for _, r := range recs {
		data := r.Content
		switch r.Type {
		case "MX":
			data = fmt.Sprintf("%d %s.", *r.Priority, r.Content)
		case "CNAME", "NS", "PTR":
			data += "."
		case "SRV":
			data = fmt.Sprintf("%v %v %v %v.", r.Data["priority"], r.Data["weight"], r.Data["port"], r.Data["target"])
		}
		rr, err := dns.NewRR(fmt.Sprintf("%s. %d IN %s %s", r.Name, r.TTL, r.Type, data))
		ts.Check(err)
		rrs = append(rrs, rr)
	}
	sets, err := zones.FromRRs("example.com.", rrs)
	ts.Check(err)
	return ptrs(sets)
}

// fromR53 reads the Route 53 emulator's store as zone-file records.
func fromR53(ts *testscript.TestScript, sets []r53emu.RRSet) []*zones.RRset {
	var rrs []dns.RR
	for _, s := range sets {
		for _, v := range s.Values {
			rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", s.Name, s.TTL, s.Type, v))
			ts.Check(err)
			rrs = append(rrs, rr)
		}
	}
	out, err := zones.FromRRs("example.com.", rrs)
	ts.Check(err)
	return ptrs(out)
}
