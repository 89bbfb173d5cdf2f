package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/zones"
)

// Style says how a plan is rendered: colour for text, size for markdown.
type Style struct {
	// Color paints text output for a terminal (WriteText).
	Color bool
	// MaxBytes caps the size of WriteMarkdown's output: 0 means
	// DefaultMaxBytes, a negative value no cap.
	MaxBytes int
	// FullPlan is markdown that says where the whole plan is (a file name,
	// a link), written by WriteMarkdown when the cap leaves changes out. It
	// comes from the caller and is written as it is.
	FullPlan string
	// Part: the plan is one batch of a run over many zones (WriteText):
	// only the pairs with something to say are written, nothing at all
	// when none has; the caller counts the others.
	Part bool
	// Every lists every pair, however many (--all-pairs).
	Every bool
}

// DefaultMaxBytes is the markdown cap when Style.MaxBytes is 0: a GitHub
// comment holds 65,536 characters, and the workflow adds a few lines.
const DefaultMaxBytes = 60000

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
	if p.inSync() && st.Part {
		_, err := io.WriteString(w, b.String())
		return err
	}
	if p.inSync() {
		fmt.Fprintf(&b, "No changes: %d zone × provider %s in sync.\n", len(p.Targets), plural(len(p.Targets), "pair is", "pairs are"))
		_, err := io.WriteString(w, b.String())
		return err
	}
	// In a plan of many zones, those in sync are counted, not listed:
	// ten thousand "no changes" lines would hide the ten that change.
	brief := (len(p.Targets) > BriefAfter || st.Part) && !st.Every
	quiet, first := 0, true
	for _, t := range p.Targets {
		if brief && t.Err == nil && len(t.Changes) == 0 && !t.Missing && t.Refused == nil && len(t.Notes) == 0 {
			quiet++
			continue
		}
		if !first {
			b.WriteString("\n")
		}
		first = false
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
		if t.Unchanged != "" {
			fmt.Fprintf(&b, "  %s\n", st.paint(dim, "not read: "+esc(t.Unchanged)))
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
	if quiet > 0 && !st.Part {
		fmt.Fprintf(&b, "\n%d other zone × provider %s in sync.\n", quiet, plural(quiet, "pair is", "pairs are"))
	}
	if len(p.Pending) > 0 {
		b.WriteString("\nPending from earlier runs (the next apply or sync does it):\n")
		for _, pd := range p.Pending {
			fmt.Fprintf(&b, "  %s\n", st.paint(yellow, esc(pd.String())))
		}
	}
	if len(p.Waits) > 0 {
		b.WriteString("\nDNSSEC steps waiting for TTLs to pass (a later apply or sync takes them up):\n")
		for _, wt := range p.Waits {
			fmt.Fprintf(&b, "  %s\n", st.paint(yellow, esc(wt.String())))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// BriefAfter is how many zone × provider pairs a text plan lists one by
// one; a plan of more lists only those with something to say (changes, a
// failure, a note) and counts the others.
const BriefAfter = 20

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
// the indentation after them, and owner names are relative to the zone
// (relative), as in a zone file: in a plan of thousands of records the
// zone's name on every line is most of the comment. Names and data are
// escaped (esc).
// briefDNSSEC is the one line that shows a change of an RRSIG RRset or of
// zonecast's DNSSEC state record, or "" for any other change.
func briefDNSSEC(c Change, name string) string {
	s := c.RRset()
	op := map[Op]string{Create: "+", Update: "~", Delete: "-"}[c.Op]
	switch {
	case s.Type == dns.TypeTXT && strings.HasPrefix(s.Name, SigningStateLabel+"."):
		return fmt.Sprintf("%s %s TXT: zonecast's DNSSEC state (each signer's phase and keys), recorded for the next run", op, name)
	case s.Type == dns.TypeRRSIG:
		covers := dns.TypeToString[s.Covers]
		if covers == "" {
			covers = fmt.Sprintf("TYPE%d", s.Covers)
		}
		what := map[Op]string{Create: "signed", Update: "signed anew", Delete: "signatures removed"}[c.Op]
		return fmt.Sprintf("%s %s RRSIG %s: %s (%d signatures)", op, name, covers, what, len(s.Data))
	}
	return ""
}

func writeChange(b *strings.Builder, c Change, st Style, zone string, diff bool) {
	s := c.RRset()
	name := esc(s.Name)
	if diff {
		name = esc(relative(s.Name, zone))
	}
	apexNS := ""
	if s.Type == dns.TypeNS && s.Name == zone {
		apexNS = "  (apex NS: who serves the zone)"
	}
	indent, lead, mark := "  ", "      ", func(marker string) string { return marker + " " }
	if diff {
		indent, lead, mark = "", "", func(marker string) string { return marker + "     " }
	}
	if line := briefDNSSEC(c, name); line != "" {
		// Signatures and zonecast's DNSSEC state record are machine
		// data: one line each says what changes.
		fmt.Fprintf(b, "%s%s\n", indent, st.paint(yellow, line))
		return
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

// relative writes an owner name as a zone file under $ORIGIN zone would:
// "@" for the apex, the labels below it without the zone's name. A name
// outside the zone (none should be) stays absolute, trailing dot and all,
// so that it cannot be read as one inside.
func relative(name, zone string) string {
	switch {
	case name == zone:
		return "@"
	case zone == ".":
		return strings.TrimSuffix(name, ".")
	case strings.HasSuffix(name, "."+zone) && dns.IsSubDomain(zone, name):
		// Label by label: "a\.example.com." ends in ".example.com." but is
		// a name under com., not under example.com.
		return strings.TrimSuffix(name, "."+zone)
	}
	return name
}

// WriteMarkdown writes the plan for a pull-request comment: a summary table
// (zone × provider: creates, updates, deletes, the safety verdict, errors),
// then per target a diff block with the markers in the first column (GitHub
// colours those lines), owner names relative to the zone, apex NS changes
// first, notes folded away. Names, data and messages are escaped as in
// WriteText, and "|" in table cells.
//
// The output is at most st.MaxBytes long (DefaultMaxBytes when 0; no cap
// when negative). A plan over the cap is cut between RRsets, never inside a
// code block: the summary table, every target's heading and safety warning
// and the pending work are always written; the rest of the room is shared
// among the targets (the small ones in full, the large ones up to an equal
// share), each showing the first of its changes in order, then its notes.
// A target that is cut says, after its closed block, how many RRsets of
// each operation and how many notes were left out, and where the whole plan
// is (st.FullPlan). Only a plan with so many targets that those fixed parts
// pass the cap is longer than it.
func WriteMarkdown(w io.Writer, p *Plan, st Style) error {
	var head strings.Builder
	head.WriteString("### zonecast plan\n\n")
	for _, n := range p.Notes {
		fmt.Fprintf(&head, "> **note:** %s\n\n", esc(n))
	}
	if p.inSync() {
		fmt.Fprintf(&head, "No changes: %d zone × provider %s in sync.\n", len(p.Targets), plural(len(p.Targets), "pair is", "pairs are"))
		_, err := io.WriteString(w, head.String())
		return err
	}
	writeSummary(&head, p)

	var secs []mdSection
	for _, t := range p.Targets {
		if len(t.Changes) == 0 && len(t.Notes) == 0 {
			continue
		}
		secs = append(secs, newSection(t))
	}
	var pending strings.Builder
	if len(p.Pending) > 0 {
		pending.WriteString("\n#### Pending from earlier runs\n\n")
		for _, pd := range p.Pending {
			fmt.Fprintf(&pending, "- %s\n", esc(pd.String()))
		}
	}
	if len(p.Waits) > 0 {
		pending.WriteString("\n#### DNSSEC steps waiting for TTLs to pass\n\n")
		for _, wt := range p.Waits {
			fmt.Fprintf(&pending, "- %s\n", esc(wt.String()))
		}
	}

	limit := st.MaxBytes
	if limit == 0 {
		limit = DefaultMaxBytes
	}
	for i := range secs {
		secs[i].shown = len(secs[i].units)
	}
	doc := renderMarkdown(head.String(), secs, pending.String(), st.FullPlan)
	if limit > 0 && len(doc) > limit {
		// The fixed parts, with room for the warning and each target's
		// account of what it leaves out (as long as it can be: all left
		// out); what remains is shared out. Should the estimate fall short,
		// share less and try again.
		fixed := len(head.String()) + len(pending.String()) + len(cutWarning(secs, st.FullPlan, true))
		for i := range secs {
			s := secs[i]
			s.shown = 0
			fixed += len(s.head) + len(s.cutNote(st.FullPlan))
		}
		budget := limit - fixed
		for range 8 {
			share(secs, budget)
			doc = renderMarkdown(head.String(), secs, pending.String(), st.FullPlan)
			if len(doc) <= limit || budget <= 0 {
				break
			}
			budget -= len(doc) - limit
		}
	}
	_, err := io.WriteString(w, doc)
	return err
}

// writeSummary writes the line of totals and the table, a row per target.
func writeSummary(b *strings.Builder, p *Plan) {
	changed := 0
	for _, t := range p.Targets {
		if len(t.Changes) > 0 {
			changed++
		}
	}
	fmt.Fprintf(b, "**%d %s** at %d of %d zone × provider %s", p.Changes(), plural(p.Changes(), "RRset change", "RRset changes"),
		changed, len(p.Targets), plural(len(p.Targets), "pair", "pairs"))
	if n := len(p.Refusals()); n > 0 {
		fmt.Fprintf(b, "; **%d refused** by the safety limit", n)
	}
	if n := len(p.Failed()); n > 0 {
		fmt.Fprintf(b, "; **%d could not be read**", n)
	}
	b.WriteString(". Owner names are relative to their zone (`@` is its apex).\n\n")
	b.WriteString("| zone | provider | create | update | delete | safety | remarks |\n|---|---|--:|--:|--:|---|---|\n")
	// In a plan of many zones, the pairs in sync are counted, not listed.
	brief := len(p.Targets) > BriefAfter
	quiet := 0
	defer func() {
		if quiet > 0 {
			fmt.Fprintf(b, "| … | | | | | | %d other zone × provider %s in sync |\n", quiet, plural(quiet, "pair", "pairs"))
		}
	}()
	for _, t := range p.Targets {
		if brief && t.Err == nil && len(t.Changes) == 0 && !t.Missing && t.Refused == nil && len(t.Notes) == 0 {
			quiet++
			continue
		}
		c, u, d := t.Counts()
		verdict := "ok"
		switch {
		case t.Err != nil:
			verdict = "not read"
		case t.Refused != nil && t.Refused.MostDeleted:
			verdict = fmt.Sprintf("**refused by the safety limit**: deletes %d of %d RRsets", t.Refused.Deletes, t.Refused.Existing)
		case t.Refused != nil:
			verdict = fmt.Sprintf("**refused by the safety limit**: %.0f%% of %d RRsets (limit %d%%)", t.Refused.Share(), t.Refused.Existing, t.Refused.Limit)
		}
		var remarks []string
		if t.Err != nil {
			remarks = append(remarks, "**error**: cannot read: "+cell(t.Err.Error()))
		}
		if t.Missing {
			remarks = append(remarks, "zone will be created")
		}
		if t.Unchanged != "" {
			remarks = append(remarks, "not read: "+cell(t.Unchanged))
		}
		if hasApexNS(t) {
			remarks = append(remarks, "apex NS changes")
		}
		if n := len(t.Notes); n > 0 {
			remarks = append(remarks, fmt.Sprintf("%d %s", n, plural(n, "note", "notes")))
		}
		fmt.Fprintf(b, "| `%s` | %s | %d | %d | %d | %s | %s |\n", cell(t.Zone), cell(t.Provider), c, u, d, verdict, strings.Join(remarks, "; "))
	}
}

// mdSection is one target's part of a markdown plan: its heading and
// safety warning, always written, and its units: one per RRset change
// (display order), then one per note, each the text it adds.
type mdSection struct {
	t       *Target
	head    string
	units   []string
	changes int // units[:changes] are changes, the rest notes
	ops     []Op
	// shown is how many units are written: a prefix.
	shown int
}

func newSection(t *Target) mdSection {
	s := mdSection{t: t}
	var h strings.Builder
	fmt.Fprintf(&h, "\n#### `%s` at %s\n", esc(t.Zone), esc(t.Provider))
	if t.Missing {
		fmt.Fprintf(&h, "\n%s serves no zone `%s` yet: it will be created.\n", esc(t.Provider), esc(t.Zone))
	}
	if t.Refused != nil {
		fmt.Fprintf(&h, "\n> [!CAUTION]\n> Apply will refuse this: %s\n", esc(t.Refused.Error()))
	}
	s.head = h.String()
	for _, ch := range orderedForDisplay(t) {
		var b strings.Builder
		writeChange(&b, ch, Style{}, t.Zone, true)
		s.units = append(s.units, b.String())
		s.ops = append(s.ops, ch.Op)
	}
	s.changes = len(s.units)
	for _, n := range t.Notes {
		s.units = append(s.units, "- "+esc(n)+"\n")
	}
	return s
}

const (
	diffOpen  = "\n```diff\n"
	diffClose = "```\n"
)

func notesOpen(n int) string {
	return fmt.Sprintf("\n<details><summary>%d %s</summary>\n\n", n, plural(n, "note", "notes"))
}

const notesClose = "\n</details>\n"

// cost is the size unit i adds, with the opening and closing of its block
// when it is the first of its kind.
func (s *mdSection) cost(i int) int {
	n := len(s.units[i])
	switch i {
	case 0:
		if s.changes > 0 {
			n += len(diffOpen) + len(diffClose)
		} else {
			n += len(notesOpen(len(s.units))) + len(notesClose)
		}
	case s.changes:
		n += len(notesOpen(len(s.units)-s.changes)) + len(notesClose)
	}
	return n
}

// share gives each section a prefix of its units within budget, in all:
// sections that need less than an equal share of what is left get all
// they need, the others an equal share of the rest (water filling), so
// that a large target cannot crowd a small one out of the comment.
func share(secs []mdSection, budget int) {
	need := make([]int, len(secs))
	order := make([]int, len(secs))
	for i := range secs {
		order[i] = i
		for u := range secs[i].units {
			need[i] += secs[i].cost(u)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return need[a] - need[b] })
	left := max(budget, 0)
	for k, i := range order {
		room := left / (len(order) - k)
		s := &secs[i]
		s.shown = 0
		used := 0
		for s.shown < len(s.units) && used+s.cost(s.shown) <= room {
			used += s.cost(s.shown)
			s.shown++
		}
		left -= used
	}
}

func renderMarkdown(head string, secs []mdSection, pending, full string) string {
	var b strings.Builder
	b.WriteString(head)
	if w := cutWarning(secs, full, false); w != "" {
		b.WriteString(w)
	}
	for i := range secs {
		s := &secs[i]
		b.WriteString(s.head)
		if shown := min(s.shown, s.changes); shown > 0 {
			b.WriteString(diffOpen)
			for _, u := range s.units[:shown] {
				b.WriteString(u)
			}
			b.WriteString(diffClose)
		}
		if shown := s.shown - s.changes; shown > 0 {
			b.WriteString(notesOpen(len(s.units) - s.changes))
			for _, u := range s.units[s.changes:s.shown] {
				b.WriteString(u)
			}
			b.WriteString(notesClose)
		}
		b.WriteString(s.cutNote(full))
	}
	b.WriteString(pending)
	return b.String()
}

// cutNote says what of the section is left out, and where the whole plan
// is; nothing when all of it is shown.
func (s *mdSection) cutNote(full string) string {
	if s.shown >= len(s.units) {
		return ""
	}
	var counts [3]int
	for _, op := range s.ops[min(s.shown, s.changes):] {
		counts[op]++
	}
	var parts []string
	for op, n := range counts {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n, Op(op)))
		}
	}
	// "3 of its 10 RRset changes", or "its 10 RRset changes" when none is shown.
	part := func(left, all int, one, many string) string {
		if left == all {
			return fmt.Sprintf("its %d %s", all, plural(all, one, many))
		}
		return fmt.Sprintf("%d of its %d %s", left, all, plural(all, one, many))
	}
	var what []string
	if left := s.changes - min(s.shown, s.changes); left > 0 {
		what = append(what, part(left, s.changes, "RRset change", "RRset changes")+" ("+strings.Join(parts, ", ")+")")
	}
	if notes := len(s.units) - s.changes; notes > 0 {
		if left := notes - max(s.shown-s.changes, 0); left > 0 {
			what = append(what, part(left, notes, "note", "notes"))
		}
	}
	note := fmt.Sprintf("\n> [!NOTE]\n> Left out here to fit a comment: %s.", strings.Join(what, " and "))
	if full != "" {
		note += " The whole plan: " + full + "."
	}
	return note + "\n"
}

// cutWarning is the warning under the table of a plan that is cut, or ""
// for a whole one. worst gives the longest it can be, for the reckoning
// of the room left.
func cutWarning(secs []mdSection, full string, worst bool) string {
	left, changes := 0, 0
	for i := range secs {
		s := &secs[i]
		changes += s.changes
		if worst {
			left += s.changes
		} else {
			left += s.changes - min(s.shown, s.changes)
		}
	}
	cut := worst
	for i := range secs {
		cut = cut || secs[i].shown < len(secs[i].units)
	}
	if !cut {
		return ""
	}
	w := fmt.Sprintf("\n> [!WARNING]\n> This plan is cut to fit a comment, between RRsets: %d of %d RRset changes are left out (each target says how many of its own).", left, changes)
	if full != "" {
		w += " The whole plan: " + full + "."
	}
	return w + "\n"
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
	Waits   []Wait       `json:"waits,omitempty"`
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
//	  "zone_missing","fingerprint","unchanged","refused":{"zone","provider","updates","deletes",
//	  "existing_rrsets","limit_percent","most_deleted","share_percent","message"},"error"}],
//	 "pending":[{"kind","zone","provider","since","error"}]}
func WriteJSON(w io.Writer, p *Plan) error {
	out := jsonPlan{Version: JSONVersion, Changes: p.Changes(), Refused: len(p.Refusals()), Targets: []jsonTarget{}, Pending: p.Pending, Waits: p.Waits, Notes: p.Notes}
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
