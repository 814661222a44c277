package registry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnrollmentTokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		alice := TokenSpec{MintedBy: OperatorActor("alice")}
		require.NoError(t, s.CreateEnrollmentToken(ctx, "h-valid", at(0), at(100), alice))
		require.NoError(t, s.CreateEnrollmentToken(ctx, "h-expired", at(0), at(10), TokenSpec{}))
		require.NoError(t, s.CreateEnrollmentToken(ctx, "h-fresh", at(0), at(100), TokenSpec{}))
		require.NoError(t, s.CreateEnrollmentToken(ctx, "h-for-dev3", at(0), at(100), TokenSpec{ForDevice: "dev3"}))
		require.NoError(t, s.CreateEnrollmentToken(ctx, "h-for-dev1", at(0), at(100), TokenSpec{ForDevice: "dev1"}))
		require.NoError(t, s.CreateEnrollmentToken(ctx, "h-replace-dev1", at(0), at(100),
			TokenSpec{ForDevice: "dev1", Replaces: true, MintedBy: OperatorActor("bob"), Note: "new board"}))
		assert.Error(t, s.CreateEnrollmentToken(ctx, "h-valid", at(0), at(100), TokenSpec{}), "hashes are unique")
		assert.Error(t, s.CreateEnrollmentToken(ctx, "h-x", at(10), at(0), TokenSpec{}), "expiry before creation")
		assert.Error(t, s.CreateEnrollmentToken(ctx, "h-y", at(0), at(10), TokenSpec{Replaces: true}), "a replacement names its device")

		cred := func(id, hash string) Credential { return Credential{DeviceID: id, Username: id, PasswordHash: hash} }
		tests := []struct {
			name     string
			token    string
			cred     Credential
			now      time.Time
			wantErr  error
			replaced bool
			stored   string // password hash stored afterwards; "" means none
		}{
			{"valid", "h-valid", cred("dev1", "p1"), at(50), nil, false, "p1"},
			{"used", "h-valid", cred("dev2", "p2"), at(51), ErrTokenRefused, false, ""},
			{"expired", "h-expired", cred("dev2", "p2"), at(10), ErrTokenRefused, false, ""},
			{"unknown", "h-nope", cred("dev2", "p2"), at(1), ErrTokenRefused, false, ""},
			{"fresh token cannot take over", "h-fresh", cred("dev1", "p-evil"), at(52), ErrIdentityTaken, false, "p1"},
			{"token for dev3 enrolls no other", "h-for-dev3", cred("dev2", "p2"), at(53), ErrTokenRefused, false, ""},
			{"token for a new dev1 cannot take it over", "h-for-dev1", cred("dev1", "p-evil"), at(54), ErrIdentityTaken, false, "p1"},
			{"replacement token of dev1 enrolls no other", "h-replace-dev1", cred("dev2", "p2"), at(55), ErrTokenRefused, false, ""},
			{"fresh token still good after a refusal", "h-fresh", cred("dev2", "p2"), at(56), nil, false, "p2"},
			{"token for dev3", "h-for-dev3", cred("dev3", "p3"), at(57), nil, false, "p3"},
			{"replacement", "h-replace-dev1", cred("dev1", "p1b"), at(60), nil, true, "p1b"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				replaced, err := s.Enroll(ctx, tc.token, tc.cred, tc.now)
				if tc.wantErr != nil {
					assert.ErrorIs(t, err, tc.wantErr)
				} else {
					require.NoError(t, err)
					assert.Equal(t, tc.replaced, replaced)
				}
				got, err := s.CredentialByUsername(ctx, tc.cred.Username)
				if tc.stored == "" {
					assert.ErrorIs(t, err, ErrNotFound, "nothing stored")
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tc.stored, got.PasswordHash)
				assert.True(t, got.RevokedAt.IsZero())
			})
		}
		entries, err := s.Audit(ctx, "dev1", 0)
		require.NoError(t, err)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		assert.Contains(t, actions, AuditEnrolled)
		assert.Contains(t, actions, AuditReplaced, "a replacement is audited")

		es, err := s.Enrollments(ctx, "dev1")
		require.NoError(t, err)
		require.Len(t, es, 2)
		assert.Equal(t, Enrollment{DeviceID: "dev1", At: at(50), MintedBy: "operator:alice", MintedAt: at(0)}, es[0])
		assert.Equal(t, Enrollment{DeviceID: "dev1", At: at(60), Replaced: true, MintedBy: "operator:bob", MintedAt: at(0), Note: "new board"}, es[1])
	})
}

func TestRevokeCredential(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		require.NoError(t, s.CreateEnrollmentToken(ctx, "h", at(0), at(100), TokenSpec{}))
		_, err := s.Enroll(ctx, "h", Credential{DeviceID: "dev1", Username: "dev1", PasswordHash: "p"}, at(1))
		require.NoError(t, err)
		require.NoError(t, s.AddMonitorCredential(ctx, "screen", Credential{Username: "unbind/monitor/screen", PasswordHash: "m", CreatedAt: at(2)}, ActorController))

		for _, id := range []string{"dev1", MonitorPrefix + "screen"} {
			for range 2 { // the second time changes nothing
				user, err := s.RevokeCredential(ctx, id, OperatorActor("alice"), at(5))
				require.NoError(t, err)
				c, err := s.CredentialByUsername(ctx, user)
				require.NoError(t, err)
				assert.Equal(t, at(5), c.RevokedAt, id)
			}
		}
		_, err = s.RevokeCredential(ctx, "nobody", OperatorActor("alice"), at(5))
		assert.ErrorIs(t, err, ErrNotFound)

		require.NoError(t, s.CreateEnrollmentToken(ctx, "h2", at(0), at(100), TokenSpec{}))
		_, err = s.Enroll(ctx, "h2", Credential{DeviceID: "dev1", Username: "dev1", PasswordHash: "p2"}, at(6))
		assert.ErrorIs(t, err, ErrIdentityTaken, "a revoked ID is not free for any token")
		entries, err := s.Audit(ctx, "dev1", 0)
		require.NoError(t, err)
		n := 0
		for _, e := range entries {
			if e.Action == AuditRevoked {
				n++
				assert.Equal(t, "operator:alice", e.Actor)
			}
		}
		assert.Equal(t, 1, n, "revoked once")
	})
}
