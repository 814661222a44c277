package controller

import (
	"context"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/unbind/unbind/controller/registry"
)

// Role is what an operator account may do on the HTTP API. Each role may do
// everything the roles before it may.
type Role string

const (
	// RoleViewer reads the registry, the audit trail and certificates.
	RoleViewer Role = "viewer"
	// RoleOperator also enrolls phones, starts and cancels releases and
	// commands, and issues certificates.
	RoleOperator Role = "operator"
	// RoleAdmin also manages operators, monitor logins and credentials.
	RoleAdmin Role = "admin"
)

var roleRank = map[Role]int{RoleViewer: 1, RoleOperator: 2, RoleAdmin: 3}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	if _, ok := roleRank[Role(s)]; !ok {
		return "", fmt.Errorf("%w %q: the roles are viewer, operator and admin", ErrBadRole, s)
	}
	return Role(s), nil
}

// Allows reports whether r may do what need may.
func (r Role) Allows(need Role) bool {
	have, ok := roleRank[r]
	return ok && have >= roleRank[need]
}

// Operator is an authenticated caller of the API.
type Operator struct {
	Name string
	Role Role
}

// Actor is how the audit trail names the operator.
func (o Operator) Actor() string { return registry.OperatorActor(o.Name) }

// Errors of operator accounts.
var (
	// ErrBadToken: the API token is unknown or its account was revoked.
	// The two are not told apart.
	ErrBadToken = errors.New("API token unknown or revoked")
	// ErrBadName: a name or note is empty, too long or not printable.
	ErrBadName = errors.New("invalid name")
	// ErrBadRole: a role that is not viewer, operator or admin.
	ErrBadRole = errors.New("invalid role")
	// ErrOperatorExists: an active account already has this name.
	ErrOperatorExists = errors.New("an operator of that name exists")
	// ErrUnknownOperator: no active account has this name.
	ErrUnknownOperator = errors.New("no such operator")
)

// MaxNameLen bounds operator and monitor names, in characters.
const MaxNameLen = 64

// MaxNoteLen bounds an operator's note, in characters.
const MaxNoteLen = 256

// ValidateName accepts 1 to MaxNameLen printable characters (letters,
// digits, marks, punctuation, symbols and the ASCII space): no control
// characters, so a stored name cannot forge or garble a line when printed.
// what names the field in the error.
func ValidateName(what, name string) error {
	if name == "" {
		return fmt.Errorf("%w: %s is empty", ErrBadName, what)
	}
	return validateText(what, name, MaxNameLen)
}

// ValidateNote accepts an empty note or up to MaxNoteLen printable
// characters.
func ValidateNote(note string) error {
	if note == "" {
		return nil
	}
	return validateText("note", note, MaxNoteLen)
}

func validateText(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not UTF-8", ErrBadName, what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%w: %s has %d characters, at most %d", ErrBadName, what, n, max)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: %s holds the unprintable character %U", ErrBadName, what, r)
		}
	}
	return nil
}

// Authenticate returns the active operator whose API token this is.
func (c *Controller) Authenticate(ctx context.Context, token string) (Operator, error) {
	if token == "" {
		return Operator{}, ErrBadToken
	}
	op, err := c.reg.OperatorByTokenHash(ctx, hashSecret(token))
	if errors.Is(err, registry.ErrNotFound) {
		return Operator{}, ErrBadToken
	}
	if err != nil {
		return Operator{}, err
	}
	// The lookup found the row by hash; compare once more in constant time
	// so that the decision itself does not depend on where bytes differ.
	if !secretMatches([]byte(token), op.TokenHash) || !op.RevokedAt.IsZero() {
		return Operator{}, ErrBadToken
	}
	return Operator{Name: op.Name, Role: Role(op.Role)}, nil
}

// AddOperator creates the account name with role and returns its API token,
// shown this once: only its hash is kept. An active account of that name is
// ErrOperatorExists unless replace is set (then it gets a new token and
// role). actor and note go to the audit trail.
func (c *Controller) AddOperator(ctx context.Context, name string, role Role, replace bool, actor, note string) (string, error) {
	if err := ValidateAccountName("operator name", name); err != nil {
		return "", err
	}
	if err := c.checkNoLookalike(ctx, name); err != nil {
		return "", err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", err
	}
	if err := ValidateNote(note); err != nil {
		return "", err
	}
	token := randomSecret()
	err := c.reg.AddOperator(ctx, registry.Operator{
		Name: name, Role: string(role), TokenHash: hashSecret(token), CreatedAt: c.cfg.Now().UTC(),
	}, replace, actor, note)
	if errors.Is(err, registry.ErrExists) {
		return "", fmt.Errorf("operator %q: %w", name, ErrOperatorExists)
	}
	if err != nil {
		return "", err
	}
	if replace {
		c.events.dropOperator(name) // its streams were opened with the old token
	}
	c.log.Info("operator added", "role", role)
	return token, nil
}

// RevokeOperator ends the account name: its token stops working at once.
func (c *Controller) RevokeOperator(ctx context.Context, name, actor, note string) error {
	if err := ValidateNote(note); err != nil {
		return err
	}
	err := c.reg.RevokeOperator(ctx, name, c.cfg.Now().UTC(), actor, note)
	if errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("operator %q: %w", name, ErrUnknownOperator)
	}
	if err == nil {
		c.events.dropOperator(name)
		c.log.Info("operator revoked")
	}
	return err
}

// Operators lists every account, revoked ones included.
func (c *Controller) Operators(ctx context.Context) ([]registry.Operator, error) {
	return c.reg.Operators(ctx)
}
