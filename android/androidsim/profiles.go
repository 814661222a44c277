package androidsim

// Profiles return the Options of typical phones; adjust them (Person, Now,
// Faults…) before New. Every name in them is fake (example.com, made-up Mi
// ids) but has the shape of the real thing.

// model is a phone model as getprop describes it.
type model struct {
	manufacturer, brand, model, device, release string
	sdk                                         int
	miui, hyperOS, oneUI, emui                  string
}

var (
	modelXiaomi14    = model{"Xiaomi", "Xiaomi", "23127PN0CG", "houji", "14", 34, "V816", "OS1.0", "", ""}
	modelRedmiNote13 = model{"Xiaomi", "Redmi", "23124RA7EO", "sapphire", "14", 34, "V816", "OS1.0", "", ""}
	modelRedmiNote11 = model{"Xiaomi", "Redmi", "2201117TG", "spes", "13", 33, "V140", "", "", ""}
	modelPocoF5      = model{"Xiaomi", "POCO", "23049PCD8G", "marble", "13", 33, "V140", "", "", ""}
	modelXiaomi12X   = model{"Xiaomi", "Xiaomi", "2112123AG", "psyche", "12", 31, "V130", "", "", ""}
	modelGalaxyS23   = model{"samsung", "samsung", "SM-S911B", "dm1q", "14", 34, "", "", "60101", ""}
	modelGalaxyA54   = model{"samsung", "samsung", "SM-A546B", "a54x", "14", 34, "", "", "60100", ""}
	modelGalaxyS21   = model{"samsung", "samsung", "SM-G991B", "o1s", "13", 33, "", "", "50100", ""}
	modelPixel7      = model{"Google", "google", "Pixel 7", "panther", "14", 34, "", "", "", ""}
	modelPixel8      = model{"Google", "google", "Pixel 8", "shiba", "15", 35, "", "", "", ""}
	modelPixel4a     = model{"Google", "google", "Pixel 4a", "sunfish", "11", 30, "", "", "", ""}
	modelHuaweiP30   = model{"HUAWEI", "HUAWEI", "ELE-L29", "HWELE", "10", 29, "", "", "", "EmotionUI_12.0.0"}
	xiaomiModels     = []model{modelXiaomi14, modelRedmiNote13, modelRedmiNote11, modelPocoF5, modelXiaomi12X}
	samsungModels    = []model{modelGalaxyS23, modelGalaxyA54, modelGalaxyS21}
	pixelModels      = []model{modelPixel7, modelPixel8, modelPixel4a}
)

func (m model) identity(serial, imei string) Identity {
	id := Identity{
		Serial: serial, Manufacturer: m.manufacturer, Brand: m.brand, Model: m.model, Device: m.device,
		Release: m.release, SDK: m.sdk, MIUI: m.miui, HyperOS: m.hyperOS, OneUI: m.oneUI, EMUI: m.emui,
		CPUABI: "arm64-v8a", IMEI: imei,
	}
	switch {
	case id.isXiaomi():
		id.FRPPartition = "/dev/block/bootdevice/by-name/frp"
	case id.isSamsung():
		id.FRPPartition = "/dev/block/persistent"
	case m.emui != "":
		// Left empty: the check must cope with an absent property.
	default:
		id.FRPPartition = "/dev/block/by-name/frp"
	}
	return id
}

// ownerFlags is how user 0's flags print on this Android version.
func (m model) ownerFlags() uint32 {
	if m.sdk >= 30 {
		return FlagsOwner
	}
	return FlagsOwnerLegacy
}

func (m model) owner(name string, accounts ...Account) User {
	u := Owner(name, accounts...)
	u.Flags = m.ownerFlags()
	return u
}

// BoundXiaomi is a HyperOS Xiaomi with a Mi account and a Google account and
// Find Device on: the phone that locks if reset as it is.
func BoundXiaomi() Options {
	return Options{
		Identity: modelXiaomi14.identity("8a3f21c7", imei("86811205437921")),
		Users: []User{modelXiaomi14.owner("Owner",
			Account{Type: TypeGoogle, Name: "lena.hoffmann@example.com"},
			Account{Type: TypeXiaomi, Name: "2807000558"},
		)},
		FindDevice: true,
	}
}

// BoundXiaomiMIUI is BoundXiaomi on MIUI 14 (Android 13).
func BoundXiaomiMIUI() Options {
	return Options{
		Identity: modelRedmiNote11.identity("5c81e0d2", imei("86173604992015")),
		Users: []User{modelRedmiNote11.owner("机主",
			Account{Type: TypeXiaomi, Name: "1701234567"},
			Account{Type: TypeGoogle, Name: "wang.xiaoming@example.com"},
			Account{Type: TypeTelegram, Name: "王小明"},
		)},
		FindDevice: true,
	}
}

// CleanXiaomi is a Xiaomi with no account and Find Device off. Like most
// real phones that were never locked remotely, it has no lost-mode key:
// settings prints null.
func CleanXiaomi() Options {
	return Options{
		Identity: modelRedmiNote13.identity("e41b9a06", imei("86450206128334")),
		Users:    []User{modelRedmiNote13.owner("Owner")},
	}
}

// GoogleOnly is a Pixel with a Google account.
func GoogleOnly() Options {
	return Options{
		Identity: modelPixel7.identity("2B111FDH200A7Q", imei("35693803564380")),
		Users: []User{modelPixel7.owner("Owner",
			Account{Type: TypeGoogle, Name: "jonas.meyer@example.com"},
			Account{Type: TypeWhatsApp, Name: "WhatsApp"},
		)},
	}
}

// SamsungWithSecureFolder is a Galaxy with a Samsung and a Google account
// for the owner and another Google account in Secure Folder (user 150).
func SamsungWithSecureFolder() Options {
	return Options{
		Identity: modelGalaxyS23.identity("R5CW21XKQ7M", imei("35284611190774")),
		Users: []User{
			modelGalaxyS23.owner("Owner",
				Account{Type: TypeSamsung, Name: "minjun.kim@example.net"},
				Account{Type: TypeGoogle, Name: "minjun.kim@example.com"},
			),
			{ID: 150, Name: "Secure Folder", Flags: FlagsProfile, Running: true, Accounts: []Account{
				{Type: TypeGoogle, Name: "private.minjun@example.com"},
			}},
		},
	}
}

// LostModeXiaomi is a bound Xiaomi that was locked remotely.
func LostModeXiaomi() Options {
	o := BoundXiaomiMIUI()
	o.Identity.Serial = "c09d7e35"
	o.LostMode = true
	return o
}

// Unreadable is a bound Xiaomi whose account dump is denied to the shell
// user, full and --checkin alike.
func Unreadable() Options {
	o := BoundXiaomi()
	o.Identity = modelPocoF5.identity("f3a2c8b1", "")
	o.Faults.AccountDump = DumpDenied
	o.Faults.Checkin = DumpDenied
	return o
}

// Rooted is a bound Xiaomi with su (Magisk): root can read what the shell
// user cannot, and can send the reset broadcast.
func Rooted() Options {
	o := BoundXiaomi()
	o.Identity = modelPocoF5.identity("7d0e44a9", imei("86947005112293"))
	o.Rooted = true
	return o
}

// HuaweiID is a Huawei with a Huawei ID signed in (EMUI, Android 10).
func HuaweiID() Options {
	return Options{
		Identity: modelHuaweiP30.identity("L2N0219A28004711", imei("86739204120046")),
		Users: []User{modelHuaweiP30.owner("机主",
			Account{Type: TypeHuawei, Name: "zhang.wei@example.com"},
		)},
	}
}

// HangingFindDevice is a bound Xiaomi whose Find Device provider never
// answers.
func HangingFindDevice() Options {
	o := BoundXiaomi()
	o.Identity.Serial = "0b6c3f58"
	o.Faults.FindDevice = ProviderHangs
	return o
}

// LostModeOff is CleanXiaomi with the lost-mode key written as 0, as
// a phone that was locked remotely once and unlocked keeps it.
func LostModeOff() Options {
	o := CleanXiaomi()
	o.Identity = modelXiaomi12X.identity("a7c3e910", imei("86209305118822"))
	o.Faults.LostModeKey = LostModeKeyWritten
	return o
}

// LostModeUnreadable is CleanXiaomi whose lost-mode setting cannot be read
// (a SecurityException): nobody can tell whether it is locked remotely.
func LostModeUnreadable() Options {
	o := CleanXiaomi()
	o.Identity = modelRedmiNote11.identity("d5e7a021", imei("86173604990127"))
	o.Faults.LostModeKey = LostModeKeyDenied
	return o
}

// LostModeJunk is CleanXiaomi whose lost-mode setting holds no number.
func LostModeJunk() Options {
	o := CleanXiaomi()
	o.Identity = modelPocoF5.identity("b3d1f604", imei("86947005119934"))
	o.Faults.LostModeKey = LostModeKeyJunk
	return o
}
