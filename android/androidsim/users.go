package androidsim

import "slices"

// Account types the simulated phones carry. The first four arm an activation
// lock (domain notes, "The problem"); the others are noise a parser must not
// mistake for a lock.
const (
	TypeGoogle   = "com.google"
	TypeXiaomi   = "com.xiaomi"
	TypeSamsung  = "com.osp.app.signin"
	TypeHuawei   = "com.huawei.hwid"
	TypeWhatsApp = "com.whatsapp"
	TypeTelegram = "org.telegram.messenger"
	TypeExchange = "com.google.android.gm.exchange"
	// TypeVivo is the vivo account (authenticator com.bbk.account).
	TypeVivo = "BBKOnLineService"
	// TypeHonor is the HONOR ID; the type string is assumed to be its
	// package's name (open in the domain notes).
	TypeHonor = "com.hihonor.id"
	// TypeMotoID is a maker's account the catalogue has no entry for
	// (a made-up Motorola type): an account Unbind cannot judge.
	TypeMotoID = "com.motorola.accountid"
	// TypeNotes is a third-party app's own account.
	TypeNotes = "com.example.notes"
)

// vendorAuthenticators are the components of account types only some
// phones carry, by type.
var vendorAuthenticators = map[string]string{
	TypeMotoID: "com.motorola.ccc.mainplm/com.motorola.accountid.AuthenticatorService",
}

// lockTypes are the account types whose presence arms a lock after a reset.
var lockTypes = []string{TypeGoogle, TypeXiaomi, TypeSamsung, TypeHuawei, TypeVivo, TypeHonor, TypeMotoID}

func isLockType(t string) bool { return slices.Contains(lockTypes, t) }

// isVendorLockType reports the locks whose removal or reset needs the vendor
// account's password (not Google's, which a Settings reset clears itself).
func isVendorLockType(t string) bool {
	return t == TypeXiaomi || t == TypeSamsung || t == TypeHuawei || t == TypeVivo || t == TypeHonor || t == TypeMotoID
}

// UserInfo flags as Android prints them in hex inside UserInfo{id:name:flags}.
const (
	FlagPrimary        uint32 = 0x1
	FlagAdmin          uint32 = 0x2
	FlagInitialized    uint32 = 0x10
	FlagManagedProfile uint32 = 0x20
	FlagFull           uint32 = 0x400
	FlagSystem         uint32 = 0x800
	FlagProfile        uint32 = 0x1000

	// FlagsOwner is the owner (user 0) on Android 11 and later: "c13".
	FlagsOwner = FlagPrimary | FlagAdmin | FlagInitialized | FlagFull | FlagSystem
	// FlagsOwnerLegacy is the owner on older builds: "13".
	FlagsOwnerLegacy = FlagPrimary | FlagAdmin | FlagInitialized
	// FlagsProfile is a work profile, Samsung Secure Folder or clone space:
	// "1030".
	FlagsProfile = FlagProfile | FlagManagedProfile | FlagInitialized
	// FlagsSecondary is a full secondary user (Xiaomi second space): "410".
	FlagsSecondary = FlagFull | FlagInitialized
)

// User is one Android user: the owner, a secondary user, a work profile,
// Samsung Secure Folder (user 150) or Xiaomi clone space (user 999).
type User struct {
	ID int
	// Name is printed unescaped; it may hold ':' and non-Latin text.
	Name  string
	Flags uint32
	// Running users are marked " running" by pm list users. The accounts of a
	// user that is not running are still listed, without the visibility
	// section, which needs the user unlocked.
	Running  bool
	Accounts []Account
}

// Account is an account as the account manager lists it. Name is printed
// unescaped; it may hold commas, ", type=" and CJK text.
type Account struct {
	Type string
	Name string
}

// Owner returns user 0 with the given display name and accounts.
func Owner(name string, accounts ...Account) User {
	return User{ID: 0, Name: name, Flags: FlagsOwner, Running: true, Accounts: accounts}
}

func cloneUsers(us []User) []User {
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = u
		out[i].Accounts = slices.Clone(u.Accounts)
	}
	return out
}

// sortUsers orders users by id, as Android lists them.
func sortUsers(us []User) {
	slices.SortStableFunc(us, func(a, b User) int { return a.ID - b.ID })
}
