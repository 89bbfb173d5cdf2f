package zones

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Rdata returns the canonical presentation of rr's rdata: what follows the
// type in a zone file line. Domain names inside the rdata of the types RFC
// 4034 §6.2 lists are lower-cased and absolute; IPv6 addresses are in RFC
// 5952 form; TXT character-strings are kept as separate strings, each quoted.
// NULL, and a GPOS whose fields miekg/dns cannot print so that they read back (an
// empty field, a blank, anything but a number), are in RFC 3597 generic form.
//
// Rdata lower-cases names in place: rr is modified.
func Rdata(rr dns.RR) string {
	if s, ok := fastRdata(rr); ok {
		return s
	}
	switch r := rr.(type) {
	case *dns.NULL:
		// miekg/dns prints NULL rdata raw; it has no presentation form
		// but the generic one (RFC 1035 §3.3.10).
		if s, ok := genericRdata(rr); ok {
			return s
		}
	case *dns.GPOS:
		if !plainGPOS(r.Longitude) || !plainGPOS(r.Latitude) || !plainGPOS(r.Altitude) {
			if s, ok := genericRdata(rr); ok {
				return s
			}
		}
	}
	lowerRdataNames(rr)
	h := rr.Header()
	name, ttl := h.Name, h.Ttl
	// Print with a one-octet owner so that cutting the header off is cheap
	// and the kept string wastes almost nothing.
	h.Name, h.Ttl = ".", 0
	s := rr.String()
	h.Name, h.Ttl = name, ttl
	// The header is "owner\tTTL\tCLASS\tTYPE\t"; the owner "." has no tab.
	i := 0
	for tabs := 0; tabs < 4; i++ {
		if i == len(s) {
			return ""
		}
		if s[i] == '\t' {
			tabs++
		}
	}
	return s[i:]
}

// fastRdata formats the everyday types without miekg/dns's String, which
// formats the header too. A name with an escape takes the general path.
func fastRdata(rr dns.RR) (string, bool) {
	switch r := rr.(type) {
	case *dns.A:
		if a, ok := netip.AddrFromSlice(r.A.To4()); ok {
			return a.String(), true
		}
	case *dns.AAAA:
		if a, ok := netip.AddrFromSlice(r.AAAA); ok && len(r.AAAA) == net.IPv6len {
			return a.String(), true
		}
	case *dns.NS:
		return plainName(r.Ns)
	case *dns.CNAME:
		return plainName(r.Target)
	case *dns.PTR:
		return plainName(r.Ptr)
	case *dns.MX:
		if n, ok := plainName(r.Mx); ok {
			return strconv.Itoa(int(r.Preference)) + " " + n, true
		}
	}
	return "", false
}

// genericRdata returns rr's rdata in RFC 3597 generic form: \# and the
// length, then the octets in hex when there are any.
func genericRdata(rr dns.RR) (string, bool) {
	var g dns.RFC3597
	if err := g.ToRFC3597(rr); err != nil {
		return "", false
	}
	if g.Rdata == "" {
		return `\# 0`, true
	}
	return `\# ` + strconv.Itoa(len(g.Rdata)/2) + " " + g.Rdata, true
}

// plainGPOS reports whether a GPOS field prints as a token that miekg/dns
// reads back as the same field: a number (it insists on one) written
// without quotes or escapes.
func plainGPOS(f string) bool {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.') {
			return false
		}
	}
	_, err := strconv.ParseFloat(f, 64)
	return err == nil
}

// plainName returns in canonical form a name made only of characters that
// miekg/dns never escapes when printing; other names take the general path.
func plainName(n string) (string, bool) {
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '*' || c == '/') {
			return "", false
		}
	}
	return CanonicalName(n), true
}

// lowerRdataNames lower-cases and makes absolute the domain names in the rdata
// of the types listed in RFC 4034 §6.2 (NSEC's next name excepted, as RFC 6840
// §5.1 corrects). Other types keep their names as written.
func lowerRdataNames(rr dns.RR) {
	c := CanonicalName
	switch r := rr.(type) {
	case *dns.NS:
		r.Ns = c(r.Ns)
	case *dns.MD:
		r.Md = c(r.Md)
	case *dns.MF:
		r.Mf = c(r.Mf)
	case *dns.CNAME:
		r.Target = c(r.Target)
	case *dns.SOA:
		r.Ns, r.Mbox = c(r.Ns), c(r.Mbox)
	case *dns.MB:
		r.Mb = c(r.Mb)
	case *dns.MG:
		r.Mg = c(r.Mg)
	case *dns.MR:
		r.Mr = c(r.Mr)
	case *dns.PTR:
		r.Ptr = c(r.Ptr)
	case *dns.MINFO:
		r.Rmail, r.Email = c(r.Rmail), c(r.Email)
	case *dns.MX:
		r.Mx = c(r.Mx)
	case *dns.RP:
		r.Mbox, r.Txt = c(r.Mbox), c(r.Txt)
	case *dns.AFSDB:
		r.Hostname = c(r.Hostname)
	case *dns.RT:
		r.Host = c(r.Host)
	case *dns.SIG:
		r.SignerName = c(r.SignerName)
	case *dns.RRSIG:
		r.SignerName = c(r.SignerName)
	case *dns.PX:
		r.Map822, r.Mapx400 = c(r.Map822), c(r.Mapx400)
	case *dns.NXT:
		r.NextDomain = c(r.NextDomain)
	case *dns.NAPTR:
		r.Replacement = c(r.Replacement)
	case *dns.KX:
		r.Exchanger = c(r.Exchanger)
	case *dns.SRV:
		r.Target = c(r.Target)
	case *dns.DNAME:
		r.Target = c(r.Target)
	}
}

// IsDNSSEC reports whether records of type t are DNSSEC signatures, denial
// records or keys that providers make for themselves; zonecast keeps them in
// the file and does not replicate them. DS is not among them: it is ordinary
// data of a delegation. TYPE65534 counts too: BIND's private records of
// its own signing (sig-signing-type, the default), which a signing BIND
// serves by AXFR and must keep.
func IsDNSSEC(t uint16) bool {
	switch t {
	case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM,
		dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY, BINDSigningState:
		return true
	}
	return false
}

// BINDSigningState is the private type BIND 9 keeps its signing state in
// (its sig-signing-type option, 65534 unless set).
const BINDSigningState = 65534

// octets returns the number of octets a presentation-format character-string
// or label holds once its escapes (\X and \DDD) are resolved. Surrounding
// quotes must already be removed.
func octets(s string) int {
	if strings.IndexByte(s, '\\') < 0 {
		return len(s)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				i += 3
			} else {
				i++
			}
		}
		n++
	}
	return n
}
