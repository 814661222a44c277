package cert

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// ErrNotReleased: the device's release did not end with a successful factory
// reset that followed a verified-safe state, so no certificate is issued.
var ErrNotReleased = errors.New("device was not released")

// ErrIdentityChanged: the device's credentials were replaced during the
// release, so the reports it rests on may come from another machine. It is
// returned wrapped together with ErrNotReleased.
var ErrIdentityChanged = errors.New("the device's credentials were replaced during the release")

// ErrContradicted: the release rests on an operator's confirmation that the
// phone itself contradicted afterwards, reporting from the boot it had
// before the reset. It is returned wrapped together with ErrNotReleased.
var ErrContradicted = errors.New("the phone contradicts the operator's confirmation")

// ErrIdentityConflict: another enrolled device reports the phone's serial
// or IMEI, or an operator named another device the genuine holder of them.
// It is returned wrapped together with ErrNotReleased.
var ErrIdentityConflict = errors.New("the phone's identity is in conflict")

// Inputs is what a certificate is drawn from (see Gather).
type Inputs struct {
	// ID names the certificate; "" picks a random one.
	ID string
	// IssuedAt is the issue time; zero means now.
	IssuedAt time.Time
	Device   registry.Device
	Release  registry.ReleaseRecord
	// Reset is the release's factory_reset command; nil if there is none.
	Reset *registry.CommandRecord
	// Safe is the newest state change received before the reset was
	// issued; nil if there is none.
	Safe *registry.StateChange
	// LastCheckedAt is the newest check before the reset that still found
	// Safe's state; zero means Safe.CheckedAt.
	LastCheckedAt time.Time
	// Enrollments are the device's enrollments, oldest first.
	Enrollments []registry.Enrollment
}

// Issue checks that in describes a real release and signs a certificate
// for it. It refuses, with an error wrapping ErrNotReleased, unless the
// release ended "released", its factory_reset command succeeded, and the
// last state received before the reset was issued was safe.
func Issue(in Inputs, priv ed25519.PrivateKey) (SignedCertificate, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return SignedCertificate{}, errors.New("issue certificate: not an ed25519 private key")
	}
	doc, err := document(in, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return SignedCertificate{}, fmt.Errorf("issue certificate for device %s: %w", in.Device.ID, err)
	}
	return sign(doc, priv)
}

func document(in Inputs, pub ed25519.PublicKey) (Document, error) {
	if err := released(in); err != nil {
		return Document{}, err
	}
	if in.Device.Identity.Serial == "" {
		return Document{}, errors.New("the phone's serial number was never read")
	}
	id := in.ID
	if id == "" {
		var b [12]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		id = "cert-" + hex.EncodeToString(b[:])
	}
	issued := in.IssuedAt
	if issued.IsZero() {
		issued = time.Now()
	}
	last := in.LastCheckedAt
	if last.IsZero() || last.Before(in.Safe.CheckedAt) {
		last = in.Safe.CheckedAt
	}
	final := finalCheck(in.Reset)
	if final != nil {
		// The agent's check right before the reset is the last check.
		last = final.CheckedAt
	}
	checks := []Check{{Name: "verdict", Result: "safe: every check completed", SafeSince: in.Safe.CheckedAt.UTC(), CheckedAt: last.UTC()}}
	// The checks a certificate lists: every lock the agent's catalogue
	// revision checks for, and no other.
	for _, k := range protocol.LockKindsCheckedBy(in.Safe.Catalogue) {
		result := "absent"
		if protocol.LockOf(k).Remedy == protocol.RemedySwitchOff || k == protocol.RiskLostMode {
			result = "off"
		}
		checks = append(checks, Check{Name: string(k), Result: result, SafeSince: in.Safe.CheckedAt.UTC(), CheckedAt: last.UTC()})
	}
	proof, _ := proven(in)
	method := ""
	if in.Reset.State == protocol.CommandSucceeded {
		method = succeededStep(in.Reset).Detail
	}
	var evidence []Evidence
	for _, e := range in.Release.Evidence {
		evidence = append(evidence, Evidence{Kind: e.Kind, At: e.At.UTC(), Source: e.Source})
	}
	if len(in.Release.Evidence) == 0 {
		evidence = []Evidence{{Kind: proof.Kind, At: proof.At.UTC(), Source: proof.Source}}
	}
	idn := in.Device.Identity
	return Document{
		Format:   Format,
		ID:       id,
		IssuedAt: issued.UTC(),
		Device: Device{ID: in.Device.ID, Serial: idn.Serial, IMEI: idn.IMEI, Manufacturer: idn.Manufacturer,
			Brand: idn.Brand, Model: idn.Model, Android: idn.AndroidVersion, VendorOS: idn.VendorOS,
			SerialSource: idn.SerialSource, ReportedBy: in.Device.ID},
		Checks: checks,
		Reset: Reset{CommandID: in.Reset.ID, IssuedAt: in.Reset.IssuedAt.UTC(), CompletedAt: proof.At.UTC(),
			Method: method, Succeeded: true},
		Evidence: evidence,
		Release: Release{ID: in.Release.ID, Operator: in.Release.Operator, StartedAt: in.Release.CreatedAt.UTC(),
			FinishedAt: in.Release.FinishedAt.UTC()},
		Enrollment: reliedOn(in),
		FinalCheck: final,
		Controller: Controller{KeyFingerprint: Fingerprint(pub)},
	}, nil
}

// released is the rule for calling a phone released.
func released(in Inputs) error {
	r := in.Release
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: no release was run", ErrNotReleased)
	case r.DeviceID != in.Device.ID:
		return fmt.Errorf("%w: release %s is of device %s", ErrNotReleased, r.ID, r.DeviceID)
	case r.Outcome == "":
		return fmt.Errorf("%w: release %s is still running (stage %s)", ErrNotReleased, r.ID, r.Stage)
	case r.Outcome != registry.OutcomeReleased:
		return fmt.Errorf("%w: release %s ended %s%s", ErrNotReleased, r.ID, r.Outcome, reasonSuffix(r.Reason))
	}
	if p := in.Device.IdentityProblem(); p != "" {
		return fmt.Errorf("%w: %w: %s", ErrNotReleased, ErrIdentityConflict, p)
	}
	c := in.Reset
	switch {
	case c == nil:
		return fmt.Errorf("%w: release %s has no factory reset command", ErrNotReleased, r.ID)
	case c.Kind != protocol.CommandFactoryReset || c.DeviceID != in.Device.ID:
		return fmt.Errorf("%w: command %s is not a factory reset of this device", ErrNotReleased, c.ID)
	}
	proof, ok := proven(in)
	for _, e := range r.Evidence {
		if e.Kind != registry.EvidenceOperatorConfirmed {
			continue
		}
		if why := contradicted(in, e); why != "" {
			return fmt.Errorf("%w: %w: %s", ErrNotReleased, ErrContradicted, why)
		}
	}
	switch {
	case c.State != protocol.CommandSucceeded && (!ok || (proof.Kind != registry.EvidenceOperatorConfirmed && proof.Kind != registry.EvidenceSeenCleanAfterReset)):
		// Only an operator's confirmation, or the phone seen clean from a
		// new boot, stands for a reset the agent could not see through (its
		// watch may have expired, or was canceled once confirmed).
		return fmt.Errorf("%w: factory reset %s is %s, not succeeded", ErrNotReleased, c.ID, c.State)
	case !ok:
		return fmt.Errorf("%w: release %s has no evidence that the wipe started (seen: %s)", ErrNotReleased, r.ID, seenKinds(r.Evidence))
	}
	s := in.Safe
	if s != nil {
		if e := replacedDuring(in); e != nil {
			return fmt.Errorf("%w: %w: at %s, by a token minted by %s; the phone that reported safe may not be the phone that was reset",
				ErrNotReleased, ErrIdentityChanged, e.At.UTC().Format(time.RFC3339), e.MintedBy)
		}
	}
	switch {
	case s == nil:
		return fmt.Errorf("%w: no state was received before factory reset %s", ErrNotReleased, c.ID)
	case s.At.After(c.IssuedAt):
		return fmt.Errorf("%w: no state precedes factory reset %s", ErrNotReleased, c.ID)
	case s.Verdict != protocol.VerdictSafe || len(s.RiskKinds) > 0 || s.FindDevice != protocol.TriOff || s.LostMode != protocol.TriOff:
		return fmt.Errorf("%w: the last state before factory reset %s was not safe (verdict %s, risks %s, find device %s, lost mode %s)",
			ErrNotReleased, c.ID, s.Verdict, kindList(s.RiskKinds), s.FindDevice, s.LostMode)
	}
	return nil
}

// proven is the evidence the release rests on: the first wipe_started or
// operator_confirmed it recorded. A release recorded before evidence was
// kept rests on its reset command's success only if that says the wipe
// started (the root broadcast); a reset screen opened is no reset.
func proven(in Inputs) (registry.ReleaseEvidence, bool) {
	if e, ok := in.Release.ProvenBy(); ok {
		return e, true
	}
	if len(in.Release.Evidence) > 0 || in.Reset == nil || in.Reset.State != protocol.CommandSucceeded {
		return registry.ReleaseEvidence{}, false
	}
	done := succeededStep(in.Reset)
	kind, source, ok := protocol.ParseResetDetail(done.Detail)
	if !ok || kind != protocol.EvidenceWipeStarted {
		return registry.ReleaseEvidence{}, false
	}
	return registry.ReleaseEvidence{Kind: string(kind), At: done.At, Source: "agent: " + source}, true
}

func seenKinds(evs []registry.ReleaseEvidence) string {
	if len(evs) == 0 {
		return "nothing"
	}
	ks := make([]string, len(evs))
	for i, e := range evs {
		ks[i] = e.Kind
	}
	return strings.Join(ks, ", ")
}

// succeededStep is the first success the command recorded; its time is when
// the reset was confirmed.
func succeededStep(c *registry.CommandRecord) registry.CommandTransition {
	for _, t := range c.Transitions {
		if t.State == protocol.CommandSucceeded {
			return t
		}
	}
	return registry.CommandTransition{At: c.UpdatedAt, State: protocol.CommandSucceeded}
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

func kindList(ks []protocol.RiskKind) string {
	if len(ks) == 0 {
		return "none"
	}
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}

// replacedDuring is the first replacement of the device's credentials from
// the earlier of the release's start and the safe state's first report up
// to the end of the release, or nil.
func replacedDuring(in Inputs) *registry.Enrollment {
	from := in.Release.CreatedAt
	if in.Safe.At.Before(from) {
		from = in.Safe.At
	}
	for i := range in.Enrollments {
		e := &in.Enrollments[i]
		if !e.Replaced || e.At.Before(from) {
			continue
		}
		if in.Release.FinishedAt.IsZero() || !e.At.After(in.Release.FinishedAt) {
			return e
		}
	}
	return nil
}

// reliedOn is the newest enrollment made before the safe state was first
// reported: the credentials every report since then came with.
func reliedOn(in Inputs) *Enrollment {
	var last *registry.Enrollment
	for i := range in.Enrollments {
		if !in.Enrollments[i].At.After(in.Safe.At) {
			last = &in.Enrollments[i]
		}
	}
	if last == nil {
		return nil
	}
	return &Enrollment{DeviceID: last.DeviceID, At: last.At.UTC(), MintedBy: last.MintedBy, Note: last.Note, Replaced: last.Replaced}
}

// contradicted says why the phone's own reports contradict the operator's
// confirmation proof, or "": it reported after the confirmation from the
// boot it had when the reset screen opened, so it never went down.
func contradicted(in Inputs, proof registry.ReleaseEvidence) string {
	var boot string
	for _, e := range in.Release.Evidence {
		if e.Kind == string(protocol.EvidenceResetScreenOpened) {
			boot = e.Boot
		}
	}
	st := in.Device.State
	if boot == "" || st == nil || st.BootID != boot || !in.Device.StateAt.After(proof.At) {
		return ""
	}
	return fmt.Sprintf("the phone reported at %s, after %s's confirmation, from the boot it had before the reset",
		in.Device.StateAt.UTC().Format(time.RFC3339), strings.TrimPrefix(proof.Source, "operator:"))
}

// finalCheck is the agent's own interlock check right before the reset
// (protocol.InterlockDetail on the reset command), or nil for agents that
// do not say it.
func finalCheck(c *registry.CommandRecord) *FinalCheck {
	if c == nil {
		return nil
	}
	for _, t := range c.Transitions {
		if at, ok := protocol.ParseInterlockDetail(t.Detail); ok {
			return &FinalCheck{CheckedAt: at.UTC(), ReceivedAt: t.At.UTC(), Result: "safe: every check completed, no risk found"}
		}
	}
	return nil
}
