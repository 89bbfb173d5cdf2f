package zones

import (
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// This file reads, as BIND 9.18 does, the rdata that rescue (rescue.go)
// reads itself: into wire form for the types miekg/dns lacks, or rewritten
// into a form the ZoneParser reads as BIND reads the original.

// wireValid checks generic rdata as BIND does on reading it: BIND decodes
// it as it would from the wire and refuses what does not decode.
func wireValid(t uint16, w []byte) bool {
	switch t {
	case typeWKS: // address, protocol, bitmap of at most 65536 ports
		return len(w) >= 5 && len(w) <= 5+8192
	case 22, 67, 68: // NSAP, HHIT, BRID
		return len(w) >= 1
	case 38: // A6 (RFC 2874 §3.1): prefix length, address suffix, prefix name
		if len(w) == 0 || w[0] > 128 {
			return false
		}
		off := 1 + (128-int(w[0])+7)/8
		if w[0] == 0 || off > len(w) {
			return off == len(w)
		}
		_, end, err := dns.UnpackDomainName(w, off)
		return err == nil && end == len(w)
	case 40: // SINK: meaning, coding, subcoding, data
		return len(w) >= 3
	case 259: // DOA: enterprise, type, location, media type, data
		return len(w) >= 10 && 10+int(w[9]) <= len(w)
	case 66: // DSYNC: type, scheme, port, target
		if len(w) < 6 {
			return false
		}
		_, off, err := dns.UnpackDomainName(w, 5)
		return err == nil && off == len(w)
	case 262, dns.TypeTXT: // WALLET, TXT: character-strings
		if len(w) == 0 {
			return false
		}
		for i := 0; i < len(w); i += int(w[i]) + 1 {
			if i+int(w[i]) >= len(w) {
				return false
			}
		}
		return true
	case dns.TypeNULL, dns.TypeAPL:
		return true
	}
	_, known := dns.TypeToRR[t]
	return !known || len(w) > 0
}

// genericWire reads RFC 3597 rdata after its \#: a decimal length and that
// many octets in hex, in one or more tokens.
func genericWire(toks []rtoken) ([]byte, bool) {
	if len(toks) == 0 || toks[0].quoted || !isDigits(toks[0].text) {
		return nil, false
	}
	n, err := strconv.ParseUint(toks[0].text, 10, 16)
	if err != nil {
		return nil, false
	}
	var h strings.Builder
	for _, t := range toks[1:] {
		if t.quoted {
			return nil, false
		}
		h.WriteString(t.text)
	}
	w, err := hex.DecodeString(h.String())
	if err != nil || len(w) != int(n) {
		return nil, false
	}
	return w, true
}

// wksWire reads WKS rdata (RFC 1035 §3.4.2): an IPv4 address, a protocol
// and the services offered, by number or name (RFC 1010 names, as BIND reads
// them through getprotobyname and getservbyname, from wksProtocols and
// wksServices). The bitmap is as long as its highest port needs, as BIND
// writes it.
func wksWire(toks []rtoken) []byte {
	if len(toks) < 2 || toks[0].quoted || toks[1].quoted {
		return nil
	}
	a, err := netip.ParseAddr(toks[0].text)
	if err != nil || !a.Is4() {
		return nil
	}
	var proto uint64
	if isDigits(toks[1].text) {
		if proto, err = strconv.ParseUint(toks[1].text, 10, 8); err != nil {
			return nil
		}
	} else {
		n, ok := wksProtocols[toks[1].text]
		if !ok || n > 255 {
			return nil
		}
		proto = uint64(n)
	}
	ps := ""
	switch proto {
	case 6:
		ps = "tcp"
	case 17:
		ps = "udp"
	}
	var bitmap [8192]byte
	maxPort := 0
	for _, t := range toks[2:] {
		if t.quoted {
			return nil
		}
		var port int
		if isDigits(t.text) {
			n, err := strconv.ParseUint(t.text, 10, 16)
			if err != nil {
				return nil
			}
			port = int(n)
		} else {
			n, ok := wksServices[ps+"/"+strings.ToLower(t.text)]
			if !ok {
				n, ok = wksServices[ps+"/"+t.text]
			}
			if !ok {
				return nil
			}
			port = int(n)
		}
		maxPort = max(maxPort, port)
		bitmap[port/8] |= 0x80 >> (port % 8)
	}
	a4 := a.As4()
	w := append(a4[:], byte(proto))
	return append(w, bitmap[:maxPort/8+1]...)
}

// typeWKS is WKS's type code; miekg/dns has no constant for it.
const typeWKS = 11

// wksPresentation returns how Write prints one WKS record, typ and data
// (generic). BIND writes a WKS without services with a bitmap of one zero
// octet, and refuses that same rdata in generic form (a bitmap may not end
// in a zero octet on the wire): such a record is written in WKS's own text
// form, which both BIND and zonecast read back as these octets. Any other
// is written as it is.
func wksPresentation(typ, data string) (string, string) {
	const prefix = `\# 6 `
	if len(data) != len(prefix)+12 || !strings.HasPrefix(data, prefix) || !strings.HasSuffix(data, "00") {
		return typ, data
	}
	w, err := hex.DecodeString(data[len(prefix):])
	if err != nil {
		return typ, data
	}
	return "WKS", netip.AddrFrom4([4]byte(w[:4])).String() + " " + strconv.Itoa(int(w[4]))
}

// uints reads decimal numbers of the given bits, in network order.
func uints(toks []rtoken, bits int) ([]byte, bool) {
	var w []byte
	for _, t := range toks {
		if t.quoted || !isDigits(t.text) {
			return nil, false
		}
		n, err := strconv.ParseUint(t.text, 10, bits)
		if err != nil {
			return nil, false
		}
		for i := bits - 8; i >= 0; i -= 8 {
			w = append(w, byte(n>>i))
		}
	}
	return w, true
}

// base64Tokens decodes base64 written over any number of tokens.
func base64Tokens(toks []rtoken) ([]byte, bool) {
	var b strings.Builder
	for _, t := range toks {
		if t.quoted {
			return nil, false
		}
		b.WriteString(t.text)
	}
	w, err := base64.StdEncoding.DecodeString(b.String())
	return w, err == nil
}

// a6Wire reads A6 rdata (RFC 2874 §3.1.1): a prefix length, the address
// suffix (unless the length is 128) as an IPv6 address whose prefix bits are
// dropped, and the prefix name (unless the length is 0).
func a6Wire(toks []rtoken, origin string) []byte {
	if len(toks) == 0 || toks[0].quoted || !isDigits(toks[0].text) {
		return nil
	}
	plen, err := strconv.ParseUint(toks[0].text, 10, 8)
	if err != nil || plen > 128 {
		return nil
	}
	want := 1
	if plen < 128 {
		want++
	}
	if plen > 0 {
		want++
	}
	if len(toks) != want {
		return nil
	}
	w := []byte{byte(plen)}
	if plen < 128 {
		a, err := netip.ParseAddr(toks[1].text)
		if err != nil || !a.Is6() || a.Zone() != "" || toks[1].quoted {
			return nil
		}
		a16 := a.As16()
		suffix := a16[plen/8:]
		suffix[0] &= 0xff >> (plen % 8)
		w = append(w, suffix...)
	}
	if plen > 0 {
		name := make([]byte, 256)
		n, err := dns.PackDomainName(absolute(toks[want-1].text, origin), name, 0, nil, false)
		if err != nil || toks[want-1].quoted {
			return nil
		}
		w = append(w, name[:n]...)
	}
	return w
}

// nsapWire reads NSAP rdata (RFC 1706 §5): "0x" and an even number of hex
// digits, dots anywhere after the "0x" for readability.
func nsapWire(toks []rtoken) []byte {
	if len(toks) != 1 || toks[0].quoted {
		return nil
	}
	s := toks[0].text
	if len(s) < 3 || s[0] != '0' || s[1]|0x20 != 'x' {
		return nil
	}
	w, err := hex.DecodeString(strings.ReplaceAll(s[2:], ".", ""))
	if err != nil || len(w) == 0 {
		return nil
	}
	return w
}

// dsyncWire reads DSYNC rdata (draft-ietf-dnsop-generalized-notify): a
// type, a scheme (NOTIFY or a number), a port and a target name.
func dsyncWire(toks []rtoken, origin string) []byte {
	if len(toks) != 4 {
		return nil
	}
	for _, t := range toks {
		if t.quoted {
			return nil
		}
	}
	var typ uint16
	if isDigits(toks[0].text) {
		n, err := strconv.ParseUint(toks[0].text, 10, 16)
		if err != nil {
			return nil
		}
		typ = uint16(n)
	} else if t, ok := typeCode(toks[0].text); ok {
		typ = t
	} else {
		return nil
	}
	var scheme uint64 = 1
	if !strings.EqualFold(toks[1].text, "NOTIFY") {
		n, err := strconv.ParseUint(toks[1].text, 10, 8)
		if err != nil || !isDigits(toks[1].text) {
			return nil
		}
		scheme = n
	}
	port, err := strconv.ParseUint(toks[2].text, 10, 16)
	if err != nil || !isDigits(toks[2].text) {
		return nil
	}
	w := []byte{byte(typ >> 8), byte(typ), byte(scheme), byte(port >> 8), byte(port)}
	name := make([]byte, 256)
	n, err := dns.PackDomainName(absolute(toks[3].text, origin), name, 0, nil, false)
	if err != nil {
		return nil
	}
	return append(w, name[:n]...)
}

// stringsWire makes each token a character-string (RFC 1035 §3.3).
func stringsWire(toks []rtoken) []byte {
	var w []byte
	for _, t := range toks {
		s, ok := unescape(t.text)
		if !ok || len(s) > 255 {
			return nil
		}
		w = append(w, byte(len(s)))
		w = append(w, s...)
	}
	return w
}

// unescape resolves the \X and \DDD escapes of a presentation string.
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		if isDigit(s[i+1]) {
			if i+3 >= len(s) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
				return "", false
			}
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n > 255 {
				return "", false
			}
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String(), true
}

// locDefaults fills in the minutes and seconds a LOC record leaves out
// (RFC 1876 §3: "if omitted, minutes and seconds default to zero"), which
// the ZoneParser requires once minutes are given. Text it cannot make sense
// of is returned as it is, for the ZoneParser to refuse.
func locDefaults(toks []rtoken) []rtoken {
	out := make([]rtoken, 0, len(toks)+4)
	i := 0
	for _, hemis := range []string{"NS", "EW"} {
		n := 0
		for i < len(toks) && !isHemisphere(toks[i], hemis) {
			if n == 3 {
				return toks
			}
			out = append(out, toks[i])
			i++
			n++
		}
		if i == len(toks) || n == 0 {
			return toks
		}
		for ; n < 3; n++ {
			out = append(out, rtoken{text: "0"})
		}
		out = append(out, toks[i])
		i++
	}
	return append(out, toks[i:]...)
}

// isHemisphere reports whether t is one of letters; BIND takes them in
// upper case only.
func isHemisphere(t rtoken, letters string) bool {
	return !t.quoted && len(t.text) == 1 && strings.IndexByte(letters, t.text[0]) >= 0
}

// BIND's mnemonics (lib/dns/rcode.c), looked up without regard to case.
var (
	secAlgs = map[string]uint64{
		"RSAMD5": 1, "DH": 2, "DSA": 3, "RSASHA1": 5, "NSEC3DSA": 6, "NSEC3RSASHA1": 7, "RSASHA256": 8,
		"RSASHA512": 10, "ECCGOST": 12, "ECDSAP256SHA256": 13, "ECDSAP384SHA384": 14, "ED25519": 15,
		"ED448": 16, "INDIRECT": 252, "PRIVATEDNS": 253, "PRIVATEOID": 254,
	}
	keyProtocols = map[string]uint64{"NONE": 0, "TLS": 1, "EMAIL": 2, "DNSSEC": 3, "IPSEC": 4, "ALL": 255}
	digestTypes  = map[string]uint64{"SHA-1": 1, "SHA1": 1, "SHA-256": 2, "SHA256": 2, "GOST": 3, "SHA-384": 4, "SHA384": 4}
	// keyFlags are combined with "|".
	keyFlags = map[string]uint64{
		"NOCONF": 0x4000, "NOAUTH": 0x8000, "NOKEY": 0xC000, "FLAG2": 0x2000, "EXTEND": 0x1000,
		"FLAG4": 0x0800, "FLAG5": 0x0400, "USER": 0x0000, "ZONE": 0x0100, "HOST": 0x0200,
		"NTYP3": 0x0300, "FLAG8": 0x0080, "FLAG9": 0x0040, "FLAG10": 0x0020, "FLAG11": 0x0010,
		"SIG0": 0, "SIG1": 1, "SIG2": 2, "SIG3": 3, "SIG4": 4, "SIG5": 5, "SIG6": 6, "SIG7": 7,
		"SIG8": 8, "SIG9": 9, "SIG10": 10, "SIG11": 11, "SIG12": 12, "SIG13": 13, "SIG14": 14, "SIG15": 15,
		"KSK": 0x0001,
	}
)

// mnemonic rewrites *t, a number or one of names, into its decimal value.
// It reports false for a name BIND does not know or a value over 255.
func mnemonic(t *rtoken, names map[string]uint64) bool {
	if t.quoted || t.text == "" {
		return false
	}
	v, ok := names[strings.ToUpper(t.text)]
	if isDigit(t.text[0]) {
		n, err := strconv.ParseUint(t.text, 10, 8)
		v, ok = n, err == nil
	}
	t.text = strconv.FormatUint(v, 10)
	return ok
}

// flagsMnemonic rewrites *t, key flags as BIND reads them (a decimal
// number, a hexadecimal one after 0x, or flag names joined by "|"), into
// their decimal value.
func flagsMnemonic(t *rtoken) bool {
	if t.quoted || t.text == "" {
		return false
	}
	if isDigit(t.text[0]) {
		// BIND's lexer reads digits as a decimal number; anything else
		// goes to strtoul(s, 0): hexadecimal after 0x (octal too, but
		// digits never get there).
		base, digits := 10, t.text
		if len(digits) > 2 && digits[0] == '0' && digits[1]|0x20 == 'x' {
			base, digits = 16, digits[2:]
		}
		n, err := strconv.ParseUint(digits, base, 16)
		t.text = strconv.FormatUint(n, 10)
		return err == nil && !strings.ContainsRune(digits, '_')
	}
	var v uint64
	for _, f := range strings.Split(t.text, "|") {
		b, ok := keyFlags[strings.ToUpper(f)]
		if !ok {
			return false
		}
		v |= b
	}
	t.text = strconv.FormatUint(v, 10)
	return true
}

// bitmap rewrites the types of a type bitmap as miekg/dns reads them: in
// order, each once (BIND takes them in any order, RFC 4034 §4.1.2 stores a
// set), named by TYPEnnn when miekg/dns has no name for them (WKS, NSAP…).
// numbers: an NXT bitmap, where plain numbers are types too and no type is
// over 127.
func bitmap(toks []rtoken, numbers bool) bool {
	types := make([]uint16, 0, len(toks))
	for _, tok := range toks {
		t, ok := typeCode(tok.text)
		if numbers && isDigits(tok.text) {
			n, err := strconv.ParseUint(tok.text, 10, 16)
			t, ok = uint16(n), err == nil
		}
		if numbers && t > 127 {
			return false // NXT's bitmap (RFC 2535 §5.2) ends at 127
		}
		if tok.quoted || !ok {
			return false
		}
		types = append(types, t)
	}
	slices.Sort(types)
	types = slices.Compact(types)
	for i, t := range types {
		toks[i] = rtoken{text: TypeString(t)}
	}
	clear(toks[len(types):])
	return true
}
