// Command unbind-bench is the fleet benchmark: it runs a controller on its
// embedded broker in a child process, and Mosquitto as the reference when it
// is installed, then drives light agents against both (see bench/fleet).
//
//	unbind-bench --agents 1000 --reports 100 -o json
package main

import (
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
