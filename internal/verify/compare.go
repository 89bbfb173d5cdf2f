package verify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Difference is an RRset the providers of one zone will answer differently
// once each has fitted the zone to what it can hold: a type one of them
// drops, a TTL one of them clamps. Resolvers asking different servers of
// one NS set then get different answers.
type Difference struct {
	Zone    string            `json:"zone"`
	Name    string            `json:"name"`
	Type    string            `json:"type"`
	Answers map[string]string `json:"answers"` // provider → what it answers ("nothing" when it drops the set)
}

func (d Difference) String() string {
	var parts []string
	for p, a := range d.Answers {
		parts = append(parts, p+": "+a)
	}
	slices.Sort(parts)
	return fmt.Sprintf("%s %s: %s", d.Name, d.Type, strings.Join(parts, "; "))
}

// Compare reports the RRsets of desired that the providers (name →
// capabilities) will not all answer the same way. It asks no server.
func Compare(desired *zones.Zone, caps map[string]providers.Capabilities, ignored func(string, uint16) bool) []Difference {
	served := map[string]map[zones.Key]*zones.RRset{}
	for p, c := range caps {
		served[p] = map[zones.Key]*zones.RRset{}
		for _, s := range Expected(desired, p, c, ignored) {
			served[p][s.Key()] = s
		}
	}
	var out []Difference
	for _, s := range desired.RRsets() {
		if s.Type == 6 || zones.IsDNSSEC(s.Type) {
			continue
		}
		answers := map[string]string{}
		distinct := map[string]bool{}
		for p := range caps {
			a := "nothing"
			if got := served[p][s.Key()]; got != nil {
				a = show(got)
			} else if s.Name == desired.Origin && s.Type == 2 && caps[p].OwnsApexNS {
				a = "its own NS set"
			}
			answers[p] = a
			distinct[a] = true
		}
		if len(distinct) > 1 {
			out = append(out, Difference{Zone: desired.Origin, Name: s.Name, Type: s.TypeString(), Answers: answers})
		}
	}
	return out
}
