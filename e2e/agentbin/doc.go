// Package agentbin tests the unbind-agent binary as it ships: built by the
// tests themselves, run as a process against the fake adb and fake phone
// commands of android/androidsim/cmd/fakephone, and the linux/arm64 build run
// under qemu-aarch64 (Debian package qemu-user) as it would run on a phone.
//
// qemu-user runs only the agent: a program the agent starts (getprop, pm,
// dumpsys...) is exec'd by the host kernel, so the fake phone commands are
// host builds. That is also why nothing here needs binfmt_misc.
package agentbin
