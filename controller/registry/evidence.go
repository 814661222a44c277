package registry

import (
	"encoding/json"
	"fmt"
	"time"
)

// ReleaseEvidence is one thing seen of a release's reset (see
// controller/release: reset_screen_opened, wipe_started,
// operator_confirmed, session_ended, rebooted).
type ReleaseEvidence struct {
	Kind string
	At   time.Time
	// Source says who or what saw it ("agent: …", "operator:NAME", "controller: …").
	Source string
	// Boot is the phone's boot ID at the time, if known.
	Boot string
}

type evidenceRow struct {
	Kind   string `json:"kind"`
	At     string `json:"at"`
	Source string `json:"source,omitempty"`
	Boot   string `json:"boot,omitempty"`
}

func encodeEvidence(evs []ReleaseEvidence) (string, error) {
	rows := make([]evidenceRow, len(evs))
	for i, e := range evs {
		if e.Kind == "" || !storable(e.At) {
			return "", fmt.Errorf("evidence %d: kind and time are required", i)
		}
		rows[i] = evidenceRow{Kind: e.Kind, At: formatTime(e.At), Source: e.Source, Boot: e.Boot}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return "", fmt.Errorf("encode evidence: %w", err)
	}
	return string(b), nil
}

func decodeEvidence(s string) ([]ReleaseEvidence, error) {
	var rows []evidenceRow
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("decode evidence: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	out := make([]ReleaseEvidence, len(rows))
	for i, r := range rows {
		at, err := parseTime(r.At)
		if err != nil {
			return nil, fmt.Errorf("decode evidence %d: %w", i, err)
		}
		out[i] = ReleaseEvidence{Kind: r.Kind, At: at, Source: r.Source, Boot: r.Boot}
	}
	return out, nil
}

// ProvenBy returns the strongest evidence that shows the phone was reset
// (seen_clean_after_reset, wipe_started, operator_confirmed), or false.
func (r ReleaseRecord) ProvenBy() (ReleaseEvidence, bool) {
	// Strongest first: the phone seen clean after its reset, then the wipe
	// seen starting, then an operator's word.
	for _, k := range []string{EvidenceSeenCleanAfterReset, EvidenceWipeStarted, EvidenceOperatorConfirmed} {
		for _, e := range r.Evidence {
			if e.Kind == k {
				return e, true
			}
		}
	}
	return ReleaseEvidence{}, false
}

// The kinds of evidence that show a reset happened (the same names as
// controller/release's).
const (
	EvidenceWipeStarted       = "wipe_started"
	EvidenceOperatorConfirmed = "operator_confirmed"
	// EvidenceSeenCleanAfterReset: the phone, seen again after its reset,
	// showed no account and no reset protection.
	EvidenceSeenCleanAfterReset = "seen_clean_after_reset"
)
