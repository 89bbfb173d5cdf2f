package zones

import (
	"bufio"
	"io"
	"strconv"
)

// Write prints z in canonical form, one record a line
// (`owner<TAB>TTL<TAB>IN<TAB>TYPE<TAB>rdata`), RRsets in canonical DNS order
// and records in their sorted order. Every name is absolute, so the output
// needs no $ORIGIN: BIND and zonecast both read it back as the same zone.
// No control character is written raw, even for RRsets that did not come
// from a zone file: names and rdata pass through EscapeText, which keeps
// their meaning. RRsets are written as their Data holds them, in RFC 3597
// generic form for types miekg/dns does not know, but for a WKS record
// without services (see wksPresentation).
func Write(w io.Writer, z *Zone) error { return write(w, z, nil) }

// write is Write; when verbatim is not nil, it is cleared unless every
// record is sealable.
func write(w io.Writer, z *Zone, verbatim *bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for _, s := range z.RRsets() {
		typ := s.TypeString()
		if verbatim != nil && *verbatim && !sealableSet(s) {
			*verbatim = false
		}
		for _, d := range s.Data {
			if verbatim != nil && *verbatim && !sealableData(d) {
				*verbatim = false
			}
			t := typ
			if s.Type == typeWKS {
				t, d = wksPresentation(typ, d)
			}
			line = appendEscapedText(line[:0], s.Name)
			line = append(line, '\t')
			line = strconv.AppendUint(line, uint64(s.TTL), 10)
			line = append(line, "\tIN\t"...)
			line = append(line, t...)
			line = append(line, '\t')
			line = appendEscapedText(line, d)
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
