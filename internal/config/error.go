package config

import (
	"fmt"
	"strconv"
)

// Error is one problem in a configuration file, at a line and a key.
type Error struct {
	// File is the configuration file as given to Load.
	File string
	// Line counts from 1; zero when the problem has no single place (a
	// missing top-level key).
	Line int
	// Key is the YAML path of the value at fault, such as
	// providers.own.tsig.secret or zones[0].file; empty for syntax errors.
	Key string
	// Err says what is wrong. It never holds a secret's value.
	Err error
	// Code names the kind of a warning ("self-dependency"), shown after
	// it in brackets; empty for most.
	Code string
}

// Error returns "file:line: key: problem", leaving out the parts that are
// not known.
func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if e.Key != "" {
		s += ": " + e.Key
	}
	if e.Code != "" {
		return fmt.Sprintf("%s: %v [%s]", s, e.Err, e.Code)
	}
	return fmt.Sprintf("%s: %v", s, e.Err)
}

// Unwrap returns the underlying problem.
func (e *Error) Unwrap() error { return e.Err }
