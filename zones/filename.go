package zones

import (
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
)

// OriginFromName returns the origin a zone file's name gives, as ParseFile
// takes it when there is neither an Options.Origin nor a $ORIGIN at the top
// of the file: only the usual names say which zone a file holds,
// example.com.zone, example.com.db and db.example.com. The origin is
// absolute (a trailing dot) and keeps the case of the name; ok is false when
// the name gives none. Only the last element of path counts.
func OriginFromName(path string) (origin string, ok bool) {
	base := filepath.Base(path)
	name := ""
	switch {
	case strings.HasSuffix(base, ".zone"):
		name = strings.TrimSuffix(base, ".zone")
	case strings.HasSuffix(base, ".db"):
		name = strings.TrimSuffix(base, ".db")
	case strings.HasPrefix(base, "db."):
		name = strings.TrimPrefix(base, "db.")
	}
	if _, ok := dns.IsDomainName(name); ok && name != "" && name != "." && !strings.ContainsAny(name, " \t") {
		return dns.Fqdn(name), true
	}
	return "", false
}
