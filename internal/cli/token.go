package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// TokenEnv overrides every stored API token.
const TokenEnv = "UNBIND_TOKEN"

// ConfigDir is the user's Unbind directory (the registry's default home).
func ConfigDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user config directory: %w", err)
	}
	return filepath.Join(dir, "unbind"), nil
}

// TokenKey names the controller an API URL points at, for storing its
// token: host:port, with the scheme's default port filled in, and every
// loopback host (localhost, 127.0.0.1, ::1) written "localhost", so the
// token `unbind serve` stores for its port is found whichever loopback name
// the CLI uses.
func TokenKey(apiURL string) (string, error) {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: API URL %q: want http://HOST:PORT or https://HOST:PORT", ErrUsage, apiURL)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if host == "localhost" {
		host = "localhost"
	} else if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		host = "localhost"
	}
	return strings.ToLower(host) + ":" + port, nil
}

// tokenPath is where the token of the controller at key is kept.
func tokenPath(dir, key string) string {
	name := strings.NewReplacer(":", "_", "[", "", "]", "", "/", "_", "\\", "_").Replace(key)
	return filepath.Join(dir, "tokens", name+".token")
}

// TokenPath is the file that holds the token stored under dir for apiURL.
func TokenPath(dir, apiURL string) (string, error) {
	key, err := TokenKey(apiURL)
	if err != nil {
		return "", err
	}
	return tokenPath(dir, key), nil
}

// LoadToken returns the API token to send to apiURL: $UNBIND_TOKEN when
// set, else the one stored for its controller (by `unbind login`, or by
// `unbind serve` for a loopback controller), else "".
func LoadToken(apiURL string) (string, error) {
	if t := strings.TrimSpace(os.Getenv(TokenEnv)); t != "" {
		return t, nil
	}
	dir, err := ConfigDir()
	if err != nil {
		return "", nil // no config dir: no stored token, the API will say 401
	}
	return LoadTokenFrom(dir, apiURL)
}

// LoadTokenFrom reads the token stored under dir for apiURL; "" when none.
func LoadTokenFrom(dir, apiURL string) (string, error) {
	key, err := TokenKey(apiURL)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(tokenPath(dir, key))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the API token for %s: %w", key, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// SaveTokenTo stores token for apiURL under dir, readable by the owner only
// (0600, in a 0700 directory), and returns the file's path.
func SaveTokenTo(dir, apiURL, token string) (string, error) {
	key, err := TokenKey(apiURL)
	if err != nil {
		return "", err
	}
	path := tokenPath(dir, key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("store the API token for %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return "", fmt.Errorf("store the API token for %s: %w", key, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.WriteString(token + "\n")
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("store the API token for %s in %s: %w", key, path, err)
	}
	return path, nil
}
