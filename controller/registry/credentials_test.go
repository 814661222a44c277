package registry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnrollmentTokens(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	require.NoError(t, s.CreateEnrollmentToken(ctx, "h-valid", at(0), at(100)))
	require.NoError(t, s.CreateEnrollmentToken(ctx, "h-expired", at(0), at(10)))
	require.NoError(t, s.CreateEnrollmentToken(ctx, "h-again", at(0), at(100)))
	assert.Error(t, s.CreateEnrollmentToken(ctx, "h-valid", at(0), at(100)), "hashes are unique")
	assert.Error(t, s.CreateEnrollmentToken(ctx, "h-x", at(10), at(0)), "expiry before creation")

	cred := func(id, hash string) Credential { return Credential{DeviceID: id, Username: id, PasswordHash: hash} }
	tests := []struct {
		name  string
		token string
		cred  Credential
		now   time.Time
		ok    bool
	}{
		{"valid", "h-valid", cred("dev1", "p1"), at(50), true},
		{"used", "h-valid", cred("dev2", "p2"), at(51), false},
		{"expired", "h-expired", cred("dev2", "p2"), at(10), false},
		{"unknown", "h-nope", cred("dev2", "p2"), at(1), false},
		{"re-enroll replaces", "h-again", cred("dev1", "p3"), at(60), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Enroll(ctx, tc.token, tc.cred, tc.now)
			if !tc.ok {
				assert.ErrorIs(t, err, ErrTokenRefused)
				_, err := s.CredentialByUsername(ctx, tc.cred.Username)
				assert.ErrorIs(t, err, ErrNotFound, "nothing stored")
				return
			}
			require.NoError(t, err)
			got, err := s.CredentialByUsername(ctx, tc.cred.Username)
			require.NoError(t, err)
			assert.Equal(t, tc.cred.DeviceID, got.DeviceID)
			assert.Equal(t, tc.cred.PasswordHash, got.PasswordHash)
			assert.Equal(t, tc.now, got.CreatedAt)
			assert.True(t, got.RevokedAt.IsZero())
		})
	}
	entries, err := s.Audit(ctx, "dev1", 0)
	require.NoError(t, err)
	require.Len(t, entries, 2)
	assert.Equal(t, AuditEnrolled, entries[0].Action)
}
