package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/zones"
)

// A markdown plan of many zones lists only the pairs with something to
// say in its summary table, and counts the others.
func TestMarkdownManyZones(t *testing.T) {
	p := &Plan{}
	for i := range 200 {
		p.Targets = append(p.Targets, &Target{Zone: fmt.Sprintf("z%03d.example.", i), Provider: "a", Changes: []Change{}})
	}
	set := zones.RRset{Name: "www.z007.example.", Type: 1, TTL: 300, Data: []string{"192.0.2.1"}}
	p.Targets[7].Changes = []Change{{Op: Create, After: &set}}
	var b strings.Builder
	if err := WriteMarkdown(&b, p, Style{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(out, "| `z") != 1 || !strings.Contains(out, "| `z007.example.` | a | 1 | 0 | 0 |") {
		t.Errorf("the summary lists other pairs than the one that changes:\n%s", out)
	}
	if !strings.Contains(out, "199 other zone × provider pairs in sync") {
		t.Errorf("the summary does not count the pairs in sync:\n%s", out)
	}
}
