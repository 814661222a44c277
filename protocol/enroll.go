package protocol

import (
	"crypto/ed25519"
	"encoding/pem"
	"errors"
)

// Enrollment is the one exchange an agent makes outside MQTT: it trades a
// one-time token for its MQTT credentials and the key commands are signed
// with. Both messages are JSON over the controller's HTTP API (api.PathEnroll).

// EnrollRequest is the agent's request for credentials.
type EnrollRequest struct {
	Token    string `json:"token"`
	DeviceID string `json:"device_id"`
}

// EnrollResponse is the controller's answer to a valid token. The agent keeps
// it, owner-only, as its enrollment.
type EnrollResponse struct {
	DeviceID     string `json:"device_id"`
	MQTTUsername string `json:"mqtt_username"`
	MQTTPassword string `json:"mqtt_password"`
	BrokerURL    string `json:"broker_url"`
	// ControllerPublicKey is the PEM form of the key commands are signed
	// with, block type PublicKeyPEMBlock.
	ControllerPublicKey string `json:"controller_public_key"`
}

// PublicKeyPEMBlock is the PEM block type of the controller's public key, as
// the controller writes it and agents and certificate readers parse it.
const PublicKeyPEMBlock = "UNBIND ED25519 PUBLIC KEY"

// ErrBadPublicKey reports bytes that are not a controller public key in PEM.
var ErrBadPublicKey = errors.New("not an unbind controller public key (PEM)")

// EncodePublicKey returns the PEM form of a controller public key.
func EncodePublicKey(pub ed25519.PublicKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: PublicKeyPEMBlock, Bytes: pub})
}

// ParsePublicKey reads a controller public key in PEM form.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != PublicKeyPEMBlock || len(block.Bytes) != ed25519.PublicKeySize {
		return nil, ErrBadPublicKey
	}
	return ed25519.PublicKey(block.Bytes), nil
}
