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
	"strings"
	"time"

	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// DefaultEnrollmentTTL is how long a token stays valid when no TTL is given.
const DefaultEnrollmentTTL = 24 * time.Hour

// ErrEnrollRefused is returned for a token that is unknown, used or expired.
var ErrEnrollRefused = errors.New("enrollment refused: the token is unknown, already used or expired")

// EnrollmentToken is a one-time token, shown once: only its hash is stored.
type EnrollmentToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewEnrollmentToken mints a one-time enrollment token valid for ttl
// (DefaultEnrollmentTTL when ttl <= 0).
func (c *Controller) NewEnrollmentToken(ctx context.Context, ttl time.Duration) (EnrollmentToken, error) {
	if ttl <= 0 {
		ttl = DefaultEnrollmentTTL
	}
	now := c.cfg.Now().UTC()
	t := EnrollmentToken{Token: randomSecret(), ExpiresAt: now.Add(ttl)}
	if err := c.reg.CreateEnrollmentToken(ctx, hashSecret(t.Token), now, t.ExpiresAt); err != nil {
		return EnrollmentToken{}, err
	}
	return t, nil
}

// Enroll spends token on deviceID and issues the device's MQTT credentials,
// replacing any it had. The password is returned here and never again.
func (c *Controller) Enroll(ctx context.Context, token, deviceID string) (protocol.EnrollResponse, error) {
	if err := protocol.ValidateDeviceID(deviceID); err != nil {
		return protocol.EnrollResponse{}, fmt.Errorf("enroll %q: %w", deviceID, err)
	}
	password := randomSecret()
	cred := registry.Credential{DeviceID: deviceID, Username: deviceID, PasswordHash: hashSecret(password)}
	err := c.reg.Enroll(ctx, hashSecret(token), cred, c.cfg.Now().UTC())
	if errors.Is(err, registry.ErrTokenRefused) {
		return protocol.EnrollResponse{}, fmt.Errorf("enroll %s: %w", deviceID, ErrEnrollRefused)
	}
	if err != nil {
		return protocol.EnrollResponse{}, err
	}
	c.log.Info("device enrolled", "device", deviceID)
	return protocol.EnrollResponse{
		DeviceID: deviceID, MQTTUsername: cred.Username, MQTTPassword: password,
		BrokerURL: c.BrokerURL(), ControllerPublicKey: string(keys.EncodePublic(c.PublicKey())),
	}, nil
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

// controllerUsername cannot collide with a device's username (its device
// ID), because device IDs never contain '/'.
const controllerUsername = "unbind/controller"

// brokerCredentials answers the embedded broker's DeviceAuth: the
// controller's own session by an in-memory secret made at start, devices
// by the hashes in the registry.
type brokerCredentials struct {
	c            *Controller
	passwordHash string
}

func (b *brokerCredentials) Identify(username string, password []byte) (broker.Identity, bool) {
	if username == controllerUsername {
		return broker.Identity{Controller: true}, secretMatches(password, b.passwordHash)
	}
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
