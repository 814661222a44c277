package agent

import "github.com/unbind/unbind/protocol"

// MaskAccountName hides most of an account name (protocol.MaskAccountName):
// "jane.doe@gmail.com" becomes "ja***@gmail.com".
func MaskAccountName(name string) string { return protocol.MaskAccountName(name) }
