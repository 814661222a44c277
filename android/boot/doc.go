// Package boot holds the boot script that starts the agent on rooted phones
// (service.sh, Magisk-style). Processes started over adb do not survive a
// reboot; on a rooted phone this script starts the agent again at boot.
package boot

import _ "embed"

// ServiceScript is service.sh, for tools that install it on a phone.
//
//go:embed service.sh
var ServiceScript []byte
