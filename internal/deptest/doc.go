// Package deptest holds the repository's dependency tests: what each package
// may import and what each shipped binary may link. It has no code of its
// own; see deps_test.go.
package deptest
