package zones

import (
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Key identifies an RRset: an absolute lower-case owner name and a type.
// Signatures (RRSIG) form one set per type they cover, as in BIND, so Covers
// is that type for RRSIG and zero otherwise.
type Key struct {
	Name   string
	Type   uint16
	Covers uint16
}

// RRset is every record of one owner name and type, in canonical form.
//
// Name is an absolute, lower-cased FQDN. Data holds the canonical
// presentation rdata of each record, sorted and without duplicates, so two
// RRsets with equal Name, Type, TTL and Data are the same RRset.
type RRset struct {
	Name   string   `json:"name"`
	Type   uint16   `json:"type"`
	Covers uint16   `json:"covers,omitempty"` // the type an RRSIG set covers; zero for other types
	TTL    uint32   `json:"ttl"`
	Data   []string `json:"data"`
	// Pos is where the first record of the set was written; it is the zero
	// Pos for RRsets that did not come from a file.
	Pos Pos `json:"-"`
	// Protected, set by a provider, says why zonecast must never change or
	// delete this RRset there (a read-only record, an alias set).
	Protected string `json:"protected,omitempty"`
	// Proxied, set by a provider that proxies traffic for a name
	// (Cloudflare), counts the set's records served through the proxy.
	// The driver keeps it on every edit; the plan says what an edit does
	// to it. It is not part of the set's value (Equal ignores it).
	Proxied int `json:"proxied,omitempty"`
	// Required, set by a provider, lists the values it serves in this set
	// whatever zonecast writes (a cloud's own apex nameservers): a change
	// that leaves one out is refused there, and the plan says so.
	Required []string `json:"required,omitempty"`
	// Refuse, set by a provider, says why it refuses any change to this
	// set as it is configured now, and what the user can do.
	Refuse string `json:"refuse,omitempty"`
}

// Key returns the set's key.
func (s *RRset) Key() Key { return Key{s.Name, s.Type, s.Covers} }

// TypeString returns the set's type mnemonic, or TYPEnnn (RFC 3597) for a type
// miekg/dns has no name for.
func (s *RRset) TypeString() string { return TypeString(s.Type) }

// TypeString returns the mnemonic of a record type, or TYPEnnn (RFC 3597)
// for a type miekg/dns has no mnemonic for, and for 0 and 65535, which it
// names "None" and "Reserved" but reads only as TYPE0 and TYPE65535.
func TypeString(t uint16) string {
	if t == dns.TypeNone || t == dns.TypeReserved {
		return "TYPE" + strconv.Itoa(int(t))
	}
	return dns.Type(t).String()
}

// Equal reports whether two RRsets hold the same name, type, TTL and data.
// Positions are not compared.
func (s *RRset) Equal(o *RRset) bool {
	return s.Key() == o.Key() && s.TTL == o.TTL && slices.Equal(s.Data, o.Data)
}

// Zone is the canonical content of one zone.
type Zone struct {
	// Origin is the zone's apex, absolute and lower-cased.
	Origin string
	// OriginFrom says where Origin came from: "--origin", "$ORIGIN" or
	// "file name".
	OriginFrom string
	// File is the path the zone was read from, as given.
	File string
	// Includes are the files $INCLUDE read, each once, as File's folder
	// joined with the name the directive gave.
	Includes []string
	// SourceDigest (ParseFile, Parse) hashes what the zone was read from:
	// the origin, the options that change how names are read, and every
	// byte of the file and its $INCLUDEs in the order read. The same
	// digest means the same zone; a zone built otherwise has none.
	SourceDigest string
	// Sets holds every RRset of the zone.
	Sets map[Key]*RRset
}

// NewZone returns an empty zone with the given origin.
func NewZone(origin string) *Zone {
	return &Zone{Origin: CanonicalName(origin), Sets: make(map[Key]*RRset)}
}

// Lookup returns the RRset of name and type, or nil.
func (z *Zone) Lookup(name string, t uint16) *RRset { return z.Sets[Key{Name: name, Type: t}] }

// Records returns the number of records (not RRsets) in the zone.
func (z *Zone) Records() int {
	n := 0
	for _, s := range z.Sets {
		n += len(s.Data)
	}
	return n
}

// RRsets returns every RRset in canonical DNS order (RFC 4034 §6.1) of owner
// names, then by type number with the SOA first. The order is deterministic.
func (z *Zone) RRsets() []*RRset {
	type keyed struct {
		key string
		set *RRset
	}
	ks := make([]keyed, 0, len(z.Sets))
	// Sort keys for repeated names are shared: most names own few sets.
	cache := make(map[string]string, len(z.Sets))
	for _, s := range z.Sets {
		k, ok := cache[s.Name]
		if !ok {
			k = orderKey(s.Name)
			cache[s.Name] = k
		}
		ks = append(ks, keyed{k, s})
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		// The SOA leads its name, as zone files and AXFR have it.
		if (a.set.Type == dns.TypeSOA) != (b.set.Type == dns.TypeSOA) {
			if a.set.Type == dns.TypeSOA {
				return -1
			}
			return 1
		}
		if a.set.Type != b.set.Type {
			return int(a.set.Type) - int(b.set.Type)
		}
		return int(a.set.Covers) - int(b.set.Covers)
	})
	out := make([]*RRset, len(ks))
	for i, k := range ks {
		out[i] = k.set
	}
	return out
}

// OrderKey returns a string whose byte order among names is the canonical
// DNS order (RFC 4034 §6.1), for sorting many names.
func OrderKey(name string) string { return orderKey(name) }

// CompareNames orders two domain names canonically (RFC 4034 §6.1): label by
// label from the root, each label compared as lower-case octets, a name
// sorting before the names below it.
func CompareNames(a, b string) int { return strings.Compare(orderKey(a), orderKey(b)) }

// orderKey turns a presentation name into a byte string whose plain byte
// order is the canonical DNS order: labels from the rightmost, unescaped and
// lower-cased, each followed by 0x00. Octets 0x00 and 0x01 inside a label are
// written as 0x01 0x01 and 0x01 0x02 so that the separator sorts first.
func orderKey(name string) string {
	if strings.IndexByte(name, '\\') < 0 {
		return plainOrderKey(name)
	}
	labels := splitLabels(name)
	var b strings.Builder
	b.Grow(len(name) + 1)
	for i := len(labels) - 1; i >= 0; i-- {
		for _, c := range labels[i] {
			c = lower(c)
			switch c {
			case 0:
				b.WriteString("\x01\x01")
			case 1:
				b.WriteString("\x01\x02")
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte(0)
	}
	return b.String()
}

// plainOrderKey is orderKey for a name without escapes: its labels are its
// bytes between dots.
func plainOrderKey(name string) string {
	name = strings.TrimSuffix(name, ".")
	b := make([]byte, 0, len(name)+2)
	for end := len(name); end > 0; {
		start := strings.LastIndexByte(name[:end], '.') + 1
		for i := start; i < end; i++ {
			switch c := lower(name[i]); c {
			case 0:
				b = append(b, 1, 1)
			case 1:
				b = append(b, 1, 2)
			default:
				b = append(b, c)
			}
		}
		b = append(b, 0)
		end = start - 1
	}
	return string(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// splitLabels splits a presentation name into unescaped labels, leaving out
// the root.
func splitLabels(name string) [][]byte {
	var labels [][]byte
	var cur []byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\' && i+3 < len(name) && isDigit(name[i+1]) && isDigit(name[i+2]) && isDigit(name[i+3]):
			cur = append(cur, byte(int(name[i+1]-'0')*100+int(name[i+2]-'0')*10+int(name[i+3]-'0')))
			i += 3
		case c == '\\' && i+1 < len(name):
			cur = append(cur, name[i+1])
			i++
		case c == '.':
			labels = append(labels, cur)
			cur = nil
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		labels = append(labels, cur)
	}
	return labels
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// CanonicalName returns name absolute and lower-cased, in one canonical
// spelling per name on the wire: a name holding anything but letters, digits
// and "-_.*/" is packed to its wire form and printed back, so `\065` and `a`
// are one label, and a raw octet 0x80 and `\128` are one label, written
// `\128` (octets below 0x21 and above 0x7e as \DDD, the specials
// `.;()@"'\` and space with a backslash, as miekg/dns prints them).
func CanonicalName(name string) string {
	name = dns.Fqdn(name)
	upper := false
	for i := 0; i < len(name); i++ {
		switch nameClass[name[i]] {
		case nameOther:
			return wireCanonical(name)
		case nameUpper:
			upper = true
		}
	}
	if !upper {
		return name
	}
	return asciiLower(name)
}

// The classes of octets in a presentation name, for CanonicalName's fast
// path: plain octets print as themselves on the wire round trip.
const (
	nameOther = iota
	namePlain
	nameUpper
)

var nameClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = namePlain
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = nameUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = namePlain
	}
	for _, c := range "-_.*/" {
		t[c] = namePlain
	}
	return t
}()

// wireCanonical canonicalises a name through its wire form.
func wireCanonical(name string) string {
	var buf [256]byte
	if n, err := dns.PackDomainName(name, buf[:], 0, nil, false); err == nil {
		if s, _, err := dns.UnpackDomainName(buf[:n], 0); err == nil {
			return asciiLower(s)
		}
	}
	// Too long or with an empty label: no wire form, but still one
	// spelling, escaped as UnpackDomainName would, so that no raw control
	// octet reaches a message.
	labels := splitLabels(name)
	b := make([]byte, 0, len(name)+8)
	for _, l := range labels {
		for _, c := range l {
			switch {
			case c == '.' || c == ' ' || c == '\'' || c == '@' || c == ';' || c == '(' || c == ')' || c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < ' ' || c > '~':
				b = appendDDD(b, string(c))
			default:
				b = append(b, lower(c))
			}
		}
		b = append(b, '.')
	}
	if len(b) == 0 {
		return "."
	}
	return string(b)
}

// asciiLower lower-cases ASCII letters only: DNS names compare
// case-insensitively for ASCII alone (RFC 4343), so other octets are kept.
func asciiLower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		b[i] = lower(b[i])
	}
	return string(b)
}
