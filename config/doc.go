// Package config owns hark's configuration: XDG paths, loading the YAML file
// and HARK_* environment variables with viper (strict: unknown keys and wrong
// types are errors naming the file, the key and the fix), validation with
// defaults, secret references (env:VAR, cmd:COMMAND) and their resolution,
// the commented example written by `hark init`, and the demo configuration.
//
// It imports the standard library, viper and mapstructure only: it must not
// import any other hark package (no social, feeds, store, engine or tui).
package config
