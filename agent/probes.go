package agent

import (
	"slices"
	"strings"

	"github.com/unbind/unbind/protocol"
)

// A Probe is a check beyond the account list: a setting, a content provider
// or a system property through which a phone maker's own anti-theft lock
// shows. The Phone runs every probe that applies to it and reports each
// answer by the probe's Name; Assess turns an answer of "on" into a risk of
// Kind and an answer it could not get into "could not tell".
type Probe struct {
	// Name names the check in reports and logs, e.g. "vivo Find my phone".
	Name string
	// Kind is the risk when the probe reads on.
	Kind protocol.RiskKind
	// Brands are the lower-case manufacturers or brands whose phones run
	// it; a phone that did not say who made it runs it too.
	Brands []string
	// IfPackage, when set, runs the probe only on those phones that also
	// have this system package.
	IfPackage string

	// Exactly one of the following says what to read.

	// Setting is a settings namespace and key; 1 is on, 0 or an absent
	// key off.
	Setting *SettingKey
	// Provider is a content URI: a row is on, "No result found." off.
	Provider string
	// Property is a system property; OnValues and OffValues (compared
	// without case) say what its values mean, an absent or empty property
	// is off, any other value could not be told.
	Property  string
	OnValues  []string
	OffValues []string

	Sure   string
	Source string
}

// SettingKey names one setting.
type SettingKey struct{ Namespace, Key string }

// Probes lists every probe. Adding a maker's lock that shows through a
// setting, a provider or a property is one entry here.
var Probes = []Probe{
	{Name: "vivo Find my phone", Kind: protocol.RiskVivoFindPhone, Brands: []string{"vivo", "iqoo"},
		Setting: &SettingKey{"system", "isFindPhoneOpened"}, Sure: SureRead,
		Source: "FuntouchOS 2.5.1 Settings (vivo_apps_funtouchos2.5.1, ClearAllDataConfirm.smali); current builds open"},
	{Name: "HeyTap account", Kind: protocol.RiskHeyTapAccount, Brands: []string{"oppo", "realme", "oneplus"},
		IfPackage: "com.coloros.findmyphone",
		Provider:  "content://com.oppo.usercenter.accountinfo", Sure: SureDerived,
		Source: "ColorOS Settings FindMyPhonePreferenceController; HeyTap SDK provider constant; shell access derived as denied"},
	{Name: "Knox Guard", Kind: protocol.RiskKnoxGuard, Brands: []string{"samsung"},
		Property: "knox.kg.state", OnValues: []string{"prenormal", "checking", "active", "locked"},
		OffValues: []string{"completed"}, Sure: SureRead,
		Source: "Samsung services.jar KnoxGuardSeService (states Prenormal, Checking, Active, Locked, Completed, Error)"},
}

// ProbeResult is one probe's answer.
type ProbeResult struct {
	State protocol.Tri
	// Evidence says what was read (a value, "no row"), free of personal
	// data; when State is unknown, why nothing could be read.
	Evidence string
}

// Applies reports whether p runs on a phone of this identity with these
// system packages (nil: not read). needPackages asks for the packages when
// only they can tell.
func (p Probe) Applies(id protocol.Identity, systemPackages map[string]bool) (run bool, needPackages bool) {
	if !p.madeBy(id) {
		return false, false
	}
	if p.IfPackage == "" {
		return true, false
	}
	if systemPackages == nil {
		return false, true
	}
	return systemPackages[p.IfPackage], false
}

// madeBy reports whether the phone is of one of p's brands; a phone that did
// not say who made it is of every brand.
func (p Probe) madeBy(id protocol.Identity) bool {
	if len(p.Brands) == 0 || id.Manufacturer == "" && id.Brand == "" {
		return true
	}
	for _, s := range []string{id.Manufacturer, id.Brand} {
		if slices.Contains(p.Brands, strings.ToLower(strings.TrimSpace(s))) {
			return true
		}
	}
	return false
}

// PropertyState reads a property probe's value.
func (p Probe) PropertyState(value string) protocol.Tri {
	v := strings.ToLower(strings.TrimSpace(value))
	switch {
	case v == "":
		return protocol.TriOff
	case slices.Contains(p.OnValues, v):
		return protocol.TriOn
	case slices.Contains(p.OffValues, v):
		return protocol.TriOff
	}
	return protocol.TriUnknown
}
