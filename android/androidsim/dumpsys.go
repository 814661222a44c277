package androidsim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// dumpsys answers `dumpsys account` and `dumpsys account --checkin`.
func (p *Phone) dumpsys(pr *proc, args []string) {
	if len(args) == 0 {
		pr.out("Currently running services:\n  account\n  activity\n  package\n  settings\n  user\n")
		return
	}
	if args[0] == "device_policy" {
		pr.out("%s", p.devicePolicyDump())
		return
	}
	if args[0] != "account" {
		pr.err("Can't find service: %s\n", args[0])
		return
	}
	checkin := slices.Contains(args[1:], "--checkin") || slices.Contains(args[1:], "-c")
	fault := p.faults.AccountDump
	if checkin {
		fault = p.faults.Checkin
	}
	switch {
	case fault == DumpDenied && !pr.root:
		// dumpsys itself exits 0: the denial is only text.
		pr.out("Permission Denial: can't dump AccountsManager from from pid=%d, uid=2000 without permission android.permission.DUMP\n", p.nextPid())
		return
	case fault == DumpEmpty:
		return
	}
	var text string
	switch {
	case fault == DumpServicesNotLoaded:
		text = p.notLoadedDump()
	case checkin:
		text = p.checkinDump()
	default:
		text = p.fullDump()
	}
	if fault == DumpTruncated {
		text = truncateDump(text)
	}
	pr.out("%s", text)
}

func accountString(a Account) string {
	return "Account {name=" + a.Name + ", type=" + a.Type + "}"
}

// fullDump renders every user block of `dumpsys account`, with the noise
// real phones print after the account list.
func (p *Phone) fullDump() string {
	var b strings.Builder
	for _, u := range p.users {
		fmt.Fprintf(&b, "User %s:\n", userInfo(u))
		fmt.Fprintf(&b, "  Accounts: %d\n", len(u.Accounts))
		for _, a := range u.Accounts {
			fmt.Fprintf(&b, "    %s\n", accountString(a))
		}
		b.WriteString("\n")
		writeHistory(&b, u)
		b.WriteString("\n")
		p.writeSessions(&b, u)
		b.WriteString("\n")
		p.writeServices(&b, u)
		if u.Running && len(u.Accounts) > 0 {
			b.WriteString("\n")
			writeVisibility(&b, u)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// historyBase dates the simulated account history; it is fixed so that
// golden files stay stable.
var historyBase = time.Date(2024, 3, 2, 9, 14, 3, 0, time.UTC)

func writeHistory(b *strings.Builder, u User) {
	b.WriteString("  AccountId, Action_Type, timestamp, UID, TableName, Key\n")
	b.WriteString("  Accounts History\n")
	for i := range u.Accounts {
		at := historyBase.Add(time.Duration(u.ID*24+i*37) * time.Hour).Add(time.Duration(i*211) * time.Second)
		fmt.Fprintf(b, "  %d,action_account_add,%s,1000,accounts,%d\n", i+1, at.Format(time.DateTime), i+1)
		fmt.Fprintf(b, "  %d,action_called_account_add,%s,%d,accounts,%d\n", i+1, at.Add(2*time.Second).Format(time.DateTime), 10140+i, i+1)
	}
}

// sessionAccount is the account an unrelated app session mentions: it is in
// no account list, so a parser that reads Session lines finds a phantom.
var sessionAccount = Account{Name: "someone.else@example.org", Type: "com.microsoft.appmanager"}

func (p *Phone) writeSessions(b *strings.Builder, u User) {
	if u.ID != 0 || !u.Running {
		b.WriteString("  Active Sessions: 0\n")
		return
	}
	b.WriteString("  Active Sessions: 1\n")
	fmt.Fprintf(b, "    Session: expectLaunch false, connected true, stats (1/0/0), lifetime 0.218, getAuthToken, %s, authTokenType oauth2:https://graph.example.com/.default, loginOptions Bundle[mParcelledData.dataSize=80], notifyOnAuthFailure true\n",
		accountString(sessionAccount))
}

// authenticator is an installed account authenticator, for the
// RegisteredServicesCache section.
type authenticator struct {
	typ, component string
}

func (p *Phone) authenticators(u User) []authenticator {
	list := []authenticator{
		{TypeGoogle, "com.google.android.gms/com.google.android.gms.auth.account.authenticator.GoogleAccountAuthenticatorService"},
		{TypeExchange, "com.google.android.gm/com.android.email.service.EasAuthenticatorServiceAlternate"},
		{TypeWhatsApp, "com.whatsapp/com.whatsapp.accountsync.AccountAuthenticatorService"},
		{sessionAccount.Type, "com.microsoft.appmanager/com.microsoft.appmanager.accounts.AccountAuthenticatorService"},
	}
	switch {
	case p.id.isXiaomi():
		list = append(list, authenticator{TypeXiaomi, "com.xiaomi.account/com.xiaomi.passport.accountmanager.MiAuthenticatorService"})
	case p.id.isSamsung():
		list = append(list, authenticator{TypeSamsung, "com.osp.app.signin/com.samsung.android.samsungaccount.authenticator.AuthenticatorService"})
	case p.id.EMUI != "":
		list = append(list, authenticator{TypeHuawei, "com.huawei.hwid/com.huawei.hms.account.HwIDAuthenticatorService"})
	case p.id.isVivo():
		list = append(list, authenticator{TypeVivo, "com.bbk.account/com.bbk.account.service.AccountAuthenticatorService"})
	case p.id.isHonor():
		list = append(list, authenticator{TypeHonor, "com.hihonor.id/com.hihonor.id.authenticator.HnIDAuthenticatorService"})
	}
	for typ, component := range vendorAuthenticators {
		if slices.ContainsFunc(u.Accounts, func(a Account) bool { return a.Type == typ }) {
			list = append(list, authenticator{typ, component})
		}
	}
	for _, a := range u.Accounts {
		if !slices.ContainsFunc(list, func(x authenticator) bool { return x.typ == a.Type }) {
			list = append(list, authenticator{a.Type, a.Type + "/" + a.Type + ".AuthenticatorService"})
		}
	}
	return list
}

func (p *Phone) writeServices(b *strings.Builder, u User) {
	list := p.authenticators(u)
	fmt.Fprintf(b, "  RegisteredServicesCache: %d services\n", len(list))
	for i, a := range list {
		fmt.Fprintf(b, "    ServiceInfo: AuthenticatorDescription {type=%s}, ComponentInfo{%s}, uid %d\n",
			a.typ, a.component, u.ID*100000+10140+i*13)
	}
}

// writeVisibility lists which packages see each account. It repeats every
// account as Account {…} text outside the account list.
func writeVisibility(b *strings.Builder, u User) {
	b.WriteString("  Account visibility:\n")
	for _, a := range u.Accounts {
		fmt.Fprintf(b, "    %s\n", accountString(a))
		b.WriteString("      android:accounts:key_legacy_visible, 1\n")
		if a.Type == TypeGoogle {
			b.WriteString("      com.google.android.gms, 1\n")
		}
	}
}

// checkinDump renders `dumpsys account --checkin`: per user, one
// "type,count" line per account type, in type order.
func (p *Phone) checkinDump() string {
	var b strings.Builder
	for _, u := range p.users {
		fmt.Fprintf(&b, "User %s:\n", userInfo(u))
		counts := map[string]int{}
		for _, a := range u.Accounts {
			counts[a.Type]++
		}
		types := make([]string, 0, len(counts))
		for t := range counts {
			types = append(types, t)
		}
		slices.Sort(types)
		for _, t := range types {
			fmt.Fprintf(&b, "  %s,%d\n", t, counts[t])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// notLoadedDump is the account service before its authenticators are
// loaded: every user has, it says, no account.
func (p *Phone) notLoadedDump() string {
	var b strings.Builder
	for _, u := range p.users {
		fmt.Fprintf(&b, "User %s:\n", userInfo(u))
		b.WriteString("  Accounts: 0\n\n")
		b.WriteString("  AccountId, Action_Type, timestamp, UID, TableName, Key\n  Accounts History\n\n")
		b.WriteString("  Active Sessions: 0\n\n")
		b.WriteString("  RegisteredServicesCache: services not loaded\n\n")
	}
	return b.String()
}

// truncateDump cuts a dump inside its first account entry (a full dump's
// "Account {name=" or a checkin "type,count" line), or inside the first
// count line when no user has an account, as a dropped adb stream does.
func truncateDump(text string) string {
	for _, marker := range []string{"    Account {name=", "\n  com.", "\n  org."} {
		if i := strings.Index(text, marker); i >= 0 {
			return text[:min(len(text), i+len(marker)+3)]
		}
	}
	// Cut before the count's digits, so no block can look complete.
	if i := strings.Index(text, "  Accounts: "); i >= 0 {
		return text[:i+6]
	}
	return text[:len(text)/2]
}
