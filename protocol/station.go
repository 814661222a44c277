package protocol

import (
	"errors"
	"fmt"
)

// Station says which bench PC reports a phone it reaches over USB, and the
// lot that bench is set to by its own flag. Agents running on the phone
// itself send none.
type Station struct {
	// Name names the bench PC (by default its host name): see
	// ValidateStationName.
	Name string `json:"name"`
	// Lot is the lot the bench's agent was started with (--lot), "" when
	// none; see ValidateLotID. The controller may set the station to
	// another lot, which wins.
	Lot string `json:"lot,omitempty"`
}

// Validate checks a station before it is sent or after it is decoded.
func (s Station) Validate() error {
	if err := ValidateStationName(s.Name); err != nil {
		return fmt.Errorf("%w: station: %w", ErrInvalid, err)
	}
	if s.Lot != "" {
		if err := ValidateLotID(s.Lot); err != nil {
			return fmt.Errorf("%w: station lot: %w", ErrInvalid, err)
		}
	}
	return nil
}

// ErrBadName reports a station name or lot ID that Unbind cannot use.
var ErrBadName = errors.New("invalid name")

// MaxStationNameLen bounds a station's name, as a host name label set.
const MaxStationNameLen = 64

// ValidateStationName accepts 1 to MaxStationNameLen letters, digits, '.',
// '_' and '-' (host names), not starting with '.': safe in a URL
// path, a metric label and a log line, and never personal data.
func ValidateStationName(name string) error {
	return validateName("station name", name, MaxStationNameLen)
}

// MaxLotIDLen bounds a lot's ID, which appears in URLs, file names and on
// labels.
const MaxLotIDLen = 40

// ValidateLotID accepts 1 to MaxLotIDLen letters, digits, '-', '_' and
// '.', not starting with '.': safe in a URL path and a file name.
func ValidateLotID(id string) error {
	return validateName("lot ID", id, MaxLotIDLen)
}

func validateName(what, s string, limit int) error {
	if s == "" || len(s) > limit || s[0] == '.' {
		return fmt.Errorf("%w: %s %q: want 1 to %d characters, not starting with '.'", ErrBadName, what, s, limit)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%w: %s %q: only letters, digits, '-', '_' and '.'", ErrBadName, what, s)
		}
	}
	return nil
}
