package androidsim

// DumpFault is how the account service answers dumpsys account.
type DumpFault int

const (
	// DumpOK prints the accounts.
	DumpOK DumpFault = iota
	// DumpDenied prints the "Permission Denial: can't dump AccountsManager"
	// text, as builds that withhold DUMP from the shell user do. Root still
	// gets the dump.
	DumpDenied
	// DumpServicesNotLoaded lists every user with "Accounts: 0" and
	// "RegisteredServicesCache: services not loaded", whatever the phone
	// holds: a parser that trusts the count misses every account.
	DumpServicesNotLoaded
	// DumpEmpty prints nothing and exits 0.
	DumpEmpty
	// DumpTruncated cuts the output inside the first non-empty account list.
	DumpTruncated
)

func (f DumpFault) String() string {
	switch f {
	case DumpOK:
		return "ok"
	case DumpDenied:
		return "denied"
	case DumpServicesNotLoaded:
		return "services_not_loaded"
	case DumpEmpty:
		return "empty"
	case DumpTruncated:
		return "truncated"
	}
	return "unknown"
}

// ProviderAccess is how the Xiaomi Find Device provider answers content query.
// Whether the shell user may query it is open in the domain notes, so both
// answers exist; the zero value is the likely one, denied.
type ProviderAccess int

const (
	// ProviderDenied: "Error while accessing provider" and a
	// SecurityException on stderr. Root may still query it.
	ProviderDenied ProviderAccess = iota
	// ProviderOpen answers "Row: 0 isLastStatusOpen=1".
	ProviderOpen
	// ProviderHangs never answers: Run blocks until its ctx is done.
	ProviderHangs
	// ProviderNoResult answers "No result found.".
	ProviderNoResult
	// ProviderNull answers a row whose value is NULL.
	ProviderNull
	// ProviderAbsent: no such provider on this phone. Non-Xiaomi phones
	// behave so whatever this field says.
	ProviderAbsent
)

func (a ProviderAccess) String() string {
	switch a {
	case ProviderDenied:
		return "denied"
	case ProviderOpen:
		return "open"
	case ProviderHangs:
		return "hangs"
	case ProviderNoResult:
		return "no_result"
	case ProviderNull:
		return "null"
	case ProviderAbsent:
		return "absent"
	}
	return "unknown"
}

// Faults are the ways one phone fails. The zero value is a phone that answers
// everything, except that its Find Device provider denies the shell user.
type Faults struct {
	// AccountDump applies to the full dumpsys account.
	AccountDump DumpFault
	// Checkin applies to dumpsys account --checkin.
	Checkin DumpFault
	// FindDevice is how the Find Device provider answers.
	FindDevice ProviderAccess
	// ResetKeepsFRP: the phone's reset leaves factory reset protection
	// engaged (secure_frp_mode 1 after it), as a vendor build whose reset
	// does not wipe the lock would.
	ResetKeepsFRP bool
	// HeyTapProvider is how an OPPO phone with HeyTap's Find My Phone
	// answers a query of its account provider. The zero value, denied, is
	// what the shell user is expected to get (derived in the domain notes);
	// ProviderOpen answers a row when a HeyTap account is signed in and
	// "No result found." otherwise.
	HeyTapProvider ProviderAccess
	// LostModeKey is how a Xiaomi phone answers settings get global
	// com.xiaomi.system.devicelock.locked. The zero value is the common case
	// on real phones: the key was never written and prints null, unless the
	// phone is in lost mode.
	LostModeKey LostModeKey
	// SettingsNull: every settings get prints null.
	SettingsNull bool
	// XiaomiIntentsDenied: am start of the Mi account and Find Device screens
	// fails with a SecurityException (shell may not start them: open item).
	XiaomiIntentsDenied bool
	// Unreachable: every Run fails as adb does when the phone is gone, with
	// UnreachableErr if set, else an error wrapping
	// android.ErrDeviceUnreachable.
	Unreachable    bool
	UnreachableErr error
}

// LostModeKey is how a Xiaomi phone answers the lost-mode setting.
type LostModeKey int

const (
	// LostModeKeyAbsent: the key was never written; settings prints null
	// (a phone in lost mode prints 1). Real phones that were never locked
	// remotely answer so.
	LostModeKeyAbsent LostModeKey = iota
	// LostModeKeyWritten: the key holds 0, or 1 in lost mode.
	LostModeKeyWritten
	// LostModeKeyDenied: settings fails with a SecurityException
	// (Permission Denial), as a build that guards the key would.
	LostModeKeyDenied
	// LostModeKeyJunk: the key holds something that is not a number.
	LostModeKeyJunk
)

func (k LostModeKey) String() string {
	switch k {
	case LostModeKeyAbsent:
		return "absent"
	case LostModeKeyWritten:
		return "written"
	case LostModeKeyDenied:
		return "denied"
	case LostModeKeyJunk:
		return "junk"
	}
	return "unknown"
}
