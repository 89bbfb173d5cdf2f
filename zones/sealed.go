package zones

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// sealPrefix starts the last line of a sealed zone file; the SHA-256 of
// every octet before that line follows, in hex. To BIND, Knot and
// miekg/dns the line is a comment.
const sealPrefix = "; zonecast sealed sha256:"

// WriteSealed writes z as Write does and, when every line holds a set's
// name and data exactly as its RRset has them, ends the file with a seal:
// a comment line with the SHA-256 of all that precedes it. It reports
// whether it sealed the file.
//
// A seal says the file is, octet for octet, what zonecast wrote, so that
// ReadSealed can read it back without parsing rdata again. A file is left
// unsealed (and is read back by ParseFile) when Write had to change
// something on the way: a name or rdata escaped (EscapeText), a WKS record
// (wksPresentation).
func WriteSealed(w io.Writer, z *Zone) (sealed bool, err error) {
	h := sha256.New()
	verbatim := true
	if err := write(io.MultiWriter(w, h), z, &verbatim); err != nil {
		return false, err
	}
	if !verbatim {
		return false, nil
	}
	var line []byte
	line = append(line, sealPrefix...)
	line = hex.AppendEncode(line, h.Sum(nil))
	line = append(line, '\n')
	_, err = w.Write(line)
	return err == nil, err
}

// ReadSealed reads back a zone file that WriteSealed sealed, for the zone
// origin, without a zone parser: each line is split into its owner, TTL,
// class, type and rdata, the rdata kept as written, since zonecast wrote it
// in canonical form. file names the file in the sets' positions.
//
// It returns ok false, and nothing, unless the text is sealed, the seal
// matches every octet before it (so that a file edited by hand, even by one
// octet, is not taken for what zonecast wrote), and every line is one that
// WriteSealed writes: an absolute canonical owner inside the zone, a TTL of
// at most 2^31-1, class IN, a type miekg/dns knows (not WKS or TYPEnnn;
// an RRSIG's type covered named so too), rdata; the RRsets in strictly increasing canonical order (as
// Zone.RRsets), so that none comes twice, and the lines of each together,
// with one TTL and their rdata in strictly increasing order. The caller then reads the file with
// ParseFile, which gives the same RRsets for any file ReadSealed accepts.
//
// The RRsets come in the file's order (canonical DNS order) and share the
// memory of text.
func ReadSealed(text, file, origin string) ([]RRset, bool) {
	body, ok := sealedBody(text)
	if !ok {
		return nil, false
	}
	origin = CanonicalName(origin)
	lines := strings.Count(body, "\n")
	sets := make([]RRset, 0, lines)
	// One array holds the rdata of every set, each set a window of it
	// (capped, so that an append to one set cannot overwrite the next).
	data := make([]string, 0, lines)
	var cur *RRset
	start := 0 // where cur's rdata starts in data
	var lastType string
	var lastCode uint16
	line := 0
	for len(body) > 0 {
		line++
		nl := strings.IndexByte(body, '\n')
		if nl < 0 {
			return nil, false
		}
		l := body[:nl]
		body = body[nl+1:]
		name, rest, ok1 := strings.Cut(l, "\t")
		ttlText, rest, ok2 := strings.Cut(rest, "\t")
		class, rest, ok3 := strings.Cut(rest, "\t")
		typ, rdata, ok4 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 || !ok3 || !ok4 || class != "IN" || rdata == "" || !sealedRdata(rdata) {
			return nil, false
		}
		ttl, err := strconv.ParseUint(ttlText, 10, 32)
		if err != nil || ttl > math.MaxInt32 || (len(ttlText) > 1 && ttlText[0] == '0') {
			return nil, false
		}
		if typ != lastType {
			code, known := dns.StringToType[typ]
			if !known || code == typeWKS || TypeString(code) != typ {
				return nil, false
			}
			lastType, lastCode = typ, code
		}
		// An RRSIG set is the signatures of one type (Key.Covers), the
		// first field of their rdata.
		var covers uint16
		if lastCode == dns.TypeRRSIG {
			if covers = sealedCovers(rdata); covers == 0 {
				return nil, false
			}
		}
		if cur != nil && cur.Type == lastCode && cur.Name == name && cur.Covers == covers {
			if uint32(ttl) != cur.TTL || rdata <= data[len(data)-1] {
				return nil, false
			}
			data = append(data, rdata)
			continue
		}
		if cur != nil {
			cur.Data = data[start:len(data):len(data)]
		}
		if !sealedName(name, origin) || (cur != nil && !setBefore(cur, name, lastCode, covers)) {
			return nil, false
		}
		start = len(data)
		data = append(data, rdata)
		sets = append(sets, RRset{Name: name, Type: lastCode, Covers: covers, TTL: uint32(ttl), Pos: Pos{File: file, Line: line, Col: 1}})
		cur = &sets[len(sets)-1]
	}
	if cur != nil {
		cur.Data = data[start:len(data):len(data)]
	}
	return sets, true
}

// sealedBody returns what precedes text's seal line when the seal matches
// it.
func sealedBody(text string) (string, bool) {
	if !strings.HasSuffix(text, "\n") {
		return "", false
	}
	i := strings.LastIndexByte(text[:len(text)-1], '\n') + 1
	body, seal := text[:i], text[i:len(text)-1]
	want, ok := strings.CutPrefix(seal, sealPrefix)
	if !ok || len(want) != 2*sha256.Size {
		return "", false
	}
	h := sha256.New()
	// The digest takes no string: a small buffer, not a copy of body.
	var buf [64 << 10]byte
	for rest := body; rest != ""; {
		n := copy(buf[:], rest)
		h.Write(buf[:n])
		rest = rest[n:]
	}
	var got [2 * sha256.Size]byte
	hex.Encode(got[:], h.Sum(nil))
	return body, string(got[:]) == want
}

// sealedName reports whether name is a canonical, absolute owner name
// inside origin, as the zone parser makes them.
func sealedName(name, origin string) bool {
	if name == "" || name[len(name)-1] != '.' || !inZone(name, origin) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if nameClass[name[i]] != namePlain {
			return CanonicalName(name) == name && !strings.Contains(name, "..")
		}
	}
	return !strings.Contains(name, "..") && (len(name) == 1 || name[0] != '.')
}

// setBefore reports whether s comes before the RRset of name, type t and
// type covered covers in canonical order.
func setBefore(s *RRset, name string, t, covers uint16) bool {
	next := RRset{Name: name, Type: t, Covers: covers}
	return setOrder(s, &next) < 0
}

// setOrder orders two RRsets with canonical names as Zone.RRsets does: by
// owner name, then the SOA, then by type, then by the type covered.
func setOrder(a, b *RRset) int {
	if c := compareCanonical(a.Name, b.Name); c != 0 {
		return c
	}
	if (a.Type == dns.TypeSOA) != (b.Type == dns.TypeSOA) {
		if a.Type == dns.TypeSOA {
			return -1
		}
		return 1
	}
	if a.Type != b.Type {
		return int(a.Type) - int(b.Type)
	}
	return int(a.Covers) - int(b.Covers)
}

// InOrder reports whether sets, whose names are canonical, are in strictly
// increasing canonical order (as Zone.RRsets gives them), so that no key
// comes twice. It allocates nothing for names without escapes.
func InOrder(sets []RRset) bool {
	for i := 1; i < len(sets); i++ {
		if setOrder(&sets[i-1], &sets[i]) >= 0 {
			return false
		}
	}
	return true
}

// compareCanonical is CompareNames, without allocating for names of lower
// case letters, digits and "-_*/" alone (as CanonicalName leaves most):
// label by label from the root, as octets, a label before the longer
// labels it starts, a name before the names below it.
func compareCanonical(a, b string) int {
	if !lowerPlain(a) || !lowerPlain(b) {
		return CompareNames(a, b)
	}
	a, b = strings.TrimSuffix(a, "."), strings.TrimSuffix(b, ".")
	for {
		switch {
		case a == "" && b == "":
			return 0
		case a == "":
			return -1
		case b == "":
			return 1
		}
		i, j := strings.LastIndexByte(a, '.'), strings.LastIndexByte(b, '.')
		if c := strings.Compare(a[i+1:], b[j+1:]); c != 0 {
			return c
		}
		a, b = a[:max(i, 0)], b[:max(j, 0)]
	}
}

// lowerPlain reports whether name holds only octets that orderKey keeps as
// they are and that are not dots inside a label: lower-case letters, digits,
// "-_*/" and dots.
func lowerPlain(name string) bool {
	for i := 0; i < len(name); i++ {
		if nameClass[name[i]] != namePlain {
			return false
		}
	}
	return true
}

// sealedRdata reports whether rdata holds nothing EscapeText would change:
// what Write writes verbatim.
func sealedRdata(rdata string) bool { return safePrefix(rdata) == len(rdata) }

// sealableSet reports whether Write writes the owner and type of set s as
// the set has them, in lines ReadSealed reads; sealableData the same of
// one record's rdata d.
func sealableSet(s *RRset) bool {
	if s.Type == typeWKS {
		return false
	}
	if s.Type == dns.TypeRRSIG {
		// ReadSealed takes Covers from each signature's first field.
		for _, d := range s.Data {
			if sealedCovers(d) != s.Covers {
				return false
			}
		}
	}
	if code, ok := dns.StringToType[TypeString(s.Type)]; !ok || code != s.Type {
		return false
	}
	return safePrefix(s.Name) == len(s.Name)
}

func sealableData(d string) bool { return d != "" && safePrefix(d) == len(d) }

// sealedCovers is the type an RRSIG's rdata says it covers, when it names
// it as miekg/dns does (a mnemonic, not TYPEnnn, which ReadSealed leaves
// to the parser); 0 otherwise.
func sealedCovers(rdata string) uint16 {
	mnemonic, _, _ := strings.Cut(rdata, " ")
	code, ok := dns.StringToType[mnemonic]
	if !ok || code == 0 || TypeString(code) != mnemonic {
		return 0
	}
	return code
}
