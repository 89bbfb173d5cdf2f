package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
)

// At a provider that holds a TXT record as one text (TXTJoined), the plan
// writes and compares TXT as the provider serves it: strings joined, cut at
// 255 octets. What it serves that way is in sync; a set it re-cuts is noted.
func TestTXTJoined(t *testing.T) {
	long := strings.Repeat("x", 300)
	desired := zone(t, `t TXT "a" "b c"
l TXT "`+long[:100]+`" "`+long[100:]+`"
same TXT "`+long[:255]+`" "`+long[255:]+`"
`)
	current := zone(t, `t TXT "ab c"
l TXT "`+long[:255]+`" "`+long[255:]+`"
same TXT "`+long[:255]+`" "`+long[255:]+`"
`)
	caps := providers.Capabilities{OwnsSOA: true, TXTJoined: true}
	got := plan.Compute(plan.Input{Desired: desired, Provider: "p", Caps: caps, Current: sets(current)})
	if len(got.Changes) != 0 {
		t.Errorf("changes %q, want none", summary(got))
	}
	var notes []string
	for _, n := range got.Notes {
		if strings.Contains(n, "strings joined") {
			notes = append(notes, n)
		}
	}
	want := []string{
		"l.example.com. TXT: strings joined and cut at 255 octets, as p holds one text a record",
		"t.example.com. TXT: strings joined and cut at 255 octets, as p holds one text a record",
	}
	if !slices.Equal(notes, want) {
		t.Errorf("notes %q\nwant %q", notes, want)
	}
	// Without TXTJoined the same states differ.
	caps.TXTJoined = false
	if got := plan.Compute(plan.Input{Desired: desired, Provider: "p", Caps: caps, Current: sets(current)}); len(got.Changes) != 2 {
		t.Errorf("without TXTJoined: %q, want 2 updates", summary(got))
	}
	// A create carries the joined form.
	caps.TXTJoined = true
	got = plan.Compute(plan.Input{Desired: desired, Provider: "p", Caps: caps, Current: nil, Missing: true})
	found := false
	for _, c := range got.Changes {
		if s := c.RRset(); s.Name == "t.example.com." {
			found = true
			if !slices.Equal(s.Data, []string{`"ab c"`}) {
				t.Errorf("create of t TXT carries %q", s.Data)
			}
		}
	}
	if !found {
		t.Errorf("no create of t TXT in %q", summary(got))
	}
}
