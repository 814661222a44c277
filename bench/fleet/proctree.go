package fleet

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// A PostgreSQL server is a tree of processes (the postmaster and a backend
// per connection), so its use is read over the tree; a single process
// (a controller, Mosquitto) is read alone.

// rssOf is a process's resident set size, from /proc (0 elsewhere).
func rssOf(pid int) uint64 {
	return statusField(fmt.Sprintf("/proc/%d/status", pid), "VmRSS:")
}

// cpuOfPID is the CPU time a process has used so far, user and system, in
// seconds (0 elsewhere).
func cpuOfPID(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return cpuOfStat(b)
}

// statusField reads a "Name:   123 kB" line of a /proc file, in bytes.
func statusField(path, name string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// statFields are the fields of a /proc/PID/stat line after the command
// name (which may hold spaces and parentheses, so they are counted from
// the last ')'): f[0] is field 3 (state), f[1] field 4 (ppid).
func statFields(b []byte) []string {
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// treeCPU is the CPU time of root and its live descendants, plus what their
// children that ended had used (cutime and cstime): a backend that served
// a connection and exited is counted too.
func treeCPU(root int) float64 {
	total := 0.0
	for _, pid := range processTree(root) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		total += cpuOfStat(b) + childrenCPUOfStat(b)
	}
	return total
}

// treeMemory is the proportional set size of root and its descendants
// (Pss from smaps_rollup): pages they share, as PostgreSQL's shared
// buffers, are counted once in all, not once per process as RSS would.
func treeMemory(root int) uint64 {
	var total uint64
	for _, pid := range processTree(root) {
		total += statusField(fmt.Sprintf("/proc/%d/smaps_rollup", pid), "Pss:")
	}
	return total
}

// childrenCPUOfStat reads cutime and cstime (fields 16 and 17), in seconds.
func childrenCPUOfStat(b []byte) float64 {
	f := statFields(b)
	if len(f) < 15 {
		return 0
	}
	cu, err1 := strconv.ParseUint(f[13], 10, 64)
	cs, err2 := strconv.ParseUint(f[14], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return float64(cu+cs) / clockTicks
}

// processTree is root and every live descendant of it, from /proc.
func processTree(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // ended meanwhile
		}
		if f := statFields(b); len(f) > 1 {
			if ppid, err := strconv.Atoi(f[1]); err == nil {
				children[ppid] = append(children[ppid], pid)
			}
		}
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree
}
