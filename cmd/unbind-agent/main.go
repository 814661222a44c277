// Command unbind-agent runs on a phone (pushed by adb, as the shell user) or on
// a bench PC driving phones through adb. It reports each phone's lock state
// and carries out the controller's commands.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
