package agent

import (
	"fmt"
	"sort"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Account types that arm an activation lock (domain notes, "The problem").
const (
	AccountTypeXiaomi  = "com.xiaomi"
	AccountTypeGoogle  = "com.google"
	AccountTypeSamsung = "com.osp.app.signin"
	AccountTypeHuawei  = "com.huawei.hwid"
)

var lockByAccountType = map[string]protocol.RiskKind{
	AccountTypeXiaomi:  protocol.RiskMiAccount,
	AccountTypeGoogle:  protocol.RiskGoogleFRP,
	AccountTypeSamsung: protocol.RiskSamsungReactivation,
	AccountTypeHuawei:  protocol.RiskHuaweiID,
}

// LockKind returns the risk an account of this type carries, if any.
func LockKind(accountType string) (protocol.RiskKind, bool) {
	k, ok := lockByAccountType[accountType]
	return k, ok
}

// CheckLostMode names the lost-mode check in Problems and risks.
const CheckLostMode = "lost mode"

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
	}
	if r.CheckedAt.IsZero() {
		r.CheckedAt = time.Now().UTC()
	}
	name := MaskAccountName
	if opts.ShowAccountNames {
		name = func(s string) string { return s }
	}

	hasMi := false
	for _, u := range obs.Users {
		for _, a := range u.Accounts {
			r.Accounts = append(r.Accounts, protocol.Account{User: u.UserID, Type: a.Type, Name: name(a.Name)})
			kind, ok := LockKind(a.Type)
			if !ok {
				continue
			}
			hasMi = hasMi || a.Type == AccountTypeXiaomi
			r.Risks = append(r.Risks, protocol.Risk{
				Kind:     kind,
				User:     intPtr(u.UserID),
				Check:    "accounts",
				Evidence: fmt.Sprintf("%s account signed in for user %d", a.Type, u.UserID),
				Account:  name(a.Name),
			})
		}
	}

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
			Kind: protocol.RiskUnknown, Check: "accounts", Evidence: "no user's accounts were read",
		})
	}
	complete := len(obs.Problems) == 0 && len(obs.Users) > 0
	// Find Device needs a Mi account, so it is ruled out by account lists
	// read in full; a failed lost-mode read says nothing about accounts.
	accountsComplete := len(obs.Users) > 0
	for _, p := range obs.Problems {
		accountsComplete = accountsComplete && p.Check == CheckLostMode
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
