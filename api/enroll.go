package api

// Enrollment is the one exchange an agent makes outside MQTT: it trades a
// one-time token for its MQTT credentials and the key commands are signed
// with. Both messages are JSON bodies of POST PathEnroll.

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
	// with, block type protocol.PublicKeyPEMBlock.
	ControllerPublicKey string `json:"controller_public_key"`
}
