package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/unbind/unbind/protocol"
)

// ReleaseInputs is what the release loop reads to decide many releases at
// once: their current commands, with transitions, by command ID, their
// phones by device ID, and by device ID the commands that occupy each
// phone's agent and have not ended (newest first, expired ones included).
type ReleaseInputs struct {
	Commands map[string]CommandRecord
	Devices  map[string]Device
	Running  map[string][]CommandRecord
}

// runningOccupying selects the commands, of the devices in the JSON list
// ?1, that occupy their agent (protocol.CommandKind.Occupies) and have not
// ended. Its lists are protocol's constants, never input.
var runningOccupying = func() string {
	quote := func(vals []string) string {
		return "'" + strings.Join(vals, "','") + "'"
	}
	var idle, ended []string
	for _, k := range protocol.CommandKinds {
		if !k.Occupies() {
			idle = append(idle, string(k))
		}
	}
	for _, st := range append([]protocol.CommandState{protocol.CommandQueued, protocol.CommandSent}, protocol.CommandStates...) {
		if st.Terminal() {
			ended = append(ended, string(st))
		}
	}
	return `device_id IN (SELECT value FROM json_each(?1)) AND kind NOT IN (` + quote(idle) + `) AND state NOT IN (` + quote(ended) + `)`
}()

// UnfinishedReleasesOf lists the running releases of the given devices,
// oldest first, in one query; nil devices means every running release.
func (s *Store) UnfinishedReleasesOf(ctx context.Context, devices []string) ([]ReleaseRecord, error) {
	if devices == nil {
		return s.UnfinishedReleases(ctx)
	}
	ids, err := idList(devices)
	if err != nil {
		return nil, fmt.Errorf("releases of %d devices: %w", len(devices), err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+releaseColumns+` FROM releases
		WHERE finished_at IS NULL AND device_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid`, ids)
	if err != nil {
		return nil, fmt.Errorf("releases of %d devices: %w", len(devices), err)
	}
	defer rows.Close()
	out := []ReleaseRecord{}
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("releases of %d devices: %w", len(devices), err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("releases of %d devices: %w", len(devices), err)
	}
	return out, nil
}

// ReleaseInputsOf reads the commands and phones of releases in one read
// transaction of four queries, however many releases there are. A command
// or device the registry does not hold is absent from the maps.
func (s *Store) ReleaseInputsOf(ctx context.Context, rs []ReleaseRecord) (ReleaseInputs, error) {
	in := ReleaseInputs{Commands: map[string]CommandRecord{}, Devices: map[string]Device{}, Running: map[string][]CommandRecord{}}
	if len(rs) == 0 {
		return in, nil
	}
	var cmdIDs, devIDs []string
	for _, r := range rs {
		if r.CommandID != "" {
			cmdIDs = append(cmdIDs, r.CommandID)
		}
		devIDs = append(devIDs, r.DeviceID)
	}
	cmdList, err := idList(cmdIDs)
	if err != nil {
		return in, fmt.Errorf("inputs of %d releases: %w", len(rs), err)
	}
	devList, err := idList(devIDs)
	if err != nil {
		return in, fmt.Errorf("inputs of %d releases: %w", len(rs), err)
	}
	err = s.readTx(ctx, func(tx *sql.Tx) error {
		if len(cmdIDs) > 0 {
			cmds, err := queryCommands(ctx, tx, `id IN (SELECT value FROM json_each(?1))`, cmdList)
			if err != nil {
				return err
			}
			for _, c := range cmds {
				in.Commands[c.ID] = c
			}
		}
		running, err := queryCommands(ctx, tx, runningOccupying, devList)
		if err != nil {
			return err
		}
		for _, c := range running {
			in.Running[c.DeviceID] = append(in.Running[c.DeviceID], c)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id IN (SELECT value FROM json_each(?))`, devList)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDevice(rows)
			if err != nil {
				return err
			}
			in.Devices[d.ID] = d
		}
		return rows.Err()
	})
	if err != nil {
		return in, fmt.Errorf("inputs of %d releases: %w", len(rs), err)
	}
	return in, nil
}

// idList is a JSON array of IDs, for `IN (SELECT value FROM json_each(?))`:
// one bound parameter however many IDs.
func idList(ids []string) (string, error) {
	if ids == nil {
		ids = []string{}
	}
	b, err := json.Marshal(ids)
	return string(b), err
}
