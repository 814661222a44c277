package androidsim

// Phones whose locks lie beyond the four account types of the first set:
// each maker's own account and anti-theft switch, company management,
// financed phones, and a phone already at FRP; with a clean phone of each
// maker beside it, so failing closed is seen not to fail always. Output
// formats follow the sources the domain notes cite for each.

var (
	modelVivoX90      = model{"vivo", "vivo", "V2219", "PD2241", "13", 33, "", "", "", ""}
	modelHonorMagic5  = model{"HONOR", "HONOR", "PGT-N19", "HNPGT", "13", 33, "", "", "", ""}
	modelOppoFindX6CN = model{"OPPO", "OPPO", "PFEM10", "OP5913L1", "13", 33, "", "", "", ""}
	modelOppoReno10   = model{"OPPO", "OPPO", "CPH2531", "OP5B3BL1", "14", 34, "", "", "", ""}
	modelMotoG84      = model{"motorola", "motorola", "moto g84 5G", "bangkk", "14", 34, "", "", "", ""}
)

// VivoBound is a vivo phone with a vivo account and Find my phone on: the
// Settings reset asks for the vivo password.
func VivoBound() Options {
	return Options{
		Identity: modelVivoX90.identity("10AD5E0B7C00311", imei("86433905127780")),
		Users: []User{modelVivoX90.owner("Owner",
			Account{Type: TypeVivo, Name: "138****5521"},
			Account{Type: TypeWhatsApp, Name: "WhatsApp"},
		)},
		Settings:       map[string]string{"system/isFindPhoneOpened": "1"},
		SystemPackages: []string{"com.bbk.account", "com.vivo.findphone"},
	}
}

// VivoClean is a vivo phone with no account and Find my phone off.
func VivoClean() Options {
	o := VivoBound()
	o.Identity.Serial = "10AD5E0B7C00422"
	o.Users = []User{modelVivoX90.owner("Owner")}
	o.Settings = map[string]string{"system/isFindPhoneOpened": "0"}
	return o
}

// HonorID is an HONOR phone with an HONOR ID signed in.
func HonorID() Options {
	return Options{
		Identity: modelHonorMagic5.identity("AXXB9R3412000777", imei("86290006431104")),
		Users: []User{modelHonorMagic5.owner("Owner",
			Account{Type: TypeHonor, Name: "li.na@example.com"},
		)},
		SystemPackages: []string{"com.hihonor.id", "com.hihonor.findmydevice"},
	}
}

// HonorClean is an HONOR phone whose HONOR ID app is present but signed out.
func HonorClean() Options {
	o := HonorID()
	o.Identity.Serial = "AXXB9R3412000888"
	o.Users = []User{modelHonorMagic5.owner("Owner")}
	return o
}

// OppoChinaHeyTap is a China-build OPPO phone with a HeyTap account and
// ColorOS's Find My Phone; its account provider is closed to the shell.
func OppoChinaHeyTap() Options {
	return Options{
		Identity:       modelOppoFindX6CN.identity("7f3e2d1c", imei("86881706554413")),
		Users:          []User{modelOppoFindX6CN.owner("机主")},
		SystemPackages: []string{"com.heytap.usercenter", PackageHeyTapFind},
		HeyTapAccount:  true,
	}
}

// OppoGlobalClean is an export OPPO phone: Find My Phone is Google's, and
// nothing of HeyTap's is on it.
func OppoGlobalClean() Options {
	return Options{
		Identity: modelOppoReno10.identity("8c4a0b19", imei("86881706558810")),
		Users:    []User{modelOppoReno10.owner("Owner")},
	}
}

// ManagedWithFRPPolicy is a company's dedicated Pixel: Android Device
// Policy is its device owner, with a reset protection policy naming the
// company's admin accounts and factory reset forbidden.
func ManagedWithFRPPolicy() Options {
	return Options{
		Identity: modelPixel8.identity("3A141FDH300B8R", imei("35693803570011")),
		Users:    []User{modelPixel8.owner("Owner")},
		Policy: Policy{
			DeviceOwner:    "com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver",
			FRPAccounts:    []string{"104538922106557214490", "117700000000000000001"},
			NoFactoryReset: true,
		},
	}
}

// WorkProfileBYOD is a personal Pixel with a company's work profile: the
// company owns only the profile, which a reset removes.
func WorkProfileBYOD() Options {
	return Options{
		Identity: modelPixel7.identity("2B111FDH200C3Q", imei("35693803566610")),
		Users: []User{modelPixel7.owner("Owner"),
			{ID: 10, Name: "Work profile", Flags: FlagsProfile, Running: true}},
		Policy: Policy{ProfileOwner: "com.microsoft.windowsintune.companyportal/com.microsoft.omadm.client.PolicyManagerReceiver",
			ProfileUser: 10},
	}
}

// KnoxGuardActive is a financed Galaxy with Knox Guard active and no
// account: a reset keeps the lock.
func KnoxGuardActive() Options {
	id := modelGalaxyA54.identity("R5CWA0KG001", imei("35284611197711"))
	id.Props = map[string]string{"knox.kg.state": "Active"}
	return Options{Identity: id, Users: []User{modelGalaxyA54.owner("Owner")}}
}

// KnoxGuardCompleted is a Galaxy whose financing ended: Knox Guard
// completed and released it.
func KnoxGuardCompleted() Options {
	o := KnoxGuardActive()
	o.Identity.Serial = "R5CWA0KG002"
	o.Identity.Props = map[string]string{"knox.kg.state": "Completed"}
	return o
}

// FRPLocked is a Pixel reset while a Google account was on it: it waits
// at FRP for the previous owner's account, setup unfinished.
func FRPLocked() Options {
	return Options{
		Identity:        modelPixel8.identity("3A141FDH300C2Z", imei("35693803571191")),
		Users:           []User{modelPixel8.owner("Owner")},
		SetupIncomplete: true,
		Settings:        map[string]string{"global/secure_frp_mode": "1"},
	}
}

// AppAccountOnly is a Pixel whose only account is a third-party app's, of
// a type Unbind has no entry for: harmless.
func AppAccountOnly() Options {
	return Options{
		Identity: modelPixel7.identity("2B111FDH200D4Q", imei("35693803567790")),
		Users: []User{modelPixel7.owner("Owner",
			Account{Type: TypeNotes, Name: "notes user"},
		)},
	}
}

// UnknownMakerAccount is a Motorola with a maker's account Unbind has no
// entry for: it cannot judge it, so the phone is not safe.
func UnknownMakerAccount() Options {
	return Options{
		Identity: modelMotoG84.identity("ZY22K7ABCD", imei("35197011220018")),
		Users: []User{modelMotoG84.owner("Owner",
			Account{Type: TypeMotoID, Name: "moto.user@example.com"},
		)},
	}
}
