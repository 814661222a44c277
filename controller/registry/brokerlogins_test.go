package registry

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBrokerLogins: the list an external broker's password file is written
// from holds every unrevoked login with its broker hash, replaced hashes
// replaced, revoked logins gone, and older logins without a hash marked so.
func TestBrokerLogins(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		for _, h := range []string{"t1", "t2", "t3", "t4"} {
			require.NoError(t, s.CreateEnrollmentToken(ctx, h, at(0), at(100), TokenSpec{}))
		}
		require.NoError(t, s.CreateEnrollmentToken(ctx, "t-replace", at(0), at(100), TokenSpec{ForDevice: "dev1", Replaces: true}))
		enroll := func(token, id, brokerHash string) {
			_, err := s.Enroll(ctx, token, Credential{DeviceID: id, Username: id, PasswordHash: "p-" + id, BrokerHash: brokerHash}, at(1))
			require.NoError(t, err)
		}
		enroll("t1", "dev1", "$7$old")
		enroll("t2", "dev2", "$7$two")
		enroll("t3", "dev3", "$7$three")
		enroll("t4", "legacy", "")
		enroll("t-replace", "dev1", "$7$new")
		_, err := s.RevokeCredential(ctx, "dev3", ActorController, at(2))
		require.NoError(t, err)
		require.NoError(t, s.AddMonitorCredential(ctx, "wall", Credential{Username: "unbind/monitor/wall", PasswordHash: "p", BrokerHash: "$7$mon", CreatedAt: at(3)}, ActorController))

		logins, err := s.BrokerLogins(ctx)
		require.NoError(t, err)
		assert.ElementsMatch(t, []BrokerLogin{
			{ID: "dev1", Username: "dev1", BrokerHash: "$7$new"},
			{ID: "dev2", Username: "dev2", BrokerHash: "$7$two"},
			{ID: "legacy", Username: "legacy"},
			{ID: MonitorPrefix + "wall", Username: "unbind/monitor/wall", BrokerHash: "$7$mon"},
		}, logins)
	})
}
