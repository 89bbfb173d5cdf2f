package zones

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// SVCB and HTTPS parameters that miekg/dns v1.1.73 reads but BIND 9.18
// refuses (lib/dns/rdata/in_1/svcb_64.c), after RFC 9460 §8 and RFC 9461:
// a mandatory key the record does not carry, mandatory naming itself or a
// key twice or nothing, no-default-alpn without alpn, an empty alpn, and a
// dohpath that is not a URI template path with the variable "dns".
//
// miekg/dns also reads "mandatory=key1" as the reserved key 65535 (its
// svcbStringToKey takes keyNNN only for unregistered keys) and would push
// that; the key list is read again here from the entry's text.

// svcbParams returns the parameters of an SVCB or HTTPS record, or nil.
func svcbParams(rr dns.RR) *dns.SVCB {
	switch r := rr.(type) {
	case *dns.SVCB:
		return r
	case *dns.HTTPS:
		return &r.SVCB
	}
	return nil
}

// svcbKeyNames are the keys BIND 9.18 knows by name (RFC 9460 §14.3.2,
// RFC 9461 §5).
var svcbKeyNames = map[string]dns.SVCBKey{
	"mandatory": dns.SVCB_MANDATORY, "alpn": dns.SVCB_ALPN, "no-default-alpn": dns.SVCB_NO_DEFAULT_ALPN,
	"port": dns.SVCB_PORT, "ipv4hint": dns.SVCB_IPV4HINT, "ech": dns.SVCB_ECHCONFIG, "ipv6hint": dns.SVCB_IPV6HINT,
	"dohpath": 7,
}

// svcbKey reads a key of a mandatory list as BIND does: a name in any case
// (as a parameter, only in lower case), or keyNNN for any NNN up to 65534
// without leading zeros.
func svcbKey(s string) (dns.SVCBKey, bool) {
	if k, ok := svcbKeyNames[strings.ToLower(s)]; ok {
		return k, true
	}
	if n, ok := strings.CutPrefix(s, "key"); ok && n != "" && allDigits([]byte(n)) && (n[0] != '0' || n == "0") {
		if v, err := strconv.ParseUint(n, 10, 16); err == nil && v < 65535 {
			return dns.SVCBKey(v), true
		}
	}
	return 0, false
}

// svcbParamText finds the text of the parameter key=value (or key alone) in
// a raw record entry: its value, unquoted, and its offset in raw; -1 when
// it is not written out (an RFC 3597 \# form, a $GENERATE record).
func svcbParamText(raw []byte, key string) (value string, off int) {
	for i := 0; ; {
		start, end, next := nextToken(raw, i)
		if start < 0 {
			return "", -1
		}
		i = next
		t := string(raw[start:end])
		v, ok := strings.CutPrefix(t, key)
		if !ok || (v != "" && v[0] != '=') {
			continue
		}
		v = strings.TrimPrefix(v, "=")
		if v == "" && end < len(raw) && raw[end] == '"' {
			// key="value": the quoted value is the next token.
			if s, e, _ := nextToken(raw, end); s == end {
				v = string(raw[s:e])
			}
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v, start
	}
}

// svcbProblem checks the parameters of rr, an SVCB or HTTPS record read
// from raw (nil when its text is not at hand), and mends the mandatory key
// list that miekg/dns misread. pos is the entry's position; inFile: raw is
// the entry as written at pos, so a problem can be placed in it.
func svcbProblem(rr dns.RR, raw []byte, pos Pos, inFile bool) *Diagnostic {
	s := svcbParams(rr)
	if s == nil {
		return nil
	}
	typ := TypeString(rr.Header().Rrtype)
	at := func(key string) Pos {
		if raw != nil && inFile {
			if _, off := svcbParamText(raw, key); off >= 0 {
				return posIn(raw, Pos{File: pos.File, Line: pos.Line, Col: 1}, off)
			}
		}
		return pos
	}
	bad := func(key, msg, hint string) *Diagnostic {
		return &Diagnostic{Pos: at(key), Severity: Error, Code: CodeSVCBParams,
			Message: fmt.Sprintf("%s %s: %s", rr.Header().Name, typ, msg), Hint: hint}
	}
	has := make(map[dns.SVCBKey]bool, len(s.Value))
	var mandatory *dns.SVCBMandatory
	for _, kv := range s.Value {
		has[kv.Key()] = true
		switch v := kv.(type) {
		case *dns.SVCBMandatory:
			mandatory = v
		case *dns.SVCBAlpn:
			if len(v.Alpn) == 0 || slices.Contains(v.Alpn, "") {
				return bad("alpn", "alpn holds an empty protocol id (BIND: syntax error)",
					`list one or more protocol ids: alpn=h2,h3 (RFC 9460 §7.1.1)`)
			}
		}
		if kv.Key() == 7 {
			if why := dohPathProblem(kv.String()); why != "" {
				return bad("dohpath", fmt.Sprintf("dohpath %s %s (BIND: FORMERR)", quoteToken(kv.String()), why),
					`write a relative URI template with the variable dns: dohpath=/dns-query{?dns} (RFC 9461 §5)`)
			}
		}
	}
	if has[dns.SVCB_NO_DEFAULT_ALPN] && !has[dns.SVCB_ALPN] {
		return bad("no-default-alpn", "no-default-alpn without alpn (BIND: disallowed)",
			"add alpn=... with the protocols the service offers, or remove no-default-alpn (RFC 9460 §7.1.1)")
	}
	if mandatory == nil {
		return nil
	}
	codes := mandatory.Code
	if raw != nil && slices.Contains(codes, 65535) {
		// miekg/dns misreads keyNNN of a registered key, and any name it
		// does not know, as 65535.
		text, off := svcbParamText(raw, "mandatory")
		if off >= 0 {
			codes = codes[:0:0]
			for name := range strings.SplitSeq(text, ",") {
				k, ok := svcbKey(name)

				if !ok {
					return bad("mandatory", fmt.Sprintf("mandatory names the unknown key %s (BIND: syntax error)", quoteToken(name)),
						"name keys as alpn, port, ... or key65000 (RFC 9460 §14.3.2)")
				}
				codes = append(codes, k)
			}
			slices.Sort(codes)
			mandatory.Code = codes
		}
	}
	if len(codes) == 0 {
		return bad("mandatory", "mandatory lists no key (BIND: syntax error)", "list the keys a client must understand, or remove mandatory")
	}
	seen := make(map[dns.SVCBKey]bool, len(codes))
	for _, k := range codes {
		name := k.String()
		switch {
		case k == 65535:
			return bad("mandatory", "mandatory names an unknown or reserved key (BIND: syntax error)",
				"name keys as alpn, port, ... or key65000 (RFC 9460 §14.3.2)")
		case k == dns.SVCB_MANDATORY:
			return bad("mandatory", "mandatory lists mandatory itself (BIND: disallowed)",
				"remove it from the list: mandatory is never listed in itself (RFC 9460 §8)")
		case seen[k]:
			return bad("mandatory", fmt.Sprintf("mandatory lists %s twice (BIND: syntax error)", name), "list each key once")
		case !has[k]:
			return bad("mandatory", fmt.Sprintf("mandatory lists %s, which the record does not carry (BIND: inconsistent resource record)", name),
				fmt.Sprintf("add %s=... to the record or remove it from mandatory (RFC 9460 §8)", name))
		}
		seen[k] = true
	}
	return nil
}

// dohPathProblem checks a dohpath as BIND 9.18 does: a URI template
// (RFC 6570) that starts with "/" and has the variable "dns" in one of its
// expressions; why is empty when it is one.
func dohPathProblem(p string) (why string) {
	if !strings.HasPrefix(p, "/") {
		return "does not start with /"
	}
	dns := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '{':
			end := strings.IndexByte(p[i:], '}')
			if end < 0 {
				return "has a { without its }"
			}
			expr := p[i+1 : i+end]
			i += end
			if expr != "" && strings.IndexByte("+#./?&", expr[0]) >= 0 {
				expr = expr[1:]
			}
			for v := range strings.SplitSeq(expr, ",") {
				name, _, _ := strings.Cut(strings.TrimSuffix(v, "*"), ":")
				if name == "" || strings.ContainsFunc(name, func(r rune) bool {
					return !(r == '_' || r == '.' || r == '%' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
				}) {
					return fmt.Sprintf("has the bad template expression %s", quoteToken("{"+p[i-end+1:i]+"}"))
				}
				dns = dns || name == "dns"
			}
		case c == '}', c <= ' ', c >= 0x7f, c == '"', c == '<', c == '>', c == '\\', c == '^', c == '`', c == '|':
			return fmt.Sprintf("holds %s outside a template expression", quoteToken(string(c)))
		}
	}
	if !dns {
		return `has no template variable "dns"`
	}
	return ""
}
