package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/unbind/unbind/protocol"
)

// Enrollment is what an agent receives from the controller in exchange for
// a one-time token, and keeps: its MQTT credentials and the key commands
// must be signed with.
type Enrollment struct {
	DeviceID      string
	BrokerURL     string
	Username      string
	Password      string
	ControllerKey ed25519.PublicKey
}

// EnrollRequest is the body of POST /api/v1/enroll.
type EnrollRequest struct {
	Token    string `json:"token"`
	DeviceID string `json:"device_id"`
}

// EnrollResponse is the controller's answer to a valid token.
type EnrollResponse struct {
	DeviceID     string `json:"device_id"`
	MQTTUsername string `json:"mqtt_username"`
	MQTTPassword string `json:"mqtt_password"`
	BrokerURL    string `json:"broker_url"`
	// ControllerPublicKey is PEM, block type publicKeyBlock.
	ControllerPublicKey string `json:"controller_public_key"`
}

// EnrollPath is the controller's enrollment endpoint.
const EnrollPath = "/api/v1/enroll"

var (
	// ErrEnrollRefused: the controller refused the token (unknown, used or
	// expired). Only a new token from `unbind enroll` helps.
	ErrEnrollRefused = errors.New("enrollment refused")
	// ErrNotEnrolled: no enrollment is stored in the state directory.
	ErrNotEnrolled = errors.New("agent not enrolled")
)

// publicKeyBlock is the PEM block type the controller writes its public key
// in (controller/keys); the agent may not import the controller.
const publicKeyBlock = "UNBIND ED25519 PUBLIC KEY"

// ParsePublicKey reads a controller public key in PEM form.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != publicKeyBlock || len(block.Bytes) != ed25519.PublicKeySize {
		return nil, errors.New("not an unbind controller public key (PEM)")
	}
	return ed25519.PublicKey(block.Bytes), nil
}

// maxEnrollResponse bounds the controller's answer; it is a few hundred bytes.
const maxEnrollResponse = 16 << 10

// Enroll exchanges token at the controller's API (base URL, e.g.
// "http://10.0.0.2:8080") for the credentials of deviceID.
func Enroll(ctx context.Context, client *http.Client, controllerURL, token, deviceID string) (Enrollment, error) {
	if err := protocol.ValidateDeviceID(deviceID); err != nil {
		return Enrollment{}, fmt.Errorf("enroll %q: %w", deviceID, err)
	}
	if client == nil {
		client = http.DefaultClient
	}
	body, err := json.Marshal(EnrollRequest{Token: token, DeviceID: deviceID})
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll %s: %w", deviceID, err)
	}
	url := strings.TrimRight(controllerURL, "/") + EnrollPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll %s at %s: %w", deviceID, controllerURL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll %s at %s: %w", deviceID, controllerURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxEnrollResponse))
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll %s at %s: read answer: %w", deviceID, controllerURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		msg := resp.Status
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		if resp.StatusCode == http.StatusUnauthorized {
			return Enrollment{}, fmt.Errorf("enroll %s: %w: %s", deviceID, ErrEnrollRefused, msg)
		}
		return Enrollment{}, fmt.Errorf("enroll %s at %s: %s", deviceID, controllerURL, msg)
	}
	var r EnrollResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return Enrollment{}, fmt.Errorf("enroll %s at %s: answer: %w", deviceID, controllerURL, err)
	}
	e, err := r.enrollment()
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll %s at %s: answer: %w", deviceID, controllerURL, err)
	}
	if e.DeviceID != deviceID {
		return Enrollment{}, fmt.Errorf("enroll %s at %s: answer is for device %q", deviceID, controllerURL, e.DeviceID)
	}
	return e, nil
}

func (r EnrollResponse) enrollment() (Enrollment, error) {
	key, err := ParsePublicKey([]byte(r.ControllerPublicKey))
	if err != nil {
		return Enrollment{}, err
	}
	if r.MQTTUsername == "" || r.MQTTPassword == "" {
		return Enrollment{}, errors.New("no MQTT credentials")
	}
	return Enrollment{DeviceID: r.DeviceID, BrokerURL: r.BrokerURL, Username: r.MQTTUsername,
		Password: r.MQTTPassword, ControllerKey: key}, nil
}

// enrollmentFile holds an Enrollment in the state directory, owner-only: the
// password is a secret.
const enrollmentFile = "enrollment.json"

// SaveEnrollment writes e to dir, readable by its owner only.
func SaveEnrollment(dir string, e Enrollment) error {
	pemKey := pem.EncodeToMemory(&pem.Block{Type: publicKeyBlock, Bytes: e.ControllerKey})
	b, err := json.MarshalIndent(EnrollResponse{
		DeviceID: e.DeviceID, MQTTUsername: e.Username, MQTTPassword: e.Password,
		BrokerURL: e.BrokerURL, ControllerPublicKey: string(pemKey),
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("save enrollment of %s: %w", e.DeviceID, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, enrollmentFile), b, 0o600); err != nil {
		return fmt.Errorf("save enrollment of %s: %w", e.DeviceID, err)
	}
	return nil
}

// LoadEnrollment reads what SaveEnrollment wrote; ErrNotEnrolled if nothing.
func LoadEnrollment(dir string) (Enrollment, error) {
	path := filepath.Join(dir, enrollmentFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Enrollment{}, fmt.Errorf("%w: no %s", ErrNotEnrolled, path)
	}
	if err != nil {
		return Enrollment{}, fmt.Errorf("read enrollment: %w", err)
	}
	var r EnrollResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return Enrollment{}, fmt.Errorf("read enrollment %s: %w", path, err)
	}
	e, err := r.enrollment()
	if err != nil {
		return Enrollment{}, fmt.Errorf("read enrollment %s: %w", path, err)
	}
	return e, nil
}

// androidStateDir is writable by the shell user the agent runs as on a phone.
const androidStateDir = "/data/local/tmp/unbind"

// DefaultStateDir is where the agent keeps its enrollment and its record of
// commands: on a phone /data/local/tmp/unbind, elsewhere the user's config
// directory. An agent on a bench PC serving a phone over adb keeps one
// directory per phone, named by serial.
func DefaultStateDir(adbSerial string) (string, error) {
	base := androidStateDir
	if !onAndroid() {
		cfg, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("state directory: %w", err)
		}
		base = filepath.Join(cfg, "unbind-agent")
	}
	if adbSerial == "" {
		return base, nil
	}
	if err := protocol.ValidateDeviceID(adbSerial); err != nil {
		return "", fmt.Errorf("state directory for %q: %w", adbSerial, err)
	}
	// adb's host:port serials hold a ':' that some file systems refuse.
	return filepath.Join(base, strings.ReplaceAll(adbSerial, ":", "_")), nil
}

// onAndroid also recognises a linux/arm build running on an older phone.
func onAndroid() bool {
	if runtime.GOOS == "android" {
		return true
	}
	_, err := os.Stat("/system/build.prop")
	return err == nil
}
