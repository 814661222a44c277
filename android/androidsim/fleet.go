package androidsim

import (
	"math/rand/v2"
	"time"
)

// kind builds the Options of one sort of phone with fake data drawn from r.
type kind func(r *rand.Rand) Options

// fleetHead is the start of every fleet, so that even a small fleet has bound,
// clean, unreadable and lost phones; fleetCycle repeats after it. Across 50
// phones: mostly bound Xiaomi, Google and Samsung phones, some clean, two in
// lost mode, two unreadable, two rooted, two Huawei, one hanging provider.
var (
	fleetHead = []kind{
		fleetBoundXiaomi, fleetCleanXiaomi, fleetGoogle, fleetSamsungSecureFolder, fleetBoundXiaomi,
		fleetLostMode, fleetUnreadable, fleetCleanPixel, fleetBoundXiaomi, fleetRooted,
		fleetGoogle, fleetSamsung, fleetHuawei, fleetMiOnly, fleetCleanSamsung,
		fleetHanging, fleetBoundXiaomi, fleetGoogle, fleetCleanXiaomi, fleetSamsungSecureFolder,
	}
	fleetCycle = []kind{
		fleetBoundXiaomi, fleetGoogle, fleetCleanXiaomi, fleetSamsung, fleetBoundXiaomi,
		fleetCleanPixel, fleetGoogle, fleetSamsungSecureFolder, fleetBoundXiaomi, fleetMiOnly,
		fleetCleanSamsung, fleetGoogle, fleetBoundXiaomi, fleetLostMode, fleetSamsung,
		fleetCleanXiaomi, fleetBoundXiaomi, fleetGoogle, fleetUnreadable, fleetSamsungSecureFolder,
		fleetBoundXiaomi, fleetCleanPixel, fleetMiOnly, fleetGoogle, fleetRooted,
		fleetBoundXiaomi, fleetSamsung, fleetHuawei, fleetCleanXiaomi, fleetBoundXiaomi,
	}
)

// Fleet returns n phones in a realistic mix, in an order shuffled by seed.
// The same n and seed always give the same phones (serials, accounts,
// faults, people); only their clock is the real one. Serials are unique and
// valid device ids. People vary: prompt, late, partly, never.
func Fleet(n int, seed int64) []*Phone {
	r := rand.New(rand.NewPCG(uint64(seed), 0x756e62696e64))
	kinds := make([]kind, 0, max(n, 0))
	for i := range max(n, 0) {
		if i < len(fleetHead) {
			kinds = append(kinds, fleetHead[i])
		} else {
			kinds = append(kinds, fleetCycle[(i-len(fleetHead))%len(fleetCycle)])
		}
	}
	r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })

	seen := map[string]bool{}
	phones := make([]*Phone, 0, len(kinds))
	for _, k := range kinds {
		o := k(r)
		for seen[o.Identity.Serial] {
			o.Identity.Serial = fakeSerial(r, modelOf(o.Identity))
		}
		seen[o.Identity.Serial] = true
		if o.Identity.IMEI != "" {
			// One IMEI is one phone: the controller flags two reporting one.
			for seen["imei "+o.Identity.IMEI] {
				o.Identity.IMEI = fakeIMEI(r, o.Identity.IMEI[:2])
			}
			seen["imei "+o.Identity.IMEI] = true
		}
		o.Person = fleetPerson(r)
		phones = append(phones, New(o))
	}
	return phones
}

func modelOf(id Identity) model {
	return model{manufacturer: id.Manufacturer, emui: id.EMUI}
}

func fleetPerson(r *rand.Rand) Person {
	seconds := func(lo, hi int) time.Duration { return time.Duration(lo+r.IntN(hi-lo+1)) * time.Second }
	switch x := r.IntN(100); {
	case x < 40:
		return Person{Behaviour: Complies, Delay: seconds(2, 10)}
	case x < 65:
		return Person{Behaviour: Complies, Delay: seconds(30, 90)}
	case x < 80:
		return Person{Behaviour: Partly, Delay: seconds(5, 20)}
	case x < 88:
		return Person{Behaviour: Cancels, Delay: seconds(2, 10)}
	default:
		return Person{Behaviour: Never}
	}
}

// noise returns accounts that arm no lock: messengers, mail, and now and
// then a name built to trip a parser.
func noise(r *rand.Rand) []Account {
	var out []Account
	if r.IntN(2) == 0 {
		out = append(out, Account{Type: TypeWhatsApp, Name: "WhatsApp"})
	}
	if r.IntN(3) == 0 {
		out = append(out, Account{Type: TypeTelegram, Name: pick(r, cjkNames)})
	}
	if r.IntN(6) == 0 {
		out = append(out, Account{Type: TypeExchange, Name: fakeEmail(r)})
	}
	if r.IntN(5) == 0 {
		out = append(out, Account{Type: "com.example.notes", Name: pick(r, oddNames)})
	}
	return out
}

func xiaomiBase(r *rand.Rand, google bool) Options {
	m := pick(r, xiaomiModels)
	accounts := []Account{{Type: TypeXiaomi, Name: fakeMiID(r)}}
	if google {
		accounts = append(accounts, Account{Type: TypeGoogle, Name: fakeEmail(r)})
	}
	users := []User{m.owner(pick(r, ownerNames), append(accounts, noise(r)...)...)}
	if r.IntN(6) == 0 {
		// Dual apps keep a second Google account in clone space.
		users = append(users, User{ID: 999, Name: "XSpace", Flags: FlagsProfile, Running: true,
			Accounts: []Account{{Type: TypeGoogle, Name: fakeEmail(r)}}})
	}
	o := Options{Identity: m.identity(fakeSerial(r, m), fakeIMEI(r, "86")), Users: users, FindDevice: true}
	if r.IntN(100) < 35 {
		o.Faults.FindDevice = ProviderOpen
	}
	o.Faults.XiaomiIntentsDenied = r.IntN(4) == 0
	return o
}

func fleetBoundXiaomi(r *rand.Rand) Options { return xiaomiBase(r, true) }

func fleetMiOnly(r *rand.Rand) Options { return xiaomiBase(r, false) }

func fleetLostMode(r *rand.Rand) Options {
	o := xiaomiBase(r, true)
	o.LostMode = true
	return o
}

func fleetHanging(r *rand.Rand) Options {
	o := xiaomiBase(r, true)
	o.Faults.FindDevice = ProviderHangs
	return o
}

func fleetRooted(r *rand.Rand) Options {
	o := xiaomiBase(r, true)
	o.Rooted = true
	return o
}

func fleetUnreadable(r *rand.Rand) Options {
	o := xiaomiBase(r, true)
	if r.IntN(2) == 0 {
		o.Faults.AccountDump, o.Faults.Checkin = DumpDenied, DumpDenied
	} else {
		o.Faults.AccountDump, o.Faults.Checkin = DumpServicesNotLoaded, DumpDenied
	}
	return o
}

func fleetCleanXiaomi(r *rand.Rand) Options {
	m := pick(r, xiaomiModels)
	var accounts []Account
	if r.IntN(2) == 0 {
		accounts = noise(r)
	}
	return Options{
		Identity: m.identity(fakeSerial(r, m), fakeIMEI(r, "86")),
		Users:    []User{m.owner(pick(r, ownerNames), accounts...)},
	}
}

func fleetGoogle(r *rand.Rand) Options {
	m := pick(r, pixelModels)
	accounts := []Account{{Type: TypeGoogle, Name: fakeEmail(r)}}
	if r.IntN(4) == 0 {
		accounts = append(accounts, Account{Type: TypeGoogle, Name: fakeEmail(r)})
	}
	return Options{
		Identity: m.identity(fakeSerial(r, m), fakeIMEI(r, "35")),
		Users:    []User{m.owner(pick(r, ownerNames), append(accounts, noise(r)...)...)},
	}
}

func fleetCleanPixel(r *rand.Rand) Options {
	m := pick(r, pixelModels)
	return Options{
		Identity: m.identity(fakeSerial(r, m), fakeIMEI(r, "35")),
		Users:    []User{m.owner("Owner")},
	}
}

func samsungBase(r *rand.Rand, secureFolder bool) Options {
	m := pick(r, samsungModels)
	users := []User{m.owner(pick(r, ownerNames),
		append([]Account{{Type: TypeSamsung, Name: fakeEmail(r)}, {Type: TypeGoogle, Name: fakeEmail(r)}}, noise(r)...)...)}
	if secureFolder {
		users = append(users, User{ID: 150, Name: "Secure Folder", Flags: FlagsProfile, Running: r.IntN(3) > 0,
			Accounts: []Account{{Type: TypeGoogle, Name: fakeEmail(r)}}})
	}
	return Options{Identity: m.identity(fakeSerial(r, m), fakeIMEI(r, "35")), Users: users}
}

func fleetSamsung(r *rand.Rand) Options { return samsungBase(r, false) }

func fleetSamsungSecureFolder(r *rand.Rand) Options { return samsungBase(r, true) }

func fleetCleanSamsung(r *rand.Rand) Options {
	m := pick(r, samsungModels)
	return Options{
		Identity: m.identity(fakeSerial(r, m), ""),
		Users:    []User{m.owner("Owner")},
	}
}

func fleetHuawei(r *rand.Rand) Options {
	m := modelHuaweiP30
	return Options{
		Identity: m.identity(fakeSerial(r, m), fakeIMEI(r, "86")),
		Users: []User{m.owner(pick(r, ownerNames),
			Account{Type: TypeHuawei, Name: fakeEmail(r)}, Account{Type: TypeGoogle, Name: fakeEmail(r)})},
	}
}
