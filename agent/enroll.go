package agent

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/unbind/unbind/api"
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

var (
	// ErrEnrollRefused: the controller refused the token (unknown, used or
	// expired). Only a new token from `unbind enroll` helps.
	ErrEnrollRefused = errors.New("enrollment refused")
	// ErrNotEnrolled: no enrollment is stored in the state directory.
	ErrNotEnrolled = errors.New("agent not enrolled")
)

// Enroll exchanges token at the controller's API (base URL, e.g.
// "http://10.0.0.2:8080") for the credentials of deviceID, through the api
// client; client nil means api's default.
func Enroll(ctx context.Context, client *http.Client, controllerURL, token, deviceID string) (Enrollment, error) {
	if err := protocol.ValidateDeviceID(deviceID); err != nil {
		return Enrollment{}, fmt.Errorf("enroll %q: %w", deviceID, err)
	}
	r, err := api.NewClient(controllerURL, client).Enroll(ctx, token, deviceID)
	var apiErr *api.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized:
		// The controller's answer may already start "enrollment refused".
		why := strings.TrimPrefix(apiErr.Error(), ErrEnrollRefused.Error()+": ")
		return Enrollment{}, fmt.Errorf("enroll %s: %w: %s", deviceID, ErrEnrollRefused, why)
	case errors.As(err, &apiErr):
		return Enrollment{}, fmt.Errorf("enroll %s at %s: %s", deviceID, controllerURL, apiErr.Error())
	case errors.Is(err, api.ErrUnreachable) || errors.Is(err, api.ErrBadURL):
		return Enrollment{}, fmt.Errorf("enroll %s at %s: %w", deviceID, controllerURL, err)
	case err != nil:
		return Enrollment{}, fmt.Errorf("enroll %s at %s: answer: %w", deviceID, controllerURL, err)
	}
	e, err := EnrollmentOf(r)
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll %s at %s: answer: %w", deviceID, controllerURL, err)
	}
	if e.DeviceID != deviceID {
		return Enrollment{}, fmt.Errorf("enroll %s at %s: answer is for device %q", deviceID, controllerURL, e.DeviceID)
	}
	return e, nil
}

// EnrollmentOf is the enrollment a controller's answer grants: the
// controller's key parsed, and MQTT credentials required.
func EnrollmentOf(r api.EnrollResponse) (Enrollment, error) {
	key, err := protocol.ParsePublicKey([]byte(r.ControllerPublicKey))
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
	pemKey := protocol.EncodePublicKey(e.ControllerKey)
	b, err := json.MarshalIndent(api.EnrollResponse{
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
	var r api.EnrollResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return Enrollment{}, fmt.Errorf("read enrollment %s: %w", path, err)
	}
	e, err := EnrollmentOf(r)
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
