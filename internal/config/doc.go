// Package config reads zonecast's configuration file (zonecast.yaml by
// default): the providers and how to reach them, the zones with the providers
// each one is served by, ignore rules, safety limits and the place of the
// failover state file.
//
// [Load] is strict. Unknown keys anywhere, including inside a provider block
// (decoded into that driver's own configuration struct), values of the wrong
// type, missing zone files, unknown provider types or names, duplicate zones
// and secrets that are written as values or cannot be resolved are all
// errors. Every problem in the file is reported in one pass, sorted by line,
// each as an [*Error] of the form
//
//	zonecast.yaml:12: providers.own.server: ...
//
// A zone entry is either one zone (origin: and file:) or a zone set (dir:):
// every zone file in a folder, each zone's origin from its file's name
// (zones.OriginFromName), all with the entry's providers and policy. Load
// expands a set into one [Zone] per file from a single read of the folder;
// [Config.Zone] finds a zone by origin through an index.
//
// Credentials are [providers.Secret] fields of driver configurations. They
// are written as references (env:NAME or file:PATH) and resolved at load time;
// no error this package returns and no printed [Config] holds a secret's
// value.
//
// The package reads the configuration file, stats zone files, lists zone set
// folders and reads secret files; it does not parse zone files (package
// zones does), talk to any provider (building a provider must not do
// network I/O), read flags or the environment other than for env: secrets,
// or print anything. The list of
// drivers is given by the caller (providers/all in the CLI).
package config
