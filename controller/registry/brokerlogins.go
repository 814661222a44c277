package registry

import (
	"context"
	"database/sql"
	"fmt"
)

// BrokerLogin is a valid (unrevoked) MQTT login as an external broker
// needs it: who it is and its password in that broker's hash format.
type BrokerLogin struct {
	// ID is the device ID, or MonitorPrefix+name for a monitor.
	ID       string
	Username string
	// BrokerHash is empty for logins issued before the registry kept it.
	BrokerHash string
}

// BrokerLogins lists every unrevoked login, ordered by username, for
// writing an external broker's password file. Revoked logins are left out:
// a broker reloading the list refuses them.
func (s *Store) BrokerLogins(ctx context.Context) ([]BrokerLogin, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT device_id, username, broker_hash FROM device_credentials
		WHERE revoked_at IS NULL ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list broker logins: %w", err)
	}
	defer rows.Close()
	var out []BrokerLogin
	for rows.Next() {
		var l BrokerLogin
		var hash sql.NullString
		if err := rows.Scan(&l.ID, &l.Username, &hash); err != nil {
			return nil, fmt.Errorf("list broker logins: %w", err)
		}
		l.BrokerHash = hash.String
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list broker logins: %w", err)
	}
	return out, nil
}
