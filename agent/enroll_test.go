package agent

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"github.com/unbind/unbind/api"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestEnrollAnswers(t *testing.T) {
	pub, _ := keyPair(0)
	goodPEM := string(protocol.EncodePublicKey(pub))
	legacyPEM := string(pem.EncodeToMemory(&pem.Block{Type: protocol.LegacyPublicKeyPEMBlock, Bytes: pub}))
	good := api.EnrollResponse{DeviceID: "me", MQTTUsername: "me", MQTTPassword: "pw", BrokerURL: "tcp://h:1883", ControllerPublicKey: goodPEM}
	tests := []struct {
		name    string
		status  int
		body    any
		wantErr string
		refused bool
	}{
		{name: "ok", status: 200, body: good},
		{name: "legacy key block", status: 200, body: func() api.EnrollResponse { r := good; r.ControllerPublicKey = legacyPEM; return r }()},
		{name: "refused", status: 401, body: map[string]string{"error": "token used"}, wantErr: "token used", refused: true},
		{name: "refused once", status: 401, body: map[string]string{"error": "enrollment refused: the token is unknown"}, wantErr: "enroll me: enrollment refused: the token is unknown", refused: true},
		{name: "server error", status: 500, body: map[string]string{"error": "disk full"}, wantErr: "disk full"},
		{name: "other device", status: 200, body: func() api.EnrollResponse { r := good; r.DeviceID = "them"; return r }(), wantErr: "for device"},
		{name: "bad key", status: 200, body: func() api.EnrollResponse { r := good; r.ControllerPublicKey = "x"; return r }(), wantErr: "public key"},
		{name: "no password", status: 200, body: func() api.EnrollResponse { r := good; r.MQTTPassword = ""; return r }(), wantErr: "credentials"},
		{name: "not json", status: 200, body: "<html>", wantErr: "answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var req api.EnrollRequest
				assert.NoError(t, json.NewDecoder(r.Body).Decode(&req))
				assert.Equal(t, api.EnrollRequest{Token: "tok", DeviceID: "me"}, req)
				w.WriteHeader(tc.status)
				if s, ok := tc.body.(string); ok {
					_, _ = w.Write([]byte(s))
					return
				}
				_ = json.NewEncoder(w).Encode(tc.body)
			}))
			defer srv.Close()
			e, err := Enroll(context.Background(), srv.Client(), srv.URL+"/", "tok", "me")
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				assert.Equal(t, tc.refused, err != nil && errors.Is(err, ErrEnrollRefused))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, Enrollment{DeviceID: "me", BrokerURL: "tcp://h:1883", Username: "me", Password: "pw", ControllerKey: pub}, e)
		})
	}
}

func TestEnrollmentFile(t *testing.T) {
	pub, _ := keyPair(0)
	dir := filepath.Join(t.TempDir(), "state")
	_, err := LoadEnrollment(dir)
	assert.ErrorIs(t, err, ErrNotEnrolled)

	e := Enrollment{DeviceID: "me", BrokerURL: "tcp://h:1883", Username: "me", Password: "secret", ControllerKey: pub}
	require.NoError(t, SaveEnrollment(dir, e))
	info, err := os.Stat(filepath.Join(dir, enrollmentFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the password is a secret")
	got, err := LoadEnrollment(dir)
	require.NoError(t, err)
	assert.Equal(t, e, got)

	require.NoError(t, os.WriteFile(filepath.Join(dir, enrollmentFile), []byte("{"), 0o600))
	_, err = LoadEnrollment(dir)
	assert.Error(t, err)
}

func TestDefaultStateDir(t *testing.T) {
	base, err := DefaultStateDir("")
	require.NoError(t, err)
	perPhone, err := DefaultStateDir("10.0.0.5:5555")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(base, "10.0.0.5_5555"), perPhone)
	_, err = DefaultStateDir("../etc")
	assert.Error(t, err)
}
