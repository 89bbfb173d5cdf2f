package plan_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/zones"
)

// hugeZone is a zone of about n records of the kinds a large zone holds:
// hosts with A and AAAA, aliases, mail, services and, one name in twenty, a
// 2048-bit DKIM key in two strings. Same n, same text.
func hugeZone(t testing.TB, n int) *zones.Zone {
	t.Helper()
	var b strings.Builder
	b.WriteString("$TTL 3600\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 A 192.0.2.2\n")
	key := strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 5)
	for i, records := 0, 6; records < n; i++ {
		switch i % 20 {
		case 0:
			fmt.Fprintf(&b, "sel%d._domainkey 300 TXT \"v=DKIM1; k=rsa; p=%s\" \"%s%d\"\n", i, key, key[:60], i)
			records++
		case 1, 2, 3:
			fmt.Fprintf(&b, "alias-%d CNAME host-%d\n", i, i-1)
			records++
		case 4:
			fmt.Fprintf(&b, "_sip._tcp.svc-%d SRV 10 5 5060 host-%d\n", i, i-2)
			fmt.Fprintf(&b, "svc-%d MX 10 host-%d\n", i, i-3)
			records += 2
		default:
			fmt.Fprintf(&b, "host-%d A 10.%d.%d.%d\nhost-%d AAAA 2001:db8:%x::%x\n", i, i>>16&255, i>>8&255, i&255, i, i>>16, i&0xffff)
			records += 2
		}
	}
	z, diags, err := zones.Parse(strings.NewReader(b.String()), "huge.example.zone", zones.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("parse the huge zone: %v %v", err, diags.Err())
	}
	return z
}

// hugePlan is the plan that creates the huge zone at a provider that does
// not serve it yet: the first apply of a large zone.
func hugePlan(t testing.TB, n int) *plan.Plan {
	tg := plan.Compute(plan.Input{Desired: hugeZone(t, n), Provider: "cloudflare", Missing: true})
	return &plan.Plan{Targets: []*plan.Target{&tg}}
}

// changeLine is the first line of one RRset change in a diff block: a
// create or delete (owner TTL type data) or an update's header (owner type).
var changeLine = regexp.MustCompile(`^(?:[+-] (\S+) \d+ (\S+) |~ (\S+) (\S+) \(TTL)`)

// checkBlocks checks the markdown's code blocks: each diff block is closed,
// and each line in one starts with +, -, ~ or a space (GitHub's diff
// highlighting reads the first column). It returns the RRsets shown.
func checkBlocks(t *testing.T, md string) map[string]bool {
	t.Helper()
	shown := map[string]bool{}
	in := false
	for i, line := range strings.Split(md, "\n") {
		switch {
		case line == "```diff":
			if in {
				t.Fatalf("line %d: a diff block opens inside another", i+1)
			}
			in = true
		case line == "```":
			if !in {
				t.Fatalf("line %d: a block closes that is not open", i+1)
			}
			in = false
		case in:
			if line == "" || !strings.ContainsRune("+-~ ", rune(line[0])) {
				t.Fatalf("line %d in a diff block does not start with a marker: %q", i+1, line)
			}
			if m := changeLine.FindStringSubmatch(line); m != nil {
				shown[m[1]+m[3]+" "+m[2]+m[4]] = true
			}
		}
	}
	if in {
		t.Fatal("the markdown ends inside a diff block")
	}
	return shown
}

// A 20,000-record plan is written whole when asked (no cap), compact: one
// line per record, names relative to the zone. With the default cap it fits
// a GitHub comment, cut between RRsets, and says how much is left out and
// where the whole plan is.
func TestMarkdownHuge(t *testing.T) {
	p := hugePlan(t, 20000)
	total := p.Changes()

	var full bytes.Buffer
	if err := plan.WriteMarkdown(&full, p, plan.Style{MaxBytes: -1}); err != nil {
		t.Fatal(err)
	}
	records := 0
	for _, c := range p.Targets[0].Changes {
		records += len(c.After.Data)
	}
	t.Logf("uncapped markdown of a %d-record create plan (%d RRsets): %d bytes, %.1f a record", records, total, full.Len(), float64(full.Len())/float64(records))
	if got := len(checkBlocks(t, full.String())); got != total {
		t.Errorf("uncapped: %d RRset changes shown, want all %d", got, total)
	}
	if regexp.MustCompile(`(?m)^[+-] \S+\.huge\.example\. `).MatchString(full.String()) || strings.Contains(full.String(), "Left out") {
		t.Errorf("uncapped: owner names not relative, or something left out")
	}
	// The DKIM keys are most of it; the rest is a name, a TTL and a type.
	if per := full.Len() / records; per > 70 {
		t.Errorf("uncapped: %d bytes a record; want at most 70", per)
	}

	const whole = "`plan-full.md` in the artifacts of this run"
	var capped bytes.Buffer
	if err := plan.WriteMarkdown(&capped, p, plan.Style{FullPlan: whole}); err != nil {
		t.Fatal(err)
	}
	md := capped.String()
	t.Logf("capped markdown: %d bytes", len(md))
	if len(md) > plan.DefaultMaxBytes || len(md) < plan.DefaultMaxBytes*9/10 {
		t.Errorf("capped: %d bytes; want at most %d, and most of it used", len(md), plan.DefaultMaxBytes)
	}
	shown := len(checkBlocks(t, md))
	m := regexp.MustCompile(`Left out here to fit a comment: (\d+) of its (\d+) RRset changes \((\d+) to create\)\. The whole plan: ` + regexp.QuoteMeta(whole) + `\.\n`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("capped: no note of what is left out:\n%s", md[len(md)-min(len(md), 2000):])
	}
	left, _ := strconv.Atoi(m[1])
	if m[2] != strconv.Itoa(total) || m[3] != m[1] || shown+left != total {
		t.Errorf("capped: %d shown + %s of %s left out; want %d in all", shown, m[1], m[2], total)
	}
	if !strings.Contains(md, fmt.Sprintf("This plan is cut to fit a comment, between RRsets: %d of %d RRset changes are left out", left, total)) {
		t.Errorf("capped: no warning under the table")
	}
	if !strings.HasPrefix(md, "### zonecast plan\n\n**"+strconv.Itoa(total)+" RRset changes**") || !strings.Contains(md, "| `huge.example.` | cloudflare | "+strconv.Itoa(total)+" | 0 | 0 | ok | zone will be created; apex NS changes |") {
		t.Errorf("capped: the summary does not come first:\n%s", md[:min(len(md), 1000)])
	}
}

// A small target keeps all its changes in a capped plan that a huge one
// fills: the room is shared out, small targets first.
func TestMarkdownCapShares(t *testing.T) {
	p := hugePlan(t, 20000)
	small := plan.Compute(plan.Input{Desired: zone(t, "www A 192.0.2.3\n"), Provider: "bind",
		Current: sets(zone(t, "www A 192.0.2.2\n"))})
	p.Targets = append(p.Targets, &small)
	for _, max := range []int{5000, 20000, plan.DefaultMaxBytes} {
		var b bytes.Buffer
		if err := plan.WriteMarkdown(&b, p, plan.Style{MaxBytes: max}); err != nil {
			t.Fatal(err)
		}
		md := b.String()
		if len(md) > max {
			t.Errorf("cap %d: %d bytes", max, len(md))
		}
		checkBlocks(t, md)
		_, rest, _ := strings.Cut(md, "#### `example.com.` at bind\n")
		if !strings.HasPrefix(rest, "\n```diff\n~ www A (TTL 300)\n-     192.0.2.2\n+     192.0.2.3\n```\n") {
			t.Errorf("cap %d: the small target is not whole:\n%s", max, rest)
		}
	}
}

// BenchmarkMarkdown writes the markdown of a 20,000-record create plan,
// whole and capped, and reports its size.
func BenchmarkMarkdown(b *testing.B) {
	p := hugePlan(b, 20000)
	for _, c := range []struct {
		name string
		max  int
	}{{"whole/20000", -1}, {"capped/20000", 0}} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				var buf bytes.Buffer
				if err := plan.WriteMarkdown(&buf, p, plan.Style{MaxBytes: c.max}); err != nil {
					b.Fatal(err)
				}
				n = buf.Len()
			}
			b.ReportMetric(float64(n), "md-bytes")
		})
	}
}

// Owner names in markdown are relative to the zone; a name that only looks
// as if it were under it (an escaped dot) stays absolute.
func TestMarkdownRelativeNames(t *testing.T) {
	tg := &plan.Target{Zone: "example.com.", Provider: "p", Changes: []plan.Change{
		{Op: plan.Create, After: &zones.RRset{Name: "example.com.", Type: 16, TTL: 300, Data: []string{`"apex"`}}},
		{Op: plan.Create, After: &zones.RRset{Name: "a.b.example.com.", Type: 16, TTL: 300, Data: []string{`"below"`}}},
		{Op: plan.Create, After: &zones.RRset{Name: `a\.example.com.`, Type: 16, TTL: 300, Data: []string{`"outside"`}}},
	}}
	var b bytes.Buffer
	if err := plan.WriteMarkdown(&b, &plan.Plan{Targets: []*plan.Target{tg}}, plan.Style{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n+ @ 300 TXT \"apex\"\n", "\n+ a.b 300 TXT \"below\"\n", "\n+ a\\.example.com. 300 TXT \"outside\"\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}
