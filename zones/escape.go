package zones

import (
	"strings"
	"unicode/utf8"
)

// EscapeText returns s safe to print on a terminal or in a review page: every
// byte below 0x20 (tab and newline too), 0x7f, every byte of invalid UTF-8,
// and the Unicode controls that terminals and viewers act on (C1 controls
// U+0080–U+009F, bidirectional embeddings, overrides and isolates
// U+202A–U+202E, U+2066–U+2069) are written as \DDD, one escape per octet,
// as zone files write octets (RFC 1035 §5.1). Other text, printable UTF-8
// included, is kept.
//
// s is presentation text: its backslashes are escapes already and are kept,
// and a backslash escaping a byte that is rewritten is dropped (`\<ESC>`
// becomes `\027`), so a name or character-string keeps its meaning. When
// nothing needs escaping, s itself is returned without allocating.
func EscapeText(s string) string {
	i := safePrefix(s)
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	return string(appendEscaped(b, s[i:]))
}

// appendEscapedText appends EscapeText(s) to b.
func appendEscapedText(b []byte, s string) []byte {
	i := safePrefix(s)
	b = append(b, s[:i]...)
	if i == len(s) {
		return b
	}
	return appendEscaped(b, s[i:])
}

// safePrefix returns the length of the longest prefix of s that needs no
// escape and does not end inside a backslash escape.
func safePrefix(s string) int {
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 < len(s) && unsafeAt(s, i+1) > 0 {
				return i
			}
			i += 2
		case c >= 0x20 && c < 0x7f:
			i++
		default:
			if n := unsafeAt(s, i); n > 0 {
				return i
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
	}
	return len(s)
}

// unsafeAt returns how many octets at s[i] must be escaped, or 0.
func unsafeAt(s string, i int) int {
	c := s[i]
	if c < 0x20 || c == 0x7f {
		return 1
	}
	if c < 0x80 {
		return 0
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && n <= 1:
		return 1
	case r >= 0x80 && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return n
	}
	return 0
}

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			if n := unsafeAt(s, i+1); n > 0 {
				b = appendDDD(b, s[i+1:i+1+n])
				i += 1 + n
				continue
			}
			b = append(b, c, s[i+1])
			i += 2
			continue
		}
		if n := unsafeAt(s, i); n > 0 {
			b = appendDDD(b, s[i:i+n])
			i += n
			continue
		}
		b = append(b, c)
		i++
	}
	return b
}

func appendDDD(b []byte, octets string) []byte {
	for i := 0; i < len(octets); i++ {
		c := octets[i]
		b = append(b, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
	}
	return b
}

// maxQuoted is the most octets of file content a diagnostic quotes.
const maxQuoted = 40

// quoteToken returns token for a diagnostic message: escaped, its quotes
// escaped, cut to maxQuoted octets with "…" and in double quotes.
func quoteToken(token string) string { return quoteTokenCut(token, maxQuoted) }

// quoteTokenCut is quoteToken cutting at n octets.
func quoteTokenCut(token string, n int) string {
	t := EscapeText(token)
	if strings.IndexByte(t, '"') >= 0 {
		t = strings.ReplaceAll(t, `"`, `\"`)
	}
	if len(t) > n {
		t = cutText(t, n) + "…"
	}
	return `"` + t + `"`
}

// cutText cuts escaped text to at most n octets without splitting an escape
// or a UTF-8 sequence.
func cutText(s string, n int) string {
	end := 0
	for i := 0; i < len(s); {
		w := 1
		switch {
		case s[i] == '\\' && i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]):
			w = 4
		case s[i] == '\\' && i+1 < len(s):
			w = 2
		case s[i] >= 0x80:
			_, w = utf8.DecodeRuneInString(s[i:])
		}
		if i+w > n {
			break
		}
		i += w
		end = i
	}
	return s[:end]
}
