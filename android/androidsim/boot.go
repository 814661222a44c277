package androidsim

import (
	"fmt"
	"hash/fnv"
)

// bootIDLocked is the kernel's boot ID of the current boot: a UUID-shaped
// value derived from the serial and the boot count, so that runs repeat.
func (p *Phone) bootIDLocked() string {
	h := fnv.New128a()
	fmt.Fprintf(h, "%s/%d", p.id.Serial, p.boots)
	b := h.Sum(nil)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// BootID returns the phone's current boot ID.
func (p *Phone) BootID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bootIDLocked()
}

// Reboot restarts the phone: a new boot ID, and a phone that was going down
// for a wipe has finished going down: wiped, with USB debugging off.
func (p *Phone) Reboot() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.boots++
	if p.goingDown != "" {
		// Wiped: USB debugging is off, unless the phone enters trade-in
		// mode, which keeps adb for its status.
		p.adbOff = !p.tradeInMode
		p.tradeInFoyer = p.tradeInMode
	}
	p.goingDown = ""
}

// cat prints the boot ID; the simulated phone has no other file.
func (p *Phone) cat(pr *proc, args []string) {
	for _, a := range args {
		if a != "/proc/sys/kernel/random/boot_id" {
			pr.err("cat: %s: No such file or directory\n", a)
			pr.code = 1
			continue
		}
		pr.out("%s\n", p.bootIDLocked())
	}
}
