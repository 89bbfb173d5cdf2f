package zones

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/miekg/dns"
)

// Options tune how a zone file is read.
type Options struct {
	// Origin is the zone's apex (the --origin flag). When empty it comes
	// from a $ORIGIN at the top of the file, else from the file name
	// (example.com.zone, db.example.com).
	Origin string
	// FollowSymlinks lets the main zone file be a symbolic link that leads
	// out of its folder; set it only when the config says so. $INCLUDE
	// files stay confined to the main file's folder either way.
	FollowSymlinks bool
	// Limits bound what reading the zone may cost.
	Limits Limits
	// IDN accepts names written in raw UTF-8 (U-labels) and stores them
	// as their A-labels (punycode, RFC 5891), owners and rdata targets.
	IDN bool
}

// Where an origin came from, as Zone.OriginFrom says.
const (
	OriginFromFlag      = "--origin"
	OriginFromDirective = "$ORIGIN"
	OriginFromFileName  = "file name"
)

// ParseFile reads, canonicalises and checks the zone file at path.
//
// The file must be a regular file in its folder: a symbolic link that leads
// out of the folder is refused unless opts.FollowSymlinks, and a FIFO, a
// device or a /proc file is refused always (it is not waited on). $INCLUDE
// is allowed but confined to the zone file's folder and below (symbolic
// links too), to regular files; relative paths are resolved from the
// including file's folder. opts.Limits bound the bytes, records and
// $INCLUDEs read; past one, reading stops with a diagnostic.
//
// The returned Diagnostics hold every problem found, in file order; the zone
// must not be pushed when Diagnostics.HasErrors. Their texts hold no control
// characters (see EscapeText). The error is non-nil only when the file
// cannot be read, is refused (a *FileError) or no origin can be told, and
// then the zone is nil.
func ParseFile(path string, opts Options) (*Zone, Diagnostics, error) {
	data, root, err := readZoneFile(path, opts)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	return parse(data, path, opts, root)
}

// ReadSets reads the zone file at path as ParseFile does and returns its
// RRsets. A file that zonecast sealed (WriteSealed) and nobody changed since
// is read back as written, without parsing its rdata again (ReadSealed):
// it has no diagnostics. Any other file is parsed, and its diagnostics are
// ParseFile's. opts.Origin must be set for a sealed file to be read as one.
func ReadSets(path string, opts Options) ([]RRset, Diagnostics, error) {
	data, root, err := readZoneFile(path, opts)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	if opts.Origin != "" && !opts.IDN && len(data) > 0 && bytes.Count(data, []byte{'\n'}) <= opts.Limits.WithDefaults().MaxRecords {
		// data is never written again: the sets may share its memory.
		if sets, ok := ReadSealed(unsafe.String(&data[0], len(data)), path, opts.Origin); ok {
			return sets, nil, nil
		}
	}
	z, diags, err := parse(data, path, opts, root)
	if err != nil {
		return nil, nil, err
	}
	sets := make([]RRset, 0, len(z.Sets))
	for _, s := range z.Sets {
		sets = append(sets, *s)
	}
	return sets, diags, nil
}

// readZoneFile reads the zone file at path within opts' limits, refusing
// what ParseFile refuses; root is its folder, for $INCLUDE, to be closed by
// the caller.
func readZoneFile(path string, opts Options) ([]byte, *os.Root, error) {
	lim := opts.Limits.WithDefaults()
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, nil, fmt.Errorf("read zone file: %w", err)
	}
	data, err := readInRoot(root, path, opts, lim)
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	return data, root, nil
}

// readInRoot is readZoneFile within the zone file's folder.
func readInRoot(root *os.Root, path string, opts Options, lim Limits) ([]byte, error) {
	var f *os.File
	var err error
	if opts.FollowSymlinks {
		f, err = os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	} else {
		f, err = root.OpenFile(filepath.Base(path), os.O_RDONLY|openNonblock, 0)
		if err != nil {
			if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
				f, err = openLinkInFolder(root, path)
				if errors.Is(err, errOutOfFolder) {
					return nil, &FileError{Path: path, Symlink: true, Reason: "it is a symbolic link out of its folder, " +
						"and zonecast follows one only when the config says so"}
				}
			}
		}
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// os.Root says "openat" and the base name; say what was asked.
			pe.Op, pe.Path = "open", path
		}
		return nil, fmt.Errorf("read zone file: %w", err)
	}
	data, err := readRegular(f, lim.MaxFileBytes)
	f.Close()
	if err != nil {
		var big *tooLargeError
		if errors.As(err, &big) {
			return nil, &FileError{Path: path, Reason: fmt.Sprintf("it holds %d octets; %s", big.size,
				limitText(lim.MaxFileBytes, "octets", "limits.zone_file_bytes"))}
		}
		return nil, &FileError{Path: path, Reason: err.Error()}
	}
	return data, nil
}

var errOutOfFolder = errors.New("out of the folder")

// openLinkInFolder opens the symbolic link path, which root refused, when it
// leads to a file inside root's folder after all (os.Root refuses every
// absolute link); errOutOfFolder when it leads out.
func openLinkInFolder(root *os.Root, path string) (*os.File, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(dir, target)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, errOutOfFolder
	}
	// Opened through root still: a link changed since is confined too.
	return root.OpenFile(rel, os.O_RDONLY|openNonblock, 0)
}

// tooLargeError is a file larger than the bytes left to read.
type tooLargeError struct{ size int64 }

func (e *tooLargeError) Error() string { return fmt.Sprintf("%d octets, over the limit", e.size) }

// readRegular reads f, which must be a regular file of at most budget
// octets. A file that holds more than its size says (a /proc file) is
// refused too: its size could not be checked before reading.
func readRegular(f *os.File, budget int64) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("it is not a regular file but %s", fileKind(fi.Mode()))
	}
	size := fi.Size()
	if size > budget {
		return nil, &tooLargeError{size: size}
	}
	buf := make([]byte, size+1)
	n, err := io.ReadFull(f, buf)
	switch {
	case n > int(size):
		return nil, errors.New("it holds more than its size says: not a plain file (a /proc file?)")
	case err != nil && err != io.EOF && err != io.ErrUnexpectedEOF:
		return nil, err
	}
	return buf[:n], nil
}

// fileKind names what a file that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// Parse reads a zone from r as ParseFile does. name stands for the file in
// positions and, when opts.Origin is empty and the text has no $ORIGIN, gives
// the origin. $INCLUDE is refused: there is no folder to confine it to.
func Parse(r io.Reader, name string, opts Options) (*Zone, Diagnostics, error) {
	limit := opts.Limits.WithDefaults().MaxFileBytes
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read zone %s: %w", EscapeText(name), err)
	}
	if int64(len(data)) > limit {
		return nil, nil, fmt.Errorf("read zone %s: more than %d octets; %s", EscapeText(name), limit,
			limitText(limit, "octets", "limits.zone_file_bytes"))
	}
	return parse(data, name, opts, nil)
}

func parse(data []byte, path string, opts Options, root *os.Root) (*Zone, Diagnostics, error) {
	origin, from, err := findOrigin(data, path, opts.Origin)
	if err != nil {
		return nil, nil, err
	}
	z := NewZone(origin)
	z.OriginFrom, z.File = from, path
	// Most lines of a zone file hold a record and most RRsets one record:
	// sizing the maps up front saves rehashing large zones several times.
	lines := bytes.Count(data, []byte{'\n'})
	z.Sets = make(map[Key]*RRset, lines*3/4)
	p := &parser{zone: z, root: root, dir: filepath.Dir(path), names: make(map[string]uint8, lines/2),
		sets: make([]*RRset, 0, lines*3/4), limits: opts.Limits.WithDefaults(), bytes: int64(len(data))}
	// The source's digest: the origin, how names are read, and every byte
	// read, each file's with its name and length, in the order read.
	p.digest = sha256.New()
	fmt.Fprintf(p.digest, "zonecast source v1\x00%s\x00idn=%t\x00%s\x00%d\x00", z.Origin, opts.IDN, filepath.Base(path), len(data))
	p.digest.Write(data)
	main := p.newSource(data, filepath.Base(path), path)
	main.origin = z.Origin
	p.soaDefaultTTL(main)
	p.run(main)
	z.SourceDigest = "sha256:" + hex.EncodeToString(p.digest.Sum(nil))
	parallel(p.sets, finish)
	if opts.IDN {
		p.sets, p.names = idnToASCII(z, p.sets, p.names)
	}
	p.diags = append(p.diags, p.added...)
	if !p.stopped {
		// A zone read only in part would give misleading findings.
		p.diags = append(p.diags, check(z, p.sets, p.names)...)
	}
	for i := range p.diags {
		d := &p.diags[i]
		d.Message, d.Hint, d.Pos.File = EscapeText(d.Message), EscapeText(d.Hint), EscapeText(d.Pos.File)
	}
	p.diags.Sort()
	return z, p.diags, nil
}

// findOrigin decides the zone's apex: the flag, else a $ORIGIN before the
// first record, else the file name.
func findOrigin(data []byte, path, flag string) (origin, from string, err error) {
	if flag != "" {
		if _, ok := dns.IsDomainName(flag); !ok {
			return "", "", fmt.Errorf("--origin %s is not a domain name", quoteToken(flag))
		}
		return dns.Fqdn(flag), OriginFromFlag, nil
	}
	for line := range bytes.Lines(data) {
		f := strings.Fields(stripComment(string(line)))
		if len(f) == 0 {
			continue
		}
		if strings.EqualFold(f[0], "$TTL") {
			continue
		}
		if strings.EqualFold(f[0], "$ORIGIN") && len(f) > 1 {
			if _, ok := dns.IsDomainName(f[1]); ok {
				return dns.Fqdn(f[1]), OriginFromDirective, nil
			}
		}
		break
	}
	if origin, ok := OriginFromName(path); ok {
		return origin, OriginFromFileName, nil
	}
	return "", "", errors.New("cannot tell the zone's origin: pass --origin, start the file with $ORIGIN, or name it after the zone (example.com.zone or db.example.com)")
}

// stripComment cuts a line at the first ';' outside quotes.
func stripComment(line string) string {
	quote, esc := false, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == '"':
			quote = !quote
		case c == ';' && !quote:
			return line[:i]
		}
	}
	return line
}

// parser turns the records miekg/dns's ZoneParser reads into a Zone, and
// keeps reading after a syntax error so that one pass reports them all.
type parser struct {
	zone *Zone
	// digest hashes everything read (Zone.SourceDigest).
	digest hash.Hash
	diags  Diagnostics      // found while reading
	added  Diagnostics      // found while adding records to the zone
	names  map[string]uint8 // kinds of RRsets at each owner name (typeBit)
	sets   []*RRset         // every RRset, in the order first seen
	root   *os.Root         // nil: $INCLUDE is refused
	dir    string           // the zone file's folder, as given
	// wire checks that a record can be encoded and carried alone in one
	// DNS message (64 KiB less the 12-octet header), as AXFR must.
	wire [65535 - 12]byte
	// cur is the source the ZoneParser read a byte from last: the file the
	// record it returns was written in.
	cur *source
	// What the zone has cost so far, against limits: bytes of files read,
	// records read, $INCLUDE files opened. stopped: a total is over its
	// limit and reading has stopped.
	limits   Limits
	bytes    int64
	records  int
	includes int
	stopped  bool
	// octet is the octet error ReadByte returned last, until run reports it.
	octet *octetError
	// The blocks newSet and oneData hand out from, and the set add put a
	// record in last (adding side).
	setSlab  []RRset
	dataSlab []string
	last     *RRset
}

// typeName is a record type that %s formats as TypeString does, so that
// the mnemonic is looked up only for a message made.
type typeName uint16

func (t typeName) String() string { return TypeString(uint16(t)) }

// source is one zone file's bytes, read by a ZoneParser one byte at a time.
// It follows the zone file's lexical structure just enough to know where each
// entry (record or directive) starts, so records get a file:line:col, and it
// keeps the $ORIGIN/$TTL state so parsing can resume after an error.
type source struct {
	p       *parser
	parent  *source // the file that $INCLUDEd this one
	nesting int     // how many files include this one: 0 for the main file
	data    []byte
	off     int
	name    string // the name the ZoneParser knows, relative to the zone's folder
	display string // the name shown to users
	prefix  []byte // read before data when resuming; does not move positions

	line, col           int
	depth               int // open parentheses
	quote, comment, esc bool
	bol                 bool // at the start of an entry: nothing but blanks and comments read since
	lineOff             int  // offset of the current physical line

	entry          Pos
	entryOff       int
	prevEntryOff   int
	entryDirective bool

	// State to resume from, kept as miekg/dns keeps it.
	origin         string
	ttl            uint32
	ttlSet         bool
	ttlByDirective bool
	lastOwner      string
	// records counts the records read from this file so far: a syntax
	// error before the first quotes nothing of the file (syntaxError).
	records int
	// taken is one past the offset of the entry the last record came from.
	taken int
	// odd: the file holds a NUL or a carriage return, which ReadByte checks.
	odd bool
	// Line numbering of the ZoneParser reading this source, for its errors.
	// ownerLine: the line (counted from startLine) that ownerPrefix octets
	// of a previous owner were read before.
	startLine, prefixLines, ownerPrefix, ownerLine int
	// gen makes the records of the $GENERATE entry being read (generate.go).
	gen *generator
	// zp is the ZoneParser run started on this source, if any; left: the
	// file has ended and its $TTL passed on to its parent (leave).
	zp   *dns.ZoneParser
	left bool
	// quiet: a look ahead, whose findings are made again by the real read.
	quiet bool
	// forceTTL: the default TTL of this file (ttl, not by $TTL) is one its
	// ZoneParser, miekg/dns's own, does not know (include.go): take gives
	// it to the records without a TTL of their own.
	forceTTL bool
}

func (p *parser) newSource(data []byte, name, display string) *source {
	odd := bytes.IndexByte(data, 0) >= 0 || bytes.IndexByte(data, '\r') >= 0
	return &source{p: p, data: data, name: name, display: display, line: 1, bol: true, startLine: 1, odd: odd}
}

// ReadByte feeds the ZoneParser.
func (s *source) ReadByte() (byte, error) {
	// Most bytes lie inside an entry's tokens, of a file read straight
	// through: readByte would only move past them and count the column.
	if s.off < len(s.data) && len(s.prefix) == 0 && s.gen == nil && !s.bol && !s.esc {
		if c := s.data[s.off]; plainByte[c] {
			if p := s.p; p.cur == s && !p.stopped {
				s.off++
				s.col++
				return c, nil
			}
		}
	}
	return s.readByte()
}

// plainByte are the bytes readByte only moves past inside an entry: not
// lexical, and not the NUL and carriage return it checks.
var plainByte = func() (t [256]bool) {
	for c := range t {
		t[c] = !lexical[c] && c != 0 && c != '\r'
	}
	return t
}()

// readByte is ReadByte, for every byte.
func (s *source) readByte() (byte, error) {
	if s.p.cur != s {
		s.p.cur = s
	}
again:
	if len(s.prefix) > 0 {
		c := s.prefix[0]
		s.prefix = s.prefix[1:]
		return c, nil
	}
	if s.gen != nil && !s.p.stopped && s.generated() {
		goto again
	}
	if s.off >= len(s.data) || s.p.stopped {
		if !s.left && !s.p.stopped {
			s.leave()
		}
		return 0, io.EOF
	}
	c := s.data[s.off]
	if c == '$' && s.bol && s.off == s.lineOff && isGenerateAt(s.data[s.off:]) {
		// BIND's $GENERATE, which miekg/dns reads differently.
		s.startGenerate()
		goto again
	}
	if s.odd && (c == 0 || c == '\r') {
		if err := s.checkOctet(c); err != nil {
			// The ZoneParser may report the entry cut short in its own
			// words instead: run looks here first.
			s.p.octet = err
			return 0, err
		}
	}
	s.off++
	if !s.bol && !s.esc && !lexical[c] {
		// Most bytes change nothing step would track but the column.
		s.col++
		return c, nil
	}
	s.step(c)
	return c, nil
}

// lexical are the bytes step acts on (besides the column): line ends,
// escapes, quotes, comments and parentheses.
var lexical = [256]bool{'\n': true, '\\': true, '"': true, ';': true, '(': true, ')': true}

// An octetError is an octet BIND refuses where it stands; ReadByte returns
// it, so the ZoneParser drops the entry.
type octetError struct {
	pos       Pos
	msg, hint string
}

func (e *octetError) Error() string { return e.msg }

// checkOctet refuses, as BIND does, the octets that the ZoneParser would read
// differently from BIND: a NUL outside a quoted string and a comment (BIND:
// syntax error), escaped or not, and a carriage return outside a quoted
// string and a comment that does not end its line (BIND ends the line
// there; miekg/dns drops it and reads on). c is the octet at s.off, not yet
// stepped over.
func (s *source) checkOctet(c byte) *octetError {
	if s.comment {
		return nil
	}
	pos := Pos{File: s.display, Line: s.line, Col: s.col + 1}
	switch c {
	case 0:
		if s.quote && !s.esc {
			return nil
		}
		return &octetError{pos: pos, msg: "a NUL octet outside a quoted string (BIND refuses it: syntax error)",
			hint: `remove it, or write \000 in a quoted string; zonecast skipped this entry and read on`}
	case '\r':
		if s.quote {
			return nil
		}
		for _, d := range s.data[s.off+1:] {
			switch d {
			case ' ', '\t', '\r':
				continue
			case '\n', ';':
				return nil
			}
			return &octetError{pos: pos, msg: "a carriage return inside a line (BIND ends the line there, miekg/dns reads on)",
				hint: "end lines with LF or CR LF only; zonecast skipped this entry and read on"}
		}
	}
	return nil
}

// step follows the lexical state: comments, quotes, escapes, parentheses,
// and where a new entry starts.
func (s *source) step(c byte) {
	if c == '\n' {
		if s.depth == 0 && !s.bol {
			s.endEntry()
		}
		s.line++
		s.col = 0
		s.lineOff = s.off
		s.comment, s.esc = false, false
		if s.depth == 0 {
			s.quote, s.bol = false, true
		}
		return
	}
	s.col++
	if s.comment {
		return
	}
	if s.esc {
		s.esc = false
		return
	}
	switch c {
	case '\\':
		s.esc = true
	case '"':
		s.quote = !s.quote
	case ';':
		if !s.quote {
			s.comment = true
			return
		}
	case '(':
		if !s.quote {
			s.depth++
		}
	case ')':
		if !s.quote && s.depth > 0 {
			s.depth--
		}
	}
	if s.bol && c != ' ' && c != '\t' && c != '\r' {
		s.bol = false
		s.entry = Pos{File: s.display, Line: s.line, Col: s.col}
		// The entry's text starts with its line: a leading blank means
		// the owner is the previous record's.
		s.prevEntryOff, s.entryOff = s.entryOff, s.lineOff
		s.entryDirective = c == '$' && s.col == 1 && isDirective(s.data[s.off-1:])
	}
}

// isDirective reports whether text starts with one of the directives the
// ZoneParser knows; any other "$…" is an owner name.
func isDirective(text []byte) bool {
	for _, d := range []string{"$ORIGIN", "$TTL", "$INCLUDE", "$GENERATE"} {
		if len(text) > len(d) && strings.EqualFold(string(text[:len(d)]), d) && isBlank(text[len(d)]) {
			return true
		}
	}
	return false
}

// endEntry notes the effect of a $ORIGIN or $TTL directive, needed only to
// resume after a later error; the ZoneParser applies them itself.
func (s *source) endEntry() {
	if !s.entryDirective {
		return
	}
	f := strings.Fields(stripComment(string(s.data[s.entryOff:s.off])))
	if len(f) < 2 {
		return
	}
	switch strings.ToUpper(f[0]) {
	case "$ORIGIN":
		s.origin = absolute(f[1], s.origin)
	case "$TTL":
		s.checkTTLDirective(s.data[s.entryOff:s.off])
		if ttl, ok := parseTTL(f[1]); ok {
			s.ttl, s.ttlSet, s.ttlByDirective, s.forceTTL = ttl, true, true, false
		}
	}
}

// lineStart returns the offset where line starts, or -1. It is for error
// messages: it scans from the current entry when it can.
func (s *source) lineStart(line int) int {
	off, n := 0, 1
	if s.entry.Line > 0 && s.entry.Line <= line {
		off, n = s.entryOff, s.entry.Line
	}
	for n < line {
		i := bytes.IndexByte(s.data[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
		n++
	}
	return off
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// rewind moves back to off, the start of a line outside any parentheses.
func (s *source) rewind(off int) {
	s.line -= bytes.Count(s.data[off:s.off], []byte{'\n'})
	s.off, s.lineOff, s.col = off, off, 0
	s.depth, s.quote, s.comment, s.esc, s.bol = 0, false, false, false, true
	s.prefix = nil
}

// skipEntry moves past the rest of the entry being read, after an error.
func (s *source) skipEntry() {
	s.prefix = nil
	for !s.bol && s.off < len(s.data) {
		s.off++
		s.step(s.data[s.off-1])
	}
}

// absolute makes a presentation name absolute under origin.
func absolute(name, origin string) string {
	if name == "@" {
		return origin
	}
	if dns.IsFqdn(name) {
		return name
	}
	if origin == "." || origin == "" {
		return name + "."
	}
	return name + "." + origin
}

// Read, Stat and Close make a source an fs.File for $INCLUDE; the ZoneParser
// only calls ReadByte.
func (s *source) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		c, err := s.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		b[n] = c
		n++
	}
	return n, nil
}

func (s *source) Stat() (fs.FileInfo, error) { return nil, errors.ErrUnsupported }
func (s *source) Close() error               { return nil }

// includeError is an $INCLUDE that could not be read.
type includeError struct {
	name string
	err  error
}

func (e *includeError) Error() string { return e.err.Error() }
func (e *includeError) Unwrap() error { return e.err }

// limitError is a limit an $INCLUDE would break. stop: it is a limit on
// totals, and reading stops.
type limitError struct {
	code, msg, hint string
	stop            bool
}

func (e *limitError) Error() string { return e.msg }

// Open serves $INCLUDE from the zone file's folder: os.Root refuses any path,
// symbolic link or ".." that leads outside it. Only regular files are read,
// and only within the limits on nesting, number of files and bytes.
func (p *parser) Open(name string) (fs.File, error) {
	parent := p.cur
	f := strings.Fields(stripComment(string(parent.data[parent.entryOff:parent.off])))
	if len(f) > 1 && (strings.HasPrefix(f[1], "/") || filepath.IsAbs(f[1])) {
		// The ZoneParser strips the leading slash for an fs.FS; an
		// absolute path never lies inside the zone's folder.
		return nil, &includeError{name: f[1], err: errors.New("an absolute path leaves the zone file's folder")}
	}
	// The ZoneParser counts nesting too, but afresh each time parsing
	// resumes after an error: count the files that include this one.
	if parent.nesting+1 > p.limits.MaxIncludeDepth {
		return nil, &includeError{name: name, err: depthError(name, p.limits)}
	}
	p.includes++
	if p.includes > p.limits.MaxIncludes {
		return nil, &includeError{name: name, err: &limitError{code: CodeTooManyIncludes, stop: true,
			msg: fmt.Sprintf("more than %d $INCLUDE files opened for one zone; zonecast stopped reading; %s",
				p.limits.MaxIncludes, limitText(int64(p.limits.MaxIncludes), "files", "limits.includes")),
			hint: "look for a file included over and over; raise limits.includes if the zone really has this many"}}
	}
	file, err := p.root.OpenFile(filepath.FromSlash(name), os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, &includeError{name: name, err: err}
	}
	data, err := readRegular(file, p.limits.MaxFileBytes-p.bytes)
	file.Close()
	var big *tooLargeError
	switch {
	case errors.As(err, &big):
		return nil, &includeError{name: name, err: &limitError{code: CodeZoneTooLarge, stop: true,
			msg: fmt.Sprintf("$INCLUDE file %s would bring the zone to %d octets; zonecast stopped reading; %s",
				filepath.FromSlash(name), p.bytes+big.size, limitText(p.limits.MaxFileBytes, "octets", "limits.zone_file_bytes")),
			hint: "raise limits.zone_file_bytes if the zone is really this large"}}
	case err != nil:
		return nil, &includeError{name: name, err: err}
	}
	p.bytes += int64(len(data))
	fmt.Fprintf(p.digest, "\x00%s\x00%d\x00", name, len(data))
	p.digest.Write(data)
	path := filepath.Join(p.dir, filepath.FromSlash(name))
	if p.zone != nil && !slices.Contains(p.zone.Includes, path) {
		p.zone.Includes = append(p.zone.Includes, path)
	}
	s := p.newSource(data, name, path)
	s.parent, s.nesting = parent, parent.nesting+1
	s.origin = parent.origin
	// "$INCLUDE file [origin]": the optional origin is relative to the
	// including file's origin.
	if len(f) > 2 {
		s.origin = absolute(f[2], parent.origin)
		// miekg/dns v1.1.73 ignores an origin argument that spells a
		// type ("a", "mx": its lexer takes it for one) and reads the
		// file with the including file's origin (BIND's
		// bind9/include.db test zone): the file begins with an $ORIGIN
		// of it, read before its first line.
		s.prefix = []byte("$ORIGIN " + s.origin + "\n")
		s.prefixLines = 1
	}
	s.ttl, s.ttlSet, s.ttlByDirective = parent.ttl, parent.ttlSet, parent.ttlByDirective
	return s, nil
}

// depthError is an $INCLUDE nested deeper than the limit.
func depthError(name string, lim Limits) *limitError {
	return &limitError{code: CodeIncludeDepth,
		msg: fmt.Sprintf("$INCLUDE file %s is nested too deeply; %s", filepath.FromSlash(name),
			limitText(int64(lim.MaxIncludeDepth), "levels", "limits.include_depth")),
		hint: fmt.Sprintf("look for a file that includes itself; files nested deeper than %d are never read", maxIncludeDepth)}
}

// run parses src to its end, resuming after each syntax error at the next
// entry with the state (origin, TTL, owner) in force there.
//
// Reading and adding run side by side: the ZoneParser is the larger half of
// the work and has a core to itself while the other canonicalises and
// indexes the records it has already read.
func (p *parser) run(src *source) {
	const batchSize = 512
	batches := make(chan []record, 8)
	// Batches go back to the reading side once added, so that a large
	// zone reuses a few instead of allocating one per 512 records.
	free := make(chan []record, cap(batches)+2)
	next := func() []record {
		select {
		case b := <-free:
			return b[:0]
		default:
			return make([]record, 0, batchSize)
		}
	}
	var adding sync.WaitGroup
	adding.Go(func() {
		for b := range batches {
			for i, r := range b {
				p.add(r)
				b[i] = record{} // nothing kept alive by a batch in the pool
			}
			select {
			case free <- b:
			default:
			}
		}
	})
	batch := next()
	defer func() {
		batches <- batch
		close(batches)
		adding.Wait()
	}()

	lastErrOff, lastErrSrc := -1, (*source)(nil)
	for src != nil && !p.stopped {
		zp := p.zoneParser(src)
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			if p.records++; p.records > p.limits.MaxRecords {
				// Counted as they come, so that a $GENERATE bomb stops
				// here rather than after it has been built.
				p.diag(p.cur.entry, Error, CodeTooManyRecords,
					fmt.Sprintf("the zone has more than %d records; zonecast stopped reading; %s", p.limits.MaxRecords,
						limitText(int64(p.limits.MaxRecords), "records", "limits.zone_records")),
					"a $GENERATE range too wide? raise limits.zone_records if the zone is really this large")
				p.stopped = true
				break
			}
			batch = append(batch, p.take(rr))
			if len(batch) == batchSize {
				batches <- batch
				batch = next()
			}
		}
		err := zp.Err()
		if p.stopped {
			break
		}
		if err == nil {
			// A resumed $INCLUDE file has ended: go on in the file that
			// included it, after its $INCLUDE line.
			src = src.parent
			continue
		}
		failed := p.cur
		if failed == nil {
			failed = src
		}
		if octet := p.octet; octet != nil {
			// The ZoneParser dropped the entry holding the octet: skip to
			// its end and read on.
			p.octet = nil
			p.diag(octet.pos, Error, CodeBadOctet, octet.msg, octet.hint)
			failed.bol = false
			failed.skipEntry()
			lastErrOff, lastErrSrc = failed.off, failed
			if failed.off >= len(failed.data) {
				src = failed.parent
				continue
			}
			src = failed
			continue
		}
		if r, ok := p.rescue(err, failed); ok {
			// BIND reads this entry, miekg/dns does not (rescue.go).
			if r.rr != nil {
				p.records++
				batch = append(batch, r)
			}
			if len(batch) == batchSize {
				batches <- batch
				batch = next()
			}
			if failed.off >= len(failed.data) {
				src = failed.parent
				continue
			}
			src = failed
			continue
		}
		errLine := p.syntaxError(err, failed)
		if p.stopped {
			break
		}
		// The ZoneParser may have read a byte or two past the failed entry
		// (it looks ahead for the next owner). Resume at the first entry
		// it did not finish.
		badOff := failed.entryOff
		switch {
		case failed.bol:
			failed.rewind(failed.lineOff)
		case errLine > 0 && errLine < failed.entry.Line:
			badOff = failed.prevEntryOff
			failed.rewind(failed.entryOff)
		default:
			failed.skipEntry()
		}
		if failed == lastErrSrc && failed.off <= lastErrOff {
			// No progress since the last error: skip a line.
			failed.bol = false
			failed.skipEntry()
		}
		lastErrOff, lastErrSrc = failed.off, failed
		// An entry without an owner after this one takes this one's owner,
		// as in BIND, even though this one failed.
		if raw := failed.data[badOff:]; len(raw) > 0 && raw[0] != ' ' && raw[0] != '\t' && raw[0] != '$' {
			if toks := tokens(raw[:min(len(raw), 1024)]); len(toks) > 0 {
				failed.lastOwner = absolute(toks[0], failed.origin)
			}
		}
		if failed.off >= len(failed.data) {
			src = failed.parent
			continue
		}
		src = failed
	}
}

// zoneParser starts a ZoneParser at src's current offset with src's state.
func (p *parser) zoneParser(src *source) *dns.ZoneParser {
	var prefix []byte
	src.prefixLines, src.ownerPrefix, src.ownerLine, src.gen = 0, 0, 1, nil
	src.forceTTL = false // SetDefaultTTL below
	if src.ttlByDirective {
		prefix = fmt.Appendf(prefix, "$TTL %d\n", src.ttl)
		src.prefixLines = 1
	}
	if src.off > 0 && src.off < len(src.data) && (src.data[src.off] == ' ' || src.data[src.off] == '\t') && src.lastOwner != "" {
		// The entry has no owner: it is the previous record's.
		prefix = append(prefix, src.lastOwner...)
		src.ownerPrefix = len(src.lastOwner)
	}
	src.prefix = prefix
	src.startLine = src.line
	zp := dns.NewZoneParser(src, src.origin, src.name)
	src.zp = zp
	if src.ttlSet && !src.ttlByDirective {
		zp.SetDefaultTTL(src.ttl)
	}
	zp.SetIncludeAllowed(p.root != nil)
	if p.root != nil {
		zp.SetIncludeFS(p)
	}
	return zp
}

// parseErrRe takes miekg/dns's *ParseError apart: its file, line and column
// have no accessors, only this format (scan.go, ParseError.Error).
var parseErrRe = regexp.MustCompile(`(?s)^(?:(.*?): )?dns: (.*): (".*") at line: (\d+):(\d+)$`)

// syntaxError records a ZoneParser error as a diagnostic at its place in src
// and returns the line it was found on in src, or 0 when that is unknown.
//
// What a diagnostic may quote of the file: a syntax error in a file that has
// yielded no record before it quotes nothing of the file, neither the token
// nor a message that might hold it. A file that is not a zone file (a TSIG
// key, an environment dump, any secret that $INCLUDE or a symbolic link
// points at) yields no record, so none of its content is printed. Otherwise
// the token is quoted escaped and cut to 40 octets (quoteToken).
func (p *parser) syntaxError(err error, src *source) int {
	quote := src.records > 0
	d := Diagnostic{Pos: src.entry, Severity: Error, Code: CodeSyntax, Message: "syntax error",
		Hint: "fix this entry; zonecast skipped it and read on"}
	if quote {
		d.Message = cutText(EscapeText(err.Error()), 200)
	}
	if src.entry.Line == 0 {
		d.Pos = Pos{File: src.display, Line: src.line, Col: src.col}
	}
	var token string
	if m := parseErrRe.FindStringSubmatch(err.Error()); m != nil {
		d.Message = m[2]
		if d.Message == "" || (!quote && (len(d.Message) > 60 || strings.ContainsAny(d.Message, "\"`'("))) {
			// miekg/dns's own words are short and fixed; longer ones
			// wrap an error that may quote the input.
			d.Message = "syntax error"
		}
		token, _ = strconv.Unquote(m[3])
		if token != "" && quote {
			// A name too long is quoted whole: its length is the
			// problem. It is still at most some 1,000 octets.
			cut := maxQuoted
			if code, _ := nameLengthProblem(token, src.origin); code != "" {
				cut = 1024
			}
			d.Message += ": " + quoteTokenCut(token, cut)
		}
		line, _ := strconv.Atoi(m[4])
		col, _ := strconv.Atoi(m[5])
		if m[1] == src.name && line > src.prefixLines && !(src.entryDirective && isGenerate(src)) {
			line -= src.prefixLines
			if line == src.ownerLine {
				col -= src.ownerPrefix
			}
			// miekg/dns reports the column where it stopped reading, at
			// or just past the token's end; point at the token's start.
			if token != "" && !strings.ContainsRune(token, '\n') && col > len(token) {
				abs := line + src.startLine - 1
				if ls := src.lineStart(abs); ls >= 0 && ls+col-1 < len(src.data) && isBlank(src.data[ls+col-1]) {
					col--
				}
				col -= len(token) - 1
			}
			d.Pos = Pos{File: src.display, Line: line + src.startLine - 1, Col: max(col, 1)}
		}
	}
	var inc *includeError
	var lim *limitError
	switch {
	case errors.As(err, &lim):
		d.Code, d.Message, d.Hint = lim.code, lim.msg, lim.hint
		p.stopped = lim.stop
	case strings.Contains(d.Message, "too deeply nested $INCLUDE"):
		// The ZoneParser's own count of the same limit.
		lim := depthError(token, p.limits)
		d.Code, d.Message, d.Hint = lim.code, lim.msg, lim.hint
	case errors.As(err, &inc):
		d.Code = CodeInclude
		d.Message = fmt.Sprintf("cannot read $INCLUDE file %s: %v", filepath.FromSlash(inc.name), inc.err)
		d.Hint = "$INCLUDE may name only regular files inside the zone file's folder or below it"
	case isMissingTTL(err):
		d.Hint = "add a $TTL line at the top of the file (RFC 2308) or give this record a TTL"
	case strings.HasPrefix(d.Message, "unexpected newline"):
		// The ZoneParser's word for a type with no data after it.
		d.Code, d.Message, d.Hint = CodeMissingRdata, "the record has no data", "write the record's data after its type"
	case strings.Contains(d.Message, "$INCLUDE directive not allowed"):
		d.Code = CodeInclude
		d.Hint = "$INCLUDE needs a zone file on disk"
	}
	if token != "" {
		if code, hint := nameLengthProblem(token, src.origin); code != "" {
			d.Code, d.Hint = code, hint
		}
	}
	p.diags = append(p.diags, d)
	if d.Pos.File != src.display {
		return 0
	}
	return d.Pos.Line
}

// isMissingTTL tells the ZoneParser's error for a record with no TTL and no
// default; miekg/dns has no sentinel for it.
func isMissingTTL(err error) bool {
	return strings.Contains(err.Error(), "missing TTL with no previous value")
}

// soaDefaultTTL handles a file with no $TTL whose first record, its SOA, has
// no TTL: BIND loads it using the SOA's minimum field as the TTL, with a
// warning, and so does zonecast (miekg/dns alone would refuse the file).
func (p *parser) soaDefaultTTL(main *source) {
	look := p.newSource(main.data, main.name, main.display)
	look.quiet = true
	for look.off < len(look.data) {
		look.off++
		look.step(look.data[look.off-1])
		if look.bol || look.off == len(look.data) {
			if look.entry.Line == 0 {
				continue // nothing but blanks and comments yet
			}
			raw := look.data[look.entryOff:look.off]
			if look.entryDirective {
				f := strings.Fields(stripComment(string(raw)))
				if len(f) > 0 && strings.EqualFold(f[0], "$TTL") {
					return
				}
				look.entry.Line = 0
				continue
			}
			for _, t := range headerTokens(raw) {
				if _, ok := parseTTL(t); ok {
					return
				}
			}
			zp := dns.NewZoneParser(bytes.NewReader(raw), main.origin, main.name)
			zp.SetDefaultTTL(0)
			if soa, ok := zp.Next(); ok {
				if soa, ok := soa.(*dns.SOA); ok {
					// As if by $TTL: BIND gives it to every record without a
					// TTL until a $TTL, not the last TTL written (RFC 1035
					// semantics hold only when the SOA has a TTL).
					main.ttl, main.ttlSet, main.ttlByDirective = soa.Minttl, true, true
					p.diag(look.entry, Warning, CodeMissingTTL,
						fmt.Sprintf("no TTL on the SOA and no $TTL before it; using the SOA minimum %d, as BIND does", soa.Minttl),
						"add a $TTL line at the top of the file (RFC 2308)")
				}
			}
			return
		}
	}
}

// isMeta reports types that exist only in queries and transport: OPT and
// the range 128-255 (RFC 6895 §3.1), and 0, which BIND counts with them.
// inZone reports whether the canonical name is the origin or below it.
func inZone(name, origin string) bool {
	if origin == "." || name == origin {
		return true
	}
	if strings.IndexByte(name, '\\') >= 0 {
		return dns.IsSubDomain(origin, name)
	}
	return len(name) > len(origin) && name[len(name)-len(origin)-1] == '.' && strings.HasSuffix(name, origin)
}

func isMeta(t uint16) bool { return t == 0 || t == dns.TypeOPT || (t >= 128 && t <= 255) }

// plainPresentation reports the types whose miekg/dns presentation is
// already canonical, so they skip the wire round trip: the everyday types.
func plainPresentation(t uint16) bool {
	switch t {
	case dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeCNAME, dns.TypePTR, dns.TypeMX,
		dns.TypeTXT, dns.TypeSRV, dns.TypeSOA, dns.TypeCAA, dns.TypeSPF, dns.TypeDNAME:
		return true
	}
	return false
}

func isGenerate(s *source) bool {
	e := s.data[s.entryOff:min(s.entryOff+9, len(s.data))]
	return len(e) >= 9 && strings.EqualFold(string(e), "$GENERATE")
}

// nameLengthProblem tells whether token, a name relative to origin, breaks
// the RFC 1035 §2.3.4 limits: 63 octets a label, 255 a name.
func nameLengthProblem(token, origin string) (code, hint string) {
	if strings.ContainsAny(token, " \t\"") {
		return "", ""
	}
	wire := 1
	for _, l := range splitLabels(token) {
		if len(l) > 63 {
			return CodeLabelTooLong, fmt.Sprintf("a label holds at most 63 octets, this one %d (RFC 1035 §2.3.4)", len(l))
		}
		wire += len(l) + 1
	}
	if !dns.IsFqdn(token) && origin != "." {
		wire += len(origin) // the origin's presentation length is its wire length less one, near enough
	}
	if wire > 255 {
		return CodeNameTooLong, fmt.Sprintf("a name holds at most 255 octets, this one %d (RFC 1035 §2.3.4)", wire)
	}
	return "", ""
}

// add puts one record into the zone, checking what the ZoneParser does not.
// record is what the reading side knows of one record when the ZoneParser
// returns it; add does the rest.
type record struct {
	rr    dns.RR
	pos   Pos
	raw   []byte // the entry's text, or for a record $GENERATE made its line
	gen   bool   // made by $GENERATE: raw is not in the file, pos is its line
	atEOF bool   // the entry ends the file
}

// take notes where rr was written and keeps the state needed to resume
// after an error. It runs on the reading side.
func (p *parser) take(rr dns.RR) record {
	src := p.cur
	h := rr.Header()
	r := record{rr: rr, pos: src.entry, atEOF: src.off == len(src.data)}
	src.records++
	switch {
	case !src.entryDirective:
		src.lastOwner, src.taken = h.Name, src.entryOff+1
		if src.forceTTL {
			if hasTTLField(src.data[src.entryOff:src.off]) {
				src.forceTTL = false // the ZoneParser's default is this TTL now
			} else {
				h.Ttl = src.ttl
			}
		}
		if !src.ttlByDirective {
			src.ttl, src.ttlSet = h.Ttl, true
			if src.left && src.parent != nil {
				src.passTTL() // the file's last record, read after its end
			}
		}
		r.raw = src.data[src.entryOff:src.off]
	case src.gen != nil:
		// Made by $GENERATE: its line, for the checks made on the text.
		r.raw, r.gen = bytes.Clone(src.gen.line), true
		if src.forceTTL {
			h.Ttl = src.ttl
		}
	}
	return r
}

// add checks one record and puts it into the zone. It runs on the adding
// side, which alone touches the zone, p.added and p.wire.
func (p *parser) add(r record) {
	rr, pos, raw := r.rr, r.pos, r.raw
	h := rr.Header()
	typ := typeName(h.Rrtype) // named only when a diagnostic is made
	if bindRdataSuspect(h) && !isMeta(h.Rrtype) && h.Class == dns.ClassINET {
		// Data BIND refuses and miekg/dns reads (bindchecks.go).
		if d, bad := bindRdataCheck(rr, pos, raw); bad {
			p.added = append(p.added, d)
			return
		}
	}
	if isMeta(h.Rrtype) {
		p.addDiag(pos, Error, CodeMetaType, fmt.Sprintf("%s has type %s, a meta type that cannot be stored in a zone", h.Name, typ),
			"types 0, 41 and 128-255 exist only in queries and transport (RFC 6895 §3.1); remove the record")
		return
	}
	if h.Class != dns.ClassINET {
		p.addDiag(pos, Error, CodeClass, fmt.Sprintf("%s %s is in class %s", h.Name, typ, dns.Class(h.Class)),
			"zonecast serves class IN only; remove the record or write it as IN")
		return
	}
	if raw != nil && !r.gen {
		if d := recordTTLProblem(raw, pos, h.Rrtype == dns.TypeSOA); d != nil {
			// Kept, so that the zone-wide checks see it; the error
			// alone refuses the zone.
			p.added = append(p.added, *d)
		}
	}
	// A record whose type ends the file comes back from the ZoneParser
	// with no rdata at all (its form for dynamic-update deletions); before a
	// newline the ZoneParser itself refuses it. Long TXT strings are split
	// by miekg/dns, so they are measured in the source.
	isTXT := h.Rrtype == dns.TypeTXT || h.Rrtype == dns.TypeSPF
	isSOA := h.Rrtype == dns.TypeSOA
	if raw != nil && (isTXT || isSOA || r.atEOF) {
		n, longest := rdataShape(raw)
		if n == 0 {
			p.addDiag(pos, Error, CodeMissingRdata, fmt.Sprintf("%s %s has no data", h.Name, typ),
				"write the record's data after its type")
			return
		}
		if isSOA && n < 7 {
			// miekg/dns fills a short SOA at the end of a file with zeros;
			// BIND refuses it.
			p.addDiag(pos, Error, CodeSyntax, fmt.Sprintf("%s SOA has %d of its 7 fields", h.Name, n),
				"write MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM")
			return
		}
		if isTXT && longest > 255 {
			// miekg/dns splits such a string in two; BIND refuses it.
			p.addDiag(pos, Error, CodeTXTTooLong, fmt.Sprintf("%s %s has a character-string of %d octets", h.Name, typ, longest),
				`split it into strings of at most 255 octets: "part one" "part two" (RFC 1035 §3.3)`)
			return
		}
	}
	if h.Rrtype == dns.TypeSVCB || h.Rrtype == dns.TypeHTTPS {
		if d := svcbProblem(rr, raw, pos, !r.gen); d != nil {
			p.added = append(p.added, *d)
			return
		}
	}
	if msg, hint := bindRefuses(rr, raw); msg != "" {
		p.addDiag(pos, Error, CodeBadRdata, fmt.Sprintf("%s %s %s", h.Name, typ, msg), hint)
		return
	}
	plain := plainPresentation(h.Rrtype)
	// The everyday types are checked by the ZoneParser already, unless
	// they are large enough to overflow a message.
	if !plain || raw == nil || len(raw) > 8192 {
		sortBitmap(rr)
		end, err := dns.PackRR(rr, p.wire[:], 0, nil, false)
		if err != nil {
			// miekg/dns reads some rdata that cannot be sent, such as
			// odd-length hex, or too much of it; BIND refuses those.
			p.addDiag(pos, Error, CodeBadRdata, fmt.Sprintf("%s %s cannot be encoded: %v", h.Name, typ, err),
				"correct the record's data; a record must fit in one DNS message")
			return
		}
		if !plain {
			// Read the record back from the wire, so that rdata written
			// in different ways (hex case, base64 line breaks, RFC 3597
			// form) prints the same.
			if back, _, err := dns.UnpackRR(p.wire[:end], 0); err == nil {
				rr = back
			}
		}
	}
	if h.Ttl > math.MaxInt32 {
		p.addDiag(pos, Error, CodeTTLRange, fmt.Sprintf("%s %s has TTL %d, over 2^31-1", h.Name, typ, h.Ttl),
			"use a TTL of at most 2147483647 seconds (RFC 2181 §8); BIND would load it as 0")
	}
	name := CanonicalName(h.Name)
	if !inZone(name, p.zone.Origin) {
		p.addDiag(pos, Error, CodeOutOfZone, fmt.Sprintf("%s is outside the zone %s (origin from %s)", name, p.zone.Origin, p.zone.OriginFrom),
			"check for a missing or extra trailing dot, or the origin")
		return
	}
	data := Rdata(rr)
	key := Key{Name: name, Type: h.Rrtype}
	if sig, ok := rr.(*dns.RRSIG); ok {
		key.Covers = sig.TypeCovered
	}
	// The records of an RRset mostly come one after the other.
	set := p.last
	if set == nil || set.Key() != key {
		set = p.zone.Sets[key]
	}
	if set == nil {
		p.names[name] |= typeBit(h.Rrtype)
		set := p.newSet()
		*set = RRset{Name: name, Type: h.Rrtype, Covers: key.Covers, TTL: h.Ttl, Data: p.oneData(data), Pos: pos}
		p.zone.Sets[key] = set
		p.sets = append(p.sets, set)
		p.last = set
		return
	}
	p.last = set
	if set.TTL != h.Ttl {
		p.addDiag(pos, Warning, CodeTTLMismatch, fmt.Sprintf("%s %s has TTL %d but its RRset has TTL %d (set at %s); the RRset keeps %d",
			name, typ, h.Ttl, set.TTL, set.Pos, set.TTL), "give every record of an RRset the same TTL (RFC 2181 §5.2)")
	}
	set.Data = append(set.Data, data)
}

// slabSize is how many RRsets (and one-record Data slices) newSet and
// oneData allocate at a time: a zone's sets live as long as the zone, so
// blocks of them cost the collector and the allocator less than one object
// each, and lie in memory in file order.
const slabSize = 1024

// newSet returns a new zero RRset from the current block.
func (p *parser) newSet() *RRset {
	if len(p.setSlab) == cap(p.setSlab) {
		p.setSlab = make([]RRset, 0, slabSize)
	}
	p.setSlab = p.setSlab[:len(p.setSlab)+1]
	return &p.setSlab[len(p.setSlab)-1]
}

// oneData returns a Data slice holding d alone, with no room to grow: a
// second record makes append copy it out of the block.
func (p *parser) oneData(d string) []string {
	if len(p.dataSlab) == cap(p.dataSlab) {
		p.dataSlab = make([]string, 0, slabSize)
	}
	i := len(p.dataSlab)
	p.dataSlab = append(p.dataSlab, d)
	return p.dataSlab[i : i+1 : i+1]
}

func (p *parser) diag(pos Pos, sev Severity, code, msg, hint string) {
	p.diags = append(p.diags, Diagnostic{Pos: pos, Severity: sev, Code: code, Message: msg, Hint: hint})
}

func (p *parser) addDiag(pos Pos, sev Severity, code, msg, hint string) {
	p.added = append(p.added, Diagnostic{Pos: pos, Severity: sev, Code: code, Message: msg, Hint: hint})
}

// finish sorts each RRset's data and collapses duplicates.
func finish(sets []*RRset) struct{} {
	for _, s := range sets {
		if len(s.Data) > 1 {
			slices.Sort(s.Data)
			s.Data = slices.Compact(s.Data)
		}
	}
	return struct{}{}
}

// rdataShape returns how many rdata tokens a raw record entry has (what
// follows its type, given the header grammar [owner] [TTL] [class] type or
// [owner] [class] [TTL] type) and the octets in its longest token, escapes
// resolved and quotes removed. It allocates nothing.
func rdataShape(raw []byte) (n, longest int) {
	i, tok := 0, 0
	if len(raw) > 0 && raw[0] != ' ' && raw[0] != '\t' {
		tok = -1 // the owner comes first
	}
	header := true
	for {
		start, end, next := nextToken(raw, i)
		if start < 0 {
			return n, longest
		}
		i = next
		t := raw[start:end]
		if tok < 0 {
			tok = 0
			continue
		}
		if header {
			if tok < 2 && (isTTLBytes(t) || isClass(string(t))) {
				tok++
				continue
			}
			header = false // t is the type
			continue
		}
		n++
		if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
			t = t[1 : len(t)-1]
		}
		if len(t) > longest {
			if o := octets(string(t)); o > longest {
				longest = o
			}
		}
	}
}

func isTTLBytes(t []byte) bool {
	if len(t) == 0 || !isDigit(t[0]) {
		return false
	}
	_, ok := parseTTL(string(t))
	return ok
}

// nextToken finds the token of raw at or after i, as [tokens] splits them;
// start is -1 when there is none.
func nextToken(raw []byte, i int) (start, end, next int) {
	for i < len(raw) {
		switch c := raw[i]; c {
		case ' ', '\t', '\r', '\n', '(', ')':
			i++
			continue
		case ';':
			for i < len(raw) && raw[i] != '\n' {
				i++
			}
			continue
		}
		break
	}
	if i >= len(raw) {
		return -1, -1, i
	}
	start = i
	if raw[i] == '"' {
		for i++; i < len(raw); i++ {
			if raw[i] == '\\' {
				i++
			} else if raw[i] == '"' {
				return start, i + 1, i + 1
			}
		}
		return start, len(raw), len(raw)
	}
	for ; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case ' ', '\t', '\r', '\n', '(', ')', ';', '"':
			return start, i, i
		}
	}
	return start, min(i, len(raw)), len(raw)
}

// headerTokens returns the TTL and class tokens of a raw record entry.
func headerTokens(raw []byte) []string {
	toks := tokens(raw)
	i := headerLen(raw, toks)
	start := 0
	if len(raw) > 0 && raw[0] != ' ' && raw[0] != '\t' {
		start = 1
	}
	end := min(i, len(toks))
	if start >= end {
		return nil
	}
	return toks[start:end]
}

// headerLen returns how many tokens of an entry come before its type.
func headerLen(raw []byte, toks []string) int {
	i := 0
	if len(raw) > 0 && raw[0] != ' ' && raw[0] != '\t' {
		i++ // owner
	}
	for n := 0; n < 2 && i < len(toks); n++ {
		if _, ok := parseTTL(toks[i]); ok || isClass(toks[i]) {
			i++
		}
	}
	return i
}

// isClass reports whether t is a class mnemonic (IN, CH, HS, CS, NONE, ANY)
// or CLASSnnn, in any case.
func isClass(t string) bool {
	switch len(t) {
	case 2:
		return strings.EqualFold(t, "IN") || strings.EqualFold(t, "CH") || strings.EqualFold(t, "HS") || strings.EqualFold(t, "CS")
	case 3:
		return strings.EqualFold(t, "ANY")
	case 4:
		return strings.EqualFold(t, "NONE")
	}
	return len(t) > 5 && strings.EqualFold(t[:5], "CLASS")
}

// tokens splits a raw entry into its tokens: blanks and parentheses separate,
// quoted strings (kept with their quotes) and escapes do not, comments are
// dropped.
func tokens(raw []byte) []string {
	var out []string
	for i := 0; ; {
		start, end, next := nextToken(raw, i)
		if start < 0 {
			return out
		}
		out = append(out, string(raw[start:end]))
		i = next
	}
}

// parseTTL reads a TTL in seconds or with BIND's units (1h30m, 1w2d).
func parseTTL(s string) (uint32, bool) {
	if s == "" {
		return 0, false
	}
	var total, num uint64
	digits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isDigit(c) {
			num = num*10 + uint64(c-'0')
			digits = true
			if num > math.MaxUint32 {
				return 0, false
			}
			continue
		}
		if !digits {
			return 0, false
		}
		unit := ttlUnit(c)
		if unit == 0 {
			return 0, false
		}
		total += num * unit
		num, digits = 0, false
	}
	total += num
	if total > math.MaxUint32 {
		return 0, false
	}
	return uint32(total), true
}
