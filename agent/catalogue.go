package agent

import (
	"strings"

	"github.com/unbind/unbind/protocol"
)

// How sure the catalogue is of an entry (the domain notes' words).
const (
	// SureRead: read in source code or official documentation.
	SureRead = "read"
	// SureObserved: seen on real phones, not in a specification.
	SureObserved = "observed"
	// SureDerived: follows from code read, not captured.
	SureDerived = "derived"
	// SureOpen: not verified; the entry fails closed either way.
	SureOpen = "open"
)

// AccountRule is one entry of the account catalogue: an account type, or
// the package that provides accounts (its authenticator), and what an
// account of it means for a reset.
type AccountRule struct {
	// Type is the account type as `dumpsys account` prints it; "" when the
	// rule matches by Package.
	Type string
	// Package is the authenticator's package; "" when the rule matches by
	// Type.
	Package string
	// Maker names the phone maker or app publisher, for people.
	Maker string
	// Kind is the lock such an account arms; "" for an account that cannot
	// lock a phone.
	Kind protocol.RiskKind
	// Why says why a harmless account cannot lock the phone.
	Why    string
	Sure   string
	Source string
}

// Harmless reports whether accounts of this rule never lock a phone.
func (r AccountRule) Harmless() bool { return r.Kind == "" }

// Reasons a harmless account cannot lock a phone.
const (
	whyAppAccount  = "an app's own sign-in: the reset removes the app and its account, and no app outside the system can hold a lock across a reset"
	whyMailAccount = "a mail or contacts sync account: no anti-theft lock is tied to it"
	whySIMContacts = "the phone's own contacts or SIM store, not an online account"
)

// Account types that arm an activation lock (domain notes, "The problem").
const (
	AccountTypeXiaomi  = "com.xiaomi"
	AccountTypeGoogle  = "com.google"
	AccountTypeSamsung = "com.osp.app.signin"
	AccountTypeHuawei  = "com.huawei.hwid"
)

// AccountRules is the account catalogue. Every account on every user is
// judged by it: a lock, harmless, or unknown to it. An account it does not
// know is judged by its authenticator package (see ClassifyAccount).
var AccountRules = []AccountRule{
	// Locks.
	{Type: AccountTypeXiaomi, Maker: "Xiaomi", Kind: protocol.RiskMiAccount, Sure: SureRead,
		Source: "domain notes; Xiaomi account package com.xiaomi.account"},
	{Type: AccountTypeGoogle, Maker: "Google", Kind: protocol.RiskGoogleFRP, Sure: SureRead,
		Source: "AOSP PersistentDataBlockService; source.android.com factory reset protection"},
	{Type: "com.google.work", Maker: "Google", Kind: protocol.RiskGoogleFRP, Sure: SureOpen,
		Source: "Google Workspace / managed Google Play account type; treated as a Google account"},
	{Type: AccountTypeSamsung, Maker: "Samsung", Kind: protocol.RiskSamsungReactivation, Sure: SureRead,
		Source: "Samsung Settings code (domain notes)"},
	{Type: AccountTypeHuawei, Maker: "HUAWEI", Kind: protocol.RiskHuaweiID, Sure: SureOpen,
		Source: "type string seen; Phone Finder behaviour not read"},
	{Package: "com.huawei.hwid", Maker: "HUAWEI", Kind: protocol.RiskHuaweiID, Sure: SureOpen,
		Source: "HMS Core account package"},
	{Type: "BBKOnLineService", Maker: "vivo", Kind: protocol.RiskVivoAccount, Sure: SureRead,
		Source: "FuntouchOS 2.5.1 Settings AccountSettings.smali; current builds open"},
	{Package: "com.bbk.account", Maker: "vivo", Kind: protocol.RiskVivoAccount, Sure: SureRead,
		Source: "FuntouchOS 2.5.1 Settings AccountSettings.smali (authenticator of BBKOnLineService)"},
	{Type: "com.hihonor.id", Maker: "HONOR", Kind: protocol.RiskHonorID, Sure: SureOpen,
		Source: "package com.hihonor.id; the type string is assumed to equal it"},
	{Package: "com.hihonor.id", Maker: "HONOR", Kind: protocol.RiskHonorID, Sure: SureRead,
		Source: "HONOR ID package com.hihonor.id"},
	{Package: "com.heytap.usercenter", Maker: "OPPO", Kind: protocol.RiskHeyTapAccount, Sure: SureDerived,
		Source: "HeyTap account package (ColorOS); when it is listed as an account at all"},
	{Package: "com.oppo.usercenter", Maker: "OPPO", Kind: protocol.RiskHeyTapAccount, Sure: SureDerived,
		Source: "older OPPO account package (ColorOS 5-7)"},

	// Harmless: accounts that cannot lock a phone. Only system apps can
	// hold a lock across a reset, so only system-provided types need an
	// entry; third-party apps are harmless by rule.
	{Type: "com.google.android.gm.exchange", Maker: "Google", Why: whyMailAccount, Sure: SureRead,
		Source: "Gmail's Exchange authenticator (com.google.android.gm)"},
	{Type: "com.google.android.gm.legacyimap", Maker: "Google", Why: whyMailAccount, Sure: SureRead,
		Source: "Gmail's IMAP/POP authenticator (com.google.android.gm)"},
	{Type: "com.google.android.gm.pop3", Maker: "Google", Why: whyMailAccount, Sure: SureRead,
		Source: "Gmail's POP3 authenticator (com.google.android.gm)"},
	{Type: "com.android.exchange", Maker: "AOSP", Why: whyMailAccount, Sure: SureRead,
		Source: "AOSP Email app (packages/apps/Email)"},
	{Type: "com.android.email", Maker: "AOSP", Why: whyMailAccount, Sure: SureRead,
		Source: "AOSP Email app (packages/apps/Email)"},
	{Type: "com.samsung.android.exchange", Maker: "Samsung", Why: whyMailAccount, Sure: SureDerived,
		Source: "Samsung Email's Exchange account"},
	{Type: "com.google.android.apps.tachyon", Maker: "Google", Why: whyAppAccount, Sure: SureDerived,
		Source: "Google Meet (Duo) calling account, preinstalled on Pixels"},
	{Type: "com.android.localphone", Maker: "AOSP", Why: whySIMContacts, Sure: SureDerived,
		Source: "local phone contacts store"},
	{Type: "com.android.sim", Maker: "AOSP", Why: whySIMContacts, Sure: SureDerived,
		Source: "SIM contacts store"},
	{Type: "com.whatsapp", Maker: "WhatsApp", Why: whyAppAccount, Sure: SureDerived,
		Source: "a third-party app; listed so its phones need not be asked who provides it"},
	{Type: "org.telegram.messenger", Maker: "Telegram", Why: whyAppAccount, Sure: SureDerived,
		Source: "a third-party app; listed so its phones need not be asked who provides it"},
	{Type: "com.microsoft.appmanager", Maker: "Microsoft", Why: whyAppAccount, Sure: SureDerived,
		Source: "Link to Windows, preinstalled on Samsung phones: a system app there, with no lock of its own"},
}

// makerPackagePrefixes name the package namespaces of phone makers. An
// account whose authenticator lives in one, and that the catalogue does not
// know, is a maker's account Unbind cannot judge.
var makerPackagePrefixes = []struct{ prefix, maker string }{
	{"com.xiaomi.", "Xiaomi"}, {"com.miui.", "Xiaomi"}, {"com.mi.", "Xiaomi"},
	{"com.samsung.", "Samsung"}, {"com.sec.", "Samsung"}, {"com.osp.", "Samsung"},
	{"com.huawei.", "HUAWEI"}, {"com.hihonor.", "HONOR"}, {"com.honor.", "HONOR"},
	{"com.vivo.", "vivo"}, {"com.bbk.", "vivo"}, {"com.iqoo.", "vivo"},
	{"com.oppo.", "OPPO"}, {"com.coloros.", "OPPO"}, {"com.heytap.", "OPPO"}, {"com.oplus.", "OPPO"},
	{"com.realme.", "realme"}, {"com.oneplus.", "OnePlus"},
	{"com.motorola.", "Motorola"}, {"com.lenovo.", "Lenovo"},
	{"com.transsion.", "Transsion"}, {"com.tecno.", "Transsion"}, {"com.infinix.", "Transsion"},
	{"com.asus.", "ASUS"}, {"com.sonymobile.", "Sony"}, {"com.sony.", "Sony"},
	{"com.lge.", "LG"}, {"com.nothing.", "Nothing"}, {"com.zte.", "ZTE"}, {"cn.nubia.", "ZTE"},
	{"com.google.android.", "Google"}, {"com.android.", "Android"},
}

// makerOfPackage names the maker whose namespace holds pkg.
func makerOfPackage(pkg string) (string, bool) {
	for _, m := range makerPackagePrefixes {
		if strings.HasPrefix(pkg+".", m.prefix) {
			return m.maker, true
		}
	}
	return "", false
}

// Verdicts of ClassifyAccount.
type AccountClass int

const (
	// AccountHarmless: cannot lock the phone.
	AccountHarmless AccountClass = iota
	// AccountLock: arms the lock named by the rule's Kind.
	AccountLock
	// AccountUnjudged: provided by a maker's or a system app the catalogue
	// does not know: a risk.
	AccountUnjudged
	// AccountUnknown: nobody could tell who provides it: could not tell.
	AccountUnknown
)

// AccountJudgement is what the catalogue says of one account type.
type AccountJudgement struct {
	Class AccountClass
	// Rule is the catalogue entry that decided, if one did.
	Rule AccountRule
	// Package is the authenticator, when known.
	Package string
	// Maker names the maker of an unjudged account ("a system app" when
	// only the system flag told).
	Maker string
	// Reason explains an unknown.
	Reason string
}

// ClassifyAccount judges an account type. auth is the package providing the
// type ("" when unknown); system tells whether that package is a system
// app (unknown when the package list was not read). It is the one rule
// that turns an account into a lock, a harmless account or a risk:
//
//   - a catalogue entry for the type, then for the package, decides;
//   - otherwise a package (or a type) in a phone maker's namespace, or any
//     system package, is a maker's account Unbind cannot judge: a risk;
//   - a package known not to be a system app is an app's own account:
//     harmless, since only system code can keep a lock across a reset;
//   - anything else could not be told.
func ClassifyAccount(accountType, auth string, system protocol.Tri) AccountJudgement {
	for _, r := range AccountRules {
		if r.Type != "" && r.Type == accountType {
			return judged(r, auth)
		}
	}
	if auth != "" {
		for _, r := range AccountRules {
			if r.Package != "" && r.Package == auth {
				return judged(r, auth)
			}
		}
	}
	switch {
	case auth != "":
		if maker, ok := makerOfPackage(auth); ok {
			return AccountJudgement{Class: AccountUnjudged, Package: auth, Maker: maker}
		}
		switch system {
		case protocol.TriOn:
			return AccountJudgement{Class: AccountUnjudged, Package: auth, Maker: "a system app"}
		case protocol.TriOff:
			return AccountJudgement{Class: AccountHarmless, Package: auth,
				Rule: AccountRule{Package: auth, Why: whyAppAccount, Sure: SureDerived, Source: "not a system package"}}
		}
		return AccountJudgement{Class: AccountUnknown, Package: auth,
			Reason: "could not tell whether " + auth + " is a system app"}
	default:
		if maker, ok := makerOfPackage(accountType); ok {
			return AccountJudgement{Class: AccountUnjudged, Maker: maker}
		}
		return AccountJudgement{Class: AccountUnknown, Reason: "could not tell which app provides it"}
	}
}

func judged(r AccountRule, auth string) AccountJudgement {
	if r.Harmless() {
		return AccountJudgement{Class: AccountHarmless, Rule: r, Package: auth}
	}
	return AccountJudgement{Class: AccountLock, Rule: r, Package: auth, Maker: r.Maker}
}

// KnownAccountType reports whether the catalogue judges accountType by its
// type alone, so the phone need not be asked who provides it.
func KnownAccountType(accountType string) bool {
	for _, r := range AccountRules {
		if r.Type != "" && r.Type == accountType {
			return true
		}
	}
	return false
}

// LockKind returns the risk an account of this type carries by its type
// alone, if any.
func LockKind(accountType string) (protocol.RiskKind, bool) {
	for _, r := range AccountRules {
		if r.Type == accountType && !r.Harmless() {
			return r.Kind, true
		}
	}
	return "", false
}
