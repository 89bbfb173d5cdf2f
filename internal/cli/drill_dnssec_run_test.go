package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
)

// The multi-signer drill (issue 16), on the lab of drill_dnssec_test.go,
// with zonecast doing every step through the built binary: three signers
// (BIND and Knot, each signing with its own keys, and the Cloudflare
// emulator with its multi-signer API, answering DNS through its DNS
// front) taken from an unsigned delegation to a validated multi-signer
// zone, a fourth (zfile, which zonecast signs for) added, each provider stopped in turn, BIND's and
// Knot's ZSK rollovers, Knot dropped by failover (and so removed from the
// group) and restored. At every step the validating resolver never
// answers SERVFAIL, and once the group is settled every answer validates.
func TestDNSSECDrill(t *testing.T) {
	if testing.Short() && !dnstest.InCI() {
		t.Skip("-short: the DNSSEC drill starts nine servers and takes about three minutes")
	}
	begin := time.Now()
	step := func(what string) {
		t.Logf("%-62s %v", what, time.Since(begin).Round(time.Millisecond))
		begin = time.Now()
	}
	first := []string{"bind", "knot", "cf", "pdns"}
	all := []string{"bind", "knot", "zfile", "cf", "pdns"}
	l := startDNSSECLab(t, dlOptions{Delegated: first, Cloudflare: true, PowerDNS: true})
	// The zone as it starts: served by bind, knot, Cloudflare and
	// PowerDNS, unsigned at the parent. Its owner turns DNSSEC on (mode
	// multi-signer).
	l.writeZone(t, 10, first...)
	write(t, l.Config, dnssecLabConfig(t, l, first...))
	step("lab up: bind, knot, Cloudflare and PowerDNS, insecure delegation")

	n := l.converge(t, "bind, knot, cf and pdns join", first...)
	l.settled(t, "bind, knot, cf and pdns joined", first...)
	step(fmt.Sprintf("bind, knot, cf and pdns joined (%d applies)", n))

	// A signer added: zfile, which zonecast signs for, in the
	// configuration and the zone's NS set at once.
	l.writeZone(t, 11, all...)
	write(t, l.Config, dnssecLabConfig(t, l, all...))
	n = l.converge(t, "zfile joins", all...)
	l.settled(t, "zfile joined", all...)
	if got := l.Delegation(t); !slices.Equal(got, []string{"ns.bind-dns.test.", "ns.cf-dns.test.", "ns.knot-dns.test.", "ns.pdns-dns.test.", "ns.zfile-dns.test."}) {
		t.Errorf("zfile joined: the TLD delegates to %v, want all five", got)
	}
	step(fmt.Sprintf("zfile added and joined (%d applies)", n))

	for _, name := range all {
		l.Stop(t, name)
		l.Flush()
		l.Check(t, name+" stopped, cache flushed")
		// zonecast runs meanwhile: the signer it cannot read is down, not
		// gone, and nothing of its keys or DS is taken away.
		l.MustZonecast(t, []int{0, 3}, "apply", "--yes")
		l.Flush()
		l.Check(t, name+" stopped, zonecast applied")
		l.Start(t, name)
	}
	l.converge(t, "all back", all...)
	step("each provider stopped in turn, zonecast run meanwhile: validated")

	// Each server's own ZSK rollover: zonecast takes the new ZSK to the
	// others; the old one is withdrawn once no signer holds it and its
	// TTLs have passed.
	for _, name := range []string{"knot", "bind"} {
		zsk := l.RollZSK(t, name)
		l.MustZonecast(t, []int{0}, "apply", "--yes")
		l.noServfail(t, name+"'s new ZSK propagated")
		l.WaitSigns(t, name, zsk)
		l.converge(t, name+"'s ZSK rollover", all...)
		l.settled(t, name+"'s ZSK rolled", all...)
		step(name + "'s ZSK rollover propagated by zonecast: validated")
	}

	// Knot goes down and is dropped: out of the NS sets and the
	// delegation at once, its DS and keys later, in order; meanwhile
	// nothing fails to validate.
	l.Stop(t, "knot")
	l.MustZonecast(t, []int{0}, "failover", "drop", "knot", "--reason", "drill")
	l.Flush()
	l.noServfail(t, "knot dropped")
	l.converge(t, "knot leaves", "bind", "zfile", "cf", "pdns")
	if p := l.phase(t, "knot"); p != "left" {
		t.Errorf("knot dropped and the group settled: knot is %q, want left", p)
	}
	for _, ds := range l.ServedDS(t) {
		if ds.KeyTag == l.Signers["knot"].KSK.KeyTag() {
			t.Errorf("knot left: the TLD still serves its DS %d", ds.KeyTag)
		}
	}
	l.settled(t, "knot left", "bind", "zfile", "cf", "pdns")
	step("knot stopped, dropped, left the group: validated")

	// Knot comes back and is restored: it rejoins in order.
	l.Start(t, "knot")
	l.MustZonecast(t, []int{0}, "failover", "restore", "knot")
	l.noServfail(t, "knot restored")
	l.converge(t, "knot rejoins", all...)
	l.settled(t, "knot rejoined", all...)
	step("knot restored and rejoined: validated")
}

// writeZone writes the zone file with serial and the nameservers of
// providers.
func (l *dnssecLab) writeZone(t *testing.T, serial uint32, providers ...string) {
	t.Helper()
	z := dlZone(serial)
	for _, p := range dlProviders {
		if !slices.Contains(providers, p) {
			z = strings.Replace(z, fmt.Sprintf("@ NS ns.%s-dns.test.\n", p), "", 1)
		}
	}
	for _, p := range []string{"cf", "pdns"} {
		if slices.Contains(providers, p) {
			z += "@ NS ns." + p + "-dns.test.\n"
		}
	}
	if err := os.WriteFile(l.ZoneFile, []byte(z), 0o644); err != nil {
		t.Fatal(err)
	}
}

// labPlan is the part of `zonecast plan --format json` the drill reads.
type labPlan struct {
	Changes int `json:"changes"`
	Waits   []struct {
		Until time.Time `json:"until"`
	} `json:"waits"`
	Notes []string `json:"notes"`
}

func (l *dnssecLab) plan(t *testing.T) labPlan {
	t.Helper()
	code, out, errs := l.Zonecast(t, "plan", "--format", "json")
	var p labPlan
	if err := json.Unmarshal([]byte(out), &p); code != 0 || err != nil {
		t.Fatalf("zonecast plan --format json: exit %d, %v\n%s%s", code, err, out, errs)
	}
	return p
}

// phase is signer's phase as the plan's notes say it, "" when they do not.
func (l *dnssecLab) phase(t *testing.T, signer string) string {
	t.Helper()
	return phaseIn(l.plan(t).Notes, signerOf(signer))
}

// signerOf is the signer a lab provider is: zonecast for zfile.
func signerOf(provider string) string {
	if provider == "zfile" {
		return "zonecast"
	}
	return provider
}

func phaseIn(notes []string, signer string) string {
	prefix := "DNSSEC signer " + signer + ": "
	for _, n := range notes {
		if _, rest, ok := strings.Cut(n, prefix); ok {
			return strings.Fields(rest)[0]
		}
	}
	return ""
}

// converge runs `zonecast apply --yes` until the plan has nothing to change
// or wait for and every one of joined is joined, sleeping until the next
// wait's end in between (nothing in zonecast sleeps); after every apply the
// resolver must answer no question with SERVFAIL. It returns how many
// applies it took.
func (l *dnssecLab) converge(t *testing.T, what string, joined ...string) int {
	t.Helper()
	for i := 1; i <= 40; i++ {
		code, out, errs := l.Zonecast(t, "apply", "--yes")
		if code != 0 {
			t.Fatalf("%s: apply %d: exit %d\n%s%s", what, i, code, out, errs)
		}
		l.Flush()
		l.noServfail(t, fmt.Sprintf("%s, after apply %d", what, i))
		p := l.plan(t)
		done := p.Changes == 0 && len(p.Waits) == 0
		var phases []string
		for _, s := range joined {
			ph := phaseIn(p.Notes, signerOf(s))
			phases = append(phases, s+" "+ph)
			done = done && ph == "joined"
		}
		t.Logf("%s: apply %d: %d changes next, %d waits; %s", what, i, p.Changes, len(p.Waits), strings.Join(phases, ", "))
		if done {
			return i
		}
		sleep := 300 * time.Millisecond
		for _, w := range p.Waits {
			if d := time.Until(w.Until) + 200*time.Millisecond; d > sleep {
				sleep = min(d, 10*time.Second)
			}
		}
		time.Sleep(sleep)
	}
	_, text, errs := l.Zonecast(t, "plan")
	t.Fatalf("%s: not settled after 40 applies; zonecast plan:\n%s%s", what, text, errs)
	return 0
}

// noServfail fails the test when the resolver answers any of dlQuestions
// with SERVFAIL or not at all: an answer without AD (an insecure zone, as
// before its first DS) is no failure here.
func (l *dnssecLab) noServfail(t *testing.T, when string) {
	t.Helper()
	for _, q := range dlQuestions {
		if a := l.Resolver.Ask(t, q.name, q.qtype); !rcodeOK(a, q.rcode) {
			t.Errorf("%s: %s %s: %v; want %s", when, q.name, dns.TypeToString[q.qtype], a, dns.RcodeToString[q.rcode])
		}
	}
}

// settled checks the group of signers: every answer through the resolver
// validates, every server holds every signer's ZSKs and validates with
// the others' keys, each one's chain of trust holds on its own (delv),
// the TLD serves a DS for each signer's KSK, and zonecast's verify
// --dnssec agrees.
func (l *dnssecLab) settled(t *testing.T, when string, group ...string) {
	t.Helper()
	l.Flush()
	l.Check(t, when)
	l.CheckKeys(t, when, group...)
	for _, name := range group {
		l.Chain(t, name)
	}
	served := l.ServedDS(t)
	for _, name := range group {
		tag := l.Signers[name].KSK.KeyTag()
		if !slices.ContainsFunc(served, func(d *dns.DS) bool { return d.KeyTag == tag }) {
			t.Errorf("%s: the TLD serves no DS for %s's KSK %d (DS %v)", when, name, tag, dsTags(served))
		}
	}
	if code, out, errs := l.Zonecast(t, "verify", "--dnssec", "--root-hints", l.RootHints); code != 0 {
		t.Errorf("%s: zonecast verify --dnssec: exit %d\n%s%s", when, code, out, errs)
	}
}
