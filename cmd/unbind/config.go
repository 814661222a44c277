package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/pflag"
)

// serveEnv names the environment variable each serve flag may come from.
var serveEnv = map[string]string{
	"broker-username": "UNBIND_BROKER_USERNAME",
	"broker-password": "UNBIND_BROKER_PASSWORD",
}

// maxConfigFile bounds a config file; a real one is a few hundred bytes.
const maxConfigFile = 1 << 20

// applyConfigFile sets the flags of fs from the TOML file at path, whose
// keys are named like the flags ("mqtt-listen = ..."). The order of
// precedence is flags > environment > file > defaults: a flag given on the
// command line, or whose environment variable (serveEnv) is set, keeps its
// value. A key that is no flag, a table, or a value of the wrong type is an
// error naming the key and the file.
func applyConfigFile(fs *pflag.FlagSet, path string, getenv func(string) string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	if len(b) > maxConfigFile {
		return fmt.Errorf("config file %s: larger than %d bytes", path, maxConfigFile)
	}
	var values map[string]any
	if err := toml.NewDecoder(bytes.NewReader(b)).Decode(&values); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return fmt.Errorf("config file %s:%d:%d: %w", path, row, col, err)
		}
		return fmt.Errorf("config file %s: %w", path, err)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first bad key is the same every time
	for _, key := range keys {
		f := fs.Lookup(key)
		if f == nil || key == "config" || key == "help" {
			return fmt.Errorf("config file %s: unknown key %q (keys are the flags of unbind serve without their dashes, e.g. mqtt-listen)", path, key)
		}
		s, err := flagText(f, values[key])
		if err != nil {
			return fmt.Errorf("config file %s: key %q: %w", path, key, err)
		}
		if f.Changed {
			continue // the command line wins
		}
		if env, ok := serveEnv[key]; ok && getenv(env) != "" {
			continue // so does the environment
		}
		if err := f.Value.Set(s); err != nil {
			return fmt.Errorf("config file %s: key %q: %w", path, key, err)
		}
	}
	return nil
}

// flagText checks a TOML value against the flag's type and spells it as the
// command line would.
func flagText(f *pflag.Flag, v any) (string, error) {
	switch typ := f.Value.Type(); typ {
	case "bool":
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
		return "", fmt.Errorf("want true or false, not %v", v)
	case "int":
		if n, ok := v.(int64); ok {
			return strconv.FormatInt(n, 10), nil
		}
		return "", fmt.Errorf("want an integer, not %v", v)
	case "string", "duration":
		if s, ok := v.(string); ok {
			return s, nil
		}
		if typ == "duration" {
			return "", fmt.Errorf(`want a duration in quotes, such as "2m", not %v`, v)
		}
		return "", fmt.Errorf("want a string in quotes, not %v", v)
	default:
		return "", fmt.Errorf("flag type %s cannot be set from a file", typ)
	}
}
