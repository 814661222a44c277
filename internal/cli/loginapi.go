package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// loginAPIFile is the file under the config directory that names the
// controller the user last logged in to.
const loginAPIFile = "api"

// SaveLoginAPI notes under dir that apiURL is the controller later commands
// talk to when given no --api: the one `unbind login` just logged in to.
func SaveLoginAPI(dir, apiURL string) error {
	if _, err := TokenKey(apiURL); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("note the API URL %s: %w", apiURL, err)
	}
	path := filepath.Join(dir, loginAPIFile)
	if err := os.WriteFile(path, []byte(apiURL+"\n"), 0o600); err != nil {
		return fmt.Errorf("note the API URL %s in %s: %w", apiURL, path, err)
	}
	return nil
}

// LoginAPI is the API URL SaveLoginAPI noted under dir; "" when there is
// none, or when the file does not hold a usable URL (a command then falls
// back to the local controller or the built-in default, and says where it
// went when that does not answer).
func LoginAPI(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, loginAPIFile))
	if err != nil {
		return "" // none noted (or unreadable): the fallbacks apply
	}
	u := strings.TrimSpace(string(b))
	if _, err := TokenKey(u); err != nil {
		return ""
	}
	return u
}
