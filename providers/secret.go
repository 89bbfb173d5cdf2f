package providers

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Secret is a credential from the configuration. It is written there as a
// reference, `env:NAME` or `file:PATH`, never as the value, and it prints and
// logs as "redacted" whatever it holds.
type Secret struct {
	ref   string
	value string
}

// NewSecret returns a Secret holding value, for tests and callers that
// already have the value.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{ref: "literal", value: value}
}

// ResolveSecret reads the secret a reference names: env:NAME reads the
// environment variable, file:PATH the file (trailing newline removed; a
// relative PATH is taken from dir). The error names the reference, never the
// value.
func ResolveSecret(ref, dir string) (Secret, error) {
	kind, name, ok := strings.Cut(ref, ":")
	if !ok || name == "" {
		return Secret{}, errors.New("a secret must be a reference, env:NAME or file:PATH, never the value itself")
	}
	switch kind {
	case "env":
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return Secret{}, fmt.Errorf("environment variable %s is not set", name)
		}
		return Secret{ref: ref, value: v}, nil
	case "file":
		path, _ := SecretFile(ref, dir)
		b, err := os.ReadFile(path)
		if err != nil {
			return Secret{}, fmt.Errorf("read secret file %s: %w", path, errors.Unwrap(err))
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return Secret{}, fmt.Errorf("secret file %s is empty", path)
		}
		return Secret{ref: ref, value: v}, nil
	}
	return Secret{}, fmt.Errorf("unknown secret reference %q: use env:NAME or file:PATH", kind+":")
}

// SecretFile returns the path a file:PATH reference names (a relative PATH
// is taken from dir), and false for other references.
func SecretFile(ref, dir string) (string, bool) {
	path, ok := strings.CutPrefix(ref, "file:")
	if !ok || path == "" {
		return "", false
	}
	if !strings.HasPrefix(path, "/") && dir != "" {
		path = dir + "/" + path
	}
	return path, true
}

// Value returns the secret itself, for the one place that sends it.
func (s Secret) Value() string { return s.value }

// IsZero reports whether no secret was given: neither a value nor a
// reference. A reference not resolved (config.LoadSelected leaves those of
// the providers a run does not use) is given: IsZero is false, Resolved
// false and Value empty.
func (s Secret) IsZero() bool { return s.value == "" && s.ref == "" }

// Resolved reports whether the secret holds its value.
func (s Secret) Resolved() bool { return s.value != "" }

// Ref returns the reference the secret came from (env:NAME, file:PATH),
// which is safe to show.
func (s Secret) Ref() string { return s.ref }

// String returns "redacted".
func (s Secret) String() string { return "redacted" }

// GoString returns "redacted", so %#v does not show the value either.
func (s Secret) GoString() string { return "redacted" }

// LogValue returns "redacted".
func (s Secret) LogValue() slog.Value { return slog.StringValue("redacted") }

// MarshalText returns "redacted", so a Secret never reaches JSON or YAML.
func (s Secret) MarshalText() ([]byte, error) { return []byte("redacted"), nil }

// UnmarshalText keeps the reference; the configuration loader resolves it
// with Resolve once it knows the configuration file's folder.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret{ref: string(b)}
	return nil
}

// Resolve reads the value of a Secret that UnmarshalText filled in.
func (s *Secret) Resolve(dir string) error {
	if s.value != "" || s.ref == "" {
		return nil
	}
	r, err := ResolveSecret(s.ref, dir)
	if err != nil {
		return err
	}
	*s = r
	return nil
}
