package saslprep

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// RFC 4013 §3 examples, plus the mapping steps one by one.
func TestPrepare(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"I\u00adX", "IX", true},               // SOFT HYPHEN mapped to nothing
		{"user", "user", true},                 // no transformation
		{"USER", "USER", true},                 // case preserved
		{"\u00aa", "a", true},                  // NFKC
		{"\u2168", "IX", true},                 // NFKC
		{"\u0007", "", false},                  // prohibited character
		{"\u0627\u0031", "", false},            // bidi check
		{"a\u00a0b\u3000c", "a b c", true},     // non-ASCII spaces to SPACE
		{"e\u0301", "\u00e9", true},            // canonical composition
		{"\ufb01x\u200b", "fix", true},         // ligature; ZWSP mapped to nothing (B.1 first)
		{"\u0627\u0628", "\u0627\u0628", true}, // RandALCat only
		{"\u0627a\u0628", "", false},           // LCat inside an RandALCat string
		{"\u0627\u0628\u0031", "", false},      // must end with RandALCat
		{"\u0221", "", false},                  // unassigned in Unicode 3.2
		{"\ue000", "", false},                  // private use
		{"\ufffd", "", false},                  // C.6
		{"\U000e0001", "", false},              // tagging character
		{"\u200e", "", false},                  // C.8 LRM
		{"\u00ad\u200b", "", true},             // everything mapped away
		{"a\u1806b", "ab", true},               // B.1, missing from xdg-go/stringprep's table
		{"p\u00e4ss w\u00f6rd", "p\u00e4ss w\u00f6rd", true},
	} {
		got, err := Prepare(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Prepare(%+q) = %+q, %v; want %+q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		var pe *Error
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("Prepare(%+q): error %T is not *Error", tt.in, err)
		}
	}
	// A surrogate encoded as UTF-8 (CESU/WTF-8) and a stray byte.
	for _, s := range []string{"a\xed\xa0\x80", "\xff"} {
		if _, err := Prepare(s); !errors.Is(err, ErrInvalidUTF8) {
			t.Errorf("Prepare(%q) = %v, want ErrInvalidUTF8", s, err)
		}
	}
}

// passlibScript runs Autobahn|Python's SASLprep (passlib.utils.saslprep) on
// every line of a file: code points in hex, space separated. It writes one
// line per input: "N" when the input holds a code point that Python's
// Unicode database does not know (else "-"), then "=" and the output code
// points, or "E" and the reason.
const passlibScript = `
import sys, unicodedata
from passlib.utils import saslprep
out = []
with open(sys.argv[1]) as f:
    for line in f:
        s = "".join(chr(int(h, 16)) for h in line.split())
        flag = "N" if any(unicodedata.category(c) == "Cn" for c in s) else "-"
        try:
            r = saslprep(s)
            out.append(flag + "=" + " ".join("%x" % ord(c) for c in r))
        except (ValueError, AssertionError) as e:
            out.append(flag + "E " + (str(e) or type(e).__name__).replace("\n", " "))
sys.stdout.write("\n".join(out) + "\n")
`

// TestPassLib compares Prepare with passlib's saslprep, the one Autobahn
// uses: every Unicode scalar value alone; every one that SASLprep keeps
// between and before a RandALCat letter (which checks the bidi tables D.1
// and D.2 for all of them); random strings that mix the profile's steps.
// The only differences allowed are code points that Python's Unicode
// database (older than Go's) does not know yet: Python rejects them as
// unassigned, Go may normalize them to assigned ones.
func TestPassLib(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the differential test against passlib takes seconds")
	}
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import passlib.utils").Run(); err != nil {
		t.Skipf("%s cannot import passlib (%v); scripts/deps.sh installs python3-passlib", py, err)
	}
	var inputs [][]rune
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if utf8.ValidRune(r) { // Go strings cannot hold surrogates
			inputs = append(inputs, []rune{r})
		}
	}
	singles := len(inputs)
	const alef = 0x05d0 // HEBREW LETTER ALEF, RandALCat
	for _, rs := range inputs[:singles] {
		if _, err := Prepare(string(rs)); err == nil {
			inputs = append(inputs, []rune{alef, rs[0], alef}, []rune{rs[0], alef})
		}
	}
	pairs := len(inputs) - singles
	inputs = append(inputs, randomStrings(600)...)

	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	var b strings.Builder
	for _, rs := range inputs {
		for i, r := range rs {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatInt(int64(r), 16))
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", passlibScript, in)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	var n, bad, accepted, newer int
	var newerRunes []rune
	for sc.Scan() {
		if n >= len(inputs) {
			t.Fatal("python wrote more lines than it was given")
		}
		line := sc.Text()
		pyUnknown := strings.HasPrefix(line, "N")
		want, wantOK := parsePython(t, line[1:])
		s := string(inputs[n])
		n++
		got, err := Prepare(s)
		if err == nil {
			accepted++
		}
		if (err == nil) == wantOK && got == want {
			continue
		}
		if pyUnknown && !wantOK && err == nil {
			newer++
			if len(inputs[n-1]) == 1 {
				newerRunes = append(newerRunes, inputs[n-1][0])
			}
			continue
		}
		bad++
		if bad <= 20 {
			t.Errorf("%+q: Prepare = %+q, %v; passlib = %+q ok=%v (%s)", s, got, err, want, wantOK, line)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if n != len(inputs) {
		t.Fatalf("python answered %d of %d inputs", n, len(inputs))
	}
	t.Logf("compared %d strings (%d single code points, %d bidi pairs, %d random): %d accepted, %d disagreements; "+
		"%d accepted by Go only because Python's Unicode does not know a code point (single ones: %s)",
		n, singles, pairs, n-singles-pairs, accepted, bad, newer, runeRanges(newerRunes))
	if bad > 0 {
		t.Fatalf("%d disagreements with passlib", bad)
	}
}

// runeRanges prints sorted runes as compact ranges.
func runeRanges(rs []rune) string {
	var b strings.Builder
	for i := 0; i < len(rs); {
		j := i
		for j+1 < len(rs) && rs[j+1] == rs[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%U", rs[i])
		if j > i {
			fmt.Fprintf(&b, "..%U", rs[j])
		}
		i = j + 1
	}
	return b.String()
}

func parsePython(t *testing.T, line string) (string, bool) {
	if strings.HasPrefix(line, "E") {
		return "", false
	}
	if !strings.HasPrefix(line, "=") {
		t.Fatalf("python: unexpected line %q", line)
	}
	var b strings.Builder
	for h := range strings.FieldsSeq(line[1:]) {
		r, err := strconv.ParseInt(h, 16, 32)
		if err != nil {
			t.Fatalf("python: %q: %v", line, err)
		}
		b.WriteRune(rune(r))
	}
	return b.String(), true
}

// randomStrings mixes the characters each SASLprep step acts on.
func randomStrings(n int) [][]rune {
	pools := [][]rune{
		[]rune("abcXYZ019 .@_-"),
		{0x00ad, 0x034f, 0x1806, 0x180b, 0x200b, 0x200c, 0x200d, 0x2060, 0xfe00, 0xfe0f, 0xfeff},                 // B.1: to nothing
		{0x00a0, 0x1680, 0x2000, 0x2005, 0x200a, 0x202f, 0x205f, 0x3000},                                         // C.1.2: to SPACE
		{0x00aa, 0x00b2, 0x2168, 0xfb01, 0xff21, 0x2075, 0x0301, 0x030a, 0x0308, 0x1100, 0x1161, 0x11a8, 0xac00}, // NFKC
		{0x05d0, 0x05d1, 0x0627, 0x0628, 0x0660, 0x06f0, 0x05be, 0x0031, 0x200f, 0x202e},                         // bidi
		{0x0000, 0x0007, 0x007f, 0x0085, 0xe000, 0xfffd, 0x2ff0, 0xe0001, 0xfdd0, 0x0221, 0x1f100},               // prohibited
		{0x00e4, 0x00f6, 0x03b1, 0x0416, 0x4e2d, 0x1f600, 0x10400},                                               // other letters
	}
	rng := rand.New(rand.NewPCG(4013, 3454))
	out := make([][]rune, 0, n)
	for range n {
		rs := make([]rune, 1+rng.IntN(8))
		for i := range rs {
			switch p := pools[rng.IntN(len(pools))]; {
			case rng.IntN(10) == 0: // now and then any scalar value
				r := rune(rng.IntN(utf8.MaxRune + 1))
				for !utf8.ValidRune(r) {
					r = rune(rng.IntN(utf8.MaxRune + 1))
				}
				rs[i] = r
			default:
				rs[i] = p[rng.IntN(len(p))]
			}
		}
		out = append(out, rs)
	}
	return out
}

func FuzzPrepare(f *testing.F) {
	for _, s := range []string{"I\u00adX", "\u2168", "\u0627\u0031", "a\u1806b", "\xed\xa0\x80", "\U0001e030"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Prepare(s)
		if err != nil {
			if out != "" {
				t.Fatalf("Prepare(%+q) = %+q with error %v", s, out, err)
			}
			return
		}
		if !utf8.ValidString(out) {
			t.Fatalf("Prepare(%+q) = invalid UTF-8 %q", s, out)
		}
	})
}

func ExamplePrepare() {
	fmt.Println(Prepare("I\u00adX"))
	fmt.Println(Prepare("\u2168"))
	_, err := Prepare("\u0007")
	fmt.Println(err)
	// Output:
	// IX <nil>
	// IX <nil>
	// saslprep: prohibited character: U+0007
}
