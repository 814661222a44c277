package agent

import (
	"fmt"
	"sort"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Names of the checks beyond the account lists, in Problems and risks.
const (
	CheckLostMode       = "lost mode"
	CheckDevicePolicy   = "device policy"
	CheckSetup          = "reset protection state"
	CheckAuthenticators = "account providers"
	checkAccounts       = "accounts"
)

// accountCheck reports whether a problem of this check leaves an account
// list unread.
func accountCheck(check string) bool {
	switch check {
	case CheckLostMode, CheckDevicePolicy, CheckSetup, CheckAuthenticators:
		return false
	}
	for _, p := range Probes {
		if p.Name == check {
			return false
		}
	}
	return true
}

// AssessOptions tune how a report is written, never what it concludes.
type AssessOptions struct {
	// ShowAccountNames puts raw account names in the report. Off by default:
	// names are personal data.
	ShowAccountNames bool
}

// Assess turns an observation into a report. It is the single place where
// Unbind decides whether a phone is safe to reset; the rule is that every
// check must have answered and none may show a lock. A check that did not
// answer is a risk of kind unknown.
func Assess(obs Observation, opts AssessOptions) protocol.Report {
	r := protocol.Report{
		Device:     obs.Identity,
		FindDevice: orUnknown(obs.FindDevice),
		LostMode:   orUnknown(obs.LostMode),
		Rooted:     obs.Rooted,
		CheckedAt:  obs.ObservedAt.UTC(),
		BootID:     obs.BootID,
		Catalogue:  protocol.CatalogueRevision,
	}
	if r.CheckedAt.IsZero() {
		r.CheckedAt = time.Now().UTC()
	}
	if obs.Setup.FRPActive != "" || obs.Setup.Provisioned != "" || obs.Setup.TradeIn {
		r.Setup = &protocol.SetupState{Provisioned: orUnknown(obs.Setup.Provisioned),
			FRPActive: orUnknown(obs.Setup.FRPActive), TradeIn: obs.Setup.TradeIn}
	}
	if obs.Setup.TradeIn {
		return assessTradeIn(obs, r)
	}
	name := MaskAccountName
	if opts.ShowAccountNames {
		name = func(s string) string { return s }
	}

	hasMi := false
	for _, u := range obs.Users {
		for _, a := range u.Accounts {
			r.Accounts = append(r.Accounts, protocol.Account{User: u.UserID, Type: a.Type, Name: name(a.Name)})
			if risk, ok := accountRisk(obs, u.UserID, a, name); ok {
				r.Risks = append(r.Risks, risk)
			}
			hasMi = hasMi || a.Type == AccountTypeXiaomi
		}
	}
	r.Risks = append(r.Risks, managementRisks(obs.Management)...)
	r.Risks = append(r.Risks, setupRisks(obs.Setup)...)
	r.Risks = append(r.Risks, probeRisks(obs.Probes)...)

	for _, p := range obs.Problems {
		r.Risks = append(r.Risks, protocol.Risk{
			Kind:     protocol.RiskUnknown,
			User:     p.User,
			Check:    p.Check,
			Evidence: "could not verify: " + p.Reason,
		})
	}
	if len(obs.Users) == 0 && len(obs.Problems) == 0 {
		// Every phone has user 0; an empty list is a read that went wrong.
		r.Risks = append(r.Risks, protocol.Risk{
			Kind: protocol.RiskUnknown, Check: checkAccounts, Evidence: "no user's accounts were read",
		})
	}
	complete := len(obs.Problems) == 0 && len(obs.Users) > 0
	// Find Device needs a Mi account, so it is ruled out by account lists
	// read in full; a failed lost-mode read says nothing about accounts.
	accountsComplete := len(obs.Users) > 0
	for _, p := range obs.Problems {
		accountsComplete = accountsComplete && !accountCheck(p.Check)
	}

	switch {
	case r.FindDevice == protocol.TriOn:
		r.Risks = append(r.Risks, protocol.Risk{
			Kind: protocol.RiskFindDevice, Check: "find device", Evidence: "Find Device reports on",
		})
	case r.FindDevice == protocol.TriUnknown && hasMi:
		r.Risks = append(r.Risks, protocol.Risk{
			Kind: protocol.RiskFindDevice, Check: "find device",
			Evidence: "Find Device state unreadable (" + reasonOr(obs.FindDeviceReason) +
				"); a Mi account is signed in, so Find Device is treated as on",
		})
	case r.FindDevice == protocol.TriUnknown && accountsComplete:
		// Find Device cannot be on without a com.xiaomi account (confirmed),
		// and every account list was read, so it is off.
		r.FindDevice = protocol.TriOff
	case r.FindDevice == protocol.TriUnknown:
		r.Risks = append(r.Risks, protocol.Risk{
			Kind: protocol.RiskUnknown, Check: "find device",
			Evidence: "Find Device state unreadable (" + reasonOr(obs.FindDeviceReason) +
				") and the account lists are incomplete",
		})
	}

	switch r.LostMode {
	case protocol.TriOn:
		r.Risks = append(r.Risks, protocol.Risk{
			Kind: protocol.RiskLostMode, Check: CheckLostMode, Evidence: "the phone is remotely locked (lost mode)",
		})
	case protocol.TriUnknown:
		if complete { // otherwise a Problem already explains it
			r.Risks = append(r.Risks, protocol.Risk{
				Kind: protocol.RiskUnknown, Check: CheckLostMode, Evidence: "lost-mode state unknown",
			})
		}
	}

	sort.SliceStable(r.Risks, func(i, j int) bool { return riskOrder(r.Risks[i]) < riskOrder(r.Risks[j]) })
	r.SafeToReset = len(r.Risks) == 0
	if r.Risks == nil {
		r.Risks = []protocol.Risk{}
	}
	return r
}

// RiskSummary lists the distinct risk kinds of a report, for short messages.
func RiskSummary(r protocol.Report) string {
	return protocol.JoinRiskKinds(r.RiskKinds(), ", ")
}

func riskOrder(r protocol.Risk) int {
	for i, k := range protocol.RiskKinds {
		if r.Kind == k {
			return i
		}
	}
	return len(protocol.RiskKinds)
}

func orUnknown(t protocol.Tri) protocol.Tri {
	if t == "" {
		return protocol.TriUnknown
	}
	return t
}

func reasonOr(reason string) string {
	if reason == "" {
		return "no answer"
	}
	return reason
}

func intPtr(i int) *int { return &i }

// accountRisk judges one account by the catalogue.
func accountRisk(obs Observation, user int, a RawAccount, name func(string) string) (protocol.Risk, bool) {
	auth := obs.Authenticators[a.Type]
	system := protocol.TriUnknown
	if obs.SystemPackages != nil && auth != "" {
		system = protocol.TriOff
		if obs.SystemPackages[auth] {
			system = protocol.TriOn
		}
	}
	j := ClassifyAccount(a.Type, auth, system)
	risk := protocol.Risk{User: intPtr(user), Check: checkAccounts, Account: name(a.Name)}
	switch j.Class {
	case AccountHarmless:
		return protocol.Risk{}, false
	case AccountLock:
		risk.Kind = j.Rule.Kind
		risk.Evidence = fmt.Sprintf("%s account signed in for user %d", a.Type, user)
	case AccountUnjudged:
		risk.Kind = protocol.RiskVendorAccount
		by := ""
		if j.Package != "" {
			by = " (provided by " + j.Package + ")"
		}
		risk.Evidence = fmt.Sprintf("an account of %s that Unbind cannot judge is signed in for user %d: type %s%s",
			j.Maker, user, a.Type, by)
	default:
		risk.Kind = protocol.RiskUnknown
		risk.Check = CheckAuthenticators
		risk.Evidence = fmt.Sprintf("could not verify the %s account of user %d: %s", a.Type, user, j.Reason)
	}
	return risk, true
}

// managementRisks are the locks of a managed phone; an unread device policy
// could not be told.
func managementRisks(m Management) []protocol.Risk {
	if !m.Read {
		return []protocol.Risk{{Kind: protocol.RiskUnknown, Check: CheckDevicePolicy,
			Evidence: "could not verify who manages the phone: " + reasonOr(m.Reason)}}
	}
	var risks []protocol.Risk
	if m.DeviceOwner != "" {
		risks = append(risks, protocol.Risk{Kind: protocol.RiskManagedDevice, Check: CheckDevicePolicy,
			Evidence: "device owner " + m.DeviceOwner + " manages the phone"})
	}
	for _, po := range m.OrgOwnedProfileOwners {
		risks = append(risks, protocol.Risk{Kind: protocol.RiskManagedDevice, Check: CheckDevicePolicy, User: intPtr(po.User),
			Evidence: fmt.Sprintf("profile owner %s of user %d manages an organisation-owned phone", po.Package, po.User)})
	}
	if m.FRPPolicyAccounts > 0 {
		risks = append(risks, protocol.Risk{Kind: protocol.RiskEnterpriseFRP, Check: CheckDevicePolicy,
			Evidence: fmt.Sprintf("a reset protection policy names %d admin account(s)", m.FRPPolicyAccounts)})
	}
	if m.ResetRestricted {
		risks = append(risks, protocol.Risk{Kind: protocol.RiskResetRestricted, Check: CheckDevicePolicy,
			Evidence: "the no_factory_reset restriction is set"})
	}
	return risks
}

// setupRisks: a phone already at FRP is locked; one whose FRP state is
// unreadable is judged by whether it finished setup, since the challenge
// only stands between a reset and the end of setup.
func setupRisks(s SetupState) []protocol.Risk {
	switch {
	case s.FRPActive == protocol.TriOn:
		return []protocol.Risk{{Kind: protocol.RiskFRPActive, Check: CheckSetup,
			Evidence: "secure_frp_mode is 1: the phone waits for the previous owner's Google account"}}
	case s.FRPActive == protocol.TriOff, s.Provisioned == protocol.TriOn:
		return nil
	}
	return []protocol.Risk{{Kind: protocol.RiskUnknown, Check: CheckSetup,
		Evidence: "could not verify that the phone is not waiting at reset protection: " + reasonOr(s.Reason)}}
}

// probeRisks turns the probes' answers into risks, in catalogue order.
func probeRisks(results map[string]ProbeResult) []protocol.Risk {
	var risks []protocol.Risk
	for _, p := range Probes {
		res, ok := results[p.Name]
		if !ok {
			continue
		}
		switch res.State {
		case protocol.TriOn:
			risks = append(risks, protocol.Risk{Kind: p.Kind, Check: p.Name, Evidence: p.Name + " reads on: " + res.Evidence})
		case protocol.TriOff:
		default:
			risks = append(risks, protocol.Risk{Kind: protocol.RiskUnknown, Check: p.Name,
				Evidence: "could not verify " + p.Name + ": " + reasonOr(res.Evidence)})
		}
	}
	return risks
}

// assessTradeIn judges a phone seen only through Android 16's trade-in mode:
// a factory-reset phone before setup, with no account, whose status says
// whether Google's reset protection holds it. A maker whose own lock lives
// on its servers cannot be read there, so its phones could not be told.
func assessTradeIn(obs Observation, r protocol.Report) protocol.Report {
	const check = "trade-in mode"
	r.FindDevice, r.LostMode = protocol.TriOff, protocol.TriOff
	switch obs.Setup.FRPActive {
	case protocol.TriOn:
		r.Risks = append(r.Risks, protocol.Risk{Kind: protocol.RiskFRPActive, Check: check,
			Evidence: "trade-in mode reports factory_reset_protection: the phone waits for the previous owner's Google account"})
	case protocol.TriOff:
	default:
		r.Risks = append(r.Risks, protocol.Risk{Kind: protocol.RiskUnknown, Check: check, Evidence: "trade-in mode gave no FRP state"})
	}
	if m, ok := protocol.MakerOf(obs.Identity); ok && m.Name != "Google" {
		r.FindDevice, r.LostMode = protocol.TriUnknown, protocol.TriUnknown
		r.Risks = append(r.Risks, protocol.Risk{Kind: protocol.RiskUnknown, Check: check,
			Evidence: "trade-in mode shows Google's reset protection only; " + m.Name + "'s own lock cannot be read before setup"})
	}
	r.SafeToReset = len(r.Risks) == 0
	if r.Risks == nil {
		r.Risks = []protocol.Risk{}
	}
	return r
}
