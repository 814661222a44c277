package controller

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/unbind/unbind/api"
	"strings"
	"time"

	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// DefaultEnrollmentTTL is how long a token stays valid when no TTL is given.
const DefaultEnrollmentTTL = 24 * time.Hour

// MaxEnrollmentTTL caps a token's lifetime: a token is a key to the fleet,
// and one forgotten in a drawer should not work for ever.
const MaxEnrollmentTTL = 30 * 24 * time.Hour

// Errors of enrollment that callers branch on.
var (
	// ErrEnrollRefused is returned for a token that is unknown, used,
	// expired, or minted for another device ID.
	ErrEnrollRefused = errors.New("enrollment refused: the token is unknown, already used or expired")
	// ErrIdentityTaken: the device ID is already enrolled and the token was
	// not minted to replace its credentials (`unbind enroll --replace ID`).
	ErrIdentityTaken = errors.New("device ID already enrolled: only a token minted with `unbind enroll --replace ID` may replace its credentials")
	// ErrEnrollThrottled: too many failed enrollments came from this address.
	ErrEnrollThrottled = errors.New("too many failed enrollments from this address; try again later")
	// ErrBadTokenRequest: the token asked for cannot be minted (TTL out of
	// range, a replacement without a device, an invalid device ID).
	ErrBadTokenRequest = errors.New("bad enrollment token request")
)

// EnrollmentToken is a one-time token, shown once: only its hash is stored.
type EnrollmentToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// TokenOptions says what a new enrollment token may do.
type TokenOptions struct {
	// TTL is the token's lifetime: 0 means DefaultEnrollmentTTL; above
	// MaxEnrollmentTTL is refused.
	TTL time.Duration
	// DeviceID, when set, is the only ID the token enrolls.
	DeviceID string
	// Replace lets the token replace DeviceID's existing credentials.
	Replace bool
	// Actor is the audit actor asking; "" means the controller.
	Actor string
	// Note is kept with the token and the enrollment it makes.
	Note string
}

// NewEnrollmentToken mints a one-time token that enrolls one new device ID,
// valid for ttl (DefaultEnrollmentTTL when ttl <= 0).
func (c *Controller) NewEnrollmentToken(ctx context.Context, ttl time.Duration) (EnrollmentToken, error) {
	return c.MintEnrollmentToken(ctx, TokenOptions{TTL: ttl})
}

// MintEnrollmentToken mints a one-time enrollment token as opts says. A
// token for a given ID that is already enrolled is refused with
// ErrIdentityTaken unless opts.Replace is set.
func (c *Controller) MintEnrollmentToken(ctx context.Context, opts TokenOptions) (EnrollmentToken, error) {
	ttl := opts.TTL
	switch {
	case ttl < 0:
		return EnrollmentToken{}, fmt.Errorf("%w: ttl %s is negative", ErrBadTokenRequest, ttl)
	case ttl == 0:
		ttl = DefaultEnrollmentTTL
	case ttl > MaxEnrollmentTTL:
		return EnrollmentToken{}, fmt.Errorf("%w: ttl %s is above the maximum of %s (30 days)", ErrBadTokenRequest, ttl, MaxEnrollmentTTL)
	}
	if opts.Replace && opts.DeviceID == "" {
		return EnrollmentToken{}, fmt.Errorf("%w: a replacement token needs the device ID it replaces", ErrBadTokenRequest)
	}
	if opts.DeviceID != "" {
		if err := protocol.ValidateDeviceID(opts.DeviceID); err != nil {
			return EnrollmentToken{}, fmt.Errorf("%w: device %q: %w", ErrBadTokenRequest, opts.DeviceID, err)
		}
		switch other, err := c.reg.CaseVariant(ctx, opts.DeviceID); {
		case err != nil:
			return EnrollmentToken{}, fmt.Errorf("token for %s: %w", opts.DeviceID, err)
		case other != "":
			return EnrollmentToken{}, fmt.Errorf("token for %s: %w (%s is enrolled: IDs differing only in letter case name one phone)", opts.DeviceID, ErrIdentityTaken, other)
		}
		if !opts.Replace {
			_, err := c.reg.CredentialByUsername(ctx, opts.DeviceID)
			if err == nil {
				return EnrollmentToken{}, fmt.Errorf("token for %s: %w", opts.DeviceID, ErrIdentityTaken)
			}
			if !errors.Is(err, registry.ErrNotFound) {
				return EnrollmentToken{}, fmt.Errorf("token for %s: %w", opts.DeviceID, err)
			}
		}
	}
	now := c.cfg.Now().UTC()
	t := EnrollmentToken{Token: randomSecret(), ExpiresAt: now.Add(ttl)}
	spec := registry.TokenSpec{ForDevice: opts.DeviceID, Replaces: opts.Replace, MintedBy: opts.Actor, Note: opts.Note}
	if err := c.reg.CreateEnrollmentToken(ctx, hashSecret(t.Token), now, t.ExpiresAt, spec); err != nil {
		return EnrollmentToken{}, err
	}
	return t, nil
}

// Enroll spends token on deviceID and issues the device's MQTT credentials.
// The password is returned here and never again. It is EnrollFrom for a
// caller inside this process, which no rate limit applies to.
func (c *Controller) Enroll(ctx context.Context, token, deviceID string) (api.EnrollResponse, error) {
	return c.EnrollFrom(ctx, "", token, deviceID)
}

// EnrollFrom is Enroll for a request from the network address remote.
// Failures are counted, logged without the token, and limited per address.
// Past the limit, an attempt from that address goes through only if its
// token is usable (one indexed read); any other is refused with
// ErrEnrollThrottled, without taking the registry's writer or a log line.
// So a bench behind one NAT address, where one phone keeps retrying a stale
// token, still enrolls every phone that has a good one; guessing is no
// concern with 256-bit tokens, the limit bounds what failures cost.
// Replacing an enrolled device's credentials (a token minted with Replace)
// ends the sessions of the old ones at once.
func (c *Controller) EnrollFrom(ctx context.Context, remote, token, deviceID string) (api.EnrollResponse, error) {
	if !c.enrollGuard.allowed(remote) {
		usable, err := c.reg.EnrollmentTokenUsable(ctx, hashSecret(token), c.cfg.Now().UTC())
		if err != nil {
			return api.EnrollResponse{}, fmt.Errorf("enroll %q: %w", deviceID, err)
		}
		if !usable {
			c.stats.enrollThrottled.Add(1)
			return api.EnrollResponse{}, fmt.Errorf("enroll %q: %w", deviceID, ErrEnrollThrottled)
		}
	}
	r, err := c.enroll(ctx, token, deviceID)
	if err != nil && !errors.Is(err, ctx.Err()) {
		c.stats.enrollFailed.Add(1)
		if c.enrollGuard.failed(remote) {
			// The device ID is what the caller claimed; the token never appears.
			c.log.Warn("enrollment refused", "remote", remote, "device", deviceID, "err", err)
		}
	}
	return r, err
}

func (c *Controller) enroll(ctx context.Context, token, deviceID string) (api.EnrollResponse, error) {
	if err := protocol.ValidateDeviceID(deviceID); err != nil {
		return api.EnrollResponse{}, fmt.Errorf("enroll %q: %w", deviceID, err)
	}
	password := randomSecret()
	brokerHash, err := broker.MosquittoHash(password)
	if err != nil {
		return api.EnrollResponse{}, fmt.Errorf("enroll %s: %w", deviceID, err)
	}
	cred := registry.Credential{DeviceID: deviceID, Username: deviceID, PasswordHash: hashSecret(password), BrokerHash: brokerHash}
	replaced, err := c.reg.Enroll(ctx, hashSecret(token), cred, c.cfg.Now().UTC())
	switch {
	case errors.Is(err, registry.ErrTokenRefused):
		return api.EnrollResponse{}, fmt.Errorf("enroll %s: %w", deviceID, ErrEnrollRefused)
	case errors.Is(err, registry.ErrIdentityTaken):
		return api.EnrollResponse{}, fmt.Errorf("enroll %s: %w", deviceID, ErrIdentityTaken)
	case err != nil:
		return api.EnrollResponse{}, err
	}
	if replaced {
		n := c.endSessions(cred.Username)
		c.log.Warn("device credentials replaced", "device", deviceID, "sessions_ended", n)
	} else {
		c.log.Info("device enrolled", "device", deviceID)
	}
	if err := c.loginsChanged(ctx); err != nil {
		// The credentials are issued and the token spent: hand them out;
		// the broker learns them with the next write that succeeds.
		c.log.Error("enrolled device not yet known to the external broker", "device", deviceID, "err", err)
	}
	return api.EnrollResponse{
		DeviceID: deviceID, MQTTUsername: cred.Username, MQTTPassword: password,
		BrokerURL: c.advertisedBrokerURL(), ControllerPublicKey: string(protocol.EncodePublicKey(c.PublicKey())),
	}, nil
}

// endSessions disconnects the embedded broker's sessions of username. An
// external broker whose files the controller keeps ends them itself when
// it reloads (loginsChanged); any other is told nothing.
func (c *Controller) endSessions(username string) int {
	if c.broker == nil && c.brokerFiles != nil {
		return 0
	}
	if c.broker == nil {
		c.log.Warn("credentials changed on an external broker: its open sessions are not ended by unbind")
		return 0
	}
	return c.broker.Disconnect(username)
}

// RevokeDevice revokes the device's MQTT credentials and ends its open
// sessions; the agent cannot connect again until re-enrolled with a token
// minted by `unbind enroll --replace ID`. registry.ErrNotFound means the ID
// was never enrolled.
func (c *Controller) RevokeDevice(ctx context.Context, deviceID, actor string) error {
	if err := protocol.ValidateDeviceID(deviceID); err != nil {
		return fmt.Errorf("revoke %q: %w", deviceID, err)
	}
	return c.revoke(ctx, deviceID, actor)
}

// RevokeMonitor revokes the monitor login called name and ends its sessions.
func (c *Controller) RevokeMonitor(ctx context.Context, name, actor string) error {
	return c.revoke(ctx, registry.MonitorPrefix+name, actor)
}

func (c *Controller) revoke(ctx context.Context, id, actor string) error {
	if actor == "" {
		actor = registry.ActorController
	}
	user, err := c.reg.RevokeCredential(ctx, id, actor, c.cfg.Now().UTC())
	if err != nil {
		return err
	}
	n := c.endSessions(user)
	c.log.Info("credentials revoked", "sessions_ended", n)
	return c.loginsChanged(ctx)
}

// loginsChanged brings an external Mosquitto's files up to date with the
// registry and waits until Mosquitto was told to reload them. A controller
// of a share group that does not write them tells the group, and the one
// that does writes them on that word (within a poll of the change feed):
// an enrollment or a revocation through it reaches Mosquitto too. Alone
// and without such files it does nothing.
func (c *Controller) loginsChanged(ctx context.Context) error {
	if c.brokerFiles == nil {
		c.announce(changeLogins, map[string]struct{}{c.instance(): {}})
		return nil
	}
	return c.brokerFiles.wait(ctx, c.brokerFiles.changed())
}

// randomSecret is 256 bits of randomness, URL-safe so it survives a shell
// command line or a QR code unquoted.
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashSecret is how tokens and passwords are stored. A fast hash is enough:
// the secrets are 256 random bits, so there is no dictionary to try.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// secretMatches compares a presented secret with a stored hash in constant time.
func secretMatches(presented []byte, storedHash string) bool {
	sum := sha256.Sum256(presented)
	want, err := hex.DecodeString(storedHash)
	return err == nil && subtle.ConstantTimeCompare(sum[:], want) == 1
}

// brokerCredentials answers the embedded broker's DeviceAuth from the
// registry's credentials: devices and monitors. The controller has no
// login there.
type brokerCredentials struct {
	c *Controller
}

func (b *brokerCredentials) Identify(username string, password []byte) (broker.Identity, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cred, err := b.c.reg.CredentialByUsername(ctx, username)
	if err != nil {
		if !errors.Is(err, registry.ErrNotFound) {
			b.c.log.Warn("mqtt credential lookup failed", "err", err)
		}
		return broker.Identity{}, false
	}
	if !cred.RevokedAt.IsZero() || !secretMatches(password, cred.PasswordHash) {
		return broker.Identity{}, false
	}
	if isMonitor(cred) {
		return broker.Identity{Monitor: true, Name: strings.TrimPrefix(cred.DeviceID, registry.MonitorPrefix)}, true
	}
	return broker.Identity{DeviceID: cred.DeviceID}, true
}
