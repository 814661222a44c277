package broker

import "syscall"

// fdReserve is the file descriptors kept for everything but MQTT clients:
// the registry, the HTTP API and its clients, the listener, logs.
const fdReserve = 512

// RaiseFileLimit raises the soft limit on open files to the hard limit and
// returns the soft limit now in force, or 0 when it cannot be read.
func RaiseFileLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			lim = raised
		}
	}
	return uint64(lim.Cur)
}

// DefaultMaxClients is the client cap that fits a file descriptor limit:
// one descriptor per client, fdReserve kept for the rest. An unknown limit
// (0) gives 4,096.
func DefaultMaxClients(fdLimit uint64) int {
	switch {
	case fdLimit == 0:
		return 4096
	case fdLimit <= 2*fdReserve:
		return int(fdLimit / 2)
	case fdLimit-fdReserve > 1<<20:
		return 1 << 20
	}
	return int(fdLimit - fdReserve)
}
