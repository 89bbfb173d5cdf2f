package config

import (
	"encoding"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/zonecast/zonecast/providers"
)

// decoder turns a goccy/go-yaml syntax tree into Go values strictly: unknown
// keys and values of the wrong kind are errors that name the key path and
// line. It is our own rather than goccy's decoder because goccy stops at the
// first problem and its messages neither name the whole key path nor are
// guaranteed to leave out the offending value, which may be a secret.
//
// Struct fields are named as goccy names them: the yaml tag, else the json
// tag, else the lower-cased field name; "-" skips a field and ",inline"
// flattens a struct field into its parent.
type decoder struct {
	file    string
	dir     string // for file: secrets
	anchors map[string]ast.Node
	errs    []*Error
	warns   []*Error
	// sets are the zone sets decoded so far (zoneSet).
	sets []ZoneSet
	// keyDirs caches the DNSSEC key folders listed (dnssec.go keyDir).
	keyDirs map[string]map[string][]string
	// lines maps every decoded key path to the line of its value.
	lines map[string]int
	// only names the providers the run uses (all when empty); unused is
	// set while a provider outside them is decoded: its secrets are kept
	// as references, not read (LoadSelected).
	only   []string
	unused bool
}

var (
	secretType   = reflect.TypeFor[providers.Secret]()
	durationType = reflect.TypeFor[time.Duration]()
	nodeType     = reflect.TypeFor[ast.Node]()
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// maxDepth bounds nesting, so that a pathological file (or an alias loop)
// cannot exhaust the stack.
const maxDepth = 64

func newDecoder(file, dir string, root ast.Node) *decoder {
	d := &decoder{file: file, dir: dir, anchors: map[string]ast.Node{}, lines: map[string]int{}}
	if root != nil {
		ast.Walk(anchorVisitor(d.anchors), root)
	}
	return d
}

type anchorVisitor map[string]ast.Node

func (a anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

func (d *decoder) errorf(line int, key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Err: fmt.Errorf(format, args...)})
}

// failed reports whether a problem was already reported at key or inside
// it, so that checks on a value that did not decode stay quiet.
func (d *decoder) failed(key string) bool {
	for _, e := range d.errs {
		if e.Key == key || strings.HasPrefix(e.Key, key+".") || strings.HasPrefix(e.Key, key+"[") {
			return true
		}
	}
	return false
}

// line returns the line of the value at key path, or of the nearest
// enclosing value that was decoded.
func (d *decoder) line(key string) int {
	for key != "" {
		if l, ok := d.lines[key]; ok {
			return l
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

func nodeLine(n ast.Node) int {
	if n == nil {
		return 0
	}
	if t := n.GetToken(); t != nil && t.Position != nil {
		return t.Position.Line
	}
	return 0
}

// resolve looks through anchors, aliases and tags to the node that holds
// the value. tag is the last explicit tag seen, such as "!!str".
func (d *decoder) resolve(n ast.Node) (node ast.Node, tag string, err error) {
	for range maxDepth {
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.AliasNode:
			name := t.Value.GetToken().Value
			v, ok := d.anchors[name]
			if !ok {
				return nil, "", fmt.Errorf("alias *%s names no anchor", name)
			}
			n = v
		case *ast.TagNode:
			tag = t.Start.Value
			n = t.Value
		default:
			return n, tag, nil
		}
	}
	return nil, "", errors.New("aliases nest too deeply")
}

// describe names the kind of a node for "want X, got Y" messages. It never
// includes the node's value.
func describe(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "true/false"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	return "a " + n.Type().String()
}

// stringValue returns the text of a string scalar. A scalar of another
// kind counts as a string only when tagged !!str.
func stringValue(n ast.Node, tag string) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		return t.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tag == "!!str" {
			return t.GetToken().Value, true
		}
	}
	return "", false
}

// asMapping returns the key/value pairs of a mapping node. goccy parses a
// one-entry mapping as a bare MappingValueNode.
func asMapping(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch t := n.(type) {
	case *ast.MappingNode:
		return t.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{t}, true
	}
	return nil, false
}

// keyText returns a mapping key as written, without quotes.
func keyText(k ast.MapKeyNode) string {
	var n ast.Node = k
	if mk, ok := n.(*ast.MappingKeyNode); ok {
		n = mk.Value
	}
	if s, ok := n.(*ast.StringNode); ok {
		return s.Value
	}
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

func join(key, name string) string {
	if key == "" {
		return name
	}
	return key + "." + name
}

func index(key string, i int) string { return key + "[" + strconv.Itoa(i) + "]" }

// decode stores node n into v, which must be settable. key is n's path and
// line the line of its key, used when n itself has none. Problems are
// collected in d.errs; v keeps whatever could be decoded.
func (d *decoder) decode(n ast.Node, v reflect.Value, key string, line, depth int) {
	if depth > maxDepth {
		d.errorf(line, key, "nested too deeply")
		return
	}
	n, tag, err := d.resolve(n)
	if err != nil {
		d.errorf(line, key, "%v", err)
		return
	}
	if l := nodeLine(n); l > 0 {
		line = l
	}
	d.lines[key] = line
	if _, ok := n.(*ast.NullNode); ok || n == nil {
		return // absent: the zero value
	}
	if _, ok := n.(*ast.MergeKeyNode); ok {
		d.errorf(line, key, "merge keys (<<) are not supported")
		return
	}
	t := v.Type()
	switch {
	case t == secretType:
		d.decodeSecret(n, v, key, line)
		return
	case t == nodeType:
		v.Set(reflect.ValueOf(n))
		return
	case t == durationType:
		s, ok := stringValue(n, tag)
		if !ok {
			d.errorf(line, key, "want a duration such as 30s or 5m, got %s", describe(n))
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.errorf(line, key, "want a duration such as 30s or 5m: %v", err)
			return
		}
		v.SetInt(int64(dur))
		return
	case t.Kind() == reflect.Pointer:
		// Set the pointer only when its value decoded, so that a nil
		// still means "not given" to whoever checks it.
		p := v
		if v.IsNil() {
			p = reflect.New(t.Elem())
		}
		before := len(d.errs)
		d.decode(n, p.Elem(), key, line, depth+1)
		if len(d.errs) == before {
			v.Set(p)
		}
		return
	case reflect.PointerTo(t).Implements(textType):
		s, ok := stringValue(n, tag)
		if !ok {
			d.errorf(line, key, "want a string, got %s", describe(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			d.errorf(line, key, "%v", err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, key, line, depth, nil)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.errorf(line, key, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(t, len(seq.Values), len(seq.Values))
		for i, e := range seq.Values {
			d.decode(e, s.Index(i), index(key, i), line, depth+1)
		}
		v.Set(s)
	case reflect.Map:
		pairs, ok := asMapping(n)
		if !ok || t.Key().Kind() != reflect.String {
			d.errorf(line, key, "want a mapping, got %s", describe(n))
			return
		}
		m := reflect.MakeMapWithSize(t, len(pairs))
		for _, p := range pairs {
			k := keyText(p.Key)
			e := reflect.New(t.Elem()).Elem()
			d.decode(p.Value, e, join(key, k), nodeLine(p.Key), depth+1)
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		v.Set(m)
	case reflect.String:
		s, ok := stringValue(n, tag)
		if !ok {
			hint := ""
			if _, scalar := n.(ast.ScalarNode); scalar {
				hint = " (quote it to make it one)"
			}
			d.errorf(line, key, "want a string, got %s%s", describe(n), hint)
			return
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.errorf(line, key, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := n.(*ast.IntegerNode)
		if !ok {
			d.errorf(line, key, "want an integer, got %s", describe(n))
			return
		}
		var x int64
		switch iv := i.Value.(type) {
		case int64:
			x = iv
		case uint64:
			if iv > math.MaxInt64 {
				d.errorf(line, key, "integer out of range")
				return
			}
			x = int64(iv)
		}
		if v.OverflowInt(x) {
			d.errorf(line, key, "integer out of range")
			return
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i, ok := n.(*ast.IntegerNode)
		if !ok {
			d.errorf(line, key, "want an integer, got %s", describe(n))
			return
		}
		var x uint64
		switch iv := i.Value.(type) {
		case int64:
			if iv < 0 {
				d.errorf(line, key, "want a non-negative integer")
				return
			}
			x = uint64(iv)
		case uint64:
			x = iv
		}
		if v.OverflowUint(x) {
			d.errorf(line, key, "integer out of range")
			return
		}
		v.SetUint(x)
	case reflect.Float32, reflect.Float64:
		var x float64
		switch f := n.(type) {
		case *ast.FloatNode:
			x = f.Value
		case *ast.InfinityNode:
			x = f.Value
		case *ast.NanNode:
			x = math.NaN()
		case *ast.IntegerNode:
			switch iv := f.Value.(type) {
			case int64:
				x = float64(iv)
			case uint64:
				x = float64(iv)
			}
		default:
			d.errorf(line, key, "want a number, got %s", describe(n))
			return
		}
		v.SetFloat(x)
	case reflect.Interface:
		// Free-form values (any): goccy's own decoding is fine, as no
		// field of ours or a driver's can be checked more strictly.
		if t.NumMethod() != 0 {
			d.errorf(line, key, "cannot decode into %s", t)
			return
		}
		var x any
		if err := yaml.NodeToValue(n, &x); err != nil {
			d.errorf(line, key, "%s", message(err))
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		// A driver's configuration struct holds a type this decoder does
		// not know; that is a bug in the driver, not in the file.
		d.errorf(line, key, "cannot decode into %s", t)
	}
}

// decodeStruct decodes a mapping into struct v. Keys in skip are taken
// care of by the caller.
func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, key string, line, depth int, skip []string) {
	pairs, ok := asMapping(n)
	if !ok {
		d.errorf(line, key, "want a mapping, got %s", describe(n))
		return
	}
	fields := structFields(v.Type())
	for _, p := range pairs {
		k := keyText(p.Key)
		kl := nodeLine(p.Key)
		if slices.Contains(skip, k) {
			continue
		}
		if _, merge := p.Key.(*ast.MergeKeyNode); merge {
			d.errorf(kl, key, "merge keys (<<) are not supported")
			continue
		}
		f, ok := fields[k]
		if !ok {
			d.errorf(kl, join(key, k), "unknown key (known: %s)", knownKeys(fields, skip))
			continue
		}
		d.decode(p.Value, fieldByIndex(v, f), join(key, k), kl, depth+1)
	}
}

// fieldByIndex is reflect.Value.FieldByIndex allocating nil embedded
// pointers on the way.
func fieldByIndex(v reflect.Value, idx []int) reflect.Value {
	for i, x := range idx {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

func knownKeys(fields map[string][]int, skip []string) string {
	names := slices.Concat(skip, slices.Collect(maps.Keys(fields)))
	slices.Sort(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// structFields maps the YAML names of t's fields to their index paths,
// following goccy/go-yaml's naming rules.
func structFields(t reflect.Type) map[string][]int {
	fields := map[string][]int{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			if tag == "" {
				tag = f.Tag.Get("json")
			}
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(slices.Clone(prefix), i)
			if slices.Contains(strings.Split(opts, ","), "inline") {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, idx)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if _, dup := fields[name]; !dup {
				fields[name] = idx
			}
		}
	}
	walk(t, nil)
	return fields
}

// decodeSecret keeps a secret's reference and resolves it. Messages name
// the reference at most, never what is written when it is not one.
func (d *decoder) decodeSecret(n ast.Node, v reflect.Value, key string, line int) {
	const how = "write a reference, env:NAME or file:PATH, and keep the value itself out of the file"
	ref, ok := stringValue(n, "")
	if !ok {
		if _, scalar := n.(ast.ScalarNode); scalar {
			d.errorf(line, key, "a secret is written here as a value; %s", how)
		} else {
			d.errorf(line, key, "want a secret reference (env:NAME or file:PATH), got %s", describe(n))
		}
		return
	}
	if ref == "" {
		return // not given; the driver says whether it needs one
	}
	if !strings.HasPrefix(ref, "env:") && !strings.HasPrefix(ref, "file:") {
		d.errorf(line, key, "a secret is written here as a value; %s", how)
		return
	}
	s := v.Addr().Interface().(*providers.Secret)
	if err := s.UnmarshalText([]byte(ref)); err != nil {
		d.errorf(line, key, "%s: %v", ref, err)
		return
	}
	if d.unused {
		return
	}
	if err := s.Resolve(d.dir); err != nil {
		d.errorf(line, key, "%s: %v", ref, err)
		return
	}
	if path, ok := providers.SecretFile(ref, d.dir); ok {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			d.warns = append(d.warns, &Error{File: d.file, Line: line, Key: key,
				Err: fmt.Errorf("secret file %s can be read by other users (mode %04o): chmod 600 %s", path, fi.Mode().Perm(), path)})
		}
	}
}

// message returns a goccy/go-yaml error's message without the source
// excerpt it would otherwise carry, which could show a secret.
func message(err error) string {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return ye.GetMessage()
	}
	return err.Error()
}
