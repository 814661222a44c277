// Command unbind is the Unbind controller and its command-line client.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
