package androidsim

import (
	"encoding/json"
	"strconv"
)

// Android 16's trade-in mode: a factory-reset phone boots into it before
// its setup, adb stays on, and the shell answers only `tradeinmode`
// commands (source.android.com, "Obtain system health information"). What
// the real shell prints for any other command is not documented; the
// simulator refuses it with a message and exit status 1, which the agent
// reads as "this command failed" whatever its words.

// tradeInRefused answers a command other than tradeinmode in trade-in mode.
func (p *Phone) tradeInRefused(pr *proc, name string) {
	pr.err("%s: not available in trade-in mode\n", name)
	pr.code = 1
}

// tradeinmode answers `tradeinmode getstatus` with the documented JSON:
// battery, storage, launch level, the FRP lock, product, IMEIs and serial.
func (p *Phone) tradeinmode(pr *proc, args []string) {
	if len(args) != 1 || args[0] != "getstatus" {
		pr.err("usage: tradeinmode getstatus | evaluate | testing\n")
		pr.code = 1
		return
	}
	frp, _ := p.setting("global", "secure_frp_mode")
	status := map[string]any{
		"battery":      map[string]any{"cycle_count": 212, "health": 91, "state": 2, "manufacturing_date": 1690848000, "first_usage_date": 1693526400},
		"storage":      map[string]any{"useful_lifetime_remaining": 97, "capacity_bytes": "128000000000"},
		"launch_level": p.id.SDK,
		"locks":        map[string]any{"factory_reset_protection": frp == "1"},
		"product": map[string]any{"brand": p.id.Brand, "device": p.id.Device, "manufacturer": p.id.Manufacturer,
			"model": p.id.Model, "name": p.id.Device},
		"imeis":  []string{},
		"serial": p.id.Serial,
	}
	if p.id.IMEI != "" {
		status["imeis"] = []string{p.id.IMEI}
	}
	b, err := json.MarshalIndent(status, "", "  ")
	if err != nil { // a map of plain values always encodes
		pr.err("tradeinmode: %s\n", strconv.Quote(err.Error()))
		pr.code = 1
		return
	}
	pr.out("%s\n", b)
}
