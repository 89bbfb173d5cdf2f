package plan_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

const head = "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n"

func zone(t *testing.T, text string) *zones.Zone {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(head+text), "example.com.zone", zones.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("%v %v", err, diags.Err())
	}
	return z
}

func sets(z *zones.Zone) []zones.RRset {
	var out []zones.RRset
	for _, s := range z.RRsets() {
		out = append(out, *s)
	}
	return out
}

// summary lists a target's changes as "op name type".
func summary(t plan.Target) []string {
	var out []string
	for _, c := range t.Changes {
		s := c.RRset()
		out = append(out, c.Op.String()+" "+s.Name+" "+s.TypeString())
	}
	return out
}

func TestCompute(t *testing.T) {
	tests := []struct {
		name      string
		desired   string
		current   string
		caps      providers.Capabilities
		ignored   func(string, uint16) bool
		want      []string
		wantNotes []string
	}{
		{name: "in sync", desired: "www A 192.0.2.2\n", current: "www A 192.0.2.2\n"},
		{name: "create, update values, update TTL only, delete, in canonical order",
			desired: "a A 192.0.2.2\nb A 192.0.2.3\nc 60 A 192.0.2.4\n",
			current: "b A 192.0.2.9\nc A 192.0.2.4\nd A 192.0.2.5\n",
			want:    []string{"create a.example.com. A", "update b.example.com. A", "update c.example.com. A", "delete d.example.com. A"}},
		{name: "SOA serial is the provider's",
			desired: "", current: "", // same SOA but for the serial below
		},
		{name: "provider-owned SOA and apex NS are never planned",
			desired: "@ NS ns2.example.net.\n", current: "",
			caps: providers.Capabilities{OwnsSOA: true, OwnsApexNS: true}},
		{name: "apex NS managed when the provider does not own it",
			desired: "@ NS ns2\nns2 A 192.0.2.7\n", current: "",
			want: []string{"update example.com. NS", "create ns2.example.com. A"}},
		{name: "DNSSEC records are not replicated, with a note",
			desired: "@ DNSKEY 257 3 13 AAAA\n", current: "",
			wantNotes: []string{"1 DNSKEY RRsets kept in the file, not replicated: providers sign for themselves"}},
		{name: "a type the provider cannot hold is a note",
			desired: "loc LOC 52 22 23.000 N 4 53 32.000 E -2.00m\n", current: "",
			caps:      providers.Capabilities{Types: []uint16{dns.TypeSOA, dns.TypeNS, dns.TypeA}},
			wantNotes: []string{"p cannot hold LOC records: loc.example.com. LOC is not replicated there"}},
		{name: "TTL below the floor is raised, with a note",
			desired: "x 30 A 192.0.2.2\n", current: "x 60 A 192.0.2.2\n",
			caps:      providers.Capabilities{MinTTL: 60},
			wantNotes: []string{"x.example.com. A: TTL 30 raised to p's minimum 60"}},
		{name: "creates, updates and deletes among many in sync",
			desired: "a A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\nd MX 10 a\ne TXT \"x\"\n*.f CNAME a\n",
			current: "a A 192.0.2.1\nb A 192.0.2.9\nd MX 10 a\ne TXT \"x\"\ng A 192.0.2.7\n*.f CNAME a\n",
			want:    []string{"update b.example.com. A", "create c.example.com. A", "delete g.example.com. A"}},
		{name: "only deletes", desired: "", current: "a A 192.0.2.1\nb AAAA ::1\n",
			want: []string{"delete a.example.com. A", "delete b.example.com. AAAA"}},
		{name: "only creates", desired: "a A 192.0.2.1\nb AAAA ::1\n", current: "",
			want: []string{"create a.example.com. A", "create b.example.com. AAAA"}},
		{name: "ignored records are neither changed nor deleted",
			desired: "_acme-challenge TXT \"mine\"\n", current: "_acme-challenge TXT \"theirs\"\n_acme-challenge.www TXT \"x\"\n",
			ignored: func(name string, t uint16) bool {
				return t == dns.TypeTXT && strings.HasPrefix(name, "_acme-challenge")
			},
			wantNotes: []string{"1 RRsets of the zone file match ignore rules and are left alone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := sets(zone(t, tt.current))
			if tt.name == "SOA serial is the provider's" {
				for i := range current {
					if current[i].Type == dns.TypeSOA {
						current[i].Data = []string{"ns.example.com. hostmaster.example.com. 2026112999 7200 900 1209600 300"}
					}
				}
			}
			desired := zone(t, tt.desired)
			got := plan.Compute(plan.Input{Desired: desired, Provider: "p", Caps: tt.caps, Current: current, Ignored: tt.ignored})
			if diff := cmp.Diff(tt.want, summary(got)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantNotes, got.Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			// In canonical order the current sets are looked up one by
			// one, in any other order through a map: the plans are one.
			reversed := slices.Clone(current)
			slices.Reverse(reversed)
			if len(reversed) > 1 && zones.InOrder(reversed) {
				t.Fatal("reversed sets are still in order")
			}
			other := plan.Compute(plan.Input{Desired: desired, Provider: "p", Caps: tt.caps, Current: reversed, Ignored: tt.ignored})
			a, _ := json.MarshalIndent(got, "", " ")
			b, _ := json.MarshalIndent(other, "", " ")
			if diff := cmp.Diff(string(a), string(b)); diff != "" {
				t.Errorf("the plan depends on the order of the current sets (-in order +reversed):\n%s", diff)
			}
		})
	}
}

func TestFingerprintIgnoresOrder(t *testing.T) {
	a := sets(zone(t, "x A 192.0.2.1\ny A 192.0.2.2\n"))
	b := append([]zones.RRset(nil), a...)
	b[0], b[len(b)-1] = b[len(b)-1], b[0]
	if plan.Fingerprint(a) != plan.Fingerprint(b) {
		t.Error("the fingerprint depends on the order of the RRsets")
	}
	c := sets(zone(t, "x A 192.0.2.1\ny A 192.0.2.3\n"))
	if plan.Fingerprint(a) == plan.Fingerprint(c) {
		t.Error("different RRsets give the same fingerprint")
	}
}

func TestRender(t *testing.T) {
	target := plan.Compute(plan.Input{Desired: zone(t, "www 600 A 192.0.2.3\nnew TXT \"a\" \"b\"\n"), Provider: "p",
		Current: sets(zone(t, "www A 192.0.2.2\nold MX 10 mail.example.net.\n"))})
	p := &plan.Plan{Targets: []*plan.Target{&target}}

	var text strings.Builder
	if err := plan.WriteText(&text, p, plan.Style{}); err != nil {
		t.Fatal(err)
	}
	want := `example.com. at p: 1 to create, 1 to update, 1 to delete
  + new.example.com. 300 TXT "a" "b"
  - old.example.com. 300 MX 10 mail.example.net.
  ~ www.example.com. A (TTL 300 → 600)
      - 192.0.2.2
      + 192.0.2.3
`
	if diff := cmp.Diff(want, text.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}

	var colored strings.Builder
	plan.WriteText(&colored, p, plan.Style{Color: true})
	if !strings.Contains(colored.String(), "\x1b[32m+ new.example.com.") {
		t.Errorf("no colour with Color set:\n%q", colored.String())
	}

	var md strings.Builder
	plan.WriteMarkdown(&md, p, plan.Style{})
	for _, s := range []string{"| `example.com.` | p | 1 | 1 | 1 | ok |", "```diff\n", "\n+ new 300 TXT \"a\" \"b\"\n", "\n~ www A (TTL 300 → 600)\n-     192.0.2.2\n+     192.0.2.3\n```\n"} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("markdown lacks %q:\n%s", s, md.String())
		}
	}

	var js strings.Builder
	plan.WriteJSON(&js, p)
	var decoded struct {
		Version int
		Changes int
		Targets []struct {
			Zone, Provider string
			Changes        []struct {
				Op, Name, Type string
				Before, After  *struct {
					TTL  uint32
					Data []string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(js.String()), &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.Version != plan.JSONVersion || decoded.Changes != 3 || len(decoded.Targets) != 1 {
		t.Fatalf("JSON header: %+v", decoded)
	}
	u := decoded.Targets[0].Changes[2]
	if u.Op != "update" || u.Name != "www.example.com." || u.Type != "A" || u.Before.TTL != 300 || u.After.TTL != 600 || u.After.Data[0] != "192.0.2.3" {
		t.Errorf("JSON update: %+v", u)
	}

	empty := &plan.Plan{Targets: []*plan.Target{{Zone: "example.com.", Provider: "p"}}}
	var one strings.Builder
	plan.WriteText(&one, empty, plan.Style{})
	if one.String() != "No changes: 1 zone × provider pair is in sync.\n" {
		t.Errorf("a plan with no changes: %q", one.String())
	}
}

// A zone over the provider's record quota is named in the plan, with what
// to do, before anything is written; within it, nothing is said.
func TestQuotaNote(t *testing.T) {
	z := zone(t, "a A 192.0.2.10\nb A 192.0.2.11\nc A 192.0.2.12\n")
	caps := providers.Capabilities{OwnsSOA: true, OwnsApexNS: true, MaxRecords: 3}
	got := plan.Compute(plan.Input{Desired: z, Provider: "cf", Caps: caps, Missing: true})
	found := false
	for _, n := range got.Notes {
		found = found || strings.Contains(n, "the zone has 4 records, over the 3 a zone may hold at cf")
	}
	if !found {
		t.Fatalf("no quota note in %q", got.Notes)
	}
	caps.MaxRecords = 4
	for _, n := range plan.Compute(plan.Input{Desired: z, Provider: "cf", Caps: caps, Missing: true}).Notes {
		if strings.Contains(n, "quota") {
			t.Fatalf("a note within the quota: %q", n)
		}
	}
}

// TXT data over the provider's limits is named in the plan, per record and
// per name, before anything is written.
func TestTXTLimitNotes(t *testing.T) {
	long := strings.Repeat("x", 200)
	z := zone(t, "big TXT \""+long+"\" \""+long+"\"\nmany TXT \"a\"\nmany TXT \"b\"\nmany TXT \"c\"\nok TXT \"fine\"\n")
	caps := providers.Capabilities{OwnsSOA: true, OwnsApexNS: true, MaxTXTRecord: 300, MaxTXTName: 8}
	notes := strings.Join(plan.Compute(plan.Input{Desired: z, Provider: "cf", Caps: caps, Missing: true}).Notes, "\n")
	for _, want := range []string{
		"big.example.com. TXT has a record of 405 characters, over the 300 cf takes",
		"many.example.com. TXT holds 9 characters in all, over the 8 cf takes for one name",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "ok.example.com.") {
		t.Errorf("a note for a TXT within the limits:\n%s", notes)
	}
}
