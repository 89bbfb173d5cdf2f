package route53

import (
	"fmt"
	"strings"
)

// nameError is a name Route 53 refuses; msg is the text of the
// InvalidChangeBatch message.
type nameError struct{ msg string }

func (e *nameError) Error() string { return e.msg }

// canonicalName returns name as Route 53 stores and lists it: lower case,
// absolute with a trailing dot, every byte other than a-z, 0-9, '-' and '_'
// written as a three-digit octal escape (so `*` becomes `\052`). Escapes in
// the input (`\052`, or `\X` for a literal X) are decoded first, so a name
// read from a listing normalises to itself.
//
// Route 53 documents that names are stored in lower case and that other
// characters use `\ooo` octal escapes (API reference, "DNS domain name
// format"); the DomainLabel* message texts are as seen from real accounts.
func canonicalName(name string) (string, error) {
	labels, err := splitLabels(name)
	if err != nil {
		return "", err
	}
	if len(labels) == 0 {
		return ".", nil
	}
	wire := 1
	var b strings.Builder
	for _, l := range labels {
		if len(l) > 63 {
			return "", &nameError{fmt.Sprintf("FATAL problem: DomainLabelTooLong (Domain label is too long) encountered with '%s'", escapeLabel(l))}
		}
		wire += 1 + len(l)
		b.WriteString(escapeLabel(l))
		b.WriteByte('.')
	}
	if wire > 255 {
		return "", &nameError{fmt.Sprintf("FATAL problem: DomainNameTooLong (Domain name is too long) encountered with '%s'", b.String())}
	}
	return b.String(), nil
}

// splitLabels decodes name into its lower-cased raw labels, without the
// root. An empty label anywhere but at the end is an error.
func splitLabels(name string) ([]string, error) {
	if name == "" {
		return nil, &nameError{"FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with ''"}
	}
	if name == "." {
		return nil, nil
	}
	var labels []string
	var cur []byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\' && i+3 < len(name) && isOctal(name[i+1]) && isOctal(name[i+2]) && isOctal(name[i+3]):
			v := (int(name[i+1]-'0')*8+int(name[i+2]-'0'))*8 + int(name[i+3]-'0')
			if v > 255 {
				cur = append(cur, c)
				continue
			}
			cur = append(cur, byte(v))
			i += 3
		case c == '\\' && i+1 < len(name):
			cur = append(cur, name[i+1])
			i++
		case c == '.':
			if len(cur) == 0 {
				return nil, &nameError{fmt.Sprintf("FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with '%s'", name)}
			}
			labels = append(labels, asciiLower(cur))
			cur = cur[:0]
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		labels = append(labels, asciiLower(cur))
	}
	return labels, nil
}

// asciiLower lower-cases A-Z only: labels are bytes, not UTF-8, and
// strings.ToLower would replace invalid UTF-8 with U+FFFD.
func asciiLower(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// escapeLabel writes a raw label in Route 53's presentation form.
func escapeLabel(l string) string {
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "\\%03o", c)
	}
	return b.String()
}

// sortKey maps a canonical name to a string whose byte order is Route 53's
// listing order: the escaped labels (as stored, `*` as `\052`) from the
// root down, joined by dots with the trailing dot, compared as ASCII
// ("com.example.www."). Both ListHostedZonesByName and
// ListResourceRecordSets document this order and warn that the dot can
// change it: characters before '.' (46), such as '-', sort a sibling
// "a-b" before "a" and its children ("com.example.a-b." < "com.example.a.")
// (API reference, ListResourceRecordSets "Sort order" and
// ListHostedZonesByName,
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html).
// A parent still sorts before its children: its key is their prefix.
func sortKey(name string) string {
	labels, err := splitLabels(name)
	if err != nil {
		return name
	}
	var b strings.Builder
	for i := len(labels) - 1; i >= 0; i-- {
		b.WriteString(escapeLabel(labels[i]))
		b.WriteByte('.')
	}
	return b.String()
}

// inZone reports whether the canonical name is the apex or below it.
func inZone(name, zone string) bool {
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// rrTypes is the RRType enumeration of the API, in the order the service
// prints it in schema errors.
var rrTypes = []string{"SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV", "SPF", "AAAA", "CAA", "DS", "TLSA", "SSHFP", "SVCB", "HTTPS"}

func validType(t string) bool {
	for _, v := range rrTypes {
		if v == t {
			return true
		}
	}
	return false
}

// enumError is the InvalidInput text the service gives for a value outside
// an XML schema enumeration (the request body is validated against the
// schema before anything else).
func enumError(value string, enum []string) string {
	return fmt.Sprintf("Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '[%s]'. It must be a value from the enumeration.", value, strings.Join(enum, ", "))
}
