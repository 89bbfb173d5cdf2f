package providers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/zones"
)

// ToLibdns turns an RRset of the zone origin into libdns records: names
// relative to the zone ("@" at the apex), targets absolute, TXT as one
// unescaped string (libdns's model; the driver chunks it). SOA and DNSSEC
// records are never handed to a provider: they are an error here.
func ToLibdns(s zones.RRset, origin string) ([]libdns.Record, error) {
	if s.Type == dns.TypeSOA || zones.IsDNSSEC(s.Type) {
		return nil, fmt.Errorf("%s %s: zonecast never writes %s records to a provider", s.Name, s.TypeString(), s.TypeString())
	}
	name := libdns.RelativeName(s.Name, origin)
	ttl := time.Duration(s.TTL) * time.Second
	out := make([]libdns.Record, 0, len(s.Data))
	for _, d := range s.Data {
		if s.Type == dns.TypeTXT {
			text, err := TXTText(d)
			if err != nil {
				return nil, fmt.Errorf("%s TXT: %w", s.Name, err)
			}
			out = append(out, libdns.TXT{Name: name, TTL: ttl, Text: text})
			continue
		}
		out = append(out, libdns.RR{Name: name, TTL: ttl, Type: s.TypeString(), Data: d})
	}
	return out, nil
}

// FromLibdns groups libdns records of the zone origin into canonical
// RRsets. Relative names are made absolute ("@" is the apex); escaped names
// (`\042` for `*`, RFC 1035 decimal escapes) are read as the names they
// stand for (Route 53's octal `\052` is that driver's to decode); relative
// targets are qualified against the zone; TXT text is chunked into
// canonical character-strings. SOA and DNSSEC records are left out: they are
// the provider's own. A record that does not parse is an error naming it.
func FromLibdns(recs []libdns.Record, origin string) ([]zones.RRset, error) {
	origin = zones.CanonicalName(origin)
	rrs, err := LibdnsRRs(recs, origin)
	if err != nil {
		return nil, err
	}
	return zones.FromRRs(origin, rrs)
}

// LibdnsRRs is FromLibdns without the grouping: the records as miekg/dns
// records, for drivers that add records of their own before grouping.
func LibdnsRRs(recs []libdns.Record, origin string) ([]dns.RR, error) {
	origin = zones.CanonicalName(origin)
	var rrs []dns.RR
	var errs []error
	for _, rec := range recs {
		r := rec.RR()
		name := absoluteName(r.Name, origin)
		t, ok := dns.StringToType[strings.ToUpper(r.Type)]
		if !ok {
			if n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(r.Type), "TYPE"), 10, 16); err == nil {
				t = uint16(n)
			} else {
				errs = append(errs, fmt.Errorf("%s: unknown type %q", name, r.Type))
				continue
			}
		}
		if t == dns.TypeSOA || zones.IsDNSSEC(t) {
			continue
		}
		data := r.Data
		if t == dns.TypeTXT || t == dns.TypeSPF {
			data = TXTData(r.Data)
		}
		zp := dns.NewZoneParser(strings.NewReader(fmt.Sprintf("%s %d IN %s %s\n", name, int64(r.TTL/time.Second), zones.TypeString(t), data)), origin, "")
		rr, ok := zp.Next()
		if !ok || zp.Err() != nil {
			errs = append(errs, fmt.Errorf("%s %s %q: %v", name, r.Type, r.Data, zp.Err()))
			continue
		}
		rrs = append(rrs, rr)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rrs, nil
}

// absoluteName makes a libdns name absolute in origin, decoding escapes.
func absoluteName(name, origin string) string {
	if name == "" || name == "@" {
		return origin
	}
	return zones.CanonicalName(libdns.AbsoluteName(name, origin))
}

// TXTText returns the text of canonical TXT rdata as libdns wants it: the
// character-strings joined, escapes resolved.
func TXTText(rdata string) (string, error) {
	rr, err := dns.NewRR(". 0 IN TXT " + rdata)
	if err != nil || rr == nil {
		return "", fmt.Errorf("bad TXT data %q: %v", rdata, err)
	}
	buf := make([]byte, 65535)
	end, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return "", err
	}
	// Owner "." is one octet, then type, class, TTL and RDLENGTH: the
	// rdata, length-prefixed strings, starts at octet 11.
	wire := buf[11:end]
	var b strings.Builder
	for len(wire) > 0 {
		n := int(wire[0])
		b.Write(wire[1 : 1+n])
		wire = wire[1+n:]
	}
	return b.String(), nil
}

// TXTData turns one long TXT text (libdns's model) into canonical rdata:
// strings of at most 255 octets, quoted, with `"`, `\` and non-printable
// octets escaped.
func TXTData(text string) string {
	if text == "" {
		return `""`
	}
	var parts []string
	for len(text) > 0 {
		n := min(255, len(text))
		parts = append(parts, QuoteString(text[:n], "%03d"))
		text = text[n:]
	}
	return strings.Join(parts, " ")
}

// QuoteString quotes one character-string: `"` and `\` escaped, octets
// outside printable ASCII written as `\` and the number in verb ("%03d":
// RFC 1035's decimal; "%03o": Route 53's octal).
func QuoteString(raw, verb string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\"+verb, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
