package zones

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// lint runs the checks a reviewer of a zone-file change wants and BIND does
// not make: data that loads and is served, but is most likely not what was
// meant. Every finding is a warning (an error under validate --strict):
//
//   - spf-multiple: two SPF policies at one name (RFC 7208 §4.5);
//   - spf-too-many-lookups: an SPF policy needing more than 10 DNS lookups
//     (RFC 7208 §4.6.4), following include: and redirect= into the zone;
//   - caa-unknown-tag: a CAA property tag not in the IANA registry;
//   - missing-trailing-dot: a name that ends with the origin twice;
//   - utf8-label: a label of raw UTF-8 where the DNS wants an A-label.
//
// Positions are those of the RRsets (their first record): the zone keeps no
// position per record, so a message names the record it is about.
func lint(z *Zone, sets []*RRset) Diagnostics {
	l := &linter{z: z, spf: make(map[string]*spfCount), twice: "." + z.Origin + z.Origin}
	var ds Diagnostics
	add := func(pos Pos, code, msg, hint string) {
		ds = append(ds, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: msg, Hint: hint})
	}
	// A UTF-8 origin is said once, not at every name of the zone.
	if a, u, ok := aLabel(z.Origin); ok {
		l.utf8Origin = true
		hint := fmt.Sprintf("give the origin as its A-label form `%s` (--origin, $ORIGIN or the file name)", a)
		if a == "" {
			hint = "it is no valid internationalised name (IDNA, RFC 5891): give the origin in ASCII"
		}
		add(Pos{File: z.File, Line: 1, Col: 1}, CodeUTF8Label, fmt.Sprintf("the origin %s has a label of raw UTF-8 (%s)", z.Origin, u), hint)
	}
	// Owner names are linted once per name, at the name's first record.
	// The SPF lookup count follows include: into other RRsets and memoises
	// per name. Both run on one core; the rest runs per RRset on every core.
	type span struct{ from, to int }
	owners := make(map[string]span) // name → its findings in ds
	for _, s := range sets {
		if s.Type == dns.TypeTXT {
			l.spfLookups(s, add)
		}
		if f, ok := owners[s.Name]; ok {
			for i := f.from; i < f.to; i++ {
				if posLess(s.Pos, ds[i].Pos) {
					ds[i].Pos = s.Pos
				}
			}
			continue
		}
		if !l.suspect(s.Name) {
			continue
		}
		n := len(ds)
		l.lintName(s.Pos, s.Name, "owner name "+s.Name, add)
		if len(ds) > n {
			owners[s.Name] = span{n, len(ds)}
		}
	}
	for _, part := range parallel(sets, l.lintSets) {
		ds = append(ds, part...)
	}
	return ds
}

// linter holds what the lints share.
type linter struct {
	z *Zone
	// spf memoises the lookup count of the SPF policy at each name, for
	// include: and redirect= targets inside the zone; a nil count says the
	// name has no single policy.
	spf map[string]*spfCount
	// twice is the origin written twice after a dot.
	twice string
	// utf8Origin: the origin has a UTF-8 label, said once.
	utf8Origin bool
}

// suspect reports cheaply whether lintName may have something to say of
// name: it ends with the origin twice, or it has an escape (a canonical
// name writes every octet over 0x7e as \DDD).
func (l *linter) suspect(name string) bool {
	return strings.HasSuffix(name, l.twice) || name == l.twice[1:] || strings.IndexByte(name, '\\') >= 0
}

// lintSets runs the lints of single RRsets' data; it reads only the zone.
func (l *linter) lintSets(sets []*RRset) Diagnostics {
	var ds Diagnostics
	add := func(pos Pos, code, msg, hint string) {
		ds = append(ds, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: msg, Hint: hint})
	}
	for _, s := range sets {
		if fields, ok := nameFields[s.Type]; ok {
			var seen []string // linted already, in an earlier record of s
			for _, rd := range s.Data {
				for _, i := range fields {
					n := fieldAt(rd, i)
					if n == "" || n == "." || !l.suspect(n) || slices.Contains(seen, n) {
						continue
					}
					seen = append(seen, n)
					l.lintName(s.Pos, n, fmt.Sprintf("%s target %s at %s", s.TypeString(), n, s.Name), add)
				}
			}
		}
		switch s.Type {
		case dns.TypeTXT, dns.TypeSPF:
			spfMultiple(s, add)
		case dns.TypeCAA:
			caaTags(s, add)
		}
	}
	return ds
}

// lintName checks one name, which what describes: the origin written
// twice, raw UTF-8.
func (l *linter) lintName(pos Pos, name, what string, add func(Pos, string, string, string)) {
	origin := l.z.Origin
	if origin != "." && (name == origin+origin || strings.HasSuffix(name, "."+origin+origin)) {
		add(pos, CodeMissingTrailingDot, fmt.Sprintf("%s ends with the origin %s twice", what, origin),
			fmt.Sprintf("a name without a trailing dot is relative to the origin: write `%s` with a trailing dot", strings.TrimSuffix(name, origin)))
	}
	if a, u, ok := aLabel(name); ok && (!l.utf8Origin || l.ownUTF8(name)) {
		hint := fmt.Sprintf("write the A-label form `%s` (IDNA, RFC 5891): resolvers look names up in that form", a)
		if a == "" {
			hint = "it is no valid internationalised name (IDNA, RFC 5891): write the name in ASCII"
		}
		add(pos, CodeUTF8Label, fmt.Sprintf("%s has a label of raw UTF-8 (%s)", what, u), hint)
	}
}

// ownUTF8 reports whether name has a UTF-8 label other than the origin's.
func (l *linter) ownUTF8(name string) bool {
	if name == l.z.Origin {
		return false
	}
	rel, in := strings.CutSuffix(name, "."+l.z.Origin)
	if !in {
		return true
	}
	_, _, ok := aLabel(rel + ".")
	return ok
}

// aLabel returns name with its UTF-8 labels as A-labels (punycode, RFC
// 5891), and name as Unicode text, when a label of name is valid UTF-8
// outside ASCII; a is empty when such a label is no valid U-label. ok is
// false when name has no such label: it is ASCII, or its high octets are
// no UTF-8 (a binary label is no text to convert).
func aLabel(name string) (a, u string, ok bool) {
	if !strings.Contains(name, `\`) {
		return "", "", false // canonical names write every octet over 0x7e as \DDD
	}
	valid := true
	var as, us []string
	for _, lb := range splitLabels(name) {
		if !hasHigh(lb) || !utf8.Valid(lb) {
			text := labelText(lb)
			as, us = append(as, text), append(us, text)
			continue
		}
		ok = true
		us = append(us, string(lb))
		al, err := idna.Lookup.ToASCII(string(lb))
		if err != nil || al == "" || strings.Contains(al, ".") {
			valid = false
		}
		as = append(as, al)
	}
	if !ok {
		return "", "", false
	}
	if valid {
		a = strings.Join(as, ".") + "."
	}
	return a, strings.Join(us, ".") + ".", true
}

func hasHigh(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// labelText writes one label in presentation form, as CanonicalName does.
func labelText(lb []byte) string {
	var b strings.Builder
	for _, c := range lb {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '*' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "\\%03d", c)
	}
	return strings.TrimSuffix(CanonicalName(b.String()), ".")
}

// nameFields are the fields of canonical rdata (split at spaces) that hold
// domain names, per type; -1 is the last field.
var nameFields = map[uint16][]int{
	dns.TypeNS:    {0},
	dns.TypeCNAME: {0},
	dns.TypeDNAME: {0},
	dns.TypePTR:   {0},
	dns.TypeMX:    {1},
	dns.TypeKX:    {1},
	dns.TypeAFSDB: {1},
	dns.TypeRT:    {1},
	dns.TypeSRV:   {3},
	dns.TypeNAPTR: {-1},
	dns.TypeSVCB:  {1},
	dns.TypeHTTPS: {1},
	dns.TypeSOA:   {0, 1},
	dns.TypeRP:    {0, 1},
	dns.TypeMINFO: {0, 1},
}

// fieldAt returns field i (counting from 0, or from the end when negative:
// -1 is the last) of canonical rdata rd, its fields split at spaces, or ""
// when there is no such field.
func fieldAt(rd string, i int) string {
	if i < 0 {
		for ; i < -1; i++ {
			j := strings.LastIndexByte(rd, ' ')
			if j < 0 {
				return ""
			}
			rd = rd[:j]
		}
		return rd[strings.LastIndexByte(rd, ' ')+1:]
	}
	for ; i > 0; i-- {
		j := strings.IndexByte(rd, ' ')
		if j < 0 {
			return ""
		}
		rd = rd[j+1:]
	}
	if j := strings.IndexByte(rd, ' '); j >= 0 {
		return rd[:j]
	}
	return rd
}

// spfMultiple warns of a TXT (or SPF) RRset with more than one SPF policy:
// a receiver then fails the check (RFC 7208 §4.5, permerror).
func spfMultiple(s *RRset, add func(Pos, string, string, string)) {
	n := 0
	for _, rd := range s.Data {
		if _, ok := spfText(rd); ok {
			n++
		}
	}
	if n < 2 {
		return
	}
	hint := "merge them into one v=spf1 record: with two, every receiver's SPF check fails (RFC 7208 §4.5, permerror)"
	if s.Type == dns.TypeSPF {
		hint = "keep one; receivers read SPF from TXT only, and the SPF type is obsolete (RFC 7208 §3.1, §14.1)"
	}
	add(s.Pos, CodeSPFMultiple, fmt.Sprintf("%d SPF records (v=spf1) in the %s RRset at %s", n, s.TypeString(), s.Name), hint)
}

// spfText returns the text of canonical TXT rdata rd when it is an SPF
// policy.
func spfText(rd string) (string, bool) {
	// Most TXT records are no SPF policy: look at the first octet of text
	// before unescaping. Empty strings may come first.
	i := 0
	for strings.HasPrefix(rd[i:], `"" `) {
		i += 3
	}
	if i+1 >= len(rd) || rd[i] != '"' {
		return "", false
	}
	// Unescape only what may be SPF: a first string of plain text that
	// starts otherwise is none.
	if head := rd[i+1:]; len(head) >= 7 && !strings.ContainsAny(head[:7], `"\\`) &&
		(!strings.EqualFold(head[:6], "v=spf1") || head[6] != ' ') {
		return "", false
	}
	text := txtText(rd)
	return text, isSPF(text)
}

// isSPF reports whether a TXT record's text is an SPF policy: "v=spf1"
// alone or followed by a space (RFC 7208 §4.5), in any case.
func isSPF(text string) bool {
	const v = "v=spf1"
	return len(text) >= len(v) && strings.EqualFold(text[:len(v)], v) && (len(text) == len(v) || text[len(v)] == ' ')
}

// txtText returns the text of canonical TXT rdata: its character-strings
// unescaped and joined with nothing between them, as SPF reads them (RFC
// 7208 §3.3).
func txtText(rd string) string {
	var b strings.Builder
	b.Grow(len(rd))
	quoted := false
	for i := 0; i < len(rd); i++ {
		c := rd[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && i+3 < len(rd) && isDigit(rd[i+1]) && isDigit(rd[i+2]) && isDigit(rd[i+3]):
			b.WriteByte(byte(int(rd[i+1]-'0')*100 + int(rd[i+2]-'0')*10 + int(rd[i+3]-'0')))
			i += 3
		case c == '\\' && i+1 < len(rd):
			b.WriteByte(rd[i+1])
			i++
		case quoted:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// spfLimit is the number of DNS-querying terms an SPF evaluation may take
// (RFC 7208 §4.6.4).
const spfLimit = 10

// spfCount is the number of DNS lookups an SPF policy takes.
type spfCount struct {
	n int
	// outside are the include: and redirect= targets outside the zone (or
	// written with macros), each counted as one lookup: n is a lower bound
	// when there are any.
	outside []string
	// loop is the target where an include: or redirect= chain comes back
	// to itself, which no lookup limit survives.
	loop string
	// cut: counting stopped once past the limit, so n is a lower bound.
	// It also bounds how deep a chain of includes is followed.
	cut bool
}

// spfLookups warns of each SPF policy of s that takes more than spfLimit DNS
// lookups.
func (l *linter) spfLookups(s *RRset, add func(Pos, string, string, string)) {
	for _, rd := range s.Data {
		text, ok := spfText(rd)
		if !ok {
			continue
		}
		c := l.countSPF(text, []string{s.Name}, spfLimit)
		if c.n <= spfLimit && c.loop == "" {
			continue
		}
		hint := "past 10 lookups (include:, a, mx, ptr, exists:, redirect=) receivers fail the check (RFC 7208 §4.6.4, permerror); " +
			"replace includes with ip4:/ip6: ranges or drop unused ones"
		var msg string
		switch {
		case c.loop != "":
			msg = fmt.Sprintf("the SPF record at %s reaches an include loop: the policy at %s includes itself through include: or redirect=, so no evaluation ends within %d DNS lookups",
				s.Name, c.loop, spfLimit)
			hint = "break the loop; receivers fail the check once past 10 lookups (RFC 7208 §4.6.4, permerror)"
		case len(c.outside) > 0:
			msg = fmt.Sprintf("the SPF record at %s needs at least %d DNS lookups, over the limit of %d (a lower bound: %s outside the zone counted as 1 lookup each)",
				s.Name, c.n, spfLimit, listSome(c.outside, 3))
		case c.cut:
			msg = fmt.Sprintf("the SPF record at %s needs at least %d DNS lookups, over the limit of %d (counting stops there)", s.Name, c.n, spfLimit)
		default:
			msg = fmt.Sprintf("the SPF record at %s needs %d DNS lookups, over the limit of %d", s.Name, c.n, spfLimit)
		}
		add(s.Pos, CodeSPFTooManyLookups, msg, hint)
	}
}

// listSome lists the first n of names and says how many more there are.
func listSome(names []string, n int) string {
	var once []string
	for _, s := range names {
		if !slices.Contains(once, s) {
			once = append(once, s)
		}
	}
	names = once
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// countSPF counts the DNS lookups of the SPF policy text, which path (the
// names being counted, outermost first) leads to. Past budget lookups the
// verdict is known and counting stops (cut): so a top-level count follows at
// most about spfLimit includes, however long a chain the zone holds.
func (l *linter) countSPF(text string, path []string, budget int) spfCount {
	var c spfCount
	var redirect string
	hasAll := false
	for _, term := range strings.Fields(text)[1:] {
		term = strings.ToLower(term)
		mech := strings.TrimLeft(term, "+-~?")
		name, arg, _ := strings.Cut(mech, ":")
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[:i] // a/24, mx//64
		}
		lookup := name == "a" || name == "mx" || name == "ptr" || name == "exists" || name == "include"
		if lookup && c.n > budget {
			// Over the limit already: what follows changes no verdict,
			// and a chain of includes is followed no deeper.
			c.cut = true
			return c
		}
		switch {
		case strings.HasPrefix(term, "redirect="):
			redirect = strings.TrimPrefix(term, "redirect=")
		case name == "all":
			hasAll = true
		case name == "include":
			c.n++
			c.follow(l, arg, path, budget-c.n)
		case lookup:
			c.n++
		}
		if c.loop != "" {
			return c
		}
	}
	// redirect= is ignored when the policy has an "all" (RFC 7208 §6.1).
	if redirect != "" && !hasAll {
		if c.n > budget {
			c.cut = true
			return c
		}
		c.n++
		c.follow(l, redirect, path, budget-c.n)
	}
	return c
}

// follow adds the lookups of the policy at target, an include: or
// redirect= domain, when the zone holds it, counting at most budget more.
// Complete counts are memoised; cut ones depend on the budget and are not.
func (c *spfCount) follow(l *linter, target string, path []string, budget int) {
	if target == "" || strings.Contains(target, "%") {
		c.outside = append(c.outside, target) // macros are known only at evaluation
		return
	}
	name := CanonicalName(target)
	if !inZone(name, l.z.Origin) {
		c.outside = append(c.outside, name)
		return
	}
	if slices.Contains(path, name) {
		if c.loop == "" {
			c.loop = name
		}
		return
	}
	sub, ok := l.spf[name]
	if !ok {
		sub = l.policyAt(name, append(path[:len(path):len(path)], name), budget)
		if sub == nil || !sub.cut {
			l.spf[name] = sub
		}
	}
	if sub == nil {
		return // no single policy there: the include fails, it takes no more lookups
	}
	c.n += sub.n
	c.outside = append(c.outside, sub.outside...)
	c.cut = c.cut || sub.cut
	if c.loop == "" {
		c.loop = sub.loop
	}
}

// policyAt counts the SPF policy at name, or returns nil when name has not
// exactly one.
func (l *linter) policyAt(name string, path []string, budget int) *spfCount {
	s := l.z.Lookup(name, dns.TypeTXT)
	if s == nil {
		return nil
	}
	var policy string
	for _, rd := range s.Data {
		if text, ok := spfText(rd); ok {
			if policy != "" {
				return nil
			}
			policy = text
		}
	}
	if policy == "" {
		return nil
	}
	c := l.countSPF(policy, path, budget)
	return &c
}

// registeredCAATags are the CAA property tags of the IANA registry: RFC
// 8659's three, contactemail and contactphone (CA/Browser Forum), issuemail
// (RFC 9495) and issuevmc (BIMI). auth, path and policy are reserved, not
// usable.
var registeredCAATags = []string{"issue", "issuewild", "iodef", "contactemail", "contactphone", "issuemail", "issuevmc"}

// caaTags warns of CAA records whose tag is not registered: a CA ignores
// such a property, or refuses to issue at all when it is marked critical
// (RFC 8659 §4.1).
func caaTags(s *RRset, add func(Pos, string, string, string)) {
	for _, rd := range s.Data {
		f := strings.Fields(rd)
		if len(f) < 2 {
			continue
		}
		tag := strings.ToLower(f[1]) // tags match case-insensitively (RFC 8659 §4.1)
		if slices.Contains(registeredCAATags, tag) {
			continue
		}
		quoted := rd
		if len(quoted) > 60 {
			quoted = quoted[:57] + "..."
		}
		what := "not registered"
		if tag == "auth" || tag == "path" || tag == "policy" {
			what = "reserved, not usable (RFC 8659 §7.2)"
		}
		msg := fmt.Sprintf("CAA at %s has the tag %q, which is %s (%s)", s.Name, f[1], what, quoted)
		if flags, err := strconv.Atoi(f[0]); err == nil && flags&128 != 0 {
			msg += "; it is marked critical, so every CA refuses to issue"
		} else {
			msg += "; CAs ignore it"
		}
		hint := "the registered tags are " + strings.Join(registeredCAATags, ", ")
		if near := closest(tag, registeredCAATags); near != "" {
			hint = fmt.Sprintf("did you mean %q? %s", near, hint)
		}
		add(s.Pos, CodeCAAUnknownTag, msg, hint)
	}
}

// closest returns the word of words nearest to w by edit distance, if it is
// near enough to be a typing slip (at most 2 edits, fewer than half of w).
func closest(w string, words []string) string {
	best, bestD := "", 3
	for _, c := range words {
		if d := editDistance(w, c); d < bestD && 2*d < len(w) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
