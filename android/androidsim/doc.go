// Package androidsim is a simulated Android phone. A *Phone implements
// android.Transport: it answers the command lines the Android adapter runs
// (getprop, pm, dumpsys account, content query, settings, am, cmd, service,
// su, id, sh -c) with the output formats of real phones, as the adb shell user,
// and fails the way phones fail (Permission Denial, services not loaded, empty
// or cut output, a provider that hangs, a phone that is gone).
//
// It fakes only the shell, so the real parsers and android.Device always run
// on top of it. Its state is mutable and safe for concurrent use: a simulated
// person at the phone signs out, switches Find Device off or confirms a reset
// some time after the agent opened the right screen. Time comes from an
// injectable clock and the person's actions take effect lazily, when a later
// command finds their due time passed, so a Phone runs no goroutines.
package androidsim
