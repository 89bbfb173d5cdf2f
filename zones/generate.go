package zones

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// $GENERATE is expanded here, not by miekg/dns, because miekg/dns v1.1.73
// reads it differently from BIND 9.18 (lib/dns/master.c, generate and
// genname): it lacks the nibble modifiers n and N, takes every token after
// the type as the right-hand side where BIND takes one (quoted when it holds
// blanks), gives the records TTL 3600 whatever $TTL says, caps a range at
// 65536 values where BIND allows up to 2^31-1, and refuses negative values.
//
// The source turns a $GENERATE entry into one ordinary record line per value,
// fed to the ZoneParser as if written in the file but without moving
// positions, so the records are parsed, counted against Limits.MaxRecords
// and checked like any other, one at a time: a $GENERATE bomb stops at the
// limit. Each carries the position of its $GENERATE line.

// generator makes the record lines of one $GENERATE entry.
type generator struct {
	lhs, rhs   string // templates, $ not yet replaced
	head       string // " [ttl] type " written between owner and rdata
	cur, stop  int64
	step       int64
	pos        Pos // of the entry
	lhsPos     Pos // of the templates' first characters
	rhsPos     Pos
	err        *Diagnostic // a value that cannot be expanded, found by next
	line       []byte
	lhsB, rhsB []byte
}

// genToken is one token of a $GENERATE entry and where it starts.
type genToken struct {
	text   string
	quoted bool
	pos    Pos
	depth  int // parentheses open before it
}

// genTokens splits a $GENERATE entry as BIND's lexer does: blanks and
// parentheses separate, a quoted string is one token (its quotes removed,
// \" read as ", other escapes kept), an escape keeps its backslash, comments
// are dropped.
func genTokens(raw []byte, start Pos) ([]genToken, *Diagnostic) {
	var out []genToken
	line, col, depth := start.Line, 0, 0
	for i := 0; i < len(raw); {
		c := raw[i]
		switch c {
		case '\n':
			line, col = line+1, 0
			i++
			continue
		case '(':
			depth++
			i, col = i+1, col+1
			continue
		case ')':
			depth--
			i, col = i+1, col+1
			continue
		case ' ', '\t', '\r':
			i, col = i+1, col+1
			continue
		case ';':
			for i < len(raw) && raw[i] != '\n' {
				i++
			}
			continue
		case 0:
			return nil, &Diagnostic{Pos: Pos{File: start.File, Line: line, Col: col + 1}, Severity: Error, Code: CodeBadOctet,
				Message: "a NUL octet in a $GENERATE line (BIND refuses it: syntax error)", Hint: "remove it"}
		}
		t := genToken{pos: Pos{File: start.File, Line: line, Col: col + 1}, depth: depth}
		var b strings.Builder
		if c == '"' {
			t.quoted = true
			i, col = i+1, col+1
			closed := false
			for i < len(raw) {
				d := raw[i]
				if d == '\n' {
					break
				}
				i, col = i+1, col+1
				if d == '\\' && i < len(raw) && raw[i] != '\n' {
					if raw[i] != '"' {
						b.WriteByte(d)
					}
					d = raw[i]
					i, col = i+1, col+1
				} else if d == '"' {
					closed = true
					break
				}
				b.WriteByte(d)
			}
			if !closed {
				return nil, &Diagnostic{Pos: t.pos, Severity: Error, Code: CodeGenerate,
					Message: "$GENERATE has a quoted string that does not end on its line", Hint: `close the string with "`}
			}
		} else {
			for i < len(raw) {
				d := raw[i]
				if d == ' ' || d == '\t' || d == '\r' || d == '\n' || d == '(' || d == ')' || d == ';' || d == '"' {
					break
				}
				b.WriteByte(d)
				i, col = i+1, col+1
				if d == '\\' && i < len(raw) && raw[i] != '\n' {
					b.WriteByte(raw[i])
					i, col = i+1, col+1
				}
			}
		}
		t.text = b.String()
		out = append(out, t)
	}
	return out, nil
}

// genProblem is a diagnostic about a $GENERATE entry.
func genProblem(pos Pos, msg, hint string) *Diagnostic {
	return &Diagnostic{Pos: pos, Severity: Error, Code: CodeGenerate, Message: msg, Hint: hint}
}

const genForm = "$GENERATE start-stop[/step] lhs [ttl] [class] type rhs"

// parseGenerate reads a $GENERATE entry (raw, starting at pos) as BIND 9.18
// does: range, lhs, an optional class, an optional TTL, an optional class
// if none came before, the type and one right-hand-side token, then the end
// of the line. explicitTTL reports a TTL on the line, ttl its value.
func parseGenerate(raw []byte, pos Pos) (g *generator, ttl uint32, explicitTTL bool, d *Diagnostic) {
	toks, d := genTokens(raw, pos)
	if d != nil {
		return nil, 0, false, d
	}
	end := func(what string) *Diagnostic {
		return genProblem(pos, "$GENERATE ends before its "+what, "write "+genForm)
	}
	quoted := func(t genToken) *Diagnostic {
		// Only the right-hand side may be quoted (BIND: syntax error).
		return genProblem(t.pos, "$GENERATE has a quoted string where only its right-hand side may be one",
			"quote only the right-hand side: "+genForm)
	}
	if len(toks) < 2 {
		return nil, 0, false, end("range")
	}
	g = &generator{pos: pos}
	if toks[1].quoted {
		return nil, 0, false, quoted(toks[1])
	}
	start, stop, step, ok := genRange(toks[1].text)
	if !ok {
		return nil, 0, false, genProblem(toks[1].pos, fmt.Sprintf("$GENERATE range %s is invalid (BIND: invalid range)", quoteToken(toks[1].text)),
			"write start-stop or start-stop/step, with 0 <= start <= stop <= 2147483647 and 1 <= step <= 2147483647")
	}
	g.cur, g.stop, g.step = int64(start), int64(stop), int64(step)
	if len(toks) < 3 {
		return nil, 0, false, end("owner (lhs)")
	}
	if toks[2].quoted {
		return nil, 0, false, quoted(toks[2])
	}
	g.lhs, g.lhsPos = toks[2].text, toks[2].pos
	i := 3
	class := false
	if i < len(toks) && !toks[i].quoted && isClass(toks[i].text) {
		if d := genClass(toks[i]); d != nil {
			return nil, 0, false, d
		}
		class = true
		i++
	}
	var head strings.Builder
	head.WriteByte(' ')
	if i < len(toks) && !toks[i].quoted {
		if v, why := bindTTL(toks[i].text); why == "" {
			ttl, explicitTTL = v, true
			head.WriteString(strconv.FormatUint(uint64(v), 10))
			head.WriteByte(' ')
			i++
		} else if isDigit(toks[i].text[0]) {
			return nil, 0, false, ttlProblem(toks[i].pos, toks[i].text, why)
		}
	}
	if !class && i < len(toks) && !toks[i].quoted && isClass(toks[i].text) {
		if d := genClass(toks[i]); d != nil {
			return nil, 0, false, d
		}
		i++
	}
	if i >= len(toks) {
		return nil, 0, false, end("type")
	}
	typ := toks[i]
	t, known := genType(typ.text)
	switch {
	case typ.quoted:
		return nil, 0, false, quoted(typ)
	case !known:
		return nil, 0, false, genProblem(typ.pos, fmt.Sprintf("$GENERATE has unknown RR type %s", quoteToken(typ.text)),
			"write "+genForm)
	case isMeta(t):
		return nil, 0, false, genProblem(typ.pos, fmt.Sprintf("$GENERATE has the meta type %s, which cannot be stored in a zone", quoteToken(typ.text)),
			"types 41 and 128-255 exist only in queries and transport (RFC 6895 §3.1)")
	}
	head.WriteString(typ.text)
	head.WriteByte(' ')
	g.head = head.String()
	i++
	if i >= len(toks) {
		return nil, 0, false, end("right-hand side (rdata)")
	}
	g.rhs, g.rhsPos = toks[i].text, toks[i].pos
	if r := strings.TrimLeft(g.rhs, " \t"); r == "" || r[0] == ';' {
		return nil, 0, false, genProblem(toks[i].pos, "$GENERATE has an empty right-hand side (BIND: unexpected end of input)",
			"write the rdata after the type")
	}
	if toks[i].depth > 0 {
		// BIND reads the rdata with the lexer that is still inside the
		// parentheses (BIND: unbalanced parentheses).
		return nil, 0, false, genProblem(toks[i].pos, "$GENERATE has its right-hand side inside parentheses (BIND: unbalanced parentheses)",
			"write the $GENERATE entry on one line, without parentheses")
	}
	if toks[i].quoted {
		g.rhsPos.Col++
	}
	if i+1 < len(toks) {
		return nil, 0, false, genProblem(toks[i+1].pos, "$GENERATE has more than one right-hand-side field (BIND: extra input text)",
			`BIND reads one field after the type: quote rdata with blanks, as in $GENERATE 1-9 host$ MX "10 mail$"`)
	}
	return g, ttl, explicitTTL, nil
}

// genClass accepts the zone's class only, as BIND does ("class != zone class").
func genClass(t genToken) *Diagnostic {
	if c, ok := dns.StringToClass[strings.ToUpper(t.text)]; ok && c == dns.ClassINET {
		return nil
	}
	if n, ok := strings.CutPrefix(strings.ToUpper(t.text), "CLASS"); ok {
		if v, err := strconv.ParseUint(n, 10, 16); err == nil && v == dns.ClassINET {
			return nil
		}
	}
	return &Diagnostic{Pos: t.pos, Severity: Error, Code: CodeClass, Message: fmt.Sprintf("$GENERATE is in class %s", quoteToken(t.text)),
		Hint: "zonecast serves class IN only; write the line as IN or leave the class out"}
}

// genType tells the type a $GENERATE names: a mnemonic or TYPEnnn.
func genType(s string) (uint16, bool) {
	u := strings.ToUpper(s)
	if t, ok := dns.StringToType[u]; ok {
		return t, true
	}
	if n, ok := strings.CutPrefix(u, "TYPE"); ok {
		if v, err := strconv.ParseUint(n, 10, 16); err == nil {
			return uint16(v), true
		}
	}
	return 0, false
}

// genRange reads start-stop[/step] as BIND's sscanf("%u-%u%1[/]%u") does,
// with its checks: a start or stop over 2^31-1, a start past the stop or a
// step of 0 or over 2^31-1 is an invalid range; text after what was read is
// ignored, as BIND ignores it.
func genRange(s string) (start, stop, step uint32, ok bool) {
	start, i, ok := scanUnsigned(s, 0)
	if !ok || i >= len(s) || s[i] != '-' {
		return 0, 0, 0, false
	}
	stop, i, ok = scanUnsigned(s, i+1)
	if !ok {
		return 0, 0, 0, false
	}
	step = 1
	if i < len(s) && s[i] == '/' {
		if step, _, ok = scanUnsigned(s, i+1); !ok || step < 1 || step > math.MaxInt32 {
			return 0, 0, 0, false
		}
	}
	if start > stop || start > math.MaxInt32 || stop > math.MaxInt32 {
		return 0, 0, 0, false
	}
	return start, stop, step, true
}

// scanUnsigned reads an unsigned number at s[i:] as C's sscanf %u does on a
// 64-bit machine: a sign is allowed (a minus negates modulo 2^64), an
// overflow saturates at 2^64-1, and the value is then cut to 32 bits.
func scanUnsigned(s string, i int) (uint32, int, bool) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	var v uint64
	over := false
	for ; j < len(s) && isDigit(s[j]); j++ {
		d := uint64(s[j] - '0')
		if v > (math.MaxUint64-d)/10 {
			over = true
		}
		v = v*10 + d
	}
	if j == i {
		return 0, i, false
	}
	switch {
	case over:
		v = math.MaxUint64
	case neg:
		v = -v
	}
	return uint32(v), j, true
}

// scanSigned reads a signed number at s[i:] as C's sscanf %d does on a
// 64-bit machine: an overflow saturates at the range of a long, then the
// value is cut to 32 bits.
func scanSigned(s string, i int) (int32, int, bool) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	var v uint64
	over := false
	for ; j < len(s) && isDigit(s[j]); j++ {
		v = v*10 + uint64(s[j]-'0')
		if v > 1<<63 {
			over = true
		}
	}
	if j == i {
		return 0, i, false
	}
	var n int64
	switch {
	case over && neg:
		n = math.MinInt64
	case over:
		n = math.MaxInt64
	case neg:
		n = -int64(v) // v <= 2^63: wraps to MinInt64 exactly
	case v == 1<<63:
		n = math.MaxInt64
	default:
		n = int64(v)
	}
	return int32(n), j, true
}

// genMax is BIND's buffer for one expanded lhs or rhs (DNS_MASTER_BUFSZ),
// its last octet kept for the NUL.
const genMax = 2048 - 1

// genNumMax is BIND's buffer for one number (numbuf), less the NUL.
const genNumMax = 128 - 1

// expand replaces the $ of template with the value it, as BIND's genname
// does: $$ is a dollar; \x is kept as written (the name or rdata parser reads
// it later); $ alone or ${offset}, ${offset,width}, ${offset,width,base}
// with base d, o, x, X (printf) or n, N (nibbles) is the number.
//
// why is empty when it could, else says why not; at is then the offset in
// template of the $ it could not replace.
func expand(dst []byte, template string, it int32) (out []byte, why string, at int) {
	for i := 0; i < len(template); {
		c := template[i]
		switch {
		case c == '\\':
			dst = append(dst, c)
			i++
			if i < len(template) {
				dst = append(dst, template[i])
				i++
			}
		case c != '$':
			dst = append(dst, c)
			i++
		case i+1 < len(template) && template[i+1] == '$':
			dst = append(dst, '$')
			i += 2
		default:
			at = i
			i++
			delta, width, mode := int32(0), uint32(0), byte('d')
			padded := false
			if i < len(template) && template[i] == '{' {
				var ok bool
				var n int
				delta, width, mode, padded, n, ok = genModifier(template[i:])
				if !ok {
					return dst, "a bad modifier: write ${offset}, ${offset,width} or ${offset,width,base} with base d, o, x, X, n or N", at
				}
				i += n
			}
			if it > 0 && delta > math.MaxInt32-it {
				return dst, fmt.Sprintf("a value past 2^31-1 (%d + %d; BIND: out of range)", it, delta), at
			}
			v := it + delta
			before := len(dst)
			var count int
			switch mode {
			case 'n', 'N':
				dst, count = nibbles(dst, width, mode, uint32(v))
			default:
				verb := "%" + string(mode)
				if padded {
					verb = "%0" + strconv.FormatUint(uint64(width), 10) + string(mode)
				}
				if padded && width > genNumMax {
					count = int(width)
				} else if mode == 'd' {
					dst = fmt.Appendf(dst, verb, v)
				} else {
					// C prints an int with %o and %x as unsigned.
					dst = fmt.Appendf(dst, verb, uint32(v))
				}
				if count == 0 {
					count = len(dst) - before
				}
			}
			if count > genNumMax {
				return dst, "a number longer than 127 characters (BIND: ran out of space)", at
			}
		}
		if len(dst) > genMax {
			return dst, "more than 2047 characters once expanded (BIND: ran out of space)", 0
		}
	}
	return dst, "", 0
}

// genModifier reads "{offset[,width[,base]]}" at the start of s as BIND's
// sscanf("{%d%1[,}]%u%1[,}]%1[doxXnN]%1[}]") and the checks after it do;
// n is how far to skip: past the first '}'.
func genModifier(s string) (delta int32, width uint32, mode byte, padded bool, n int, ok bool) {
	mode = 'd'
	delta, i, ok := scanSigned(s, 1)
	if !ok || i >= len(s) || (s[i] != ',' && s[i] != '}') {
		return 0, 0, 0, false, 0, false
	}
	if s[i] == ',' {
		width, i, ok = scanUnsigned(s, i+1)
		if !ok || i >= len(s) || (s[i] != ',' && s[i] != '}') {
			return 0, 0, 0, false, 0, false
		}
		padded = true
		if s[i] == ',' {
			i++
			if i+1 >= len(s) || !strings.ContainsRune("doxXnN", rune(s[i])) || s[i+1] != '}' {
				return 0, 0, 0, false, 0, false
			}
			mode = s[i]
		}
	}
	end := strings.IndexByte(s, '}')
	return delta, width, mode, padded, end + 1, true
}

// nibbles writes v as BIND does for the n and N bases: hexadecimal digits,
// least significant first, separated by dots, padded with zero digits (and
// a trailing dot) until width characters are written. count is what BIND
// counts, to refuse what does not fit its buffer.
func nibbles(dst []byte, width uint32, mode byte, v uint32) ([]byte, int) {
	const hex = "0123456789abcdef0123456789ABCDEF"
	off := 0
	if mode == 'N' {
		off = 16
	}
	count := 0
	for {
		dst = append(dst, hex[int(v&0xf)+off])
		count++
		v >>= 4
		if width > 0 {
			width--
		}
		if v != 0 || width > 0 {
			dst = append(dst, '.')
			count++
			if width > 0 {
				width--
			}
		}
		if (v == 0 && width == 0) || count > genNumMax {
			return dst, count
		}
	}
}

// next returns the next record line, or nil when the range is done or a
// value cannot be expanded (then g.err says why).
func (g *generator) next() []byte {
	if g.cur > g.stop || g.err != nil {
		return nil
	}
	it := int32(g.cur)
	g.cur += g.step
	var why string
	var at int
	pos := g.lhsPos
	if g.lhsB, why, at = expand(g.lhsB[:0], g.lhs, it); why == "" {
		pos = g.rhsPos
		g.rhsB, why, at = expand(g.rhsB[:0], g.rhs, it)
	}
	if why != "" {
		pos.Col += at
		g.err = genProblem(pos, fmt.Sprintf("$GENERATE value %d gives %s", it, why), "correct the $GENERATE line")
		return nil
	}
	if strings.IndexByte(string(g.rhsB), '\n') >= 0 {
		g.err = genProblem(g.pos, "$GENERATE right-hand side holds a line break", "write the rdata on one line")
		return nil
	}
	l := g.line[:0]
	if len(g.lhsB) > 0 && g.lhsB[0] == '$' {
		// A name, not a directive, to the ZoneParser.
		l = append(l, '\\')
	}
	l = append(l, g.lhsB...)
	l = append(l, g.head...)
	l = append(l, g.rhsB...)
	l = append(l, '\n')
	g.line = l
	return l
}

// startGenerate reads the $GENERATE entry at s.off, which the ZoneParser is
// not shown, and sets s.gen to make its records; a $GENERATE that BIND
// refuses gets a diagnostic and makes none.
func (s *source) startGenerate() {
	s.bol = true
	start := s.off
	for s.off < len(s.data) {
		s.off++
		s.step(s.data[s.off-1])
		if s.bol {
			break
		}
	}
	// The ZoneParser is not shown the entry's line ends either: its line
	// count runs behind by as many.
	s.prefixLines -= bytes.Count(s.data[start:s.off], []byte{'\n'})
	g, ttl, explicit, d := parseGenerate(s.data[start:s.off], s.entry)
	if d != nil {
		s.p.diags = append(s.p.diags, *d)
		return
	}
	if explicit && !s.ttlByDirective {
		// As in BIND, a TTL on a $GENERATE line is the last TTL seen; the
		// ZoneParser takes it from the lines made too.
		s.ttl, s.ttlSet, s.forceTTL = ttl, true, false
	}
	s.gen = g
}

// generated feeds the next generated line, if any, as a prefix; at the end
// of the range it restores the owner a following line without one takes
// (BIND's $GENERATE does not change it, the generated lines would).
func (s *source) generated() bool {
	if line := s.gen.next(); line != nil {
		s.prefix = line
		s.prefixLines++
		return true
	}
	if s.gen.err != nil {
		s.p.diags = append(s.p.diags, *s.gen.err)
	}
	s.gen = nil
	if s.off < len(s.data) && (s.data[s.off] == ' ' || s.data[s.off] == '\t') && s.lastOwner != "" {
		s.prefix = []byte(s.lastOwner)
		s.ownerPrefix, s.ownerLine = len(s.lastOwner), s.line-s.startLine+1
		return true
	}
	return false
}

// isGenerateAt reports whether text starts with a $GENERATE directive.
func isGenerateAt(text []byte) bool {
	const d = "$GENERATE"
	return len(text) > len(d) && strings.EqualFold(string(text[:len(d)]), d) && isBlank(text[len(d)])
}
