package providers

// Driver is one kind of provider, as the configuration's `type:` names it.
// The list of drivers is in providers/all.
type Driver struct {
	// Type is the configuration's `type:` value.
	Type string
	// Summary is one line for `zonecast providers` and errors.
	Summary string
	// NewConfig returns a pointer to a new, zero configuration struct of the
	// driver. The configuration loader decodes the provider's YAML block
	// into it strictly (unknown keys are errors); fields of type Secret are
	// resolved from env:/file: references.
	NewConfig func() any
	// New builds the provider called name from a decoded configuration.
	// dir is the configuration file's folder, for relative paths.
	New func(name string, cfg any, dir string) (Provider, error)
	// Details, when set, returns more lines for `zonecast providers`
	// under the driver's summary (the libdns driver: each package it
	// can use, with its verification status).
	Details func() []string
}
