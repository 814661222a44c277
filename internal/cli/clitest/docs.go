package clitest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// DocLine is one command line a document shows: the file (relative to the
// repository root) and the program's arguments.
type DocLine struct {
	File string
	Args []string
}

// DocLines reads the documents a newcomer reads, README.md and every
// docs/*.md and docs/*/*.md (deployment examples) under repoRoot, and
// returns the lines of their sh blocks that run prog, in file order.
func DocLines(repoRoot, prog string) ([]DocLine, error) {
	var docs []string
	for _, pattern := range []string{"*.md", "*/*.md"} {
		found, err := filepath.Glob(filepath.Join(repoRoot, "docs", pattern))
		if err != nil {
			return nil, fmt.Errorf("list docs under %s: %w", repoRoot, err)
		}
		docs = append(docs, found...)
	}
	sort.Strings(docs)
	files := append([]string{filepath.Join(repoRoot, "README.md")}, docs...)
	var out []DocLine
	for _, path := range files {
		doc, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read documentation: %w", err)
		}
		rel, err := filepath.Rel(repoRoot, path)
		if err != nil {
			return nil, fmt.Errorf("name %s under %s: %w", path, repoRoot, err)
		}
		for _, args := range CommandLines(doc, prog) {
			out = append(out, DocLine{File: rel, Args: args})
		}
	}
	return out, nil
}
