// Package config owns Konstruct's configuration: every option is one row in
// the table in options.go (name, default, parser, whether it is secret, and
// the help text printed by `konstruct env`). Values come from environment
// variables only; Load validates all of them at start-up and reports every
// problem at once, naming the variable and saying what is wrong.
//
// Secrets may also be given as NAME_FILE, a path whose contents are the value,
// so they can come from mounted secret files instead of the environment.
package config
