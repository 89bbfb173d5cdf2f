package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/zones"
)

// Style says how text output is coloured.
type Style struct {
	Color bool
}

const (
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	red    = "\x1b[31m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

// esc makes text from a zone file or a provider's API safe for a terminal
// or a review page: control characters as \DDD (zones.EscapeText).
func esc(text string) string { return zones.EscapeText(text) }

// cell is esc for a Markdown table cell, where "|" would end the cell.
func cell(text string) string { return strings.ReplaceAll(esc(text), "|", "\\|") }

func (s Style) paint(color, text string) string {
	if !s.Color {
		return text
	}
	return color + text + reset
}

// WriteText writes the plan for people: per zone × provider a header with
// counts, apex NS changes first, then `+` create, `~` update (old → new
// values and TTLs), `-` delete, then notes. A plan with no changes and no
// failures is one line. Names, data and messages, which may come from a
// provider's API, are written with control characters escaped.
func WriteText(w io.Writer, p *Plan, st Style) error {
	var b strings.Builder
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "%s\n", st.paint(yellow, "note: "+esc(n)))
	}
	if p.inSync() {
		fmt.Fprintf(&b, "No changes: %d zone × provider %s in sync.\n", len(p.Targets), plural(len(p.Targets), "pair is", "pairs are"))
		_, err := io.WriteString(w, b.String())
		return err
	}
	for i, t := range p.Targets {
		if i > 0 {
			b.WriteString("\n")
		}
		c, u, d := t.Counts()
		switch {
		case t.Err != nil:
			fmt.Fprintf(&b, "%s at %s: %s\n", esc(t.Zone), esc(t.Provider), st.paint(red, "cannot read: "+esc(t.Err.Error())))
		case len(t.Changes) == 0:
			fmt.Fprintf(&b, "%s at %s: no changes\n", esc(t.Zone), esc(t.Provider))
		default:
			fmt.Fprintf(&b, "%s at %s: %d to create, %d to update, %d to delete\n", esc(t.Zone), esc(t.Provider), c, u, d)
		}
		if t.Missing {
			fmt.Fprintf(&b, "  %s serves no zone %s yet: it will be created\n", esc(t.Provider), esc(t.Zone))
		}
		if t.Refused != nil {
			fmt.Fprintf(&b, "  %s\n", st.paint(red, "REFUSED by the safety limit: apply will not change it: "+esc(t.Refused.Error())))
		}
		for _, ch := range orderedForDisplay(t) {
			writeChange(&b, ch, st, t.Zone, false)
		}
		for _, n := range t.Notes {
			fmt.Fprintf(&b, "  %s\n", st.paint(dim, "note: "+esc(n)))
		}
	}
	if len(p.Pending) > 0 {
		b.WriteString("\nPending from earlier runs (the next apply or sync does it):\n")
		for _, pd := range p.Pending {
			fmt.Fprintf(&b, "  %s\n", st.paint(yellow, esc(pd.String())))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// inSync: nothing to change, nothing failed, nothing pending.
func (p *Plan) inSync() bool {
	return p.Changes() == 0 && len(p.Failed()) == 0 && len(p.Pending) == 0
}

// orderedForDisplay puts apex NS changes first: they change who serves the
// zone and deserve the first look.
func orderedForDisplay(t *Target) []Change {
	var first, rest []Change
	for _, c := range t.Changes {
		s := c.RRset()
		if s.Type == dns.TypeNS && s.Name == t.Zone {
			first = append(first, c)
		} else {
			rest = append(rest, c)
		}
	}
	return append(first, rest...)
}

// writeChange writes one change. In text (diff false) every line is
// indented by two and the values of an update by six more, marker included.
// In a Markdown diff block (diff true) GitHub colours a line only when its
// first character is the + or -, so the markers go to the first column and
// the indentation after them. Names and data are escaped (esc).
func writeChange(b *strings.Builder, c Change, st Style, zone string, diff bool) {
	s := c.RRset()
	name := esc(s.Name)
	apexNS := ""
	if s.Type == dns.TypeNS && s.Name == zone {
		apexNS = "  (apex NS: who serves the zone)"
	}
	indent, lead, mark := "  ", "      ", func(marker string) string { return marker + " " }
	if diff {
		indent, lead, mark = "", "", func(marker string) string { return marker + "     " }
	}
	switch c.Op {
	case Create:
		for _, d := range s.Data {
			fmt.Fprintf(b, "%s%s\n", indent, st.paint(green, fmt.Sprintf("+ %s %d %s %s", name, s.TTL, s.TypeString(), esc(d))))
		}
	case Delete:
		for _, d := range s.Data {
			fmt.Fprintf(b, "%s%s\n", indent, st.paint(red, fmt.Sprintf("- %s %d %s %s", name, s.TTL, s.TypeString(), esc(d))))
		}
	case Update:
		ttl := fmt.Sprint(c.After.TTL)
		if c.Before.TTL != c.After.TTL {
			ttl = fmt.Sprintf("%d → %d", c.Before.TTL, c.After.TTL)
		}
		fmt.Fprintf(b, "%s%s%s\n", indent, st.paint(yellow, fmt.Sprintf("~ %s %s (TTL %s)", name, s.TypeString(), ttl)), apexNS)
		old, nu := setOf(c.Before.Data), setOf(c.After.Data)
		for _, d := range c.Before.Data {
			if !nu[d] {
				fmt.Fprintf(b, "%s%s\n", lead, st.paint(red, mark("-")+esc(d)))
			}
		}
		for _, d := range c.After.Data {
			if !old[d] {
				fmt.Fprintf(b, "%s%s\n", lead, st.paint(green, mark("+")+esc(d)))
			} else {
				fmt.Fprintf(b, "%s%s\n", lead, mark(" ")+esc(d))
			}
		}
	}
}

func setOf(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// WriteMarkdown writes the plan for a pull-request comment: a summary table
// of zone × provider counts, then the changes of each in a diff block, apex
// NS changes first, notes folded away. Names, data and messages are
// escaped as in WriteText, and "|" in table cells.
func WriteMarkdown(w io.Writer, p *Plan) error {
	var b strings.Builder
	b.WriteString("### zonecast plan\n\n")
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "> **note:** %s\n\n", esc(n))
	}
	if p.inSync() {
		fmt.Fprintf(&b, "No changes: %d zone × provider %s in sync.\n", len(p.Targets), plural(len(p.Targets), "pair is", "pairs are"))
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| zone | provider | create | update | delete | |\n|---|---|--:|--:|--:|---|\n")
	for _, t := range p.Targets {
		c, u, d := t.Counts()
		status := ""
		switch {
		case t.Err != nil:
			status = "cannot read: " + cell(t.Err.Error())
		case t.Refused != nil:
			status = fmt.Sprintf("**refused by the safety limit**: %.0f%% of %d RRsets (limit %d%%)", t.Refused.Share(), t.Refused.Existing, t.Refused.Limit)
			if t.Refused.MostDeleted {
				status = fmt.Sprintf("**refused by the safety limit**: deletes %d of %d RRsets", t.Refused.Deletes, t.Refused.Existing)
			}
		case t.Missing:
			status = "zone will be created"
		case hasApexNS(t):
			status = "apex NS changes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %d | %d | %d | %s |\n", cell(t.Zone), cell(t.Provider), c, u, d, status)
	}
	for _, t := range p.Targets {
		if len(t.Changes) == 0 && len(t.Notes) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n#### `%s` at %s\n", esc(t.Zone), esc(t.Provider))
		if t.Refused != nil {
			fmt.Fprintf(&b, "\n> [!CAUTION]\n> Apply will refuse this: %s\n", esc(t.Refused.Error()))
		}
		if len(t.Changes) > 0 {
			b.WriteString("\n```diff\n")
			for _, ch := range orderedForDisplay(t) {
				writeChange(&b, ch, Style{}, t.Zone, true)
			}
			b.WriteString("```\n")
		}
		if len(t.Notes) > 0 {
			fmt.Fprintf(&b, "\n<details><summary>%d %s</summary>\n\n", len(t.Notes), plural(len(t.Notes), "note", "notes"))
			for _, n := range t.Notes {
				fmt.Fprintf(&b, "- %s\n", esc(n))
			}
			b.WriteString("\n</details>\n")
		}
	}
	if len(p.Pending) > 0 {
		b.WriteString("\n#### Pending from earlier runs\n\n")
		for _, pd := range p.Pending {
			fmt.Fprintf(&b, "- %s\n", esc(pd.String()))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func hasApexNS(t *Target) bool {
	for _, c := range t.Changes {
		if s := c.RRset(); s.Type == dns.TypeNS && s.Name == t.Zone {
			return true
		}
	}
	return false
}

// JSONVersion is the version of the JSON plan format. It changes only when
// a field changes meaning or goes away; new fields may appear.
const JSONVersion = 1

type jsonPlan struct {
	Version int          `json:"version"`
	Changes int          `json:"changes"`
	Refused int          `json:"refused"`
	Targets []jsonTarget `json:"targets"`
	Pending []Pending    `json:"pending"`
	Notes   []string     `json:"notes,omitempty"`
}

type jsonTarget struct {
	*Target
	Error   string       `json:"error,omitempty"`
	Changes []jsonChange `json:"changes"`
}

type jsonChange struct {
	Op     Op       `json:"op"`
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Before *jsonSet `json:"before,omitempty"`
	After  *jsonSet `json:"after,omitempty"`
}

type jsonSet struct {
	TTL  uint32   `json:"ttl"`
	Data []string `json:"data"`
	// Proxied counts the records the provider proxies (zones.RRset.Proxied).
	Proxied int `json:"proxied,omitempty"`
}

func toJSONSet(s *zones.RRset) *jsonSet {
	if s == nil {
		return nil
	}
	return &jsonSet{TTL: s.TTL, Data: s.Data, Proxied: s.Proxied}
}

// WriteJSON writes the plan as JSON:
//
//	{"version":1,"changes":N,"refused":N,"targets":[{"zone","provider","changes":[{"op","name","type",
//	  "before":{"ttl","data","proxied"},"after":{"ttl","data"}}],"notes","current_rrsets",
//	  "zone_missing","fingerprint","refused":{"zone","provider","updates","deletes",
//	  "existing_rrsets","limit_percent","most_deleted","share_percent","message"},"error"}],
//	 "pending":[{"kind","zone","provider","since","error"}]}
func WriteJSON(w io.Writer, p *Plan) error {
	out := jsonPlan{Version: JSONVersion, Changes: p.Changes(), Refused: len(p.Refusals()), Targets: []jsonTarget{}, Pending: p.Pending, Notes: p.Notes}
	if out.Pending == nil {
		out.Pending = []Pending{}
	}
	for _, t := range p.Targets {
		jt := jsonTarget{Target: t, Changes: []jsonChange{}}
		if t.Err != nil {
			jt.Error = t.Err.Error()
		}
		for _, c := range t.Changes {
			s := c.RRset()
			jt.Changes = append(jt.Changes, jsonChange{Op: c.Op, Name: s.Name, Type: s.TypeString(), Before: toJSONSet(c.Before), After: toJSONSet(c.After)})
		}
		out.Targets = append(out.Targets, jt)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
