package cert

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// testKey is deterministic, so signatures and golden files are stable.
func testKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

// goodInputs describe a phone that was safe and then reset.
func goodInputs() Inputs {
	reset := &registry.CommandRecord{ID: "cmd-reset", DeviceID: "SER1", Kind: protocol.CommandFactoryReset,
		IssuedAt: at(100), ExpiresAt: at(700), State: protocol.CommandSucceeded, UpdatedAt: at(130),
		Transitions: []registry.CommandTransition{
			{At: at(100), State: protocol.CommandQueued},
			{At: at(101), State: protocol.CommandSent},
			{At: at(120), State: protocol.CommandSucceeded, Detail: "wipe_started: root_broadcast"},
		}}
	return Inputs{
		ID:       "cert-1",
		IssuedAt: at(200),
		Device: registry.Device{ID: "SER1", Identity: protocol.Identity{Serial: "SER1", IMEI: "490154203237518",
			Manufacturer: "Xiaomi", Brand: "Redmi", Model: "Note 12", AndroidVersion: "14", VendorOS: "HyperOS OS1.0"}},
		Release: registry.ReleaseRecord{ID: "rel-1", DeviceID: "SER1", Operator: "ana", Stage: "released",
			Outcome: registry.OutcomeReleased, CommandID: "cmd-reset", CreatedAt: at(0), UpdatedAt: at(121),
			Deadline: at(3600), FinishedAt: at(121),
			Evidence: []registry.ReleaseEvidence{{Kind: "wipe_started", At: at(120), Source: "agent: root_broadcast"}}},
		Reset: reset,
		Safe: &registry.StateChange{At: at(50), Verdict: protocol.VerdictSafe, RiskKinds: []protocol.RiskKind{},
			FindDevice: protocol.TriOff, LostMode: protocol.TriOff, CheckedAt: at(49), Seq: 7},
		LastCheckedAt: at(95),
	}
}

func TestIssueListsTheLocksTheAgentCheckedFor(t *testing.T) {
	in := goodInputs()
	in.Safe.Catalogue = protocol.CatalogueRevision
	sc, err := Issue(in, testKey(1))
	require.NoError(t, err)
	results := map[string]string{}
	for _, c := range sc.Doc.Checks {
		results[c.Name] = c.Result
	}
	for _, k := range protocol.LockKindsCheckedBy(protocol.CatalogueRevision) {
		assert.Contains(t, results, string(k), "a current agent checks %s", k)
	}
	assert.Equal(t, "absent", results[string(protocol.RiskKnoxGuard)])
	assert.Equal(t, "absent", results[string(protocol.RiskManagedDevice)])
	assert.Equal(t, "off", results[string(protocol.RiskVivoFindPhone)])
	assert.NotContains(t, results, string(protocol.RiskUnknown))
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	key := testKey(1)
	sc, err := Issue(goodInputs(), key)
	require.NoError(t, err)
	d := sc.Doc
	assert.Equal(t, Format, d.Format)
	assert.Equal(t, "cert-1", d.ID)
	assert.Equal(t, Device{ID: "SER1", Serial: "SER1", IMEI: "490154203237518", Manufacturer: "Xiaomi", Brand: "Redmi",
		Model: "Note 12", Android: "14", VendorOS: "HyperOS OS1.0", ReportedBy: "SER1"}, d.Device)
	assert.Equal(t, Reset{CommandID: "cmd-reset", IssuedAt: at(100), CompletedAt: at(120), Method: "wipe_started: root_broadcast", Succeeded: true}, d.Reset)
	assert.Equal(t, []Evidence{{Kind: "wipe_started", At: at(120), Source: "agent: root_broadcast"}}, d.Evidence)
	assert.Equal(t, Release{ID: "rel-1", Operator: "ana", StartedAt: at(0), FinishedAt: at(121)}, d.Release)
	var names []string
	for _, c := range d.Checks {
		names = append(names, c.Name)
		assert.Equal(t, at(49), c.SafeSince)
		assert.Equal(t, at(95), c.CheckedAt)
	}
	// The safe report came from an agent older than the lock catalogue:
	// the certificate lists only the locks that agent checked for.
	assert.Equal(t, []string{"verdict", "mi_account", "find_device", "google_frp", "samsung_reactivation", "huawei_id", "lost_mode"}, names)
	assert.Equal(t, Fingerprint(key.Public().(ed25519.PublicKey)), d.Controller.KeyFingerprint)

	opened, err := Open(sc.File, key.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	assert.Equal(t, d, opened.Doc)

	// Layout does not matter, only content: a re-indented file still verifies.
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, sc.File))
	assert.NoError(t, Verify(compact.Bytes(), key.Public().(ed25519.PublicKey)))

	parsed, err := Parse(sc.File)
	require.NoError(t, err)
	assert.Equal(t, d, parsed.Doc)
}

// edit changes the file's document through a generic map, as someone
// editing the JSON by hand would.
func edit(t *testing.T, file []byte, fn func(env, doc map[string]any)) []byte {
	t.Helper()
	var env map[string]any
	require.NoError(t, json.Unmarshal(file, &env))
	doc := env["document"].(map[string]any)
	fn(env, doc)
	b, err := json.MarshalIndent(env, "", "  ")
	require.NoError(t, err)
	return b
}

func TestVerifyTampered(t *testing.T) {
	key, other := testKey(1), testKey(2)
	pub := key.Public().(ed25519.PublicKey)
	sc, err := Issue(goodInputs(), key)
	require.NoError(t, err)
	in2 := goodInputs()
	in2.ID, in2.Device.Identity.Serial = "cert-2", "SER2"
	sc2, err := Issue(in2, key)
	require.NoError(t, err)
	byOther, err := Issue(goodInputs(), other)
	require.NoError(t, err)
	var env2 map[string]any
	require.NoError(t, json.Unmarshal(sc2.File, &env2))

	tests := []struct {
		name    string
		file    []byte
		pub     ed25519.PublicKey
		want    error
		message string
	}{
		{"changed serial", edit(t, sc.File, func(_, d map[string]any) { d["device"].(map[string]any)["serial"] = "OTHER" }),
			pub, ErrBadSignature, "altered after signing"},
		{"changed time", edit(t, sc.File, func(_, d map[string]any) { d["reset"].(map[string]any)["completed_at"] = "2026-11-23T10:00:00Z" }),
			pub, ErrBadSignature, "altered after signing"},
		{"removed check", edit(t, sc.File, func(_, d map[string]any) { d["checks"] = d["checks"].([]any)[1:] }),
			pub, ErrBadSignature, "altered after signing"},
		{"added field", edit(t, sc.File, func(_, d map[string]any) { d["note"] = "fine" }),
			pub, ErrBadSignature, "altered after signing"},
		{"signature of another certificate", edit(t, sc.File, func(e, _ map[string]any) { e["signature"] = env2["signature"] }),
			pub, ErrBadSignature, "altered after signing"},
		{"signed by another key", byOther.File, pub, ErrWrongKey, "signed by another controller key"},
		{"another key, fingerprint forged", edit(t, byOther.File, func(_, d map[string]any) {
			d["controller"].(map[string]any)["key_fingerprint"] = Fingerprint(pub)
		}), pub, ErrBadSignature, "signed by another key"},
		{"verified with the wrong key", sc.File, other.Public().(ed25519.PublicKey), ErrWrongKey, Fingerprint(other.Public().(ed25519.PublicKey))},
		{"signature removed", edit(t, sc.File, func(e, _ map[string]any) { delete(e, "signature") }), pub, ErrNoSignature, "no signature"},
		{"signature garbled", edit(t, sc.File, func(e, _ map[string]any) { e["signature"] = "not base64!" }), pub, ErrBadSignature, "not a base64 ed25519 signature"},
		{"unknown format", edit(t, sc.File, func(_, d map[string]any) { d["format"] = "unbind-release-certificate/2" }),
			pub, ErrUnknownFormat, `"unbind-release-certificate/2"`},
		{"unknown algorithm", edit(t, sc.File, func(e, _ map[string]any) { e["algorithm"] = "rsa" }), pub, ErrUnknownFormat, `"rsa"`},
		{"unsigned field beside the document", edit(t, sc.File, func(e, _ map[string]any) { e["comment"] = "x" }), pub, ErrMalformed, "comment"},
		{"no document", []byte(`{"algorithm":"ed25519","signature":"AAAA"}`), pub, ErrMalformed, "no document"},
		{"document not an object", []byte(`{"document":5,"algorithm":"ed25519","signature":"AAAA"}`), pub, ErrMalformed, "document"},
		{"duplicate key", bytes.Replace(sc.File, []byte(`"serial": "SER1"`), []byte(`"serial": "FAKE", "serial": "SER1"`), 1),
			pub, ErrMalformed, `"serial" appears twice`},
		{"not JSON", []byte("%PDF-1.4"), pub, ErrNotJSON, "not valid JSON"},
		{"empty", nil, pub, ErrNotJSON, "not valid JSON"},
		{"not UTF-8", []byte("{\"document\":\"\xff\"}"), pub, ErrNotJSON, "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.file, tc.pub)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.message)
			for _, other := range []error{ErrNotJSON, ErrMalformed, ErrNoSignature, ErrUnknownFormat, ErrWrongKey, ErrBadSignature} {
				if other != tc.want {
					assert.NotErrorIs(t, err, other, "exactly one reason")
				}
			}
		})
	}
}

func TestIssueRefuses(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Inputs)
		message string
	}{
		{"no release", func(in *Inputs) { in.Release = registry.ReleaseRecord{} }, "no release was run"},
		{"release running", func(in *Inputs) { in.Release.Outcome, in.Release.Stage = "", "sign_out" }, "still running (stage sign_out)"},
		{"release failed", func(in *Inputs) { in.Release.Outcome, in.Release.Reason = "failed", "timed out in stage sign_out" }, "ended failed: timed out"},
		{"release of another device", func(in *Inputs) { in.Release.DeviceID = "OTHER" }, "of device OTHER"},
		{"no reset", func(in *Inputs) { in.Reset = nil }, "no factory reset command"},
		{"reset failed", func(in *Inputs) { in.Reset.State = protocol.CommandFailed }, "is failed, not succeeded"},
		{"reset still running", func(in *Inputs) { in.Reset.State = protocol.CommandInProgress }, "is in_progress"},
		{"not a reset", func(in *Inputs) { in.Reset.Kind = protocol.CommandRefresh }, "not a factory reset"},
		{"no state", func(in *Inputs) { in.Safe = nil }, "no state was received"},
		{"state after the reset", func(in *Inputs) { in.Safe.At = at(101) }, "no state precedes"},
		{"bound before the reset", func(in *Inputs) {
			in.Safe.Verdict, in.Safe.RiskKinds = protocol.VerdictAtRisk, []protocol.RiskKind{protocol.RiskMiAccount}
		}, "not safe (verdict at_risk, risks mi_account"},
		{"unknown before the reset", func(in *Inputs) {
			in.Safe.Verdict, in.Safe.RiskKinds = protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}
		}, "verdict unknown"},
		{"find device unknown", func(in *Inputs) { in.Safe.FindDevice = protocol.TriUnknown }, "not safe"},
		{"lost mode on", func(in *Inputs) { in.Safe.LostMode = protocol.TriOn }, "lost mode on"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := goodInputs()
			tc.mod(&in)
			_, err := Issue(in, testKey(1))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrNotReleased)
			assert.Contains(t, err.Error(), tc.message)
		})
	}
	in := goodInputs()
	in.Device.Identity.Serial = ""
	_, err := Issue(in, testKey(1))
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotReleased)
	assert.Contains(t, err.Error(), "serial")

	_, err = Issue(goodInputs(), nil)
	assert.Error(t, err)
}

func TestHTML(t *testing.T) {
	in := goodInputs()
	in.Device.Identity.Model = `Note <script>alert("x")</script>`
	in.Release.Operator = `ana & "bob" <b>`
	sc, err := Issue(in, testKey(1))
	require.NoError(t, err)
	page, err := HTML(sc)
	require.NoError(t, err)
	s := string(page)
	assert.Contains(t, s, "SER1")
	assert.Contains(t, s, "490154203237518")
	assert.NotContains(t, s, "<script>")
	assert.Contains(t, s, "Note &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	assert.Contains(t, s, "ana &amp; &#34;bob&#34; &lt;b&gt;")
	assert.NotContains(t, s, "<link", "self-contained")
	assert.NotContains(t, s, "src=", "self-contained")

	golden := filepath.Join("testdata", "certificate.html")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, page, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update to create")
	assert.Equal(t, string(want), s)
}

func FuzzVerify(f *testing.F) {
	key := testKey(1)
	pub := key.Public().(ed25519.PublicKey)
	sc, err := Issue(goodInputs(), key)
	require.NoError(f, err)
	f.Add(sc.File)
	f.Add([]byte(`{"document":{"format":"unbind-release-certificate/1"},"algorithm":"ed25519","signature":"AAAA"}`))
	f.Add([]byte(`{"document":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]],"signature":"x"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, file []byte) {
		err := Verify(file, pub)
		if err == nil {
			// Anything that verifies must say exactly what was signed.
			got, err := Open(file, pub)
			require.NoError(t, err)
			require.Equal(t, Format, got.Doc.Format)
			return
		}
		known := false
		for _, e := range []error{ErrNotJSON, ErrMalformed, ErrNoSignature, ErrUnknownFormat, ErrWrongKey, ErrBadSignature} {
			known = known || errors.Is(err, e)
		}
		require.True(t, known, "unclassified error: %v", err)
	})
}

// TestOldCertificateVerifies: a certificate issued before evidence was
// recorded has no "evidence" field; it still verifies and reads.
func TestOldCertificateVerifies(t *testing.T) {
	key := testKey(1)
	sc, err := Issue(goodInputs(), key)
	require.NoError(t, err)
	var env envelope
	require.NoError(t, json.Unmarshal(sc.File, &env))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(env.Document, &doc))
	require.Contains(t, doc, "evidence")
	delete(doc, "evidence")
	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	msg, err := canonical(raw)
	require.NoError(t, err)
	old, err := json.MarshalIndent(envelope{Document: msg, Algorithm: Algorithm,
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))}, "", "  ")
	require.NoError(t, err)

	got, err := Open(old, key.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	assert.Empty(t, got.Doc.Evidence)
	assert.Equal(t, sc.Doc.Reset, got.Doc.Reset)
}

// TestIssueRefusesIdentityInDoubt: a phone in an open identity conflict, or
// disowned by an operator's resolution, gets no certificate however good
// its release.
func TestIssueRefusesIdentityInDoubt(t *testing.T) {
	for name, change := range map[string]func(*Inputs){
		"open conflict": func(in *Inputs) { in.Device.ConflictsWith = []string{"ser1"} },
		"disowned":      func(in *Inputs) { in.Device.DisownedAt = at(200) },
	} {
		t.Run(name, func(t *testing.T) {
			in := goodInputs()
			change(&in)
			_, err := Issue(in, testKey(1))
			require.ErrorIs(t, err, ErrNotReleased)
			assert.ErrorIs(t, err, ErrIdentityConflict)
		})
	}
}
