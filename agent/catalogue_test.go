package agent

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// cleanObs is a phone of the given make that every check answered clean.
func cleanObs(manufacturer string, accounts ...RawAccount) Observation {
	o := obs(owner(accounts...), protocol.TriOff, protocol.TriOff)
	o.Identity.Manufacturer = manufacturer
	o.Authenticators = map[string]string{}
	o.SystemPackages = map[string]bool{"android": true, "com.android.settings": true}
	return o
}

func TestClassifyAccount(t *testing.T) {
	tests := []struct {
		name, typ, auth string
		system          protocol.Tri
		class           AccountClass
		kind            protocol.RiskKind
	}{
		{"Google by type", AccountTypeGoogle, "", protocol.TriUnknown, AccountLock, protocol.RiskGoogleFRP},
		{"vivo by type", "BBKOnLineService", "", protocol.TriUnknown, AccountLock, protocol.RiskVivoAccount},
		{"vivo by its authenticator", "com.vivo.account.new", "com.bbk.account", protocol.TriOn, AccountLock, protocol.RiskVivoAccount},
		{"HONOR by its authenticator", "com.hihonor.id.v2", "com.hihonor.id", protocol.TriOn, AccountLock, protocol.RiskHonorID},
		{"HeyTap by its authenticator", "com.heytap.account", "com.heytap.usercenter", protocol.TriOn, AccountLock, protocol.RiskHeyTapAccount},
		{"Gmail's Exchange: harmless though system", "com.google.android.gm.exchange", "com.google.android.gm", protocol.TriOn, AccountHarmless, ""},
		{"a messaging app", "com.whatsapp", "com.whatsapp", protocol.TriOff, AccountHarmless, ""},
		{"an unlisted app, not system", "com.example.notes", "com.example.notes", protocol.TriOff, AccountHarmless, ""},
		{"an unlisted app, system unknown", "com.example.notes", "com.example.notes", protocol.TriUnknown, AccountUnknown, ""},
		{"an unlisted maker's account", "com.motorola.accountid", "com.motorola.ccc.mainplm", protocol.TriUnknown, AccountUnjudged, ""},
		{"an unlisted system account", "org.carrier.id", "org.carrier.id", protocol.TriOn, AccountUnjudged, ""},
		{"no authenticator, maker's type", "com.transsion.account", "", protocol.TriUnknown, AccountUnjudged, ""},
		{"no authenticator, app's type", "com.example.notes", "", protocol.TriOff, AccountUnknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := ClassifyAccount(tt.typ, tt.auth, tt.system)
			assert.Equal(t, tt.class, j.Class)
			if tt.kind != "" {
				assert.Equal(t, tt.kind, j.Rule.Kind)
			}
		})
	}
}

// TestAccountCatalogueFailsClosed is the property the catalogue exists for:
// any account type it has no entry for, provided by a phone maker's or a
// system package, keeps the phone from being safe; and a phone that waits
// at FRP is never safe whatever else it shows.
func TestAccountCatalogueFailsClosed(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261206, 1))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		b := make([]byte, 3+rng.IntN(8))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	for i := range 2000 {
		typ := "com." + word() + "." + word()
		if KnownAccountType(typ) {
			continue
		}
		var auth string
		system := rng.IntN(2) == 0
		if system {
			auth = "org." + word() + "." + word()
		} else {
			m := makerPackagePrefixes[rng.IntN(len(makerPackagePrefixes))]
			auth = m.prefix + word()
		}
		o := cleanObs("AnyMaker", RawAccount{Type: typ, Name: "someone@example.com"})
		o.Authenticators[typ] = auth
		o.SystemPackages[auth] = system
		r := Assess(o, AssessOptions{})
		require.NoError(t, r.Validate())
		require.False(t, r.SafeToReset, "case %d: %s by %s (system %t) judged safe", i, typ, auth, system)
		require.True(t, r.HasRisk(protocol.RiskVendorAccount), "case %d: %s by %s", i, typ, auth)
		for _, risk := range r.Risks {
			assert.NotContains(t, risk.Evidence, "someone@example.com")
		}
	}

	for i := range 500 {
		o := cleanObs("AnyMaker")
		o.Setup = SetupState{FRPActive: protocol.TriOn, Provisioned: []protocol.Tri{protocol.TriOn, protocol.TriOff, protocol.TriUnknown}[i%3]}
		if i%2 == 0 {
			o.Users = owner(RawAccount{Type: "com.example." + word(), Name: "x"})
			o.Authenticators[o.Users[0].Accounts[0].Type] = "com.example.app"
		}
		r := Assess(o, AssessOptions{})
		require.False(t, r.SafeToReset, "case %d: a phone at FRP judged safe", i)
		require.True(t, r.HasRisk(protocol.RiskFRPActive))
	}
}

// TestCleanPhonesOfEveryMakerStaySafe: failing closed must not become
// failing always. A phone of each maker with its own account app present
// but signed out, nobody managing it, FRP inactive and its probes off is
// safe.
func TestCleanPhonesOfEveryMakerStaySafe(t *testing.T) {
	for _, m := range protocol.Makers {
		for _, brand := range m.Brands {
			t.Run(brand, func(t *testing.T) {
				o := cleanObs(brand, RawAccount{Type: "com.whatsapp"})
				o.Authenticators["com.whatsapp"] = "com.whatsapp"
				for _, r := range AccountRules {
					if r.Package != "" && !r.Harmless() && strings.EqualFold(r.Maker, m.Name) {
						o.SystemPackages[r.Package] = true
					}
				}
				o.Probes = map[string]ProbeResult{}
				for _, p := range Probes {
					if run, _ := p.Applies(o.Identity, o.SystemPackages); run {
						o.Probes[p.Name] = ProbeResult{State: protocol.TriOff, Evidence: "off"}
					}
				}
				r := Assess(o, AssessOptions{})
				assert.True(t, r.SafeToReset, "a clean %s phone: %v", brand, r.Risks)
			})
		}
	}
}

func TestAssessNewLocks(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Observation)
		kinds []protocol.RiskKind
	}{
		{"device owner", func(o *Observation) { o.Management.DeviceOwner = "com.example.mdm" },
			[]protocol.RiskKind{protocol.RiskManagedDevice}},
		{"organisation-owned work profile", func(o *Observation) {
			o.Management.OrgOwnedProfileOwners = []ProfileOwner{{User: 10, Package: "com.example.mdm"}}
		}, []protocol.RiskKind{protocol.RiskManagedDevice}},
		{"reset protection policy", func(o *Observation) { o.Management.FRPPolicyAccounts = 2 },
			[]protocol.RiskKind{protocol.RiskEnterpriseFRP}},
		{"no_factory_reset", func(o *Observation) { o.Management.ResetRestricted = true },
			[]protocol.RiskKind{protocol.RiskResetRestricted}},
		{"device policy unreadable", func(o *Observation) { o.Management = Management{Reason: "permission denial"} },
			[]protocol.RiskKind{protocol.RiskUnknown}},
		{"FRP active", func(o *Observation) { o.Setup.FRPActive = protocol.TriOn },
			[]protocol.RiskKind{protocol.RiskFRPActive}},
		{"FRP unreadable on a phone in use: past FRP", func(o *Observation) {
			o.Setup = SetupState{FRPActive: protocol.TriUnknown, Provisioned: protocol.TriOn, Reason: "null"}
		}, nil},
		{"FRP unreadable on a phone in setup: could not tell", func(o *Observation) {
			o.Setup = SetupState{FRPActive: protocol.TriUnknown, Provisioned: protocol.TriOff, Reason: "null"}
		}, []protocol.RiskKind{protocol.RiskUnknown}},
		{"not set up, FRP inactive, no account: clean", func(o *Observation) {
			o.Setup = SetupState{FRPActive: protocol.TriOff, Provisioned: protocol.TriOff}
		}, nil},
		{"Knox Guard on", func(o *Observation) {
			o.Probes = map[string]ProbeResult{"Knox Guard": {State: protocol.TriOn, Evidence: "knox.kg.state=Active"}}
		}, []protocol.RiskKind{protocol.RiskKnoxGuard}},
		{"a probe unanswered", func(o *Observation) {
			o.Probes = map[string]ProbeResult{"vivo Find my phone": {State: protocol.TriUnknown, Evidence: "timed out"}}
		}, []protocol.RiskKind{protocol.RiskUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := cleanObs("Google")
			tt.edit(&o)
			r := Assess(o, AssessOptions{})
			require.NoError(t, r.Validate())
			assert.Equal(t, len(tt.kinds) == 0, r.SafeToReset)
			assert.ElementsMatch(t, tt.kinds, r.RiskKinds(), fmt.Sprint(r.Risks))
		})
	}
}
