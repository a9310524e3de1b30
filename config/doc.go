// Package config owns hark's configuration: XDG paths, loading the YAML file
// and HARK_* environment variables with viper (strict: unknown keys and wrong
// types are errors naming the file, the key and the fix), validation with
// defaults, secret references (env:VAR, cmd:COMMAND) and their resolution,
// the commented example written by `hark init`, and the demo configuration.
//
// It imports the standard library, viper, mapstructure and x/crypto/ssh,
// and of hark only social (the operator as the engine records them) and
// hours (the business-hours syntax, which triage's calendar reads too): it
// must not import any other hark package (no triage, feeds, store, engine
// or tui).
package config
