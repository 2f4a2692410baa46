// Package examples holds small programs (one main package per folder),
// each run end to end by its test. This test keeps the README's Go
// snippets cut from them, so the README cannot drift from code that
// compiles and runs.
package examples

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// goBlock is a ```go fenced block of a Markdown file.
var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// TestReadmeSnippets checks every Go block of ../README.md: its first line
// names the example it is cut from ("// examples/NAME/main.go") and the
// rest of it appears in that file as consecutive lines (compared without
// leading indentation, which a snippet may drop). Every example the README
// quotes from must exist.
func TestReadmeSnippets(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlock.FindAllStringSubmatch(string(readme), -1)
	quoted := map[string]bool{}
	for i, b := range blocks {
		lines := strings.Split(strings.TrimRight(b[1], "\n"), "\n")
		src, ok := strings.CutPrefix(lines[0], "// ")
		if !ok || !strings.HasPrefix(src, "examples/") {
			t.Errorf("README Go block %d does not start with // examples/NAME/main.go:\n%s", i+1, b[1])
			continue
		}
		quoted[src] = true
		file, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(src)))
		if err != nil {
			t.Errorf("README Go block %d: %v", i+1, err)
			continue
		}
		if !containsLines(strings.Split(string(file), "\n"), lines[1:]) {
			t.Errorf("README Go block %d is not (any more) in %s:\n%s", i+1, src, strings.Join(lines[1:], "\n"))
		}
	}
	for _, want := range []string{"examples/echo-server/main.go", "examples/echo-client/main.go", "examples/wamp-component/main.go", "examples/xor-mask/main.go"} {
		if !quoted[want] {
			t.Errorf("the README quotes nothing from %s", want)
		}
	}
}

// mdLink is a Markdown link's target: [text](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestReadmeLinks checks that every relative link of ../README.md and
// ../docs/architecture.md names a file or folder of the checkout.
func TestReadmeLinks(t *testing.T) {
	for _, doc := range []string{"README.md", "docs/architecture.md"} {
		text, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(doc)))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(text), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path := filepath.Join("..", filepath.Dir(filepath.FromSlash(doc)), filepath.FromSlash(target))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links %s, which does not exist", doc, m[1])
			}
		}
	}
}

// containsLines reports whether want occurs in have as consecutive lines,
// ignoring leading whitespace.
func containsLines(have, want []string) bool {
	if len(want) == 0 {
		return false
	}
	trim := func(s string) string { return strings.TrimLeft(s, " \t") }
	for i := 0; i+len(want) <= len(have); i++ {
		j := 0
		for j < len(want) && trim(have[i+j]) == trim(want[j]) {
			j++
		}
		if j == len(want) {
			return true
		}
	}
	return false
}

func TestContainsLines(t *testing.T) {
	have := []string{"a", "\tb", "c", "d"}
	for _, tt := range []struct {
		want []string
		ok   bool
	}{
		{[]string{"b", "c"}, true},
		{[]string{"a", "c"}, false},
		{[]string{"c", "d", "e"}, false},
		{nil, false},
	} {
		if got := containsLines(have, tt.want); got != tt.ok {
			t.Errorf("containsLines(%q) = %v, want %v", tt.want, got, tt.ok)
		}
	}
}
