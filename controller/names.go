package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// reservedNames are what the audit trail and the logs call the system
// itself: no account may take them.
var reservedNames = []string{"controller", "system", "unbind", "agent", "operator", "monitor", "anonymous", "unknown"}

// confusableScripts look alike letter for letter (Latin a, Cyrillic а,
// Greek α): one name may use letters of one of them only.
var confusableScripts = []string{"Latin", "Cyrillic", "Greek"}

// ValidateAccountName checks the name of an operator or monitor account,
// which the audit trail, the console and the CLI's tables show as who did
// something, so that no name can pass for another or forge a column:
//   - what ValidateName checks (printable, at most MaxNameLen);
//   - letters (precomposed: "Å", not "A" and a combining ring), ASCII
//     digits, and . - _ @ ' only: no ":" (audit actors are "agent:ID",
//     "operator:NAME"), no symbols, no fullwidth forms (ａ), no
//     mathematical letters (𝐚);
//   - spaces only single and between words: two in a row read as a column
//     break;
//   - letters of one of Latin, Cyrillic and Greek, not a mix
//     ("local-admіn" with a Cyrillic і);
//   - not a reserved name (controller, system, …) in any case.
//
// Look-alikes that differ only by case are refused by AddOperator against
// the accounts that exist.
func ValidateAccountName(what, name string) error {
	if err := ValidateName(what, name); err != nil {
		return err
	}
	if name[0] == ' ' || name[len(name)-1] == ' ' || strings.Contains(name, "  ") {
		return fmt.Errorf("%w: %s %q has a space at an end or two in a row", ErrBadName, what, name)
	}
	var seen []string
	for _, r := range name {
		switch {
		case r == ' ' || r >= '0' && r <= '9' || strings.ContainsRune(".-_@'", r):
		case r >= 0xFF00 && r <= 0xFFEF:
			return fmt.Errorf("%w: %s %q holds the fullwidth or halfwidth form %q: type it plainly", ErrBadName, what, name, r)
		case unicode.IsLetter(r):
			script := scriptOf(r)
			if script == "" {
				return fmt.Errorf("%w: %s %q holds %q (%U), a letter of no script: use plain letters", ErrBadName, what, name, r, r)
			}
			for _, s := range confusableScripts {
				if s == script && !slices.Contains(seen, s) {
					seen = append(seen, s)
				}
			}
		case unicode.Is(unicode.M, r):
			return fmt.Errorf("%w: %s %q holds a combining mark (%U): type the accented letter itself", ErrBadName, what, name, r)
		default:
			return fmt.Errorf("%w: %s %q holds %q: names are letters, digits, single spaces and . - _ @ '", ErrBadName, what, name, r)
		}
	}
	if len(seen) > 1 {
		return fmt.Errorf("%w: %s %q mixes %s letters, which look alike: use one alphabet", ErrBadName, what, name, strings.Join(seen, " and "))
	}
	for _, reserved := range reservedNames {
		if strings.EqualFold(name, reserved) {
			return fmt.Errorf("%w: %s %q is reserved for the system itself", ErrBadName, what, name)
		}
	}
	return nil
}

// scriptOf names the script of a letter, or "" for Common and Inherited
// (mathematical letters, symbols that count as letters).
func scriptOf(r rune) string {
	for name, table := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
			return name
		}
	}
	return ""
}

// lookalikeOf is the key under which two account names read the same to a
// person: case folded.
func lookalikeOf(name string) string { return strings.ToLower(name) }

// checkNoLookalike refuses a new operator name that reads as an active
// account's other than itself ("Local-Admin" beside "local-admin").
func (c *Controller) checkNoLookalike(ctx context.Context, name string) error {
	ops, err := c.reg.Operators(ctx)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if op.RevokedAt.IsZero() && op.Name != name && lookalikeOf(op.Name) == lookalikeOf(name) {
			return fmt.Errorf("operator %q looks like the existing %q: %w", name, op.Name, ErrOperatorExists)
		}
	}
	return nil
}
