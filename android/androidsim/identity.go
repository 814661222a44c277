package androidsim

import (
	"strconv"
	"strings"
)

// Identity is what the phone says about itself through getprop, plus its
// IMEI. Empty fields are absent properties.
type Identity struct {
	Serial       string
	Manufacturer string
	Brand        string
	Model        string
	// Device is the build's code name (ro.product.device), e.g. "houji".
	Device string
	// Release is the Android version (ro.build.version.release), e.g. "14".
	Release string
	SDK     int
	// MIUI is ro.miui.ui.version.name ("V140" on MIUI 14). HyperOS phones
	// keep a MIUI value too ("V816").
	MIUI string
	// HyperOS is ro.mi.os.version.name, e.g. "OS1.0".
	HyperOS string
	// OneUI is ro.build.version.oneui, e.g. "60101" for One UI 6.1.1.
	OneUI string
	// EMUI is ro.build.version.emui, e.g. "EmotionUI_12.0.0".
	EMUI   string
	CPUABI string
	// FRPPartition is ro.frp.pst, the block device of the FRP data.
	FRPPartition string
	// IMEI, when set, is what service call iphonesubinfo answers; when empty
	// the call answers with a SecurityException parcel, as on Android 10+.
	IMEI string
	// Props adds or overrides properties.
	Props map[string]string
}

// isXiaomi reports whether the phone runs Xiaomi's software, which is what
// the Find Device provider and the Xiaomi screens depend on.
func (id Identity) isXiaomi() bool {
	return id.MIUI != "" || id.HyperOS != "" || strings.EqualFold(id.Manufacturer, "Xiaomi")
}

func (id Identity) isSamsung() bool { return strings.EqualFold(id.Manufacturer, "samsung") }
func (id Identity) isVivo() bool    { return strings.EqualFold(id.Manufacturer, "vivo") }
func (id Identity) isHonor() bool   { return strings.EqualFold(id.Manufacturer, "HONOR") }
func (id Identity) isOPPO() bool {
	return strings.EqualFold(id.Manufacturer, "OPPO") || strings.EqualFold(id.Manufacturer, "realme") ||
		strings.EqualFold(id.Manufacturer, "OnePlus")
}

// props returns every property getprop lists. Besides the identity it holds
// the unrelated properties a real listing is full of, so parsers meet them.
func (id Identity) props() map[string]string {
	release := id.Release
	sdk := strconv.Itoa(id.SDK)
	fingerprint := id.Brand + "/" + id.Device + "/" + id.Device + ":" + release + "/" + buildID(id.SDK) + "/" + buildIncremental(id) + ":user/release-keys"
	p := map[string]string{
		"ro.serialno":                  id.Serial,
		"ro.boot.serialno":             id.Serial,
		"ro.product.manufacturer":      id.Manufacturer,
		"ro.product.brand":             id.Brand,
		"ro.product.model":             id.Model,
		"ro.product.name":              id.Device,
		"ro.product.device":            id.Device,
		"ro.product.system.model":      id.Model,
		"ro.build.version.release":     release,
		"ro.build.version.sdk":         sdk,
		"ro.build.id":                  buildID(id.SDK),
		"ro.build.version.incremental": buildIncremental(id),
		"ro.build.fingerprint":         fingerprint,
		"ro.build.type":                "user",
		"ro.build.tags":                "release-keys",
		"ro.product.cpu.abi":           id.CPUABI,
		"ro.product.cpu.abilist":       abiList(id.CPUABI),
		"ro.frp.pst":                   id.FRPPartition,
		"ro.secure":                    "1",
		"ro.debuggable":                "0",
		"ro.adb.secure":                "1",
		"ro.crypto.state":              "encrypted",
		"ro.crypto.type":               "file",
		"sys.boot_completed":           "1",
		"persist.sys.timezone":         "Europe/Berlin",
		"persist.sys.usb.config":       "mtp,adb",
		"gsm.sim.state":                "ABSENT,ABSENT",
		"gsm.version.baseband":         "",
		"dalvik.vm.heapsize":           "512m",
		"ro.product.locale":            "en-US",
		"ro.hardware":                  "qcom",
		"init.svc.adbd":                "running",
		"ro.boot.verifiedbootstate":    "green",
	}
	if id.MIUI != "" {
		p["ro.miui.ui.version.name"] = id.MIUI
		p["ro.miui.ui.version.code"] = strings.TrimPrefix(id.MIUI, "V")
		p["ro.miui.region"] = "GLOBAL"
	}
	if id.HyperOS != "" {
		p["ro.mi.os.version.name"] = id.HyperOS
		p["ro.mi.os.version.incremental"] = buildIncremental(id)
	}
	if id.OneUI != "" {
		p["ro.build.version.oneui"] = id.OneUI
	}
	if id.EMUI != "" {
		p["ro.build.version.emui"] = id.EMUI
		p["ro.build.hw_emui_api_level"] = "27"
	}
	for k, v := range id.Props {
		p[k] = v
	}
	for k, v := range p {
		if v == "" && k != "gsm.version.baseband" {
			// getprop lists only set properties; one empty value stays in
			// the listing on purpose, as phones print "[key]: []".
			delete(p, k)
		}
	}
	return p
}

func buildID(sdk int) string {
	switch {
	case sdk >= 35:
		return "AP3A.240905.015.A2"
	case sdk >= 34:
		return "UKQ1.230804.001"
	case sdk >= 33:
		return "TKQ1.221114.001"
	case sdk >= 31:
		return "SKQ1.211006.001"
	default:
		return "RKQ1.200826.002"
	}
}

func buildIncremental(id Identity) string {
	switch {
	case id.HyperOS != "":
		return id.HyperOS + ".0.UNCMIXM"
	case id.MIUI != "":
		return id.MIUI + ".0.TGCMIXM"
	case id.OneUI != "":
		return "S918BXXS3BXF1"
	default:
		return "11583682"
	}
}

func abiList(abi string) string {
	if abi == "arm64-v8a" {
		return "arm64-v8a,armeabi-v7a,armeabi"
	}
	return abi
}
